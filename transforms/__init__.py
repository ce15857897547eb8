"""textwash's composable Beam transforms and the settings they take.

Each stage is a ``PTransform`` that takes a PCollection of documents (dicts with ``id``,
``source``, ``text``, ``meta``) and returns the documents it keeps, plus a tagged
``rejected`` output where it can reject (``.docs`` / ``["rejected"]``):

=====================  ==============================================  =========================
stage                  takes                                           returns
=====================  ==============================================  =========================
ReadDocuments          ``list_inputs(patterns)``, ``cfg["input"]``      docs, rejected
Normalize              ``cfg["normalize"]``                             docs
StripJunk              ``junk_settings(cfg["junk"])``                   docs, rejected
RejectByRatios         ``junk.doc_ratios``                              docs, rejected
RemoveBoilerplate      ``junk.boilerplate``                             docs
FilterDocs             ``cfg["filter"]``                                docs, rejected
Deduplicate            ``cfg["dedup"]``                                 (kept, duplicates, stats)
=====================  ==============================================  =========================

``cfg`` is the merged, validated configuration of :func:`load_config` (the defaults of
``configs/default.yaml`` + a preset + a config file + ``--set`` overrides), the same one
``textwash run`` uses, so a custom pipeline cleans exactly as the command does. The names are
imported lazily, so ``import transforms.minhash`` alone stays light.
"""
import importlib

_EXPORTS = {
    "ReadDocuments": "transforms.read", "list_inputs": "transforms.inputs",
    "Normalize": "transforms.normalize",
    "StripJunk": "transforms.junk", "Cleaner": "transforms.junk",
    "RejectByRatios": "transforms.ratios",
    "RemoveBoilerplate": "transforms.boilerplate",
    "FilterDocs": "transforms.filter",
    "Deduplicate": "transforms.dedup",
    "DocumentCleaner": "transforms.clean",
    "JunkSettings": "transforms.settings", "junk_settings": "transforms.settings",
    "ConfigError": "transforms.settings",
    "load_config": "pipeline.config",
    "REJECTED": "transforms.records",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    """Import an exported name on first use (PEP 562)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'transforms' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
