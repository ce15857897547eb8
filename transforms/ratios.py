"""Document ratios (Gopher / FineWeb) on the cleaned text: a document over a ratio's max is
rejected with reason ``ratio_<name>``. Like the context heuristics they judge web pages only: a
document the junk stage found without web chrome (hit ``no_chrome``) is not judged.

``RejectByRatios`` is a stage of the same shape as ``transforms.filter.FilterDocs``: documents in,
documents out, with a tagged ``rejected`` output.
"""
import apache_beam as beam
import regex

from transforms.chrome import NO_CHROME
from transforms.filter import RejectByVerdict
from transforms.records import REJECTED

RATIO_NAMES = ("symbol_word", "bullet_lines", "ellipsis_lines", "short_lines")
BULLET = regex.compile(r"^\s*[\u2022\u2023\u25b6\u25cf\u25e6\u2013\u2014*·-]\s")
ELLIPSIS = regex.compile(r"(?:\.\.\.|\u2026)\s*$")


def _content_lines(text):
    return [line for line in map(str.strip, text.split("\n")) if line]


def _ratios(text, lines, names):
    """The document ratios ``names`` (see :func:`doc_ratios`) of ``text`` with its stripped
    non-blank ``lines``; each one is computed only when asked for."""
    if not lines:  # no lines: no words either (both split at the same whitespace)
        return dict.fromkeys(names, 0.0)
    values = {}
    for name in names:
        if name == "symbol_word":
            symbols = text.count("#") + text.count("...") + text.count("\u2026")
            # a text with a non-blank line has a word; no symbols: 0.0 whatever the word count
            values[name] = symbols / len(text.split()) if symbols else 0.0
        elif name == "bullet_lines":
            values[name] = sum(1 for l in lines if BULLET.match(l)) / len(lines)
        elif name == "ellipsis_lines":
            values[name] = sum(1 for l in lines if ("..." in l or "\u2026" in l) and ELLIPSIS.search(l)) / len(lines)
        else:
            values[name] = sum(1 for l in lines if len(l) < 30) / len(lines)
    return values


def doc_ratios(text):
    """Gopher / FineWeb document ratios of a cleaned text.

    Returns ``{"symbol_word", "bullet_lines", "ellipsis_lines", "short_lines"}``: '#' and
    '...' per word; share of lines that start with a bullet, end with an ellipsis, or have
    fewer than 30 characters. All 0.0 for an empty text.

    >>> doc_ratios("a b c\\n- d e")["bullet_lines"]
    0.5
    """
    return _ratios(text, _content_lines(text), RATIO_NAMES)


def ratio_verdict(text, ratios, hits=None):
    """``(reason, detail)`` when a cleaned text exceeds an enabled document ratio, else None.

    ``ratios`` is a :class:`transforms.settings.DocRatios`; a document needs at least
    ``min_lines`` lines to be judged, and a web page: none whose junk ``hits`` hold ``no_chrome``.
    Only the enabled ratios are computed.
    """
    if not ratios.enabled or (hits and NO_CHROME in hits):
        return None
    names = [name for name in RATIO_NAMES if getattr(ratios, name).enabled]
    lines = _content_lines(text) if names else []
    if len(lines) < ratios.min_lines:
        return None
    values = _ratios(text, lines, names)
    for name in names:
        limit = getattr(ratios, name).max
        if values[name] > limit:
            return f"ratio_{name}", f"{name} ratio {values[name]:.2f} > {limit}"
    return None


def doc_ratio_verdict(doc, ratios):
    """:func:`ratio_verdict` of a document (its text and the junk hits that tell whether it
    shows web chrome)."""
    return ratio_verdict(doc["text"], ratios, doc.get("junk_hits"))


class RejectByRatios(beam.PTransform):
    """PCollection[doc] -> DoOutputsTuple(docs, rejected): documents over a ratio are rejected.
    ``ratios`` is a :class:`transforms.settings.DocRatios`."""

    def __init__(self, ratios):
        super().__init__()
        self.ratios = ratios

    def expand(self, docs):
        return docs | "RejectByRatio" >> beam.ParDo(RejectByVerdict(
            "junk", doc_ratio_verdict, self.ratios)).with_outputs(REJECTED, main="docs")
