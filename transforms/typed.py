"""Typed, frozen settings built from YAML mappings: :func:`build` turns a mapping into a
dataclass and is the validation. An unknown key, a missing key, a wrong type, a value outside
a field's :func:`bounded` metadata or a regex that does not compile raises
:class:`ConfigError` with a one-line message naming the dotted key.

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Limit:
...     enabled: bool
...     max_words: int = bounded(1)
>>> build(Limit, {"enabled": True, "max_words": 3}, "x")
Limit(enabled=True, max_words=3)
>>> build(Limit, {"enabled": True, "max_words": 0}, "x")
Traceback (most recent call last):
...
transforms.typed.ConfigError: config key 'x.max_words' must be >= 1, got 0
"""
import dataclasses
import difflib
import functools
import types
import typing
from dataclasses import field

import regex


class ConfigError(Exception):
    """A configuration problem; the message names the file or key and what is wrong."""


def bounded(low=None, high=None, choices=None, pattern=False, check=None):
    """Field metadata: the value must lie in ``low..high``, be one of ``choices``, (``pattern``)
    be a regex that compiles, and pass ``check`` (a function of the value returning what is
    wrong with it as text, or None). Used as ``name: float = bounded(0.0, 1.0)``.

    ``pattern`` True compiles with ``regex.V1``; regex flags compile with those: give the
    flags the pattern is used with, and that later compile is a hit in regex's own cache."""
    return field(metadata={"low": low, "high": high, "choices": choices, "pattern": pattern, "check": check})


def built_by(function):
    """Field metadata: the field's value is ``function(mapping, dotted_path)`` instead of the
    mapping built as the field's type (for a section with its own builder, such as ``junk``)."""
    return field(metadata={"build": function})


def unknown_key_error(path, key, known):
    """ConfigError for an unknown ``key`` under dotted ``path`` (empty at the top), with the
    closest known key as a suggestion.

    >>> unknown_key_error("dedup", "treshold", ["threshold", "ngram"])
    ConfigError("unknown config key 'dedup.treshold' (did you mean 'threshold'? known here: ngram, threshold)")
    """
    where = f"{path}.{key}" if path else str(key)
    close = difflib.get_close_matches(str(key), [str(k) for k in known], n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return ConfigError(f"unknown config key {where!r} ({hint}known here: {', '.join(sorted(map(str, known)))})")


def _type_name(kind):
    return "null" if kind is type(None) else kind.__name__


def _type_error(path, value, name):
    return ConfigError(f"config key {path!r} must be {name}, got {value!r}")


def _convert(path, value, kind):
    """``value`` checked against (and converted to) the annotation ``kind``."""
    if dataclasses.is_dataclass(kind):
        return build(kind, value, path)
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        for option in typing.get_args(kind):
            try:
                return value if option is type(None) and value is None else _convert(path, value, option)
            except ConfigError:
                continue
        raise _type_error(path, value, " or ".join(_type_name(k) for k in typing.get_args(kind)))
    if kind is type(None) and value is not None:
        raise _type_error(path, value, "null")
    if typing.get_origin(kind) is tuple:
        item = typing.get_args(kind)[0]
        if not isinstance(value, (list, tuple)):
            raise _type_error(path, value, "a list")
        return tuple(_convert(f"{path}[{i}]", v, item) for i, v in enumerate(value))
    if kind is bool:
        if not isinstance(value, bool):
            raise _type_error(path, value, "bool")
    elif kind is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _type_error(path, value, "int")
    elif kind is float:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise _type_error(path, value, "float")
        value = float(value)
    elif kind is str:
        if not isinstance(value, str):
            raise _type_error(path, value, "str")
    return value


def _check_bounds(path, value, meta):
    low, high, choices = meta.get("low"), meta.get("high"), meta.get("choices")
    if choices is not None and value not in choices:
        raise ConfigError(f"config key {path!r} must be one of {list(choices)}, got {value!r}")
    if low is not None and (value != value or value < low or (high is not None and value > high)):
        span = f"between {low} and {high}" if high is not None else f">= {low}"
        raise ConfigError(f"config key {path!r} must be {span}, got {value!r}")
    problem = meta.get("check") and meta["check"](value)
    if problem:
        raise ConfigError(f"config key {path!r} must be {problem}, got {value!r}")
    if meta.get("pattern"):
        check_pattern(path, value, regex.V1 if meta["pattern"] is True else meta["pattern"])


def check_pattern(path, pattern, flags):
    """Raise ConfigError naming the config key ``path`` unless ``pattern`` compiles with ``flags``."""
    try:
        regex.compile(pattern, flags)
    except (regex.error, ValueError, TypeError) as exc:
        raise ConfigError(f"config key {path!r}: bad regex: {exc}") from None


@functools.lru_cache(maxsize=None)
def _fields(cls):
    hints = typing.get_type_hints(cls)
    return tuple((f, hints[f.name]) for f in dataclasses.fields(cls) if f.init)


def build(cls, data, path):
    """The dataclass ``cls`` built from the mapping ``data`` found at dotted key ``path``.

    Every field without a default must be present; unknown keys, wrong types and values
    outside a field's :func:`bounded` metadata raise ConfigError naming the key.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"config key {path!r} must be a mapping, got {data!r}")
    fields = _fields(cls)
    known = {f.name for f, _ in fields}
    unknown = sorted(set(data) - known, key=str)
    if unknown:
        raise unknown_key_error(path, unknown[0], known)
    values = {}
    for f, kind in fields:
        where = f"{path}.{f.name}" if path else f.name
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConfigError(f"config key {where!r} is missing")
            continue
        if "build" in f.metadata:
            values[f.name] = f.metadata["build"](data[f.name], where)
            continue
        values[f.name] = _convert(where, data[f.name], kind)
        _check_bounds(where, values[f.name], f.metadata)
    return cls(**values)
