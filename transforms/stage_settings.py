"""Typed, frozen settings of the whole config: :class:`Settings` holds one section a stage
(``input``, ``normalize``, ``junk``, ``filter``, ``dedup``, ``output``).

``configs/default.yaml`` is the one source of every value: the dataclasses below declare the
keys, their types and their allowed values, not defaults. :func:`settings_from_config` builds
them from a merged config mapping and is its validation: an unknown key (with the closest
known one as a suggestion), a missing key, a wrong type, a value out of range or not among the
choices raises :class:`ConfigError` with a one-line message naming the dotted key. The junk
section has its own builder (:func:`transforms.settings.junk_settings`).

>>> build(OutputSettings, {"shards": 0, "format": "jsonl", "compress": False, "write_removed": False}, "output")
Traceback (most recent call last):
...
transforms.typed.ConfigError: config key 'output.shards' must be 'auto' or an integer >= 1, got 0
"""
import codecs
import dataclasses
import functools
import typing
from dataclasses import dataclass

import regex

from transforms.settings import JunkSettings, junk_settings
from transforms.typed import ConfigError, bounded, build, built_by

DECODE_POLICIES = ("detect", "fallback", "replace", "reject")
DUPLICATE_ID_POLICIES = ("qualify", "reject")  # transforms.ids.POLICIES
NORMALIZATIONS = ("NFC", "NFD", "NFKC", "NFKD", None)
SCHEMES = ("affine32", "affine64", "legacy")
SHINGLE_HASHES = ("poly64", "sha1", "xxh3")  # transforms.minhash.HASHES
OUTPUT_FORMATS = ("jsonl", "parquet")  # transforms.columnar.FORMATS
LANGUAGE_CODE = regex.compile(r"[a-z]{2,3}")  # ISO 639-1 (639-2/3 for the few CLD2 names that way; und)


# ------------------------------------------------------------------ checks of single values

def _non_empty(value):
    return None if value else "a non-empty string"


def _text_encoding(value):
    """None when ``value`` names a text codec Python knows, else what it must be."""
    try:
        if getattr(codecs.lookup(value), "_is_text_encoding", True):
            return None
    except LookupError:
        pass
    return "a known encoding name (e.g. cp1252, latin-1, cp1251)"


def _language_codes(value):
    if all(LANGUAGE_CODE.fullmatch(code) for code in value):
        return None
    return "a list of language codes such as [en, zh]"


def _representative(value):
    if value in ("longest", "smallest_id") or (value.startswith("meta:") and len(value) > 5):
        return None
    return "longest, smallest_id or meta:<field>"


def _shard_count(value):
    return None if value == "auto" or (isinstance(value, int) and value >= 1) else "'auto' or an integer >= 1"


# ------------------------------------------------------------------ the sections

@dataclass(frozen=True)
class InputSettings:
    """``input``: where a record's text and id are, the size cap, decoding and duplicate ids."""
    text_field: str = bounded(check=_non_empty)
    id_field: str = bounded(check=_non_empty)
    max_doc_bytes: int = bounded(1)
    decode_errors: str = bounded(choices=DECODE_POLICIES)
    fallback_encoding: str = bounded(check=_text_encoding)
    duplicate_ids: str = bounded(choices=DUPLICATE_ID_POLICIES)


@dataclass(frozen=True)
class FtfySettings:
    """``normalize.ftfy``: the options of ``ftfy.TextFixerConfig`` (``options()`` as a dict)."""
    unescape_html: typing.Union[bool, str] = bounded(choices=(True, False, "auto"))
    remove_terminal_escapes: bool
    fix_encoding: bool
    restore_byte_a0: bool
    replace_lossy_sequences: bool
    decode_inconsistent_utf8: bool
    fix_c1_controls: bool
    fix_latin_ligatures: bool
    fix_character_width: bool
    uncurl_quotes: bool
    fix_line_breaks: bool
    fix_surrogates: bool
    remove_control_chars: bool
    normalization: typing.Optional[str] = bounded(choices=NORMALIZATIONS)
    max_decode_length: int = bounded(1)

    def options(self):
        """The options as a dict, in config order (``ftfy.TextFixerConfig(**options)``)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class NormalizeSettings:
    """``normalize``: ftfy's options and whether ASCII text ftfy cannot change skips it."""
    fast_path: bool
    ftfy: FtfySettings


@dataclass(frozen=True)
class FilterSettings:
    """``filter``: the languages kept (empty: all) and the fewest words a document keeps."""
    languages: typing.Tuple[str, ...] = bounded(check=_language_codes)
    min_words: int = bounded(0)


@dataclass(frozen=True)
class DedupSettings:
    """``dedup``: shingles, MinHash signing, LSH, verification, clustering and the index."""
    enabled: bool
    ngram: int = bounded(1, 64)
    num_perm: int = bounded(2, 4096)
    seed: int = bounded()
    scheme: str = bounded(choices=SCHEMES)
    hash: str = bounded(choices=SHINGLE_HASHES)
    threshold: float = bounded(0.01, 1.0)
    lsh_threshold: float = bounded(0.01, 1.0)
    verify: str = bounded(choices=("exact", "estimate"))
    lsh_partitions: int = bounded(1, 1 << 20)
    max_bucket_size: int = bounded(2)
    cluster_policy: str = bounded(choices=("representative", "components"))
    min_rep_similarity: float = bounded(0.0, 1.0)
    max_cc_rounds: int = bounded(1, 200)
    representative: str = bounded(check=_representative)
    index: bool = bounded()
    index_fingerprints: bool = bounded()

    @property
    def writes_fingerprints(self):
        """True when the index carries shingle fingerprints (exact verification only)."""
        return self.verify == "exact" and self.index_fingerprints


@dataclass(frozen=True)
class OutputSettings:
    """``output``: shard count, corpus format, compression and the removed-lines output."""
    shards: typing.Union[int, str] = bounded(check=_shard_count)
    format: str = bounded(choices=OUTPUT_FORMATS)
    compress: bool
    write_removed: bool


def _junk(junk, path):
    return junk_settings(junk)


@dataclass(frozen=True)
class Settings:
    """The whole validated config, one typed section a stage."""
    input: InputSettings
    normalize: NormalizeSettings
    junk: JunkSettings = built_by(_junk)
    filter: FilterSettings = bounded()
    dedup: DedupSettings = bounded()
    output: OutputSettings = bounded()


def settings_from_config(cfg):
    """:class:`Settings` from a merged config mapping (``configs/default.yaml`` + presets, files,
    ``--set``); raises ConfigError naming the key on the first problem."""
    return build(Settings, cfg, "")


@functools.lru_cache(maxsize=1)
def default_settings():
    """:class:`Settings` of ``configs/default.yaml`` alone (read once)."""
    from pipeline.config import load_settings
    return load_settings()
