"""Read: turn input files (listed and opened by :mod:`transforms.inputs`) into documents, or
into rejected records.

Input kinds by extension (optionally followed by .gz / .bz2 / .zst):

- ``.txt`` / ``.md``: one document per file, id = path relative to the input root
  without extensions;
- ``.jsonl`` / ``.ndjson``: one document per line, text from ``text_field``, id from
  ``id_field`` (else ``<file>:<line>``), every other field kept in ``meta``.

Files are read on workers through Beam's FileSystems (local paths and ``gs://`` alike).
Nothing is skipped silently: a broken line, an empty, binary or unsupported
file, an oversized document or a corrupt archive becomes a rejected record with stage ``read``.
"""
import codecs
import contextlib
import gzip
import json
import zlib

import regex
import zstandard

import apache_beam as beam

from transforms.inputs import CHUNK, open_input, relative_id
from transforms.records import REJECTED, make_doc, make_rejected

#: what reading a file can raise (I/O, truncated or corrupt archives, bad bytes); anything else
#: is a bug and is raised
READ_ERRORS = (OSError, EOFError, ValueError, zlib.error, zstandard.ZstdError)

STAGE = "read"


def decode_bytes(raw, policy, fallback="cp1252"):
    """Decode ``raw`` bytes as UTF-8; on failure apply ``policy``.

    Returns ``(text, encoding used)``; text is None when the policy is 'reject'.

    - 'fallback': decode with the declared ``fallback`` encoding (bytes it does not define
      become U+FFFD);
    - 'detect': ask charset-normalizer; when its candidates tie between several legacy code
      pages and ``fallback`` is one of them, ``fallback`` wins (short Western text is often
      guessed as cp1250 otherwise); no candidate at all -> ``fallback``;
    - 'replace': UTF-8 with U+FFFD for the bad bytes.

    >>> decode_bytes("caf\u00e9".encode("cp1252"), "replace")
    ('caf\ufffd', 'utf-8+replace')
    >>> decode_bytes(b"caf\\xe9 cr\\xe8me", "detect")
    ('café crème', 'cp1252')
    """
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if policy == "reject":
        return None, None
    if policy == "replace":
        return raw.decode("utf-8", errors="replace"), "utf-8+replace"
    if policy == "detect":
        from charset_normalizer import from_bytes
        matches = from_bytes(raw)
        best = matches.best()
        if best is not None:
            tied = [m for m in matches if m.chaos <= best.chaos + 0.01]
            if not any(_codec_name(fallback) in _charsets(m) for m in tied):
                return str(best), best.encoding
    return raw.decode(fallback, errors="replace"), fallback


def _codec_name(name):
    """Canonical Python codec name ('windows-1252' -> 'cp1252'), or the name itself if unknown."""
    try:
        return codecs.lookup(name).name.replace("-", "_")
    except LookupError:
        return name


def _charsets(match):
    """Canonical codec names a charset-normalizer match could come from."""
    return {_codec_name(n) for n in (match.could_be_from_charset or [match.encoding])}


def looks_binary(raw):
    """True when bytes look like a binary file (a NUL byte in the first 8 KiB)."""
    return b"\x00" in raw[:8192]


def _rel_source(spec):
    root = spec["root"]
    path = spec["path"]
    return path[len(root):].lstrip("/") if path.startswith(root) else path


def _error_reason(exc):
    """Reason name for an exception raised while reading a file."""
    if isinstance(exc, EOFError):
        return "truncated_file"
    if isinstance(exc, (zlib.error, gzip.BadGzipFile, zstandard.ZstdError, OSError, ValueError)):
        return "corrupt_file"
    return "read_error"


def _error_detail(spec, exc, kept):
    return (f"cannot read {_rel_source(spec)} to the end: {type(exc).__name__}: {exc}; {kept}")


def _read_capped(handle, limit, parts):
    """Read up to ``limit + 1`` bytes into ``parts`` (chunk by chunk, so a failure keeps what came)."""
    size = 0
    read = getattr(handle, "read1", handle.read)  # one decompression step at a time
    while size <= limit:
        chunk = read(min(CHUNK, limit + 1 - size))
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)


