"""One document through every per-document stage, as the pipeline runs them.

:class:`DocumentCleaner` chains the pure functions behind the pipeline's per-document stages
(normalize -> strip junk -> document ratios -> filter) for the tools that clean documents
outside a Beam graph (``textwash tune``), so they cannot drift from what ``textwash run`` does.
Corpus boilerplate and dedup need the whole corpus and are not part of it (``textwash tune``
runs boilerplate on its sample between :meth:`DocumentCleaner.before_boilerplate` and
:meth:`DocumentCleaner.judge`).
"""
from transforms.filter import rejection_reason
from transforms.junk import Cleaner, timeout_rejection
from transforms.language import detect_language
from transforms.normalize import ftfy_config, normalize_text
from transforms.ratios import ratio_verdict
from transforms.rules import RuleTimeout


class DocumentCleaner:
    """``DocumentCleaner(settings)(text)`` -> ``(clean_text, hits, removed, rejection)`` for the
    :class:`transforms.stage_settings.Settings` of a config (:func:`pipeline.config.load_settings`).

    ``rejection`` is None for a kept document, else ``(stage, reason, detail)`` as the pipeline
    would write it in ``rejected``; ``clean_text`` is the text as far as it got.
    """

    def __init__(self, settings):
        self.ftfy = ftfy_config(settings.normalize.ftfy)
        self.fast = settings.normalize.fast_path
        self.settings = settings.junk
        self.junk = Cleaner(self.settings)
        self.min_words = settings.filter.min_words
        self.languages = settings.filter.languages

    def __call__(self, text):
        doc, rejection = self.before_boilerplate({"id": "", "text": text})
        return doc["text"], doc["junk_hits"], doc["removed"], rejection or self.judge(doc)

    def before_boilerplate(self, doc):
        """The stages before corpus boilerplate (normalize with language detection, strip junk,
        document ratios) of one document: ``(cleaned doc, rejection)``; the cleaned doc carries
        ``text``, ``lang``, ``junk_hits`` and ``removed`` as the pipeline's documents do."""
        text = normalize_text(doc["text"], self.ftfy, self.fast)
        out = dict(doc, text=text, lang=detect_language(text), junk_hits={}, removed=[])
        try:
            out["text"], out["junk_hits"], out["removed"] = self.junk.clean(text, out["lang"])
        except RuleTimeout as exc:
            return out, timeout_rejection(exc, self.settings)
        verdict = ratio_verdict(out["text"], self.settings.doc_ratios, out["junk_hits"])
        return out, (("junk", *verdict) if verdict else None)

    def judge(self, doc):
        """The filter's verdict on a cleaned document (its text and ``lang``): None (kept) or
        ``("filter", reason, detail)``."""
        verdict = rejection_reason(doc["text"], self.min_words, self.languages, doc["lang"])
        return ("filter", *verdict) if verdict else None
