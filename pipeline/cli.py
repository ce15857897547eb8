"""The ``textwash`` command line.

``textwash run --input PATTERN ... --output DIR [--config FILE] [--preset NAME]
[--set key=value ...] [Beam options]``: arguments textwash does not know are passed to Beam
(``--runner``, ``--direct_num_workers``, ``--project`` ...) when Beam knows them; any other
option is a mistake (``--threshold 0.9`` -> "did you mean `--set dedup.threshold=0.9`?").
Every user mistake (missing input, bad config, unknown option, non-empty output) ends with a
one-line ``textwash: error: ...`` message and exit status 2, never a traceback.
"""
import argparse
import difflib
import logging
import math
import os
import signal
import sys
import time


class _DropBeamImportNoise(logging.Filter):
    """Hide Beam's import-time warning about optional GCP libraries (not a user problem)."""

    def filter(self, record):
        return not str(record.msg).startswith("apitools not found")


logging.getLogger().addFilter(_DropBeamImportNoise())
# textwash does no linear algebra that BLAS threads would speed up, and numpy's OpenBLAS
# worker threads spin on another core when they start (~30 ms of CPU a process) and after
# any call; set before numpy is first imported (a value the user set is kept)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from pipeline import assembly  # noqa: E402  (after the logging filter, which must come first)
from pipeline.config import ConfigError, add_config_arguments, load_config, load_settings
from pipeline.options import (IN_PROCESS, OptionsError, beam_option_names, make_options, make_runner,
                              unknown_options)
from pipeline import progress  # noqa: E402
from pipeline.inspect import InspectError  # noqa: E402
from pipeline.interrupts import SignalCatcher, exit_status, stdout_closed  # noqa: E402
from pipeline.memory import freeze_gc, tune_allocator  # noqa: E402
from pipeline.timing import cpu_seconds, run_timing  # noqa: E402
from transforms.inputs import InputError, Selection, list_inputs, unsupported_by_extension
from transforms.write import is_temp_name

BYTES_PER_SHARD = 64 * 1024 * 1024
EXIT_USAGE, EXIT_FAILED = 2, 1


def _subcommand(name):
    def call(args):
        from pipeline import inspect as inspect_cmd, rules_cmd, tune
        return {"inspect": inspect_cmd, "tune": tune, "rules": rules_cmd}[name].command(args)
    return call


SUBCOMMANDS = {name: _subcommand(name) for name in ("inspect", "tune", "rules")}


class UsageError(Exception):
    """A user mistake worth a one-line message (exit status 2)."""


class RunError(Exception):
    """The job ran but its result is not a usable corpus: one-line message, exit status 1."""


def share(text):
    """argparse type of ``--max-rejected-share``: a float between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number between 0 and 1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text!r}")
    return value


def build_parser():
    """The argparse parser of ``textwash`` and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="textwash",
        description="Clean, filter and deduplicate scraped text into a JSONL corpus (Apache Beam).")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser(
        "run", help="run the pipeline",
        description="Run the pipeline. Apache Beam pipeline options are passed to Beam, e.g. "
                    "--runner DataflowRunner --project P --region R --temp_location gs://B/tmp, "
                    "or --direct_running_mode multi_processing --direct_num_workers 2; an option "
                    "neither textwash nor Beam knows is an error (config values are set with "
                    "--set KEY=VALUE).")
    run.add_argument("--input", action="append", required=True, metavar="PATTERN",
                     help="a file, glob or directory (recursive); repeat for more. "
                          ".txt/.md = one document per file; .jsonl/.ndjson = one per line; "
                          "optionally .gz/.bz2/.zst compressed")
    run.add_argument("--include", action="append", default=[], metavar="GLOB",
                     help="read only the files of input folders and globs that match GLOB (repeatable). "
                          "A GLOB with a '/' is matched against the path relative to the input folder, "
                          "one without against the file name and its folder names; * and ? stay within "
                          "a name, ** crosses folders; case-insensitive. Files named explicitly are "
                          "always read; left-out files are counted in the summary and stats.json")
    run.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                     help="leave out the files of input folders and globs that match GLOB (repeatable; "
                          "matched like --include, e.g. --exclude drafts --exclude '*.log')")
    run.add_argument("--output", required=True, metavar="DIR",
                     help="output directory (local or gs://); must be new or empty unless --overwrite")
    add_config_arguments(run)
    run.add_argument("--against", action="append", default=[], metavar="DIR_OR_INDEX",
                     help="deduplicate against an earlier run (its output directory or its index/): "
                          "a document it already holds goes to duplicates with prior_run; repeat "
                          "for more, oldest first (docs/incremental.md)")
    run.add_argument("--overwrite", action="store_true", help="replace the outputs of an earlier run in DIR")
    run.add_argument("--quiet", action="store_true", help="print only errors and the final summary")
    run.add_argument("--max-rejected-share", type=share, default=0.5, metavar="FLOAT",
                     help="fail the run (exit 1, no _SUCCESS; outputs and stats.json are kept to look "
                          "at) when more than this share of the records read is rejected, and say "
                          "why (default 0.5; 1 = never)")
    run.add_argument("--progress-every", type=float, default=None, metavar="SECONDS",
                     help="seconds between progress lines on stderr (default 2 on a terminal, 10 otherwise)")
    run.set_defaults(known_options=tuple(opt for action in run._actions  # noqa: SLF001
                                         for opt in action.option_strings if opt.startswith("--")))
    from pipeline import inspect as inspect_cmd, rules_cmd, tune
    for module in (inspect_cmd, tune, rules_cmd):
        module.add_parser(sub)
    return parser


