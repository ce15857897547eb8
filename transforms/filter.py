"""Filter: reject documents that are not in a wanted language, empty or too short after cleaning.

``filter.languages`` (ISO 639-1 codes; empty = every language) keeps only the documents
detected in one of them (``doc["lang"]``, :mod:`transforms.language`); the others are rejected
with reason ``language``.

Words are the tokens of :mod:`transforms.tokens`: ``\\w+`` runs, and each character of a
script written without spaces (Chinese, Japanese, Thai, ...), so ``filter.min_words`` counts
characters there.
"""
import apache_beam as beam

from transforms.records import REJECTED, reject_doc
from transforms.tokens import count_tokens, has_tokens


def count_words(text):
    """Number of words (:func:`transforms.tokens.count_tokens`) in ``text``.

    >>> count_words("It's 3 o'clock."), count_words("東京は晴れ。")
    (5, 5)
    """
    return count_tokens(text)


def has_words(text, n):
    """True when ``text`` has at least ``n`` words (stops scanning at the n-th).

    Same answer as ``count_words(text) >= n``.

    >>> has_words("It's 3 o'clock.", 5), has_words("It's 3 o'clock.", 6)
    (True, False)
    """
    return has_tokens(text, n)


def rejection_reason(text, min_words, languages=(), lang=None):
    """Return ``(reason, detail)`` if ``text`` (of language ``lang``) must be rejected, else None.

    >>> rejection_reason("", 3)
    ('empty_after_cleaning', 'no text left after normalization and junk stripping')
    >>> rejection_reason("one two", 3)
    ('too_few_words', '2 words < filter.min_words=3')
    >>> rejection_reason("one two", 1, ("en", "zh"), "ru")
    ('language', "lang 'ru' not in filter.languages=['en', 'zh']")
    """
    if languages and lang not in languages:
        return "language", f"lang {lang!r} not in filter.languages={list(languages)}"
    if not text.strip():
        return "empty_after_cleaning", "no text left after normalization and junk stripping"
    if has_words(text, min_words):
        return None
    words = count_words(text)
    return "too_few_words", f"{words} words < filter.min_words={min_words}"


def doc_rejection_reason(doc, min_words, languages=()):
    """:func:`rejection_reason` of a document's text and language (``lang``)."""
    return rejection_reason(doc["text"], min_words, languages, doc.get("lang"))


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

    def __init__(self, settings):
        super().__init__()
        self.min_words = settings.min_words  # settings: transforms.stage_settings.FilterSettings
        self.languages = settings.languages

    def expand(self, docs):
        return docs | "RejectShort" >> beam.ParDo(RejectByVerdict(
            "filter", doc_rejection_reason, self.min_words, self.languages)).with_outputs(REJECTED, main="docs")
