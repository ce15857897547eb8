"""Configuration: YAML in ``configs/``, merged, overridden with ``--set``, validated at load.

``load_config(path=None, preset=None, overrides=())`` starts from ``configs/default.yaml``,
merges a preset (``configs/presets/<name>.yaml``) and/or a user file on top (dicts merge
key by key, lists such as ``junk.rules`` replace), applies ``dotted.key=value`` overrides
(values parsed as YAML) and validates everything. Any problem raises ConfigError with a
one-line message naming the key.
"""
import codecs
import copy
import os

import yaml

from transforms.junk import SCOPES, compile_rule_error
from transforms.normalize import DEFAULT_FTFY

CONFIG_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "configs")
DEFAULT_PATH = os.path.join(CONFIG_DIR, "default.yaml")
PRESET_DIR = os.path.join(CONFIG_DIR, "presets")
RULE_KEYS = {"name", "scope", "pattern", "replace", "ignore_case", "max_lines", "enabled",
             "description", "example"}
SCHEMES = ("affine32", "affine64", "legacy")
SHINGLE_HASHES = ("poly64", "sha1", "xxh3")  # transforms.minhash.HASHES
DECODE_POLICIES = ("detect", "fallback", "replace", "reject")
DUPLICATE_ID_POLICIES = ("qualify", "reject")
NORMALIZATIONS = ("NFC", "NFD", "NFKC", "NFKD", None)


class ConfigError(Exception):
    """A configuration problem; the message names the file or key and what is wrong."""


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


def validate_rules(rules):
    """Check ``junk.rules``: a list of mappings with unique names, known keys and compiling patterns."""
    if not isinstance(rules, list):
        raise ConfigError("config key 'junk.rules' must be a list of rules")
    names = set()
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            raise ConfigError(f"junk.rules[{i}] must be a mapping")
        name = rule.get("name")
        label = f"junk rule {name!r}" if name else f"junk.rules[{i}]"
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{label} needs a non-empty 'name'")
        if name in names:
            raise ConfigError(f"{label} is defined twice")
        names.add(name)
        unknown = set(rule) - RULE_KEYS
        if unknown:
            raise ConfigError(f"{label} has unknown key(s) {sorted(unknown)} (known: {sorted(RULE_KEYS)})")
        if rule.get("scope") not in SCOPES:
            raise ConfigError(f"{label}: scope must be one of {list(SCOPES)}, got {rule.get('scope')!r}")
        if not isinstance(rule.get("pattern"), str) or not rule["pattern"]:
            raise ConfigError(f"{label} needs a non-empty string 'pattern'")
        error = compile_rule_error(rule)
        if error:
            raise ConfigError(f"{label}: bad regex pattern: {error}")


