"""Why a run failed, in one line a user can act on: the top rejection reason and its fix.

``rejection_fix(output_dir, reason, settings)`` looks at the rejected records of ``reason`` that
the run wrote (``rejected-*.jsonl``, streamed, at most ``SAMPLE`` of them) and returns what to
change: a JSONL input whose text is in another field gets ``--set input.text_field=content``
(the field is read from the rejected lines themselves), too-short documents get a
``filter.min_words`` that would keep half of them, non-UTF-8 bytes get a decode policy; any
other reason points to the rejected files.
"""
import ast
import json
import statistics

import regex

from pipeline.report import iter_records

SAMPLE = 1000  # rejected records of the top reason looked at
WORDS_RE = regex.compile(r"^(\d+) words < filter\.min_words=")
FIELDS_RE = regex.compile(r"fields present: (\[.*\])")


def top_reason(stats):
    """``(stage:reason, count)`` of the most frequent rejection reason, or ``(None, 0)``."""
    by_reason = stats.get("rejected_by_reason") or {}
    if not by_reason:
        return None, 0
    return min(by_reason.items(), key=lambda kv: (-kv[1], kv[0]))


def _sample(output_dir, reason, limit=SAMPLE):
    """Up to ``limit`` rejected records with ``stage:reason`` (lines are filtered unparsed)."""
    stage, name = reason.split(":", 1)
    needle = f'"reason": {json.dumps(name)}'.encode("utf-8")
    found = []
    for rec in iter_records(output_dir, "rejected", lambda line: needle in line):
        if rec.get("stage") == stage and rec.get("reason") == name:
            found.append(rec)
            if len(found) >= limit:
                break
    return found


def _fields_of(rec):
    """The JSON object of a rejected JSONL line (dict), from its text or else its detail."""
    try:
        obj = json.loads(rec.get("text") or "")
        if isinstance(obj, dict):
            return obj
    except ValueError:
        pass
    match = FIELDS_RE.search(rec.get("detail") or "")
    if match:
        try:
            return {name: None for name in ast.literal_eval(match.group(1))}
        except (ValueError, SyntaxError):
            pass
    return {}


def text_field_candidate(records, id_field="id"):
    """The field most likely to hold the text: among string fields other than ``id_field``,
    the one with the most characters over the sampled records; None when there is none.

    >>> text_field_candidate([{"text": '{"id": "a", "content": "long text here", "lang": "en"}'}])
    'content'
    """
    chars = {}
    for rec in records:
        for name, value in _fields_of(rec).items():
            if name != id_field and isinstance(value, str):
                chars[name] = chars.get(name, 0) + len(value)
    return max(sorted(chars), key=lambda name: chars[name]) if chars else None


def _field_list(records):
    names = []
    for rec in records[:50]:
        names.extend(name for name in _fields_of(rec) if name not in names)
    shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    return f"[{shown}]"


def rejection_fix(output_dir, reason, settings):
    """What to change when most records are rejected for ``reason`` (``stage:reason``): str."""
    name = reason.split(":", 1)[-1]
    records = _sample(output_dir, reason) if name in ("missing_text_field", "text_not_string",
                                                      "too_few_words") else []
    if name in ("missing_text_field", "text_not_string"):
        field = settings.input.text_field
        candidate = text_field_candidate(records, settings.input.id_field)
        if candidate and candidate != field:
            return f"its records have fields {_field_list(records)}: try --set input.text_field={candidate}"
        return f"its records have fields {_field_list(records)}: set input.text_field to the text's field"
    if name == "too_few_words":
        words = [int(m.group(1)) for m in (WORDS_RE.match(r.get("detail") or "") for r in records) if m]
        current = settings.filter.min_words
        if words:
            lower = max(1, int(statistics.median_low(words)))
            if lower < current:
                return (f"most documents have fewer than filter.min_words={current} words after cleaning "
                        f"(median {lower}): try --set filter.min_words={lower}, or a lighter --preset "
                        "if junk stripping removed the text")
        return ("documents are too short after cleaning: lower filter.min_words (--set filter.min_words=N) "
                "or use a lighter --preset")
    if name == "invalid_utf8":
        return "the input is not UTF-8: try --set input.decode_errors=detect (or replace)"
    if name == "unsupported_file":
        return "the input files are not .txt/.md/.jsonl/.ndjson (optionally .gz/.bz2/.zst): convert them " \
               "or point --input at the text files"
    if name == "empty_after_cleaning":
        return "cleaning removed all the text: try --preset minimal, or see which rules hit in report.html"
    if name == "invalid_json":
        return "the lines are not JSON: is this really a JSONL file? see rejected-*.jsonl"
    return f"see the records in {output_dir}/rejected-*.jsonl (detail field) and report.html"


def failure_line(exc, output_dir, settings):
    """The one-line message of a run that ran but failed (``assembly.RunFailed``)."""
    stats = exc.stats
    where = f"no _SUCCESS written; outputs and stats.json in {output_dir}"
    reason, count = top_reason(stats)
    if not stats.get("counts", {}).get("read") or reason is None:
        return f"{exc}; {where}"
    return f"{exc}; top reason {reason} ({count:,}): {rejection_fix(output_dir, reason, settings)}; {where}"
