"""Read: find input files and turn them into documents, or into rejected records.

Input kinds by extension (optionally followed by .gz / .bz2 / .zst):

- ``.txt`` / ``.md``: one document per file, id = path relative to the input root
  without extensions;
- ``.jsonl`` / ``.ndjson``: one document per line, text from ``text_field``, id from
  ``id_field`` (else ``<file>:<line>``), every other field kept in ``meta``.

Extensions are matched case-insensitively (``.TXT``, ``.JSONL.GZ``).

Files are listed on the launcher (metadata only) and read on workers through Beam's
FileSystems, so local paths and ``gs://`` work alike. When a directory (or a glob) is
listed, hidden files and folders (``.DS_Store``, ``.git/``: any name starting with ``.``)
and ``__pycache__`` / ``CVS`` folders are skipped, and inside a directory so are the
project files ``README*``, ``LICENSE*`` and ``CHANGELOG*``; a file named explicitly is always
read. Skipped names are reported (``list_inputs(..., skipped=[])``, the run's stats and
summary). Nothing else is skipped silently: a broken line, an empty, binary or unsupported
file, an oversized document or a corrupt archive becomes a rejected record with stage ``read``.
"""
import bz2
import codecs
import contextlib
import gzip
import io
import json
import os
import posixpath
import zlib

import regex
import zstandard

import apache_beam as beam
from apache_beam.io.filesystem import BeamIOError, CompressionTypes
from apache_beam.io.filesystems import FileSystems

from transforms.records import REJECTED, make_doc, make_rejected

#: what reading a file can raise (I/O, truncated or corrupt archives, bad bytes); anything else
#: is a bug and is raised
READ_ERRORS = (OSError, EOFError, ValueError, zlib.error, zstandard.ZstdError)

TEXT_EXTS = (".txt", ".md")
JSONL_EXTS = (".jsonl", ".ndjson")
COMPRESSED_EXTS = (".gz", ".bz2", ".zst")
STAGE = "read"
CHUNK = 1 << 20


class InputError(Exception):
    """An input pattern matched nothing readable (message names the pattern)."""


def split_kind(path):
    """Return ``(kind, stem)`` for a path: kind is 'text', 'jsonl' or None; stem drops extensions.
    Extensions match whatever their case.

    >>> split_kind("a/b.jsonl.gz"), split_kind("x.md"), split_kind("y.csv"), split_kind("C/D.JSONL.GZ")
    (('jsonl', 'a/b'), ('text', 'x'), (None, 'y.csv'), ('jsonl', 'C/D'))
    """
    stem = path
    for ext in COMPRESSED_EXTS:
        if stem.lower().endswith(ext):
            stem = stem[: -len(ext)]
            break
    for kind, exts in (("text", TEXT_EXTS), ("jsonl", JSONL_EXTS)):
        for ext in exts:
            if stem.lower().endswith(ext):
                return kind, stem[: -len(ext)]
    return None, path


SKIPPED_DIRS = ("__pycache__", "CVS")       # besides every folder whose name starts with "."
PROJECT_FILES = ("readme", "license", "licence", "changelog")  # name prefixes, any case


def skip_reason(rel_path, in_directory):
    """Why a file found while listing an input folder or glob is not read, or None.

    ``rel_path`` is the path under the listed root ('/'-separated). Hidden files and folders
    and VCS / cache folders are always skipped; README* / LICENSE* / CHANGELOG* files only when
    a directory was listed (``in_directory``), since a glob that matches them asked for them.

    >>> skip_reason(".git/config", True), skip_reason("a/.DS_Store", False)
    ('hidden or VCS folder', 'hidden file')
    >>> skip_reason("README.md", True), skip_reason("README.md", False), skip_reason("news/a.txt", True)
    ('README/LICENSE/CHANGELOG file', None, None)
    """
    parts = [part for part in rel_path.split("/") if part]
    if not parts:
        return None
    for folder in parts[:-1]:
        if folder.startswith(".") or folder in SKIPPED_DIRS:
            return "hidden or VCS folder"
    name = parts[-1]
    if name.startswith("."):
        return "hidden file"
    if in_directory and name.lower().startswith(PROJECT_FILES):
        return "README/LICENSE/CHANGELOG file"
    return None


def _is_glob(pattern):
    return any(ch in pattern for ch in "*?[")


