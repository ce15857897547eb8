"""Find the input files and open them.

Input kinds by extension (optionally followed by .gz / .bz2 / .zst, matched case-insensitively):
``.txt`` / ``.md`` (one document per file) and ``.jsonl`` / ``.ndjson`` (one per line).

Files are listed on the launcher (metadata only) and read on workers through Beam's
FileSystems, so local paths and ``gs://`` work alike. When a directory (or a glob) is
listed, hidden files and folders (``.DS_Store``, ``.git/``: any name starting with ``.``)
and ``__pycache__`` / ``CVS`` folders are skipped, and inside a directory so are the
project files ``README*``, ``LICENSE*`` and ``CHANGELOG*``; a file named explicitly is always
read. ``--include`` / ``--exclude`` globs (:class:`Selection`) choose among the files a folder or
glob listing finds. Skipped names are reported (``list_inputs(..., skipped=[])``, the run's stats
and summary). :func:`open_input` opens one file, decompressing it; a truncated archive raises.
"""
import bz2
import gzip
import io
import os
import posixpath
import re

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


NOT_INCLUDED = "not matched by --include"
EXCLUDED = "matched by --exclude"


def glob_regex(pattern, option="--include"):
    """Compile a ``--include`` / ``--exclude`` glob into a case-insensitive regex (``fullmatch``).

    ``*`` and ``?`` stay inside one path part, ``**`` crosses folders (``**/`` also matches no
    folder at all), ``[abc]`` / ``[!abc]`` are character classes. Raises InputError, naming
    ``option``, for an empty pattern, an unclosed ``[`` or an absolute path.

    >>> bool(glob_regex("news/**/*.txt").fullmatch("news/a/b/c.TXT")), bool(glob_regex("*.txt").fullmatch("a/b.txt"))
    (True, False)
    >>> bool(glob_regex("**/*.md").fullmatch("x.md")), bool(glob_regex("[!a]*.txt").fullmatch("b.txt"))
    (True, True)
    """
    if not pattern.strip():
        raise InputError(f"{option} needs a glob, got an empty one")
    if pattern.startswith("/") or "://" in pattern:
        raise InputError(f"{option} {pattern!r}: globs are matched against paths relative to the input "
                         "folder (or a file's name); drop the folder part before it")
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            cls, i = _char_class(pattern, i, option)
            out.append(cls)
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def _char_class(pattern, start, option):
    """``(regex of the [...] class at pattern[start], index after it)``; an unclosed class raises."""
    i = start + 1
    negate = i < len(pattern) and pattern[i] == "!"
    i += negate
    end = pattern.find("]", i + 1 if i < len(pattern) and pattern[i] == "]" else i)
    if end < 0:
        raise InputError(f"{option} {pattern!r}: '[' at position {start + 1} is not closed by ']' "
                         "(write [[] for a literal '[')")
    body = pattern[i:end].replace("\\", "\\\\")
    if body.startswith("^") and not negate:  # a literal '^', as in fnmatch
        body = "\\" + body
    return f"[{'^' if negate else ''}{body}]", end + 1


class Selection:
    """The ``--include`` / ``--exclude`` globs of a run: which listed files are read.

    A glob with a ``/`` is matched against the path relative to the listed folder (or to the
    folder part of an input glob); a glob without one against the file's name and the name of
    every folder above it, so ``--exclude drafts`` leaves out ``drafts/`` and ``--include
    '*.jsonl'`` takes JSONL files at any depth. A file must match an include (when any is
    given) and no exclude. Files named explicitly by ``--input`` are always read.
    """

    def __init__(self, include=(), exclude=()):
        self.include = [(glob, glob_regex(glob.rstrip("/") or glob, "--include")) for glob in include or ()]
        self.exclude = [(glob, glob_regex(glob.rstrip("/") or glob, "--exclude")) for glob in exclude or ()]

    def __bool__(self):
        return bool(self.include or self.exclude)

    @staticmethod
    def _matches(glob, compiled, rel_path):
        if "/" in glob.rstrip("/"):
            return compiled.fullmatch(rel_path) is not None
        return any(compiled.fullmatch(part) for part in rel_path.split("/") if part)

    def reason(self, rel_path):
        """Why the listed file ``rel_path`` ('/'-separated, under its root) is left out, or None.

        >>> Selection(["*.txt"], ["drafts/"]).reason("drafts/a.txt"), Selection(["*.txt"]).reason("a.md")
        ("matched by --exclude 'drafts/'", 'not matched by --include')
        """
        for glob, compiled in self.exclude:
            if self._matches(glob, compiled, rel_path):
                return f"{EXCLUDED} {glob!r}"
        if self.include and not any(self._matches(g, c, rel_path) for g, c in self.include):
            return NOT_INCLUDED
        return None