def config_keys(cfg, prefix=""):
    """Dotted keys of every value of a config dict, in file order (lists are values).

    >>> config_keys({"dedup": {"threshold": 0.8}, "output": {"shards": "auto"}})
    ['dedup.threshold', 'output.shards']
    """
    keys = []
    for key, value in cfg.items():
        if isinstance(value, dict) and value:
            keys.extend(config_keys(value, f"{prefix}{key}."))
        else:
            keys.append(f"{prefix}{key}")
    return keys


def _set_hint(name, value, cfg):
    """``--set KEY=VALUE`` for an option named like a config key's last part, or None.

    ``--min-words`` / ``--min_words`` match every key ending in ``min_words``; the shallowest
    (``filter.min_words``, not ``junk.heuristics.good_line.min_words``) is the one meant.
    """
    leaf = name.lstrip("-").replace("-", "_").lower()
    matches = [key for key in config_keys(cfg) if key.rsplit(".", 1)[-1] == leaf]
    if not matches:
        return None
    depth = min(key.count(".") for key in matches)
    shallow = [key for key in matches if key.count(".") == depth]
    if value is None:
        default = cfg
        for part in shallow[0].split("."):
            default = default[part]
        value = "true" if isinstance(default, bool) else "VALUE"
    return " or ".join(f"`--set {key}={value}`" for key in shallow)


def _option_hint(name, known):
    """A close textwash or Beam option name for a mistyped ``name`` (or None)."""
    def norm(option):
        return option.replace("-", "_").lower()
    same = [option for option in known if norm(option) == norm(name)]  # --direct-num-workers
    if same:
        return f"`{same[0]}`"
    close = difflib.get_close_matches(name, known, n=2, cutoff=0.75)
    return " or ".join(f"`{option}`" for option in close) or None


def check_unknown_options(beam_args, textwash_options):
    """Raise UsageError (one line) when ``beam_args`` hold an option Beam does not know.

    Each unknown option gets a suggestion: ``--set KEY=VALUE`` when its name is the last part
    of a config key (``--threshold 0.9`` -> ``--set dedup.threshold=0.9``), else the closest
    textwash or Beam option names. Stray words (no option before them) are reported too.
    """
    leftover = unknown_options(beam_args)
    if not leftover:
        return
    cfg = load_config()  # the default keys: what --set accepts, whatever file or preset is used
    known = sorted(set(textwash_options) | set(beam_option_names()))
    problems, i = [], 0
    while i < len(leftover):
        arg = leftover[i]
        i += 1
        if not arg.startswith("-"):
            problems.append(f"unexpected argument {arg!r}")
            continue
        name, value = arg.split("=", 1) if "=" in arg else (arg, None)
        if value is None and i < len(leftover) and not leftover[i].startswith("--"):
            value = leftover[i]
            i += 1
        hint = _set_hint(name, value, cfg) or _option_hint(name, known)
        problems.append(f"unknown option {name}" + (f": did you mean {hint}?" if hint else
                                                     " (not a textwash or Beam pipeline option; "
                                                     "see textwash run --help)"))
    raise UsageError("; ".join(problems))


