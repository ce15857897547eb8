"""Progress of local runs on stderr, and the final summary table.

How progress is measured: ``attach(pipeline)`` adds one extra consumer (``ProgressTap``) to
the documents entering normalization, so it is fused into the stage that does the heavy text
work. The tap adds each document and its UTF-8 size to a process-wide ``TRACKER`` and to Beam
Metrics counters (``textwash/docs_seen``, ``textwash/bytes_seen``, shown by Dataflow's UI).
With the in-process runner (the default) the tap runs in the launcher process, so a
``Reporter`` thread can read ``TRACKER`` every few seconds and print documents, MB, rate and
an estimate of the time left (from the uncompressed input size: ``SizeEstimator``). In
``multi_processing`` mode the taps run in local worker processes: each keeps its counts in a
small file of a temporary folder (``TallyFile``, rewritten at most once a second and at each
bundle's end) and the ``Reporter`` sums those files instead. Remote runners run the tap
elsewhere: there the CLI says that live progress is not available.

The line names its phase: ``reading/cleaning`` while documents flow through the tap (the
time left is that phase's only, and the line says that dedup and writing follow), then
``dedup/write`` once no new document has come for ``STALL_S`` seconds: from there on no time
left is claimed, only the time elapsed. The tracker is sampled every ``SAMPLE_S`` seconds
whatever the print interval, so the switch comes within a few seconds of the last document.
The summary's MB and MB/s use the same uncompressed input size (``input_bytes_uncompressed``
in ``stats.json``).
"""
import contextlib
import io
import os
import shutil
import struct
import sys
import tempfile
import threading
import time
import uuid

import apache_beam as beam
from apache_beam.metrics import Metrics

from pipeline.timing import cpu_seconds
from transforms.inputs import CHUNK, COMPRESSED_EXTS, decompressing
from transforms.read import READ_ERRORS


