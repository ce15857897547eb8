"""Strip junk: the regex rules (:mod:`transforms.rules`), then the line heuristics with context
(:mod:`transforms.heuristics`), applied to each document's text. The heuristics apply only to a
document that shows web chrome (:mod:`transforms.chrome`); any other gets the rules alone.

``strip_junk`` is the pure function; ``StripJunk`` its Beam stage. Documents whose rule timed
out go to ``rejected``; the document ratios are a stage of their own
(:class:`transforms.ratios.RejectByRatios`).
"""
import apache_beam as beam

from transforms.chrome import NO_CHROME, shows_chrome
from transforms.heuristics import line_decisions
from transforms.normalize import BLANK_RUN_RE
from transforms.records import REJECTED, reject_doc
from transforms.rules import JunkRules, RuleTimeout, apply_rules


def strip_junk(text, rules, heuristics=None, lang=None):
    """Apply ``rules`` (a JunkRules), then the context ``heuristics`` (a Heuristics or None), to ``text``.

    ``lang`` (the document's language, :mod:`transforms.language`; None or ``und``: unknown)
    drops the rules limited to other languages (:meth:`JunkRules.for_language`).

    Returns ``(clean_text, hits, removed)``: ``hits`` maps rule name -> lines it hit (a
    per-page decision, ``scattered_page`` / ``thread_page``, appears with 0 lines) and
    ``removed`` lists ``[rule, removed text]``. Raises RuleTimeout when a rule times out.
    Blank lines are kept where they separate kept text, then collapsed.
    """
    hits, removed = {}, []
    rules = rules.for_language(lang)
    lines = apply_rules(text, rules, hits, removed)
    if heuristics is not None and heuristics.enabled:
        positions = [i for i, line in enumerate(lines) if line and line.strip()]
        stripped = [lines[i].strip() for i in positions]
        pages = {}
        if shows_chrome(stripped, hits, heuristics):
            verdicts = line_decisions(stripped, heuristics, pages)
        else:
            verdicts, pages[NO_CHROME] = (), 0
        for name in pages:  # a per-page decision: counted as a document hit with 0 lines removed
            hits.setdefault(name, 0)
        for i, name in zip(positions, verdicts):
            if name:
                hits[name] = hits.get(name, 0) + 1
                removed.append([name, lines[i]])
                lines[i] = None
    kept = "\n".join(line for line in lines if line is not None)
    kept = BLANK_RUN_RE.sub("\n\n", kept).strip()
    return kept, hits, removed


class Cleaner:
    """The compiled junk stage of one :class:`transforms.settings.JunkSettings`: ``clean(text)``
    -> ``(clean_text, hits, removed)``. Build it in ``DoFn.setup`` (it compiles the rules)."""

    def __init__(self, settings):
        self.settings = settings
        self.rules = JunkRules(settings.enabled_rules, settings.regex_timeout_s)
        self.rules.for_language(None).line_check  # noqa: B018 (compile the language-free rules' check now)
        self.heuristics = settings.heuristics

    def clean(self, text, lang=None):
        """:func:`strip_junk` of ``text`` (of language ``lang``) with these rules and heuristics."""
        return strip_junk(text, self.rules, self.heuristics, lang)


def timeout_rejection(exc, settings):
    """``(stage, reason, detail)`` of a document whose rule timed out (``exc``, a RuleTimeout)."""
    return "junk", "rule_timeout", f"rule {exc.rule!r} exceeded {settings.regex_timeout_s}s on this document"


class StripJunkDoc(beam.DoFn):
    """Clean each document's text; documents whose rule timed out go to ``rejected``."""

    def __init__(self, settings, keep_removed):
        self.settings = settings
        self.keep_removed = keep_removed

    def setup(self):
        self.cleaner = Cleaner(self.settings)

    def process(self, doc):
        try:
            text, hits, removed = self.cleaner.clean(doc["text"], doc.get("lang"))
        except RuleTimeout as exc:
            yield beam.pvalue.TaggedOutput(REJECTED, reject_doc(doc, *timeout_rejection(exc, self.settings)))
            return
        out = dict(doc)
        out["text"] = text
        out["junk_hits"] = hits
        if self.keep_removed:
            out["removed"] = removed
        yield out


class StripJunk(beam.PTransform):
    """PCollection[doc] -> DoOutputsTuple(docs=cleaned docs, rejected=rule timeouts).

    ``settings`` is a :class:`transforms.settings.JunkSettings`; ``keep_removed`` carries the
    removed lines in each document (for the audit file)."""

    def __init__(self, settings, keep_removed=False):
        super().__init__()
        self.settings = settings
        self.keep_removed = keep_removed

    def expand(self, docs):
        return docs | "ApplyJunkRules" >> beam.ParDo(StripJunkDoc(
            self.settings, self.keep_removed)).with_outputs(REJECTED, main="docs")
