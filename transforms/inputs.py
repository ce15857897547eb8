"""Find the input files and open them.

Input kinds by extension (optionally followed by .gz / .bz2 / .zst, matched case-insensitively):
``.txt`` / ``.md`` (one document per file) and ``.jsonl`` / ``.ndjson`` (one per line).

Files are listed on the launcher (metadata only) and read on workers through Beam's
FileSystems, so local paths and ``gs://`` work alike. When a directory (or a glob) is
listed, hidden files and folders (``.DS_Store``, ``.git/``: any name starting with ``.``)
and ``__pycache__`` / ``CVS`` folders are skipped, and inside a directory so are the
project files ``README*``, ``LICENSE*`` and ``CHANGELOG*``; a file named explicitly is always
read. Skipped names are reported (``list_inputs(..., skipped=[])``, the run's stats and
summary). :func:`open_input` opens one file, decompressing it; a truncated archive raises.
"""
import bz2
import gzip
import io
import os
import posixpath

import zstandard
from apache_beam.io.filesystem import BeamIOError, CompressionTypes
from apache_beam.io.filesystems import FileSystems

TEXT_EXTS = (".txt", ".md")
JSONL_EXTS = (".jsonl", ".ndjson")
COMPRESSED_EXTS = (".gz", ".bz2", ".zst")
CHUNK = 1 << 20  # bytes read (or decompressed) at a time


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