class Tracker:
    """Thread-safe counters of documents and bytes seen by the tap in this process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.docs = 0
        self.bytes = 0

    def add(self, docs, nbytes):
        """Add ``docs`` documents of ``nbytes`` bytes."""
        with self.lock:
            self.docs += docs
            self.bytes += nbytes

    def reset(self):
        """Set both counters back to zero (start of a run)."""
        with self.lock:
            self.docs = self.bytes = 0

    def snapshot(self):
        """``(docs, bytes)`` seen so far."""
        with self.lock:
            return self.docs, self.bytes


TRACKER = Tracker()


TALLY_WRITE_S = 1.0  # a worker's tally file is rewritten at most this often (and at bundle ends)
TALLY_SUFFIX = ".tally"


class TallyFile:
    """The documents and bytes one ``ProgressTap`` counted in a worker process, kept in a small
    file of a folder the launcher reads (``read_tallies``): how progress crosses from the worker
    processes of ``multi_processing`` mode. The file is replaced (never half-written) at most
    every ``TALLY_WRITE_S`` seconds and at each ``write()``."""

    def __init__(self, folder):
        self.path = os.path.join(folder, f"{os.getpid()}-{uuid.uuid4().hex[:12]}{TALLY_SUFFIX}")
        self.docs = self.bytes = 0
        self.written = 0.0

    def add(self, docs, nbytes):
        """Add ``docs`` documents of ``nbytes`` bytes; write the file when it is due."""
        self.docs += docs
        self.bytes += nbytes
        if time.monotonic() - self.written >= TALLY_WRITE_S:
            self.write()

    def write(self):
        """Replace the file with the counts so far."""
        with open(self.path + ".tmp", "w") as handle:
            handle.write(f"{self.docs} {self.bytes}\n")
        os.replace(self.path + ".tmp", self.path)
        self.written = time.monotonic()


def read_tallies(folder):
    """``(docs, bytes)`` summed over the tally files in ``folder`` (a file being replaced at
    that moment is read as it was or as it is)."""
    docs = nbytes = 0
    for name in os.listdir(folder):
        if name.endswith(TALLY_SUFFIX):
            try:
                with open(os.path.join(folder, name)) as handle:
                    d, b = handle.read().split()
            except (OSError, ValueError):
                continue
            docs, nbytes = docs + int(d), nbytes + int(b)
    return docs, nbytes


class ProgressTap(beam.DoFn):
    """Count each document (and its UTF-8 text size); emits nothing. Counts go to the
    process-wide ``TRACKER``, or with ``tally_folder`` (a local folder, for worker processes)
    to a ``TallyFile`` in it."""

    def __init__(self, tally_folder=None):
        self.tally_folder = tally_folder

    def setup(self):
        self.docs = Metrics.counter("textwash", "docs_seen")
        self.nbytes = Metrics.counter("textwash", "bytes_seen")
        self.counts = TallyFile(self.tally_folder) if self.tally_folder else TRACKER

    def process(self, doc):
        size = len(doc.get("text", "").encode("utf-8", "replace"))
        self.counts.add(1, size)
        self.docs.inc()
        self.nbytes.inc(size)
        return []

    def finish_bundle(self):
        if self.tally_folder:
            self.counts.write()


def _find_input_of(pipeline, label):
    """The main input PCollection of the top-level transform called ``label``, or None."""
    for applied in pipeline.transforms_stack[0].parts:
        if applied.full_label == label and applied.main_inputs:
            return next(iter(applied.main_inputs.values()))
    return None


def attach(pipeline, label="Normalize", tally_folder=None):
    """Add a ProgressTap (counting into ``tally_folder`` when given) on the input of the
    top-level transform ``label``; True if found."""
    pcoll = _find_input_of(pipeline, label)
    if pcoll is None:
        return False
    pcoll | "ProgressTap" >> beam.ParDo(ProgressTap(tally_folder))
    return True


def tally_folder():
    """A new local folder for the tally files of worker processes (``Reporter`` removes it)."""
    return tempfile.mkdtemp(prefix="textwash-progress-")


SIZE_SAMPLE = 1 << 20        # compressed bytes of a .bz2 / .zst file decompressed to size it
SIZE_BUDGET = 8 * SIZE_SAMPLE  # at most this much in all; other files get their extension's ratio


def gzip_size(path, size):
    """Uncompressed size of a local ``.gz`` file of ``size`` bytes, from its trailer (ISIZE)."""
    with open(path, "rb") as handle:
        handle.seek(-4, os.SEEK_END)
        isize = struct.unpack("<I", handle.read(4))[0]
    # ISIZE is the size mod 2**32: a large file smaller than its gzip has wrapped
    while isize < size and size > (1 << 28):
        isize += 1 << 32
    return isize


class _Trickle(io.BytesIO):
    """A bytes stream handing out at most ``STEP`` bytes a read, so that a decompressor's input
    position is known to within ``STEP`` bytes when its output comes."""

    STEP = 1024

    def read(self, size=-1):
        return super().read(self.STEP if size is None or size < 0 else min(size, self.STEP))

    def read1(self, size=-1):
        return self.read(size)


def sampled_ratio(path, limit=SIZE_SAMPLE):
    """Uncompressed / compressed bytes of the first ``limit`` bytes of a local ``.bz2`` /
    ``.zst`` file, decompressed and counted (not kept): exact for a file that small; None when
    the start gave no output. The compressed bytes counted are those the decompressor had
    taken when its last output came, so a block cut by the sample does not skew the ratio."""
    with open(path, "rb") as handle:
        head = _Trickle(handle.read(limit))
    out = taken = 0
    with contextlib.ExitStack() as stack:
        stream = decompressing(head, path, stack)
        read = getattr(stream, "read1", stream.read)
        try:
            while True:
                chunk = read(CHUNK)
                if not chunk:
                    break
                out, taken = out + len(chunk), head.tell()
        except READ_ERRORS:  # the sample ends inside a block or frame (or the file is damaged)
            pass
    return out / taken if out and taken else None


class SizeEstimator:
    """Uncompressed sizes of local input files, cheaply: the gzip trailer for ``.gz``; for
    ``.bz2`` / ``.zst`` (no size in the format) the first ``sample`` bytes decompressed, exact
    for a file that small, else extrapolated by the sample's ratio; once ``budget`` bytes were
    sampled, a file gets the mean ratio of its extension's sampled files."""

    def __init__(self, sample=SIZE_SAMPLE, budget=SIZE_BUDGET):
        self.sample, self.budget = sample, budget
        self.ratios = {}  # extension -> ratios sampled

    def size(self, spec):
        """Estimated uncompressed bytes of one input spec (its file size when unknown)."""
        size = spec.get("size") or 0
        path = spec["path"]
        ext = next((e for e in COMPRESSED_EXTS if path.lower().endswith(e)), None)
        if ext is None or "://" in path or not size:
            return size
        try:
            if ext == ".gz":
                return gzip_size(path, size) if size >= 18 else size
            return self._sampled_size(path, size, ext)
        except (OSError, EOFError):
            return size

    def _sampled_size(self, path, size, ext):
        known = self.ratios.get(ext)
        if self.budget <= 0 and known:
            return round(size * sum(known) / len(known))
        self.budget -= min(size, self.sample)
        ratio = sampled_ratio(path, self.sample)
        if ratio is None:
            return size
        self.ratios.setdefault(ext, []).append(ratio)
        return round(size * ratio)


