"""Filter: reject documents that are empty or too short after cleaning."""
import apache_beam as beam
import regex

from transforms.records import REJECTED, reject_doc

WORD_RE = regex.compile(r"\w+")


def count_words(text):
    """Number of ``\\w+`` words in ``text``.

    >>> count_words("It's 3 o'clock.")
    5
    """
    return len(WORD_RE.findall(text))


def has_words(text, n):
    """True when ``text`` has at least ``n`` ``\\w+`` words (stops scanning at the n-th).

    Same answer as ``count_words(text) >= n``.

    >>> has_words("It's 3 o'clock.", 5), has_words("It's 3 o'clock.", 6)
    (True, False)
    """
    if n <= 0:
        return True
    count = 0
    for _ in WORD_RE.finditer(text):
        count += 1
        if count >= n:
            return True
    return False


def rejection_reason(text, min_words):
    """Return ``(reason, detail)`` if ``text`` must be rejected, else None.

    >>> rejection_reason("", 3)
    ('empty_after_cleaning', 'no text left after normalization and junk stripping')
    >>> rejection_reason("one two", 3)
    ('too_few_words', '2 words < filter.min_words=3')
    """
    if not text.strip():
        return "empty_after_cleaning", "no text left after normalization and junk stripping"
    if has_words(text, min_words):
        return None
    words = count_words(text)
    return "too_few_words", f"{words} words < filter.min_words={min_words}"


def doc_rejection_reason(doc, min_words):
    """:func:`rejection_reason` of a document's text."""
    return rejection_reason(doc["text"], min_words)


class RejectByVerdict(beam.DoFn):
    """Pass each document through, or send it to ``rejected`` (stage ``stage``) when
    ``verdict(doc, *args)`` gives a ``(reason, detail)`` (a module-level function: picklable)."""

    def __init__(self, stage, verdict, *args):
        self.stage, self.verdict, self.args = stage, verdict, args

    def process(self, doc):
        verdict = self.verdict(doc, *self.args)
        if verdict is None:
            yield doc
        else:
            yield beam.pvalue.TaggedOutput(REJECTED, reject_doc(doc, self.stage, *verdict))


class FilterDocs(beam.PTransform):
    """PCollection[doc] -> DoOutputsTuple(docs, rejected)."""

    def __init__(self, filter_cfg):
        super().__init__()
        self.min_words = filter_cfg["min_words"]

    def expand(self, docs):
        return docs | "RejectShort" >> beam.ParDo(RejectByVerdict(
            "filter", doc_rejection_reason, self.min_words)).with_outputs(REJECTED, main="docs")