def _list_pattern(pattern, skipped):
    """List ``(path, root, size)`` for one file, glob or directory pattern; what a directory or
    glob listing skips (``skip_reason``) is appended to ``skipped`` as ``(name, reason)``, a
    skipped folder once with a trailing ``/``."""
    if "://" not in pattern and os.path.isdir(pattern):
        root = os.path.abspath(pattern)
        found = []
        for dirpath, dirnames, filenames in os.walk(root):
            rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
            rel_dir = "" if rel_dir == "." else rel_dir + "/"
            kept = []
            for name in sorted(dirnames):
                if name.startswith(".") or name in SKIPPED_DIRS:
                    skipped.append((f"{rel_dir}{name}/", "hidden or VCS folder"))
                else:
                    kept.append(name)
            dirnames[:] = kept  # not walked into
            for name in sorted(filenames):
                why = skip_reason(rel_dir + name, in_directory=True)
                if why:
                    skipped.append((rel_dir + name, why))
                else:
                    found.append(os.path.join(dirpath, name))
        return [(p, root, os.path.getsize(p)) for p in found]
    directory = "://" in pattern and not _is_glob(pattern) and not split_kind(pattern)[0]
    if directory:
        pattern = pattern.rstrip("/") + "/**"
    if "://" not in pattern:
        pattern = os.path.abspath(pattern)
    try:
        matches = FileSystems.match([pattern])[0].metadata_list
    except BeamIOError as exc:  # the filesystem could not list it (no bucket, no credentials, ...)
        raise InputError(f"cannot list input {pattern!r}: {exc}") from None
    listed = _is_glob(pattern) or pattern.endswith("/**")
    if listed:
        head = pattern.split("*")[0].split("?")[0].split("[")[0]
        root = head.rstrip("/") if head.endswith("/") else posixpath.dirname(head)
    else:
        root = posixpath.dirname(pattern)
    out, folders = [], set()
    for m in matches:
        rel = m.path[len(root):].lstrip("/") if listed and m.path.startswith(root) else ""
        why = skip_reason(rel, in_directory=directory) if rel else None
        if why == "hidden or VCS folder":
            parts = rel.split("/")
            first = next(i for i, part in enumerate(parts[:-1])
                         if part.startswith(".") or part in SKIPPED_DIRS)
            folder = "/".join(parts[:first + 1]) + "/"
            if folder not in folders:
                folders.add(folder)
                skipped.append((folder, why))
        elif why:
            skipped.append((rel, why))
        else:
            out.append((m.path, root, m.size_in_bytes))
    return out


def list_inputs(patterns, skipped=None):
    """Expand input patterns into a sorted list of ``{"path", "root", "kind", "size"}`` dicts.

    Raises InputError naming the first pattern that matches no file (or only skipped ones).
    Files of unknown kind are still listed (kind None) so that they become rejected records,
    not silent skips. ``skipped``, when a list, receives ``(name, reason)`` for each file or
    folder a directory or glob listing left out (``skip_reason``).
    """
    specs, seen = [], set()
    skipped = [] if skipped is None else skipped
    for pattern in patterns:
        before = len(skipped)
        listed = _list_pattern(pattern, skipped)
        if not listed:
            left_out = skipped[before:]
            if left_out:
                names = ", ".join(name for name, _ in left_out[:5]) + (", ..." if len(left_out) > 5 else "")
                raise InputError(f"input {pattern!r} holds no file to read: only hidden, VCS or "
                                 f"README/LICENSE/CHANGELOG files ({names}); name a file to read it")
            raise InputError(f"input not found: {pattern!r} matches no file")
        for path, root, size in listed:
            if path not in seen:
                seen.add(path)
                specs.append({"path": path, "root": root, "kind": split_kind(path)[0], "size": size})
    return sorted(specs, key=lambda s: s["path"])


def relative_id(path, root):
    """Document id for a one-document file: its path under ``root`` without extensions.

    >>> relative_id("/in/news/a.txt.gz", "/in")
    'news/a'
    """
    rel = path[len(root):].lstrip("/") if path.startswith(root) else posixpath.basename(path)
    return split_kind(rel)[1]


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


def read_text_file(spec, handle, cfg):
    """Yield the one document (or rejected record) of a .txt/.md file opened as ``handle``.

    A file that cannot be read to the end (truncated or corrupt archive) is an incomplete
    document: it is rejected (``truncated_file`` / ``corrupt_file``) with its readable start
    in the rejected record's text, never kept as if it were whole.
    """
    source = _rel_source(spec)
    doc_id = relative_id(spec["path"], spec["root"])
    limit = cfg["max_doc_bytes"]
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
        yield from _decoded_doc(doc_id, source, raw, cfg, {})


def _decoded_doc(doc_id, source, raw, cfg, meta):
    text, encoding = decode_bytes(raw, cfg["decode_errors"], cfg["fallback_encoding"])
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