def expected_bytes(specs):
    """Estimated text bytes of the inputs: file sizes, uncompressed sizes for local ``.gz``,
    ``.bz2`` and ``.zst`` files (``SizeEstimator``).

    >>> expected_bytes([{"path": "gs://b/x.txt", "size": 10}])
    10
    """
    estimator = SizeEstimator()
    return sum(estimator.size(spec) for spec in specs)


def _duration(seconds):
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


SAMPLE_S = 0.5   # how often the reporter looks at the tracker
STALL_S = 3.0    # no new document for this long: the reading/cleaning phase is over


def format_progress(docs, nbytes, elapsed, total_bytes, run_elapsed=None):
    """One progress line from counts so far, seconds elapsed and the expected total bytes.

    ``total_bytes`` 0 means the reading/cleaning phase is over: rates are then those of that
    phase (``elapsed`` = its duration), ``run_elapsed`` is the time since the start, and no
    time left is claimed (dedup and writing have no measured progress).

    >>> format_progress(1000, 5_000_000, 10.0, 10_000_000)
    'textwash: reading/cleaning: 1,000 docs, 5.0 MB (50%), 100 docs/s, 0.50 MB/s, ~10s left in this phase; dedup/write follow'
    >>> format_progress(1000, 9_990_000, 10.0, 10_000_000)
    'textwash: reading/cleaning: 1,000 docs, 10.0 MB (99%), 100 docs/s, 1.00 MB/s, finishing this phase; dedup/write follow'
    >>> format_progress(1000, 10_000_000, 10.0, 10_000_000)
    'textwash: dedup/write: 1,000 docs, 10.0 MB cleaned at 100 docs/s, 1.00 MB/s; grouping duplicates and writing shards'
    >>> format_progress(1000, 10_000_000, 10.0, 0, 75.0)
    'textwash: dedup/write: 1,000 docs, 10.0 MB cleaned at 100 docs/s, 1.00 MB/s; grouping duplicates and writing shards (1m15s elapsed)'
    """
    rate_d = docs / elapsed if elapsed > 0 else 0.0
    rate_b = nbytes / elapsed if elapsed > 0 else 0.0
    rates = f"{rate_d:,.0f} docs/s, {rate_b / 1e6:.2f} MB/s"
    if docs == 0:
        return f"textwash: reading input ({_duration(elapsed)} elapsed)"
    if total_bytes and nbytes < total_bytes:
        left = (total_bytes - nbytes) / rate_b if rate_b > 0 else 0
        pct = min(99, int(100 * nbytes / total_bytes))
        eta = f"~{_duration(left)} left in this phase" if left >= 1 else "finishing this phase"
        return (f"textwash: reading/cleaning: {docs:,} docs, {nbytes / 1e6:.1f} MB ({pct}%), {rates}, "
                f"{eta}; dedup/write follow")
    tail = f" ({_duration(run_elapsed)} elapsed)" if run_elapsed is not None else ""
    return (f"textwash: dedup/write: {docs:,} docs, {nbytes / 1e6:.1f} MB cleaned at {rates}; "
            f"grouping duplicates and writing shards{tail}")