def validate_junk(junk):
    """Check the junk-stage settings beyond types: names in ``disable``, choices, ranges, regexes."""
    import regex
    from transforms.boilerplate import GROUPS
    from transforms.junk import HEURISTIC_SWITCHES
    known = {r.get("name") for r in junk["rules"]} | set(HEURISTIC_SWITCHES) | {"heuristics", "boilerplate"}
    for name in junk["disable"]:
        if name not in known:
            raise ConfigError(f"config key 'junk.disable' names unknown rule {name!r} (known: {sorted(known)})")
    h = junk["heuristics"]
    if h["context"]["keep_if"] not in ("either", "both"):
        raise ConfigError("config key 'junk.heuristics.context.keep_if' must be either or both")
    _check_range("junk.heuristics.context.window", h["context"]["window"], 1)
    _check_range("junk.heuristics.good_line.min_words", h["good_line"]["min_words"], 1)
    _check_range("junk.heuristics.good_line.long_min_marks", h["good_line"]["long_min_marks"], 0)
    for key in ("min_stopword_ratio", "min_alpha_ratio"):
        _check_range(f"junk.heuristics.good_line.{key}", h["good_line"][key], 0.0, 1.0)
    for key in ("bad_penalty", "weak_penalty", "weak_penalty_per_word", "extra_min_score", "good_offset"):
        _check_range(f"junk.heuristics.main_region.{key}", h["main_region"][key], 0.0)
    for key in ("good_offset_max_share", "good_offset_weak_min_stop", "keep_weak_min_share"):
        _check_range(f"junk.heuristics.main_region.{key}", h["main_region"][key], 0.0, 1.0)
    for key in ("javascript", "policy_line", "curly_brace", "cookie_banner"):
        _check_range(f"junk.heuristics.{key}.max_words", h[key]["max_words"], 1)
    for key in ("max_region_share", "min_weak_stopword_ratio", "max_prose_share"):
        _check_range(f"junk.heuristics.scattered_page.{key}", h["scattered_page"][key], 0.0, 1.0)
    for key in ("weak_penalty", "min_article_words"):
        _check_range(f"junk.heuristics.scattered_page.{key}", h["scattered_page"][key], 0)
    _check_range("junk.heuristics.thread_page.min_ratio", h["thread_page"]["min_ratio"], 0.0)
    _check_range("junk.heuristics.repeated_above.min_words", h["repeated_above"]["min_words"], 1)
    for key in ("resume_min_words", "resume_window"):  # related_start: inline related boxes
        _check_range(f"junk.heuristics.related_start.{key}", h["related_start"][key], 0)
    for key in ("min_body_words", "min_stamps", "window", "back", "max_item_share"):  # stamp_list
        _check_range(f"junk.heuristics.stamp_list.{key}", h["stamp_list"][key], 1 if key in ("min_stamps", "window") else 0)
    _check_range("junk.heuristics.stamp_list.max_page_prose_share", h["stamp_list"]["max_page_prose_share"], 0.0, 1.0)
    below = h["main_region"]["extend_below"]
    _check_range("junk.heuristics.main_region.extend_below.min_words", below["min_words"], 0)
    _check_range("junk.heuristics.main_region.extend_below.min_stopword_ratio", below["min_stopword_ratio"], 0.0, 1.0)
    from transforms.junk import PATTERN_HEURISTICS, REGION_ENDS
    for key in [k for k, _ in REGION_ENDS] + list(PATTERN_HEURISTICS) + ["cookie_banner"]:
        try:
            regex.compile(h[key]["pattern"], regex.V1)
        except regex.error as exc:
            raise ConfigError(f"config key 'junk.heuristics.{key}.pattern': bad regex: {exc}") from None
        _check_range(f"junk.heuristics.{key}.max_words", h[key]["max_words"], 1)
        if key in PATTERN_HEURISTICS:
            _check_range(f"junk.heuristics.{key}.weak_first", h[key]["weak_first"], 0)
            _check_range(f"junk.heuristics.{key}.max_hits", h[key]["max_hits"], 1)
        elif key != "cookie_banner":
            _check_range(f"junk.heuristics.{key}.min_body_words", h[key]["min_body_words"], 0)
    if not all(isinstance(p, str) and p for p in h["policy_line"]["phrases"]):
        raise ConfigError("config key 'junk.heuristics.policy_line.phrases' must be a list of strings")
    b = junk["boilerplate"]
    if b["group_by"] not in GROUPS:
        raise ConfigError(f"config key 'junk.boilerplate.group_by' must be one of {list(GROUPS)}")
    _check_range("junk.boilerplate.min_docs", b["min_docs"], 2)
    _check_range("junk.boilerplate.max_words", b["max_words"], 1)
    for name, rule in junk["doc_ratios"].items():
        if isinstance(rule, dict):
            _check_range(f"junk.doc_ratios.{name}.max", rule["max"], 0.0)


def validate(cfg, default):
    """Check types against the defaults, ranges and choices; raise ConfigError on the first problem."""
    def walk(node, ref, where):
        for key, expected in ref.items():
            path = f"{where}{key}"
            value = node[key]
            if key == "rules" or expected is None:
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
    validate_rules(cfg["junk"]["rules"])
    validate_junk(cfg["junk"])
    d, f, i = cfg["dedup"], cfg["filter"], cfg["input"]
    _check_input(i)
    _check_range("junk.regex_timeout_s", cfg["junk"]["regex_timeout_s"], 0.001)
    _check_range("filter.min_words", f["min_words"], 0)
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
    if path:
        cfg = merge(cfg, read_yaml(path))
    for assignment in overrides:
        apply_override(cfg, assignment)
    validate(cfg, default)
    return cfg
