"""Configuration: YAML in ``configs/``, merged, overridden with ``--set``, validated at load.

``load_config(path=None, preset=None, overrides=())`` starts from ``configs/default.yaml``,
merges a preset (``configs/presets/<name>.yaml``) and/or a user file on top (dicts merge
key by key, lists such as ``junk.rules`` replace), applies ``dotted.key=value`` overrides
(values parsed as YAML) and validates everything. Any problem raises ConfigError with a
one-line message naming the key.
"""
import codecs
import copy
import logging
import os
import re

import yaml

from transforms.normalize import DEFAULT_FTFY
from transforms.settings import ConfigError, junk_settings

CONFIG_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "configs")
DEFAULT_PATH = os.path.join(CONFIG_DIR, "default.yaml")
PRESET_DIR = os.path.join(CONFIG_DIR, "presets")
SCHEMES = ("affine32", "affine64", "legacy")
SHINGLE_HASHES = ("poly64", "sha1", "xxh3")  # transforms.minhash.HASHES
DECODE_POLICIES = ("detect", "fallback", "replace", "reject")
DUPLICATE_ID_POLICIES = ("qualify", "reject")
NORMALIZATIONS = ("NFC", "NFD", "NFKC", "NFKD", None)
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")  # ISO 639-1 (639-2/3 for the few CLD2 names that way; und)


def available_presets():
    """Names of the presets shipped in ``configs/presets``."""
    if not os.path.isdir(PRESET_DIR):
        return []
    return sorted(f[:-5] for f in os.listdir(PRESET_DIR) if f.endswith(".yaml"))


def add_config_arguments(parser, set_example="dedup.threshold=0.85"):
    """Register ``--config``, ``--preset`` and ``--set`` (into ``overrides``) on an argparse
    parser: the arguments every subcommand passes to :func:`load_config`."""
    parser.add_argument("--config", metavar="FILE", help="YAML config merged over configs/default.yaml")
    parser.add_argument("--preset", metavar="NAME",
                        help=f"a preset from configs/presets ({', '.join(available_presets()) or 'none'})")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                        help=f"override one config value, e.g. --set {set_example} (repeatable)")