def _is_local(path):
    return "://" not in path


def is_textwash_output(name):
    """True for the name of a file a textwash run writes in its output directory (temporary
    shard files included)."""
    return (name.startswith(assembly.OUTPUT_PREFIXES) or is_temp_name(name)
            or name in ("stats.json", "report.html", assembly.MARKER, assembly.JOB_STATS))


def _output_paths(output_dir, deep=False):
    from apache_beam.io.filesystems import FileSystems
    if _is_local(output_dir):
        if not os.path.isdir(output_dir):
            return []
        paths = [os.path.join(output_dir, name) for name in sorted(os.listdir(output_dir))]
        return paths + [os.path.join(output_dir, d, name) for d in assembly.OUTPUT_DIRS
                        if deep and os.path.isdir(os.path.join(output_dir, d))
                        for name in sorted(os.listdir(os.path.join(output_dir, d)))]
    root = output_dir.rstrip("/")
    patterns = [root + "/*"] + [f"{root}/{d}/*" for d in assembly.OUTPUT_DIRS]
    return sorted({m.path for result in FileSystems.match(patterns) for m in result.metadata_list})


def remove_temporary(output_dir):
    """Delete the temporary shard files (``transforms.write.is_temp_name``) of ``output_dir``:
    what a killed or interrupted run was still writing. Returns how many were deleted."""
    from apache_beam.io.filesystems import FileSystems
    stale = [p for p in _output_paths(output_dir, deep=True) if is_temp_name(os.path.basename(p))]
    if stale:
        FileSystems.delete(stale)
    return len(stale)


def _in_output_dir(output_dir, path):
    """True for a run's own directories (``index``) and, on object stores, the files below them."""
    rel = path[len(output_dir.rstrip("/")) + 1:] if path.startswith(output_dir.rstrip("/") + "/") else path
    return rel.split("/", 1)[0] in assembly.OUTPUT_DIRS


def prepare_output(output_dir, overwrite):
    """Make sure ``output_dir`` can take a run: create it, or clear textwash outputs if allowed.

    Temporary shard files left by a killed run hold no usable data: they are removed first,
    with or without ``overwrite``.
    """
    from apache_beam.io.filesystems import FileSystems
    if _is_local(output_dir):
        if os.path.exists(output_dir) and not os.path.isdir(output_dir):
            raise UsageError(f"--output {output_dir!r} exists and is not a directory")
        os.makedirs(output_dir, exist_ok=True)
    remove_temporary(output_dir)
    paths = _output_paths(output_dir)
    if not paths:
        return
    if not overwrite:
        raise UsageError(f"--output {output_dir!r} is not empty; pass --overwrite to replace its contents")
    ours = [p for p in paths if is_textwash_output(os.path.basename(p)) or _in_output_dir(output_dir, p)]
    others = sorted(set(paths) - set(ours))
    if others:
        raise UsageError(f"--output {output_dir!r} holds files textwash did not write "
                         f"(e.g. {os.path.basename(others[0])}); choose another directory")
    # the success marker goes first: an interrupted clean-up never leaves a run that looks complete
    markers = [p for p in ours if os.path.basename(p) in (assembly.MARKER, "stats.json")]
    if markers:
        FileSystems.delete(markers)
    if set(ours) - set(markers):
        FileSystems.delete(sorted(set(ours) - set(markers)))


def _load_priors(paths, settings, output_dir):
    """``--against`` indexes, checked before anything runs (a mismatch is a UsageError)."""
    from transforms.index import PriorIndexError
    from transforms.prior import load_priors
    try:
        return load_priors(paths, settings, output_dir)
    except PriorIndexError as exc:
        raise UsageError(str(exc)) from None


def auto_shards(settings, specs):
    """Number of output shards: the config value, or one per 64 MiB of input for 'auto'."""
    shards = settings.output.shards
    if shards != "auto":
        return shards
    total = sum(s.get("size") or 0 for s in specs)
    return max(1, math.ceil(total / BYTES_PER_SHARD))


