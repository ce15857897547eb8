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
import functools
import typing
from dataclasses import field

import regex


class ConfigError(Exception):
    """A configuration problem; the message names the file or key and what is wrong."""


def bounded(low=None, high=None, choices=None, pattern=False):
    """Field metadata: the value must lie in ``low..high``, be one of ``choices``, or (``pattern``)
    be a regex that compiles. Used as ``field(metadata=bounded(0.0, 1.0))``."""
    return field(metadata={"low": low, "high": high, "choices": choices, "pattern": pattern})


def _type_error(path, value, name):
    return ConfigError(f"config key {path!r} must be {name}, got {value!r}")


def _convert(path, value, kind):
    """``value`` checked against (and converted to) the annotation ``kind``."""
    if dataclasses.is_dataclass(kind):
        return build(kind, value, path)
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
    if meta.get("pattern"):
        try:
            regex.compile(value, regex.V1)
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
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"unknown config key {path + '.' + unknown[0]!r} (known here: {', '.join(sorted(known))})")
    values = {}
    for f, kind in fields:
        where = f"{path}.{f.name}"
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConfigError(f"config key {where!r} is missing")
            continue
        values[f.name] = _convert(where, data[f.name], kind)
        _check_bounds(where, values[f.name], f.metadata)
    return cls(**values)