def read_text_file(spec, handle, settings):
    """Yield the one document (or rejected record) of a .txt/.md file opened as ``handle``.

    A file that cannot be read to the end (truncated or corrupt archive) is an incomplete
    document: it is rejected (``truncated_file`` / ``corrupt_file``) with its readable start
    in the rejected record's text, never kept as if it were whole.
    """
    source = _rel_source(spec)
    doc_id = relative_id(spec["path"], spec["root"])
    limit = settings.max_doc_bytes
    parts = []
    try:
        raw = _read_capped(handle, limit, parts)
    except READ_ERRORS as exc:  # a read failure becomes a rejected record (a bug still raises)
        partial = b"".join(parts)
        yield _rejected(doc_id, source, _error_reason(exc), _error_detail(
            spec, exc, f"the document is incomplete ({len(partial)} readable bytes, start kept "
                       f"in this record) and is not kept"), partial[:4000])
        return
    if not raw:
        yield _rejected(doc_id, source, "empty_file", "the file has no bytes")
    elif len(raw) > limit:
        yield _rejected(doc_id, source, "too_large",
                        f"document is larger than input.max_doc_bytes={limit} bytes; "
                        f"raise the cap or split the file", raw[:4000])
    elif looks_binary(raw):
        yield _rejected(doc_id, source, "binary_file",
                        "NUL bytes in the first 8 KiB: not a text file (image or other binary?)")
    else:
        yield from _decoded_doc(doc_id, source, raw, settings, {})


def _decoded_doc(doc_id, source, raw, settings, meta):
    text, encoding = decode_bytes(raw, settings.decode_errors, settings.fallback_encoding)
    if text is None:
        yield _rejected(doc_id, source, "invalid_utf8",
                        "bytes are not valid UTF-8 (input.decode_errors=reject; use detect or replace "
                        "to decode them)", raw[:4000])
        return
    if encoding != "utf-8":
        meta = dict(meta, source_encoding=encoding)
    yield _with_pos(make_doc(doc_id, text, source, meta), 0)


def _with_pos(record, pos):
    """Add the position of the record in its file (line number, 0 for a whole file)."""
    record["pos"] = pos
    return record


def _rejected(doc_id, source, reason, detail, raw=b"", pos=0):
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    return beam.pvalue.TaggedOutput(REJECTED, _with_pos(
        make_rejected(doc_id, source, STAGE, reason, detail, text), pos))


def parse_json_line(doc_id, source, raw, settings, pos=0):
    """Yield the document (or rejected record) of one JSONL line given as bytes.

    ``doc_id`` is the fallback id (``<file>:<line>``) used when the line has no usable id.
    """
    text_field, id_field = settings.text_field, settings.id_field
    text, encoding = decode_bytes(raw, settings.decode_errors, settings.fallback_encoding)
    if text is None:
        yield _rejected(doc_id, source, "invalid_utf8",
                        "line is not valid UTF-8 (input.decode_errors=reject; use detect or replace "
                        "to decode it)", raw, pos)
        return
    try:
        obj = json.loads(text)
    except ValueError as exc:
        yield _rejected(doc_id, source, "invalid_json", f"broken JSON: {exc}", text, pos)
        return
    repaired = "\\u" in text and _has_lone_surrogate(obj)
    if repaired:  # "\\ud800" escapes decode to lone surrogates, which no UTF-8 writer accepts
        obj = _repair_surrogates(obj)
    if not isinstance(obj, dict):
        yield _rejected(doc_id, source, "not_an_object",
                        f"JSON line is {_a(_json_type(obj))}, not an object", text, pos)
        return
    if id_field in obj and obj[id_field] is not None and not isinstance(obj[id_field], (dict, list)):
        doc_id = str(obj[id_field])
    if text_field not in obj:
        yield _rejected(doc_id, source, "missing_text_field",
                        f"no field {text_field!r} (input.text_field); fields present: "
                        f"{sorted(obj)[:10]}", text, pos)
        return
    body = obj[text_field]
    if not isinstance(body, str):
        yield _rejected(doc_id, source, "text_not_string",
                        f"field {text_field!r} is {_json_type(body)}, not a string", text, pos)
        return
    meta = {k: v for k, v in obj.items() if k not in (text_field, id_field)}
    if encoding != "utf-8":
        meta["source_encoding"] = encoding
    if repaired:
        meta["unicode_repaired"] = "lone surrogate escapes replaced by U+FFFD"
    yield _with_pos(make_doc(doc_id, body, source, meta), pos)


SURROGATE_RE = regex.compile("[\ud800-\udfff]")