def _names(skipped, limit=5):
    shown = ", ".join(name for name, _ in skipped[:limit])
    return shown + (", ..." if len(skipped) > limit else "")


def skipped_stats(skipped, limit=5):
    """``stats.json``'s ``read`` entry: how many files and folders input listings skipped
    (``transforms.inputs.skip_reason`` and ``--include`` / ``--exclude``), how many per
    reason, and the first few names with their reason.

    >>> skipped_stats([(".git/", "hidden or VCS folder"), ("README.md", "README/LICENSE/CHANGELOG file")])
    {'skipped_files': 1, 'skipped_folders': 1, 'skipped_by_reason': {'README/LICENSE/CHANGELOG file': 1, 'hidden or VCS folder': 1}, 'skipped_examples': ['.git/ (hidden or VCS folder)', 'README.md (README/LICENSE/CHANGELOG file)']}
    """
    folders = sum(1 for name, _ in skipped if name.endswith("/"))
    by_reason = {}
    for _, why in skipped:
        by_reason[why] = by_reason.get(why, 0) + 1
    return {"skipped_files": len(skipped) - folders, "skipped_folders": folders,
            "skipped_by_reason": dict(sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0]))),
            "skipped_examples": [f"{name} ({why})" for name, why in skipped[:limit]]}


def read_stats(skipped, specs):
    """``stats.json``'s ``read`` entry: ``skipped_stats`` plus ``unsupported_files``, the
    listed files of a kind the reader does not handle by extension (each is also one
    ``read:unsupported_file`` rejected record)."""
    return dict(skipped_stats(skipped), unsupported_files=unsupported_by_extension(specs))


def run_command(args, beam_args):
    """Execute ``textwash run``; returns the final stats dict."""
    import apache_beam as beam
    check_unknown_options(beam_args, args.known_options)
    settings = load_settings(args.config, args.preset, args.overrides)
    skipped = []
    specs = list_inputs(args.input, skipped, Selection(args.include, args.exclude))
    against = _load_priors(args.against, settings, args.output)
    options = make_options(beam_args)
    output_dir = args.output if not _is_local(args.output) else os.path.abspath(args.output)
    if not _is_dry_run(options):  # a dry run builds the job only: touch no (remote) output
        prepare_output(args.output, args.overwrite)
        args.output_ready = output_dir  # from here on an interrupt may leave files in it
    num_shards = auto_shards(settings, specs)
    if not args.quiet:
        left_out = f" ({len(skipped)} skipped: {_names(skipped)})" if skipped else ""
        print(f"textwash: {len(specs)} input file(s){left_out}, {num_shards} output shard(s) -> {output_dir}",
              file=sys.stderr)
    uncompressed = progress.expected_bytes(specs)
    started, cpu_started = time.time(), cpu_seconds()
    tune_allocator()  # freed buffers go back to the OS: lower peak memory, same output
    pipeline = beam.Pipeline(runner=make_runner(options), options=options)
    assembly.build(pipeline, settings, specs, output_dir, num_shards, against)
    freeze_gc()
    with _progress(args, options, pipeline, uncompressed) as reporter:
        result = pipeline.run()
        result.wait_until_finish()
    if _is_dry_run(options):
        print("textwash: dry run: the job graph was built and not executed", file=sys.stderr)
        return None
    wall = time.time() - started
    extra = {"wall_time_s": round(wall, 3),
             "timing": run_timing(result, wall, cpu_seconds() - cpu_started, reporter and reporter.phases()),
             "input_files": len(specs), "input_bytes": sum(s.get("size") or 0 for s in specs),
             "input_bytes_uncompressed": uncompressed,
             "output": output_dir, "shards": num_shards, "read": read_stats(skipped, specs),
             "config": {"preset": args.preset, "file": args.config, "overrides": args.overrides}}
    try:
        stats = assembly.finalize(output_dir, assembly.read_job_stats(output_dir), extra,
                                  args.max_rejected_share)
    except assembly.RunFailed as exc:
        from pipeline.diagnose import failure_line
        raise RunError(failure_line(exc, output_dir, settings)) from None
    try:
        print(progress.summary_table(stats))
        sys.stdout.flush()
    except BrokenPipeError:  # `textwash run ... | head -1`: the reader left; the run is complete
        stdout_closed()
    return stats