def parse_json_line(doc_id, source, raw, cfg, pos=0):
    """Yield the document (or rejected record) of one JSONL line given as bytes.

    ``doc_id`` is the fallback id (``<file>:<line>``) used when the line has no usable id.
    """
    text_field, id_field = cfg["text_field"], cfg["id_field"]
    text, encoding = decode_bytes(raw, cfg["decode_errors"], cfg["fallback_encoding"])
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


def read_jsonl_file(spec, handle, cfg):
    """Yield the documents (and rejected records) of a JSONL file opened as ``handle``.

    Lines are read one at a time; when the file cannot be read to the end (truncated or
    corrupt archive) every complete line before the failure is kept and one rejected record
    (id ``<file>:<next line>``) reports the failure with the file name.
    """
    source = _rel_source(spec)
    limit = cfg["max_doc_bytes"]
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
        yield from parse_json_line(doc_id, source, raw, cfg, lineno)
    if lineno == 0 or lineno == blank:
        yield _rejected(source, source, "empty_file", "the file has no JSON lines")


class _ZstdReader(io.RawIOBase):
    """A raw binary stream of the decompressed content of a (multi-frame) zstd stream.

    Unlike a plain decompressor it raises EOFError when the input ends inside a frame, so a
    truncated ``.zst`` file is reported instead of silently read as shorter.
    """

    def __init__(self, raw):
        super().__init__()
        self.raw = raw
        self.dobj = None
        self.buf, self.pos = b"", 0
        self.done = False
        self.error = None  # raised once the data decoded before it has been read

    def readable(self):
        return True

    def _feed(self, data):
        out = []
        while data:
            if self.dobj is None:
                self.dobj = zstandard.ZstdDecompressor().decompressobj()
            try:
                out.append(self.dobj.decompress(data))
            except zstandard.ZstdError as exc:
                self.error, self.done = exc, True
                break
            if self.dobj.eof:
                data, self.dobj = self.dobj.unused_data, None
            else:
                data = b""
        return b"".join(out)

    def readinto(self, buffer):
        if self.pos >= len(self.buf) and self.error is not None:
            raise self.error
        while self.pos >= len(self.buf) and not self.done:
            chunk = self.raw.read(CHUNK)
            if not chunk:
                self.done = True
                if self.dobj is not None:
                    raise EOFError("zstd stream ends inside a frame (truncated file)")
                break
            self.buf, self.pos = self._feed(chunk), 0
        if self.pos >= len(self.buf) and self.error is not None:
            raise self.error
        n = min(len(buffer), len(self.buf) - self.pos)
        buffer[:n] = self.buf[self.pos:self.pos + n]
        self.pos += n
        return n


def open_input(path, stack):
    """Open ``path`` for reading as decompressed bytes (by extension); register closers on ``stack``.

    Decompression is done here rather than by Beam so that a truncated or corrupt archive
    raises (EOFError / zlib.error / ZstdError) after yielding everything readable before it.
    """
    raw = stack.enter_context(FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED))
    lower = path.lower()
    if lower.endswith(".gz"):
        return stack.enter_context(gzip.GzipFile(fileobj=raw, mode="rb"))
    if lower.endswith(".bz2"):
        return stack.enter_context(bz2.BZ2File(raw, mode="rb"))
    if lower.endswith(".zst"):
        return stack.enter_context(io.BufferedReader(_ZstdReader(raw), CHUNK))
    return raw


class ReadFile(beam.DoFn):
    """One input spec -> its documents, plus rejected records for whatever could not be read."""

    def __init__(self, input_cfg):
        self.cfg = input_cfg

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
                yield from reader(spec, handle, self.cfg)
        except READ_ERRORS as exc:  # cannot open: one rejected record names the file
            yield _rejected(source, source, "read_error",
                            f"cannot open {source}: {type(exc).__name__}: {exc}")


class ReadDocuments(beam.PTransform):
    """List of input specs -> DoOutputsTuple(docs, rejected); work fans out after reading."""

    def __init__(self, specs, input_cfg):
        super().__init__()
        self.specs = specs
        self.cfg = input_cfg

    def files(self, pbegin):
        """The input specs as a PCollection, spread over the workers before any file is read."""
        return pbegin | "ListFiles" >> beam.Create(self.specs) | "SpreadFiles" >> beam.Reshuffle()

    def expand(self, pbegin):
        return self.files(pbegin) | "ReadFiles" >> beam.ParDo(ReadFile(self.cfg)).with_outputs(
            REJECTED, main="docs")
