"""Configuration: YAML in ``configs/``, merged, overridden with ``--set``, validated at load.

``load_config(path=None, preset=None, overrides=())`` starts from ``configs/default.yaml``,
merges a preset (``configs/presets/<name>.yaml``) and/or a user file on top (dicts merge
key by key, lists such as ``junk.rules`` replace), applies ``dotted.key=value`` overrides
(values parsed as YAML) and validates everything by building the typed settings
(:func:`load_settings` returns them: :class:`transforms.stage_settings.Settings`). Any problem
raises ConfigError with a one-line message naming the key.
"""
import copy
import logging
import os

import yaml

from transforms.stage_settings import settings_from_config
from transforms.typed import ConfigError, unknown_key_error

CONFIG_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "configs")
DEFAULT_PATH = os.path.join(CONFIG_DIR, "default.yaml")
PRESET_DIR = os.path.join(CONFIG_DIR, "presets")


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


#: libyaml's safe loader when PyYAML was built with it (12x faster on configs/default.yaml; it
#: is read at every start), else the pure-Python one; both build the same values
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path):
    """Parse one YAML file into a dict, or raise ConfigError saying why it cannot be used."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=SAFE_LOADER)
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
            raise unknown_key_error(where.rstrip("."), key, base)
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
            error = unknown_key_error(".".join(parts[:i]), part, node if isinstance(node, dict) else ())
            raise ConfigError(f"{error} in --set {assignment!r}")
        if i == len(parts) - 1:
            node[part] = value
        else:
            node = node[part]


def load_settings(path=None, preset=None, overrides=()):
    """The typed :class:`transforms.stage_settings.Settings` of the config :func:`load_config`
    merges (defaults, preset, user file, ``--set`` overrides); raises ConfigError naming the key."""
    return _load(path, preset, overrides)[1]


def load_config(path=None, preset=None, overrides=()):
    """Return the validated config dict (the merged YAML mapping) for an optional preset, user
    file and overrides; :func:`load_settings` gives it as typed settings."""
    return _load(path, preset, overrides)[0]


def _load(path, preset, overrides):
    """``(merged config dict, Settings)`` for an optional preset, user file and overrides."""
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
    settings = settings_from_config(cfg)  # building them is the validation (key, type, range, regex)
    if replaced_by and layer_rules:
        logging.getLogger("textwash").warning(
            "%s replaces the %d default junk rules with %d; to add rules and keep the defaults, list "
            "them under junk.extra_rules", " and ".join(replaced_by), layer_rules, len(cfg["junk"]["rules"]))
    return cfg, settings