def _progress(args, options, pipeline, total_bytes):
    """A context manager printing live progress on stderr (in-process runner only), or a no-op;
    ``total_bytes``: the uncompressed input size expected."""
    import contextlib

    from apache_beam.options.pipeline_options import DirectOptions, StandardOptions
    if args.quiet or _is_dry_run(options):
        return contextlib.nullcontext()
    local = options.view_as(StandardOptions).runner in IN_PROCESS
    # multi_processing: the taps run in worker processes and count into files of a local folder
    workers = options.view_as(DirectOptions).direct_running_mode == "multi_processing"
    folder = progress.tally_folder() if local and workers else None
    if not local or not progress.attach(pipeline, tally_folder=folder):
        print("textwash: live progress is only shown with the local runner (any "
              "direct_running_mode); see the runner's own monitoring", file=sys.stderr)
        return contextlib.nullcontext()
    every = args.progress_every or (2.0 if sys.stderr.isatty() else 10.0)
    return progress.Reporter(total_bytes, every=every, tally_folder=folder)


def _is_dry_run(options):
    from pipeline.options import is_dry_run
    return is_dry_run(options)


def main(argv=None):
    """Entry point of the ``textwash`` console script; returns the process exit status."""
    parser = build_parser()
    args, beam_args = parser.parse_known_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    logging.basicConfig(level=logging.WARNING if not getattr(args, "quiet", False) else logging.ERROR)
    catcher = SignalCatcher()
    with catcher:
        try:
            if args.command == "run":
                run_command(args, beam_args)
                return 0
            if beam_args:
                raise UsageError(f"unrecognized arguments: {' '.join(beam_args)}")
            return SUBCOMMANDS[args.command](args)
        except BaseException as exc:  # noqa: BLE001 - every ending gets one line, no traceback
            if catcher.signum is not None or isinstance(exc, KeyboardInterrupt):
                return interrupted(catcher.signum or signal.SIGINT, getattr(args, "output_ready", None))
            return _failure(exc)


def _failure(exc):
    """Print the one-line message of an exception ending a command; return the exit status."""
    if isinstance(exc, (ConfigError, InputError, UsageError, OptionsError, InspectError)):
        print(f"textwash: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(exc, (assembly.ConservationError, RunError)):
        print(f"textwash: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if not isinstance(exc, Exception) or os.environ.get("TEXTWASH_DEBUG"):
        raise exc  # SystemExit and the like; a traceback when asked for
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    print(f"textwash: error: the run failed ({type(exc).__name__}: {lines[-1][:300] if lines else ''}); "
          f"no _SUCCESS was written. Set TEXTWASH_DEBUG=1 for the traceback", file=sys.stderr)
    return EXIT_FAILED


def _listing(output_dir):
    """Names of the files in ``output_dir`` (local or remote); [] when it cannot be listed."""
    try:
        return [os.path.basename(p) for p in _output_paths(output_dir)]
    except Exception:  # noqa: BLE001 - only used to describe what an interrupted run left
        return []


def interrupted(signum, output_dir):
    """Report an interrupted command in one line on stderr; return 130 (SIGINT) or 143 (SIGTERM).

    ``output_dir`` is the run's output directory once it was prepared (None before: then the
    directory was not touched). Temporary shard files are removed; what is left is named.
    """
    previous = {sig: signal.signal(sig, signal.SIG_DFL) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:  # a second Ctrl-C while cleaning up ends the process at once, without a traceback
        name = signal.Signals(signum).name
        if output_dir is None:
            message = f"textwash: interrupted ({name}) before any output was written"
        else:
            names = _listing(output_dir)
            if assembly.MARKER in names:
                message = f"textwash: interrupted ({name}) after the run completed; outputs in {output_dir}"
            else:
                try:
                    remove_temporary(output_dir)
                except Exception:  # noqa: BLE001 - the message below still names what is left
                    pass
                left = [n for n in _listing(output_dir) if is_textwash_output(n)]
                message = (f"textwash: interrupted ({name}); partial outputs in {output_dir} "
                           f"({len(left)} file(s)), no _SUCCESS: re-run with --overwrite" if left else
                           f"textwash: interrupted ({name}); nothing written to {output_dir}")
        print(message, file=sys.stderr)
        return exit_status(signum)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


if __name__ == "__main__":
    sys.exit(main())
