"""textwash's composable Beam transforms and the settings they take.

Each stage is a ``PTransform`` that takes a PCollection of documents (dicts with ``id``,
``source``, ``text``, ``meta``) and returns the documents it keeps, plus a tagged
``rejected`` output where it can reject (``.docs`` / ``["rejected"]``):

=====================  ==============================================  =========================
stage                  takes                                           returns
=====================  ==============================================  =========================
ReadDocuments          ``list_inputs(patterns)``, ``settings.input``    docs, rejected
Normalize              ``settings.normalize``                           docs
StripJunk              ``settings.junk``                                docs, rejected
RejectByRatios         ``settings.junk.doc_ratios``                     docs, rejected
RemoveBoilerplate      ``settings.junk.boilerplate``                    docs
FilterDocs             ``settings.filter``                              docs, rejected
Deduplicate            ``settings.dedup``                               (kept, duplicates, stats)
=====================  ==============================================  =========================

``settings`` is the :class:`Settings` of :func:`load_settings`: typed, frozen, validated
sections built once from the merged configuration (the defaults of ``configs/default.yaml`` +
a preset + a config file + ``--set`` overrides), the same ones ``textwash run`` uses, so a
custom pipeline cleans exactly as the command does. The names are
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
    "Settings": "transforms.stage_settings", "settings_from_config": "transforms.stage_settings",
    "InputSettings": "transforms.stage_settings", "NormalizeSettings": "transforms.stage_settings",
    "FilterSettings": "transforms.stage_settings", "DedupSettings": "transforms.stage_settings",
    "OutputSettings": "transforms.stage_settings",
    "JunkSettings": "transforms.settings", "junk_settings": "transforms.settings",
    "ConfigError": "transforms.typed",
    "load_config": "pipeline.config", "load_settings": "pipeline.config",
    "REJECTED": "transforms.records",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    """Import an exported name on first use (PEP 562)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'transforms' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
