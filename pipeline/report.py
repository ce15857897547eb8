"""``report.html``: a self-contained page (inline CSS and SVG, no network) about one run.

``write_report(output_dir, stats)`` reads the run's output directory (``stats.json`` values
passed in, plus the ``clean-*``, ``duplicates-*``, ``rejected-*`` and ``removed-*`` shards)
and writes ``report.html`` next to them. The files are streamed once each and only bounded
samples are kept (top-N clusters, a few members per cluster, a few examples per rejection
reason, a few cleaned documents, texts cut to a few thousand characters), so the page stays
small and quick whatever the corpus size. Numbers in the summary carry ``id`` and
``data-value`` attributes (``stat-read``, ``stat-kept`` ...) so tools can read them back.
"""
import difflib
import heapq
import html
import json

import regex
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

REPORT_NAME = "report.html"
TOP_CLUSTERS = 6          # largest clusters shown
MEMBERS_PER_CLUSTER = 4   # near-duplicate members shown beside their representative
MAX_EXACT_IDS = 20        # ids of exact copies listed per cluster
EXAMPLES_PER_REASON = 3   # rejected examples per reason
CLEANED_DOCS = 5          # cleaned documents shown with their removed lines
MAX_REMOVED_LINES = 40    # removed lines shown per cleaned document
TEXT_CHARS = 3000         # characters of a text kept for display / diff
SNIPPET_CHARS = 400       # characters of a rejected text shown

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2430;background:#f5f6f8}
main{max-width:1200px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid #d5d9e0;padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px}.muted{color:#667085}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:14px 0}
.card{background:#fff;border:1px solid #d5d9e0;border-radius:8px;padding:10px 16px;min-width:120px}
.card .v{font-size:24px;font-weight:600}.card .k{color:#667085;font-size:12px;text-transform:uppercase}
.ok{color:#137333}.bad{color:#b3261e}
table{border-collapse:collapse;background:#fff;width:100%}
td,th{border:1px solid #d5d9e0;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef0f4}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:10px;margin:6px 0 14px}
.txt{background:#fff;border:1px solid #d5d9e0;border-radius:6px;padding:8px;white-space:pre-wrap;
 max-height:260px;overflow:auto;font:12px/1.4 ui-monospace,Menlo,Consolas,monospace}
del{background:#fdd;color:#8a1c1c}ins{background:#dfd;color:#135c13;text-decoration:none}
.removed del{display:block;background:#fdecec}.rule{font:11px ui-monospace,monospace;color:#667085;margin-right:6px}
svg text{font:12px system-ui,sans-serif;fill:#1d2430}
"""


# ------------------------------------------------------------------ reading outputs

def iter_records(output_dir, prefix, wanted=None):
    """Yield the JSON records of every ``{prefix}-*.jsonl[.gz]`` shard of ``output_dir``, in shard order.

    ``wanted(raw_line) -> bool``, if given, skips lines before they are parsed (speed).
    """
    pattern = f"{output_dir.rstrip('/')}/{prefix}-*"
    try:
        matched = FileSystems.match([pattern])[0].metadata_list
    except Exception:  # Beam raises when a pattern matches nothing
        return
    for meta in sorted(matched, key=lambda m: m.path):
        if meta.path.endswith(".parquet"):  # output.format: parquet (``wanted`` is only a speed-up)
            from transforms.columnar import read_parquet_records
            yield from read_parquet_records(meta.path)
            continue
        with FileSystems.open(meta.path, compression_type=CompressionTypes.AUTO) as handle:
            while True:  # Beam's CompressedFile has readline() but is not iterable
                line = handle.readline()
                if not line:
                    break
                if line.strip() and (wanted is None or wanted(line)):
                    yield json.loads(line)


def cut(text, limit=TEXT_CHARS):
    """``text`` cut to ``limit`` characters, with a marker when something was cut."""
    text = text or ""
    return text if len(text) <= limit else text[:limit] + " …[cut]"


def _first_field(key, value):
    """How a JSON line our writers wrote starts when ``key`` is its first field and holds
    ``value`` (bytes), to pick lines without parsing them.

    >>> _first_field("id", "a\u00e9")
    b'{"id": "a\\xc3\\xa9"'
    """
    return ('{"%s": ' % key + json.dumps(value, ensure_ascii=False)).encode("utf-8")


def collect(output_dir):
    """Bounded samples of a run's outputs for the report (dict); streams each file once.

    Keys: ``clusters`` (largest clusters: representative + some members), ``rejected``
    ({reason: {"count", "examples"}}), ``cleaned`` (docs with their removed lines),
    ``has_removed`` (whether removed-* shards exist).
    """
    removed, removed_seen = {}, False
    full_prefixes = set()  # once enough documents are sampled, parse only their lines

    def removed_wanted(line):
        return len(removed) < CLEANED_DOCS * 4 or line.split(b', "rule"', 1)[0] in full_prefixes

    for rec in iter_records(output_dir, "removed", removed_wanted):
        removed_seen = True
        doc = rec["doc_id"]
        if doc in removed or len(removed) < CLEANED_DOCS * 4:
            if doc not in removed:
                full_prefixes.add(_first_field("doc_id", doc))
            lines = removed.setdefault(doc, [])
            if len(lines) < MAX_REMOVED_LINES:
                lines.append((rec["rule"], rec["line"]))
    top, cleaned = [], {}

    # writers put id first and duplicate_count last: a line is parsed when it is in a cluster,
    # or while documents with removed lines are sampled, when it is one of them
    removed_ids = {_first_field("id", doc) for doc in removed}

    def clean_wanted(line):
        if not line.rstrip().endswith(b'"duplicate_count": 0}'):
            return True
        return len(cleaned) < CLEANED_DOCS and line.split(b', "text": ', 1)[0] in removed_ids

    for rec in iter_records(output_dir, "clean", clean_wanted):
        if rec["id"] in removed and len(cleaned) < CLEANED_DOCS:
            cleaned[rec["id"]] = {"id": rec["id"], "text": cut(rec["text"]), "removed": removed[rec["id"]]}
        if rec.get("duplicate_count", 0) > 0:
            item = (rec["duplicate_count"], _neg(rec["cluster_id"]), rec["cluster_id"], cut(rec["text"]), rec["id"])
            if len(top) < TOP_CLUSTERS:
                heapq.heappush(top, item)
            elif item[:2] > top[0][:2]:
                heapq.heapreplace(top, item)
    clusters = {cid: {"cluster_id": cid, "size": n + 1, "rep_id": rid, "rep_text": text, "members": [],
                      "exact": 0, "exact_ids": []}
                for n, _, cid, text, rid in top}
    for rec in iter_records(output_dir, "duplicates"):
        c = clusters.get(rec["cluster_id"])
        if c is None:
            continue
        if rec["kind"] == "exact":
            c["exact"] += 1
            if len(c["exact_ids"]) < MAX_EXACT_IDS:
                c["exact_ids"].append(rec["id"])
        elif len(c["members"]) < MEMBERS_PER_CLUSTER:
            c["members"].append({"id": rec["id"], "kind": rec["kind"], "similarity": rec["similarity"],
                                 "text": cut(rec["text"])})
    rejected = {}
    for rec in iter_records(output_dir, "rejected"):
        group = rejected.setdefault(f"{rec['stage']}:{rec['reason']}", {"count": 0, "examples": []})
        group["count"] += 1
        if len(group["examples"]) < EXAMPLES_PER_REASON:
            group["examples"].append({"id": rec["id"], "detail": rec.get("detail", ""),
                                      "text": cut(rec.get("text", ""), SNIPPET_CHARS)})
    ordered = sorted(clusters.values(), key=lambda c: (-c["size"], c["cluster_id"]))
    return {"clusters": ordered, "rejected": rejected, "cleaned": list(cleaned.values()),
            "has_removed": removed_seen}


def _neg(text):
    """Sort helper: a key that orders strings in reverse (so smaller ids win heap ties)."""
    return tuple(-ord(ch) for ch in text) + (1,)


# ------------------------------------------------------------------ rendering

def word_diff(a, b):
    """HTML of two texts side by side: ``(left, right)`` with removed words in <del>, added in <ins>.

    Words carry their trailing whitespace, so a run of changed words is marked as one span.

    >>> word_diff("a b c", "a x y c")
    ('a <del>b </del>c', 'a <ins>x y </ins>c')
    """
    ta, tb = regex.findall(r"^\s+|\S+\s*", a), regex.findall(r"^\s+|\S+\s*", b)
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
        sa, sb = html.escape("".join(ta[i1:i2])), html.escape("".join(tb[j1:j2]))
        if op == "equal":
            left.append(sa)
            right.append(sb)
        else:
            if sa:
                left.append(f"<del>{sa}</del>")
            if sb:
                right.append(f"<ins>{sb}</ins>")
    return "".join(left), "".join(right)


def bar_chart(items, width=960, label_width=220, unit=""):
    """Inline SVG horizontal bar chart of ``[(label, value, note)]`` (empty string if no items)."""
    if not items:
        return '<p class="muted">nothing to show</p>'
    top = max(v for _, v, _ in items) or 1
    row, span = 22, width - label_width - 220
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{row * len(items) + 6}" '
             f'role="img">']
    for i, (label, value, note) in enumerate(items):
        y = i * row + 3
        w = max(1, round(span * value / top))
        parts.append(f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end">{html.escape(str(label))}</text>'
                     f'<rect x="{label_width}" y="{y + 2}" width="{w}" height="{row - 6}" fill="#4f7cc9">'
                     f'<title>{html.escape(str(label))}: {value}{unit}</title></rect>'
                     f'<text x="{label_width + w + 6}" y="{y + 15}">{value}{unit}'
                     f'{" · " + html.escape(note) if note else ""}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _card(key, label, value, css=""):
    return (f'<div class="card"><div class="k">{html.escape(label)}</div>'
            f'<div class="v {css}" id="stat-{key}" data-value="{html.escape(str(value))}">{html.escape(str(value))}'
            f'</div></div>')


def render(stats, samples):
    """The report page (str) for a run's ``stats`` and the ``samples`` from ``collect``."""
    c = stats.get("counts", {})
    wall = float(stats.get("wall_time_s") or 0)
    mb = (stats.get("input_bytes_uncompressed") or stats.get("input_bytes") or 0) / 1e6  # as the summary
    docs_s = round(c.get("read", 0) / wall, 1) if wall else 0
    mb_s = round(mb / wall, 3) if wall else 0
    conserved = stats.get("conserved")
    out = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>textwash report</title>"
           f"<style>{CSS}</style></head><body><main>",
           "<h1>textwash run report</h1>",
           f'<div class="muted">output: {html.escape(str(stats.get("output", "")))} · '
           f'{stats.get("input_files", 0)} input file(s), {mb:.2f} MB · config: '
           f'{html.escape(json.dumps(stats.get("config", {}), sort_keys=True))}</div>',
           '<h2>Summary</h2><div class="cards">',
           _card("read", "read", c.get("read", 0)), _card("kept", "kept", c.get("kept", 0)),
           _card("duplicates", "duplicates", c.get("duplicates", 0)),
           _card("rejected", "rejected", c.get("rejected", 0)),
           _card("wall_time_s", "wall time (s)", round(wall, 1)),
           _card("docs_per_s", "docs / s", docs_s), _card("mb_per_s", "MB / s", mb_s),
           _card("conserved", "read = kept + dup + rej", "yes" if conserved else "NO",
                 "ok" if conserved else "bad"),
           "</div>"]
    kinds = stats.get("duplicates_by_kind", {})
    if kinds:
        out.append('<p>duplicates by kind: ' + ", ".join(
            f'{html.escape(k)} <b id="dup-{html.escape(k)}" data-value="{v}">{v}</b>'
            for k, v in sorted(kinds.items())) + "</p>")

    langs = sorted(stats.get("languages", {}).items(), key=lambda kv: (-kv[1], kv[0]))
    if langs:
        kept = stats.get("languages_kept", {})
        out.append("<h2>Languages</h2><p class=\"muted\">documents per detected language (ISO 639-1; "
                   "und = undetermined), and how many of them were kept</p><table><tr><th>language</th>"
                   "<th>documents</th><th>kept</th></tr>")
        for lang, n in langs:
            out.append(f'<tr><td>{html.escape(lang)}</td><td class="lang-count" data-lang="{html.escape(lang)}" '
                       f'data-value="{n}">{n}</td><td>{kept.get(lang, 0)}</td></tr>')
        out.append("</table>")

    rules = sorted(stats.get("rules", {}).items(), key=lambda kv: (-kv[1].get("lines", 0), kv[0]))
    out.append("<h2>Junk rules: lines removed per rule</h2>")
    out.append(bar_chart([(name, v.get("lines", 0), f"{v.get('docs', 0)} doc(s)") for name, v in rules]))

    sizes = sorted(((int(k), v) for k, v in stats.get("cluster_sizes", {}).items()))
    out.append("<h2>Cluster sizes</h2><p class=\"muted\">number of clusters (documents with at least one "
               "duplicate) per size; singletons are not counted</p>")
    out.append(bar_chart([(f"size {k}", v, "") for k, v in sizes], unit=" clusters"))

    out.append("<h2>Largest clusters</h2>")
    if not samples["clusters"]:
        out.append('<p class="muted">no duplicates in this run</p>')
    for cl in samples["clusters"]:
        out.append(f'<h3>cluster {html.escape(cl["cluster_id"])} · {cl["size"]} documents · '
                   f'representative {html.escape(cl["rep_id"])}</h3>')
        for m in cl["members"]:
            left, right = word_diff(cl["rep_text"], m["text"])
            out.append(f'<div class="muted">{html.escape(m["id"])} · {html.escape(m["kind"])} · '
                       f'similarity {m["similarity"]} (left: representative, right: member; '
                       f'<del>only left</del> <ins>only right</ins>)</div>'
                       f'<div class="pair"><div class="txt">{left}</div><div class="txt">{right}</div></div>')
        if cl["exact"]:
            more = f' and {cl["exact"] - len(cl["exact_ids"])} more' if cl["exact"] > len(cl["exact_ids"]) else ""
            out.append(f'<p>{cl["exact"]} exact cop(ies) of the representative (identical cleaned text): '
                       f'{html.escape(", ".join(cl["exact_ids"]))}{more}</p>')
        hidden = cl["size"] - 1 - cl["exact"] - len(cl["members"])
        if hidden > 0:
            out.append(f'<p class="muted">… and {hidden} more near duplicate(s)</p>')

    out.append("<h2>Rejected records by reason</h2>")
    if not samples["rejected"]:
        out.append('<p class="muted">nothing was rejected</p>')
    else:
        out.append("<table><tr><th>reason</th><th>count</th><th>examples</th></tr>")
        for reason, group in sorted(samples["rejected"].items(), key=lambda kv: (-kv[1]["count"], kv[0])):
            examples = "".join(
                f'<div><b>{html.escape(e["id"])}</b> <span class="muted">{html.escape(e["detail"])}</span>'
                f'<div class="txt">{html.escape(e["text"])}</div></div>' for e in group["examples"])
            out.append(f'<tr><td>{html.escape(reason)}</td><td class="reason-count" data-reason="'
                       f'{html.escape(reason)}" data-value="{group["count"]}">{group["count"]}</td>'
                       f"<td>{examples}</td></tr>")
        out.append("</table>")

    out.append("<h2>Cleaned documents</h2>")
    if not samples["has_removed"]:
        out.append('<p class="muted">removed lines were not recorded in this run; run with '
                   "<code>--set output.write_removed=true</code> to see them here</p>")
    elif not samples["cleaned"]:
        out.append('<p class="muted">no kept document had lines removed</p>')
    for doc in samples["cleaned"]:
        removed = "".join(f'<del><span class="rule">[{html.escape(rule)}]</span>{html.escape(line)}</del>'
                          for rule, line in doc["removed"])
        out.append(f'<h3>{html.escape(doc["id"])}</h3><div class="pair">'
                   f'<div class="txt removed"><b>removed ({len(doc["removed"])} shown)</b>{removed}</div>'
                   f'<div class="txt"><b>kept text</b>\n{html.escape(doc["text"])}</div></div>')
    out.append("</main></body></html>")
    return "\n".join(out)


def write_report(output_dir, stats):
    """Write ``report.html`` for the run in ``output_dir`` (local or gs://); return its path."""
    path = f"{output_dir.rstrip('/')}/{REPORT_NAME}"
    try:
        page = render(stats, collect(output_dir))
    except Exception as exc:  # a report problem must not cost the run: write the summary only
        empty = {"clusters": [], "rejected": {}, "cleaned": [], "has_removed": False}
        page = render(stats, empty).replace(
            "<h2>Summary</h2>", f'<p class="bad">report details unavailable: {html.escape(repr(exc))}</p>'
                                "<h2>Summary</h2>", 1)
    with FileSystems.create(path) as handle:
        handle.write(page.encode("utf-8"))
    return path