class Reporter:
    """Background thread printing ``format_progress`` lines to ``stream`` every ``every`` seconds.

    On a terminal the line is rewritten in place; otherwise one line is printed per interval.
    Counts come from ``TRACKER`` (taps in this process) or, with ``tally_folder``, from the tally
    files worker processes write there (``read_tallies``; the folder is removed at the end).
    Use as a context manager around ``pipeline.run()``; afterwards ``phases()`` gives the wall
    and CPU seconds of the reading/cleaning and dedup/write phases.
    """

    def __init__(self, total_bytes, every=2.0, stream=None, tally_folder=None):
        self.total_bytes, self.every = total_bytes, every
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.tally_folder = tally_folder
        self.counts = (lambda: read_tallies(tally_folder)) if tally_folder else TRACKER.snapshot
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="textwash-progress", daemon=True)
        self.started = self.last_change = self.ended = 0.0
        self.cpu_started = self.cpu_at_change = self.cpu_ended = 0.0
        self.last_docs = 0

    def _sample(self):
        """Note when (and at what CPU time) the document count last changed (called every
        SAMPLE_S seconds)."""
        docs, _ = self.counts()
        if docs != self.last_docs:
            self.last_docs, self.last_change, self.cpu_at_change = docs, time.time(), cpu_seconds()

    def phases(self):
        """``{"reading/cleaning": {"wall_s", "cpu_s"}, "dedup/write": {...}}`` of a finished run,
        split where the last document was counted (to within ``SAMPLE_S``); {} when no document
        was. CPU is this process's and its ended children's (``cpu_seconds``)."""
        if not self.last_docs or not self.ended:
            return {}
        spans = (("reading/cleaning", self.started, self.last_change, self.cpu_started, self.cpu_at_change),
                 ("dedup/write", self.last_change, self.ended, self.cpu_at_change, self.cpu_ended))
        return {name: {"wall_s": round(end - start, 3), "cpu_s": round(cpu_end - cpu_start, 3)}
                for name, start, end, cpu_start, cpu_end in spans}

    def _line(self):
        self._sample()
        docs, nbytes = self.counts()
        now = time.time()
        # no new document for a while: reading/cleaning is over, dedup and writing are running
        stalled = docs > 0 and now - self.last_change >= STALL_S
        if stalled:
            return format_progress(docs, nbytes, self.last_change - self.started, 0, now - self.started)
        return format_progress(docs, nbytes, now - self.started, self.total_bytes)

    def _emit(self, line, final=False):
        if self.tty:
            self.stream.write("\r\033[K" + line + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def _loop(self):
        step = min(SAMPLE_S, self.every)
        due = time.time() + self.every
        while not self.stop.wait(step):
            self._sample()
            if time.time() >= due:
                self._emit(self._line())
                due += self.every

    def __enter__(self):
        TRACKER.reset()
        self.started, self.cpu_started = time.time(), cpu_seconds()
        self.thread.start()
        return self

    def __exit__(self, exc_type, *exc):
        self.stop.set()
        self.thread.join()
        self._sample()  # the last documents may have come after the last sample
        self.ended, self.cpu_ended = time.time(), cpu_seconds()
        docs, nbytes = self.counts()
        if self.tally_folder:
            shutil.rmtree(self.tally_folder, ignore_errors=True)
        if exc_type is not None:  # failed or interrupted: no "done" line (the CLI says what happened)
            if self.tty:
                self.stream.write("\r\033[K")
                self.stream.flush()
            return False
        elapsed = self.ended - self.started
        self._emit(f"textwash: done: {docs:,} docs, {nbytes / 1e6:.1f} MB cleaned in {_duration(elapsed)}",
                   final=True)
        return False


def input_mb(stats):
    """MB of input a run's rates are measured on: the uncompressed size when known
    (``input_bytes_uncompressed``), else the file sizes (``input_bytes``).

    >>> input_mb({"input_bytes": 1_000_000, "input_bytes_uncompressed": 4_000_000})
    4.0
    """
    return (stats.get("input_bytes_uncompressed") or stats.get("input_bytes") or 0) / 1e6


def _counted(counts):
    """``'a 2, b 1'`` from ``{name: count}``, in the dict's order."""
    return ", ".join(f"{name} {n}" for name, n in counts.items())


def listing_lines(read, width):
    """Summary rows about the input listing (``stats.json``'s ``read`` entry): the files and
    folders skipped, per reason, and the unsupported files per extension; [] when none."""
    lines = []
    if read.get("skipped_files") or read.get("skipped_folders"):
        examples = read.get("skipped_examples", [])
        names = ", ".join(name.split(" (")[0] for name in examples)
        more = ", ..." if read["skipped_files"] + read["skipped_folders"] > len(examples) else ""
        reasons = _counted(read.get("skipped_by_reason") or {})
        lines.append(f"{'skipped':{width}}{read['skipped_files']:>9,}   file(s) and "
                     f"{read['skipped_folders']} folder(s) in input folders ({reasons}): {names}{more}; "
                     "name a file to read it")
    unsupported = read.get("unsupported_files") or {}
    if unsupported:
        lines.append(f"{'unsupported':{width}}{sum(unsupported.values()):>9,}   file(s) of a type textwash "
                     f"does not read: {_counted(unsupported)} (each rejected as read:unsupported_file)")
    return lines


def timing_lines(timing, width, shown=5):
    """The summary row of the stages' busy time (``stats.json``'s ``timing``), busiest first;
    [] when the runner gave none."""
    busy = sorted(((v["busy_s"], k) for k, v in (timing.get("stages") or {}).items()), reverse=True)
    total = sum(b for b, _ in busy)
    if not total:
        return []
    top = ", ".join(f"{name} {100 * b / total:.0f}%" for b, name in busy[:shown])
    return [f"{'busy time':{width}}{total:>8.1f}s   {top}{', ...' if len(busy) > shown else ''} "
            "(per stage in stats.json timing)"]


def summary_table(stats):
    """The final summary of a run as an aligned text table (str)."""
    c = stats["counts"]
    read = c["read"] or 1
    wall = stats.get("wall_time_s") or 0
    mb = input_mb(stats)
    rows = [("read", c["read"], "")]
    for key in ("kept", "duplicates", "rejected"):
        rows.append((key, c[key], f"{100 * c[key] / read:5.1f} %"))
        detail = stats.get("duplicates_by_kind" if key == "duplicates" else
                           "rejected_by_reason" if key == "rejected" else "", {})
        for name, n in sorted(detail.items(), key=lambda kv: (-kv[1], kv[0])):
            rows.append((f"  {name}", n, ""))
    width = max(len(r[0]) for r in rows) + 2
    lines = [f"read {c['read']} = kept {c['kept']} + duplicates {c['duplicates']} + rejected {c['rejected']}"
             f"   [{'conserved' if stats.get('conserved') else 'NOT CONSERVED'}]",
             f"{'':{width}}{'docs':>9}   share"]
    lines += [f"{name:{width}}{n:>9,}   {share}".rstrip() for name, n, share in rows]
    rules = stats.get("rules", {})
    if rules:
        top = sorted(rules.items(), key=lambda kv: (-kv[1]["lines"], kv[0]))
        lines.append(f"{'junk lines':{width}}{sum(v['lines'] for v in rules.values()):>9,}   "
                     + ", ".join(f"{k} {v['lines']}" for k, v in top[:5])
                     + (", ..." if len(top) > 5 else ""))
    lines += listing_lines(stats.get("read") or {}, width)
    langs = stats.get("languages", {})
    if langs:
        kept = stats.get("languages_kept", {})
        top = sorted(langs.items(), key=lambda kv: (-kv[1], kv[0]))
        lines.append(f"{'languages':{width}}{len(langs):>9,}   "
                     + ", ".join(f"{k} {v} ({kept.get(k, 0)} kept)" for k, v in top[:6])
                     + (", ..." if len(top) > 6 else ""))
    rate = f"{c['read'] / wall:,.0f} docs/s, {mb / wall:.2f} MB/s" if wall else ""
    packed = (stats.get("input_bytes") or 0) / 1e6
    stored = f" ({packed:.2f} MB compressed)" if packed and abs(packed - mb) > 0.005 else ""
    lines.append(f"{'wall time':{width}}{wall:>8.1f}s   {mb:.2f} MB input{stored}, {rate}")
    lines += timing_lines(stats.get("timing") or {}, width)
    lines.append(f"outputs in {stats.get('output', '')} (open report.html)")
    return "\n".join(lines)