def _is_glob(pattern):
    return any(ch in pattern for ch in "*?[")


def _list_pattern(pattern, skipped, selection):
    """List ``(path, root, size)`` for one file, glob or directory pattern; what a directory or
    glob listing skips (``skip_reason``, then the ``selection`` globs) is appended to ``skipped``
    as ``(name, reason)``, a skipped folder once with a trailing ``/``."""
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
                why = skip_reason(rel_dir + name, in_directory=True) or selection.reason(rel_dir + name)
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
        why = (skip_reason(rel, in_directory=directory) or selection.reason(rel)) if rel else None
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


def list_inputs(patterns, skipped=None, selection=None):
    """Expand input patterns into a sorted list of ``{"path", "root", "kind", "size"}`` dicts.

    Raises InputError naming the first pattern that matches no file (or only skipped ones).
    Files of unknown kind are still listed (kind None) so that they become rejected records,
    not silent skips. ``skipped``, when a list, receives ``(name, reason)`` for each file or
    folder a directory or glob listing left out (``skip_reason``, ``selection``: a
    :class:`Selection` of ``--include`` / ``--exclude`` globs).
    """
    specs, seen = [], set()
    skipped = [] if skipped is None else skipped
    selection = selection or Selection()
    for pattern in patterns:
        before = len(skipped)
        listed = _list_pattern(pattern, skipped, selection)
        if not listed:
            left_out = skipped[before:]
            if left_out:
                names = ", ".join(name for name, _ in left_out[:5]) + (", ..." if len(left_out) > 5 else "")
                reasons = ", ".join(sorted({why for _, why in left_out}))
                raise InputError(f"input {pattern!r} holds no file to read: every file was skipped "
                                 f"({reasons}): {names}; name a file to read it"
                                 + (", or change --include/--exclude" if selection else ""))
            raise InputError(f"input not found: {pattern!r} matches no file")
        for path, root, size in listed:
            if path not in seen:
                seen.add(path)
                specs.append({"path": path, "root": root, "kind": split_kind(path)[0], "size": size})
    return sorted(specs, key=lambda s: s["path"])


def file_extension(path):
    """The extension a file is counted under: the last one in lower case, with the one before
    it for a compressed file; ``(none)`` when the name has none.

    >>> file_extension("a/Report.PDF"), file_extension("t.csv.gz"), file_extension("x/Makefile")
    ('.pdf', '.csv.gz', '(none)')
    """
    name = posixpath.basename(path.replace(os.sep, "/")).lower().lstrip(".")
    parts = name.split(".")[1:]
    if not parts:
        return "(none)"
    if len(parts) > 1 and "." + parts[-1] in COMPRESSED_EXTS:
        return "." + ".".join(parts[-2:])
    return "." + parts[-1]


def unsupported_by_extension(specs):
    """``{extension: files}`` of the listed files the reader does not handle (kind None),
    most frequent first.

    >>> unsupported_by_extension([{"kind": None, "path": "a.pdf"}, {"kind": "text", "path": "b.txt"},
    ...                           {"kind": None, "path": "c.docx"}, {"kind": None, "path": "d.PDF"}])
    {'.pdf': 2, '.docx': 1}
    """
    counts = {}
    for spec in specs:
        if spec["kind"] is None:
            ext = file_extension(spec["path"])
            counts[ext] = counts.get(ext, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


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
    return decompressing(raw, path, stack)


def decompressing(raw, path, stack):
    """The decompressed stream of the binary stream ``raw`` of file ``path`` (by its extension;
    ``raw`` itself when it is not compressed); closers go on ``stack``."""
    lower = path.lower()
    if lower.endswith(".gz"):
        return stack.enter_context(gzip.GzipFile(fileobj=raw, mode="rb"))
    if lower.endswith(".bz2"):
        return stack.enter_context(bz2.BZ2File(raw, mode="rb"))
    if lower.endswith(".zst"):
        return stack.enter_context(io.BufferedReader(_ZstdReader(raw), CHUNK))
    return raw