def read_yaml(path):
    """Parse one YAML file into a dict, or raise ConfigError saying why it cannot be used."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}" if where else ""
        raise ConfigError(f"invalid YAML in {path}{at}: {getattr(exc, 'problem', exc)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a mapping, not a {type(data).__name__}")
    return data


def merge(base, override, where=""):
    """Deep-merge ``override`` into a copy of ``base``; unknown keys raise ConfigError.

    >>> merge({"a": {"b": 1}}, {"a": {"b": 2}})
    {'a': {'b': 2}}
    """
    out = copy.deepcopy(base)
    for key, value in override.items():
        path = f"{where}{key}"
        if key not in base:
            known = ", ".join(sorted(base))
            raise ConfigError(f"unknown config key {path!r} (known here: {known})")
        if isinstance(base[key], dict) and key != "ftfy":
            if not isinstance(value, dict):
                raise ConfigError(f"config key {path!r} must be a mapping")
            out[key] = merge(base[key], value, path + ".")
        elif key == "ftfy" and isinstance(value, dict):
            out[key] = dict(base[key], **value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def apply_override(cfg, assignment):
    """Apply one ``dotted.key=value`` override (value parsed as YAML) to ``cfg`` in place."""
    if "=" not in assignment:
        raise ConfigError(f"--set needs dotted.key=value, got {assignment!r}")
    dotted, raw = assignment.split("=", 1)
    try:
        value = yaml.safe_load(raw) if raw != "" else ""
    except yaml.YAMLError:
        value = raw
    node = cfg
    parts = dotted.strip().split(".")
    for i, part in enumerate(parts):
        if not isinstance(node, dict) or part not in node:
            raise ConfigError(f"unknown config key {'.'.join(parts[:i + 1])!r} in --set {assignment!r}")
        if i == len(parts) - 1:
            node[part] = value
        else:
            node = node[part]


def _check_type(path, value, expected):
    if isinstance(expected, bool):
        ok = isinstance(value, bool)
    elif isinstance(expected, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif isinstance(expected, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, type(expected))
    if not ok:
        raise ConfigError(f"config key {path!r} must be {type(expected).__name__}, got {value!r}")


def _check_range(path, value, low, high=None):
    if value != value or value < low or (high is not None and value > high):  # NaN fails too
        span = f"between {low} and {high}" if high is not None else f">= {low}"
        raise ConfigError(f"config key {path!r} must be {span}, got {value!r}")


def _check_ftfy(path, options):
    """Check ``normalize.ftfy``: known option names, each with a value ftfy accepts."""
    unknown = set(options) - set(DEFAULT_FTFY)
    if unknown:
        raise ConfigError(f"unknown ftfy option(s) {sorted(unknown)} in {path!r} "
                          f"(known: {', '.join(sorted(DEFAULT_FTFY))})")
    for name, value in options.items():
        where = f"{path}.{name}"
        if name == "unescape_html":
            if value not in (True, False, "auto"):
                raise ConfigError(f"config key {where!r} must be true, false or 'auto', got {value!r}")
        elif name == "normalization":
            if value not in NORMALIZATIONS:
                raise ConfigError(f"config key {where!r} must be one of NFC, NFD, NFKC, NFKD or null, "
                                  f"got {value!r}")
        elif name == "max_decode_length":
            _check_type(where, value, 1)
            _check_range(where, value, 1)
        else:
            _check_type(where, value, True)


def _check_input(i):
    """Check the ``input`` section: non-empty field names, size cap, decode and id policies."""
    for key in ("text_field", "id_field"):
        if not i[key]:
            raise ConfigError(f"config key 'input.{key}' must be a non-empty string")
    _check_range("input.max_doc_bytes", i["max_doc_bytes"], 1)
    if i["decode_errors"] not in DECODE_POLICIES:
        raise ConfigError(f"config key 'input.decode_errors' must be one of {list(DECODE_POLICIES)}, "
                          f"got {i['decode_errors']!r}")
    try:
        if not getattr(codecs.lookup(i["fallback_encoding"]), "_is_text_encoding", True):
            raise LookupError
    except LookupError:
        raise ConfigError(f"config key 'input.fallback_encoding' names no known encoding: "
                          f"{i['fallback_encoding']!r} (e.g. cp1252, latin-1, cp1251)") from None
    if i["duplicate_ids"] not in DUPLICATE_ID_POLICIES:
        raise ConfigError(f"config key 'input.duplicate_ids' must be one of {list(DUPLICATE_ID_POLICIES)}, "
                          f"got {i['duplicate_ids']!r}")


def _check_languages(path, value):
    """A list of language codes (ISO 639-1, lower case: ``en``, ``zh``; ``und`` = undetermined)."""
    if not isinstance(value, list) or not all(isinstance(v, str) and LANGUAGE_CODE.fullmatch(v) for v in value):
        raise ConfigError(f"config key {path!r} must be a list of language codes such as [en, zh], got {value!r}")


def validate(cfg, default):
    """Check types against the defaults, ranges and choices; raise ConfigError on the first problem."""
    def walk(node, ref, where):
        for key, expected in ref.items():
            path = f"{where}{key}"
            value = node[key]
            if expected is None or path == "junk":  # junk: typed settings (transforms.settings)
                continue
            if isinstance(expected, dict):
                if not isinstance(value, dict):
                    raise ConfigError(f"config key {path!r} must be a mapping, got {value!r}")
                if key == "ftfy":
                    _check_ftfy(path, value)
                    continue
                walk(value, expected, path + ".")
            elif path != "output.shards":
                _check_type(path, value, expected)
    walk(cfg, default, "")
    junk_settings(cfg["junk"])
    d, f, i = cfg["dedup"], cfg["filter"], cfg["input"]
    _check_input(i)
    _check_range("filter.min_words", f["min_words"], 0)
    _check_languages("filter.languages", f["languages"])
    _check_range("dedup.threshold", d["threshold"], 0.01, 1.0)
    _check_range("dedup.lsh_threshold", d["lsh_threshold"], 0.01, 1.0)
    _check_range("dedup.ngram", d["ngram"], 1, 64)
    _check_range("dedup.num_perm", d["num_perm"], 2, 4096)
    _check_range("dedup.max_cc_rounds", d["max_cc_rounds"], 1, 200)
    _check_range("dedup.min_rep_similarity", d["min_rep_similarity"], 0.0, 1.0)
    _check_range("dedup.max_bucket_size", d["max_bucket_size"], 2)
    _check_range("dedup.lsh_partitions", d["lsh_partitions"], 1, 1 << 20)
    for key, choices in (("verify", ("exact", "estimate")), ("cluster_policy", ("representative", "components")),
                         ("scheme", SCHEMES), ("hash", SHINGLE_HASHES)):
        if d[key] not in choices:
            raise ConfigError(f"config key 'dedup.{key}' must be one of {list(choices)}, got {d[key]!r}")
    rep = d["representative"]
    if rep not in ("longest", "smallest_id") and not (rep.startswith("meta:") and len(rep) > 5):
        raise ConfigError("config key 'dedup.representative' must be longest, smallest_id or meta:<field>")
    if cfg["output"]["format"] not in ("jsonl", "parquet"):  # transforms.columnar.FORMATS
        raise ConfigError(f"config key 'output.format' must be one of ['jsonl', 'parquet'], got {cfg['output']['format']!r}")
    shards = cfg["output"]["shards"]
    if shards != "auto" and not (isinstance(shards, int) and not isinstance(shards, bool) and shards >= 1):
        raise ConfigError(f"config key 'output.shards' must be 'auto' or an integer >= 1, got {shards!r}")


def load_config(path=None, preset=None, overrides=()):
    """Return the validated config dict for an optional preset, user file and overrides."""
    default = read_yaml(DEFAULT_PATH)
    cfg = copy.deepcopy(default)
    if preset:
        if preset not in available_presets():
            raise ConfigError(f"unknown preset {preset!r} (available: {', '.join(available_presets())})")
        cfg = merge(cfg, read_yaml(os.path.join(PRESET_DIR, preset + ".yaml")))
    layer_rules = len(cfg["junk"]["rules"])
    replaced_by = []
    if path:
        user = read_yaml(path)
        cfg = merge(cfg, user)
        replaced_by += [path] if "rules" in (user.get("junk") or {}) else []
    for assignment in overrides:
        apply_override(cfg, assignment)
        replaced_by += ["--set " + assignment] if assignment.split("=", 1)[0].strip() == "junk.rules" else []
    validate(cfg, default)
    if replaced_by and layer_rules:
        logging.getLogger("textwash").warning(
            "%s replaces the %d default junk rules with %d; to add rules and keep the defaults, list "
            "them under junk.extra_rules", " and ".join(replaced_by), layer_rules, len(cfg["junk"]["rules"]))
    return cfg