def _has_lone_surrogate(value):
    """True when any string (key or value) inside a parsed JSON value holds a lone surrogate."""
    if isinstance(value, str):
        return SURROGATE_RE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def _repair_surrogates(value):
    """A copy of a parsed JSON value with lone surrogates replaced by U+FFFD.

    >>> _repair_surrogates({"a\\ud800": ["x\\udc00y", 1]})
    {'a\ufffd': ['x\ufffdy', 1]}
    """
    if isinstance(value, str):
        return SURROGATE_RE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_repair_surrogates(k): _repair_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_repair_surrogates(v) for v in value]
    return value


def _a(noun):
    """``noun`` with its indefinite article ('an array', 'a string')."""
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def _json_type(value):
    """JSON name of a parsed value's type (null, boolean, number, string, array, object)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


def read_jsonl_file(spec, handle, settings):
    """Yield the documents (and rejected records) of a JSONL file opened as ``handle``.

    Lines are read one at a time; when the file cannot be read to the end (truncated or
    corrupt archive) every complete line before the failure is kept and one rejected record
    (id ``<file>:<next line>``) reports the failure with the file name.
    """
    source = _rel_source(spec)
    limit = settings.max_doc_bytes
    try:
        head = handle.peek(8192)[:8192] if hasattr(handle, "peek") else b""
    except READ_ERRORS:  # the read loop below reports the failure
        head = b""
    if looks_binary(head):
        yield _rejected(source, source, "binary_file",
                        "NUL bytes in the first 8 KiB: not a JSONL text file (image or other binary?)")
        return
    lineno, blank = 0, 0
    while True:
        try:
            raw = handle.readline(limit + 1)
            oversized = len(raw) > limit and not raw.endswith(b"\n")
            while oversized and raw and not raw.endswith(b"\n"):  # skip the rest of the line
                raw = handle.readline(limit + 1)
        except READ_ERRORS as exc:  # a read failure becomes a rejected record (a bug still raises)
            yield _rejected(f"{source}:{lineno + 1}", source, _error_reason(exc), _error_detail(
                spec, exc, f"the {lineno} line(s) before line {lineno + 1} were read and kept"),
                pos=lineno + 1)
            return
        if not raw and not oversized:
            break
        lineno += 1
        doc_id = f"{source}:{lineno}"
        if oversized:
            yield _rejected(doc_id, source, "too_large",
                            f"line {lineno} is larger than input.max_doc_bytes={limit} bytes; "
                            f"raise the cap or split the record", pos=lineno)
            if not raw:
                break
            continue
        if lineno == 1 and looks_binary(raw):
            yield _rejected(source, source, "binary_file",
                            "NUL bytes in the first line: not a JSONL text file (image or other binary?)")
            return
        raw = raw.rstrip(b"\r\n")
        if not raw.strip():
            blank += 1
            continue
        yield from parse_json_line(doc_id, source, raw, settings, lineno)
    if lineno == 0 or lineno == blank:
        yield _rejected(source, source, "empty_file", "the file has no JSON lines")


class ReadFile(beam.DoFn):
    """One input spec -> its documents, plus rejected records for whatever could not be read."""

    def __init__(self, settings):
        self.settings = settings  # transforms.stage_settings.InputSettings

    def process(self, spec):
        source = _rel_source(spec)
        if spec["kind"] is None:
            yield _rejected(source, source, "unsupported_file",
                            "extension is not one of .txt .md .jsonl .ndjson (optionally .gz .bz2 .zst); "
                            "rename or convert the file")
            return
        reader = read_text_file if spec["kind"] == "text" else read_jsonl_file
        try:
            with contextlib.ExitStack() as stack:
                handle = open_input(spec["path"], stack)
                yield from reader(spec, handle, self.settings)
        except READ_ERRORS as exc:  # cannot open: one rejected record names the file
            yield _rejected(source, source, "read_error",
                            f"cannot open {source}: {type(exc).__name__}: {exc}")


class ReadDocuments(beam.PTransform):
    """List of input specs -> DoOutputsTuple(docs, rejected); work fans out after reading."""

    def __init__(self, specs, settings):
        super().__init__()
        self.specs = specs
        self.settings = settings  # transforms.stage_settings.InputSettings

    def files(self, pbegin):
        """The input specs as a PCollection, spread over the workers before any file is read."""
        return pbegin | "ListFiles" >> beam.Create(self.specs) | "SpreadFiles" >> beam.Reshuffle()

    def expand(self, pbegin):
        return self.files(pbegin) | "ReadFiles" >> beam.ParDo(ReadFile(self.settings)).with_outputs(
            REJECTED, main="docs")
