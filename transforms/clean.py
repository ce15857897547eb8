"""One document through every per-document stage, as the pipeline runs them.

:class:`DocumentCleaner` chains the pure functions behind the pipeline's per-document stages
(normalize -> strip junk -> document ratios -> filter) for the tools that clean documents
outside a Beam graph (``textwash tune``, ``textwash rules``, the benchmarks), so they cannot
drift from what ``textwash run`` does. Corpus boilerplate and dedup need the whole corpus and
are not part of it (``textwash tune`` runs boilerplate on its sample between
:meth:`DocumentCleaner.before_boilerplate` and :meth:`DocumentCleaner.judge`).
"""
from transforms.filter import rejection_reason
from transforms.junk import Cleaner
from transforms.language import detect_language
from transforms.normalize import ftfy_config, normalize_text
from transforms.ratios import ratio_verdict
from transforms.rules import RuleTimeout
from transforms.settings import junk_settings


class DocumentCleaner:
    """``DocumentCleaner(cfg)(text)`` -> ``(clean_text, hits, removed, rejection)`` for a merged
    config ``cfg`` (:func:`pipeline.config.load_config`).

    ``rejection`` is None for a kept document, else ``(stage, reason, detail)`` as the pipeline
    would write it in ``rejected``; ``clean_text`` is the text as far as it got. The document's
    language (detected after normalization, as the pipeline does) is left in ``self.lang``.
    """

    def __init__(self, cfg):
        self.ftfy = ftfy_config(cfg["normalize"]["ftfy"])
        self.fast = cfg["normalize"]["fast_path"]
        self.settings = junk_settings(cfg["junk"])
        self.junk = Cleaner(self.settings)
        self.min_words = cfg["filter"]["min_words"]
        self.languages = tuple(cfg["filter"]["languages"])
        self.lang = None

    def __call__(self, text):
        text, hits, removed, rejection = self.before_boilerplate(text)
        return (text, hits, removed, rejection or self.judge(text))

    def before_boilerplate(self, text):
        """The stages before corpus boilerplate (normalize, strip junk, document ratios) of one
        text: ``(clean_text, hits, removed, rejection)``."""
        text = normalize_text(text, self.ftfy, self.fast)
        self.lang = lang = detect_language(text)  # the last document's language
        try:
            text, hits, removed = self.junk.clean(text, lang)
        except RuleTimeout as exc:
            return text, {}, [], ("junk", "rule_timeout", f"rule {exc.rule!r} timed out")
        verdict = ratio_verdict(text, self.settings.doc_ratios, hits)
        return text, hits, removed, (("junk", *verdict) if verdict else None)

    def judge(self, text, lang=None):
        """The filter's verdict on a cleaned text of language ``lang`` (default: the last
        document's): None (kept) or ``("filter", reason, detail)``."""
        verdict = rejection_reason(text, self.min_words, self.languages, self.lang if lang is None else lang)
        return ("filter", *verdict) if verdict else None
