"""The ``textwash`` command line.

``textwash run --input PATTERN ... --output DIR [--config FILE] [--preset NAME]
[--set key=value ...] [Beam options]``: arguments textwash does not know are passed to Beam
(``--runner``, ``--direct_num_workers``, ``--project`` ...). Every user mistake (missing
input, bad config, non-empty output) ends with a one-line ``textwash: error: ...`` message
and exit status 2, never a traceback.
"""
import argparse
import logging
import math
import os
import sys
import time


class _DropBeamImportNoise(logging.Filter):
    """Hide Beam's import-time warning about optional GCP libraries (not a user problem)."""

    def filter(self, record):
        return not str(record.msg).startswith("apitools not found")


logging.getLogger().addFilter(_DropBeamImportNoise())

from pipeline import assembly  # noqa: E402  (after the logging filter, which must come first)
from pipeline.config import ConfigError, add_config_arguments, load_config
from pipeline.options import OptionsError, make_options, make_runner
from pipeline import progress  # noqa: E402
from pipeline.inspect import InspectError  # noqa: E402
from pipeline.memory import tune_allocator  # noqa: E402
from transforms.read import InputError, list_inputs

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


def build_parser():
    """The argparse parser of ``textwash`` and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="textwash",
        description="Clean, filter and deduplicate scraped text into a JSONL corpus (Apache Beam).")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser(
        "run", help="run the pipeline",
        description="Run the pipeline. Unknown options are passed to Apache Beam, e.g. "
                    "--runner DataflowRunner --project P --region R --temp_location gs://B/tmp, "
                    "or --direct_running_mode multi_processing --direct_num_workers 2.")
    run.add_argument("--input", action="append", required=True, metavar="PATTERN",
                     help="a file, glob or directory (recursive); repeat for more. "
                          ".txt/.md = one document per file; .jsonl/.ndjson = one per line; "
                          "optionally .gz/.bz2/.zst compressed")
    run.add_argument("--output", required=True, metavar="DIR",
                     help="output directory (local or gs://); must be new or empty unless --overwrite")
    add_config_arguments(run)
    run.add_argument("--against", action="append", default=[], metavar="DIR_OR_INDEX",
                     help="deduplicate against an earlier run (its output directory or its index/): "
                          "a document it already holds goes to duplicates with prior_run; repeat "
                          "for more, oldest first (docs/incremental.md)")
    run.add_argument("--overwrite", action="store_true", help="replace the outputs of an earlier run in DIR")
    run.add_argument("--quiet", action="store_true", help="print only errors and the final summary")
    run.add_argument("--progress-every", type=float, default=None, metavar="SECONDS",
                     help="seconds between progress lines on stderr (default 2 on a terminal, 10 otherwise)")
    from pipeline import inspect as inspect_cmd, rules_cmd, tune
    for module in (inspect_cmd, tune, rules_cmd):
        module.add_parser(sub)
    return parser


def _is_local(path):
    return "://" not in path


def _in_output_dir(output_dir, path):
    """True for a run's own directories (``index``) and, on object stores, the files below them."""
    rel = path[len(output_dir.rstrip("/")) + 1:] if path.startswith(output_dir.rstrip("/") + "/") else path
    return rel.split("/", 1)[0] in assembly.OUTPUT_DIRS


def prepare_output(output_dir, overwrite):
    """Make sure ``output_dir`` can take a run: create it, or clear textwash outputs if allowed."""
    from apache_beam.io.filesystems import FileSystems
    if _is_local(output_dir):
        if os.path.exists(output_dir) and not os.path.isdir(output_dir):
            raise UsageError(f"--output {output_dir!r} exists and is not a directory")
        os.makedirs(output_dir, exist_ok=True)
        existing = sorted(os.listdir(output_dir))
        paths = [os.path.join(output_dir, name) for name in existing]
    else:
        patterns = [output_dir.rstrip("/") + "/*"] + [f"{output_dir.rstrip('/')}/{d}/*" for d in assembly.OUTPUT_DIRS]
        paths = sorted({m.path for result in FileSystems.match(patterns) for m in result.metadata_list})
    if not paths:
        return
    if not overwrite:
        raise UsageError(f"--output {output_dir!r} is not empty; pass --overwrite to replace its contents")
    ours = [p for p in paths if os.path.basename(p).startswith(assembly.OUTPUT_PREFIXES)
            or os.path.basename(p) in ("stats.json", "report.html", assembly.MARKER, assembly.JOB_STATS)
            or _in_output_dir(output_dir, p)]
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


def _load_priors(paths, cfg, output_dir):
    """``--against`` indexes, checked before anything runs (a mismatch is a UsageError)."""
    from transforms.index import PriorIndexError
    from transforms.prior import load_priors
    try:
        return load_priors(paths, cfg, output_dir)
    except PriorIndexError as exc:
        raise UsageError(str(exc)) from None


def auto_shards(cfg, specs):
    """Number of output shards: the config value, or one per 64 MiB of input for 'auto'."""
    shards = cfg["output"]["shards"]
    if shards != "auto":
        return shards
    total = sum(s.get("size") or 0 for s in specs)
    return max(1, math.ceil(total / BYTES_PER_SHARD))


def run_command(args, beam_args):
    """Execute ``textwash run``; returns the final stats dict."""
    import apache_beam as beam
    cfg = load_config(args.config, args.preset, args.overrides)
    specs = list_inputs(args.input)
    against = _load_priors(args.against, cfg, args.output)
    options = make_options(beam_args)
    if not _is_dry_run(options):  # a dry run builds the job only: touch no (remote) output
        prepare_output(args.output, args.overwrite)
    output_dir = args.output if not _is_local(args.output) else os.path.abspath(args.output)
    num_shards = auto_shards(cfg, specs)
    if not args.quiet:
        print(f"textwash: {len(specs)} input file(s), {num_shards} output shard(s) -> {output_dir}",
              file=sys.stderr)
    started = time.time()
    tune_allocator()  # freed buffers go back to the OS: lower peak memory, same output
    pipeline = beam.Pipeline(runner=make_runner(options), options=options)
    assembly.build(pipeline, cfg, specs, output_dir, num_shards, against)
    with _progress(args, options, pipeline, specs):
        result = pipeline.run()
        result.wait_until_finish()
    if _is_dry_run(options):
        print("textwash: dry run: the job graph was built and not executed", file=sys.stderr)
        return None
    extra = {"wall_time_s": round(time.time() - started, 3),
             "input_files": len(specs), "input_bytes": sum(s.get("size") or 0 for s in specs),
             "output": output_dir, "shards": num_shards,
             "config": {"preset": args.preset, "file": args.config, "overrides": args.overrides}}
    stats = assembly.finalize(output_dir, assembly.read_job_stats(output_dir), extra)
    print(progress.summary_table(stats))
    return stats


def _progress(args, options, pipeline, specs):
    """A context manager printing live progress on stderr (in-process runner only), or a no-op."""
    import contextlib

    from apache_beam.options.pipeline_options import DirectOptions, StandardOptions
    if args.quiet or _is_dry_run(options):
        return contextlib.nullcontext()
    in_process = (options.view_as(StandardOptions).runner in (None, "DirectRunner", "FnApiRunner")
                  and options.view_as(DirectOptions).direct_running_mode in (None, "in_memory"))
    if not in_process or not progress.attach(pipeline):
        print("textwash: live progress is only shown with the default in-process runner "
              "(in_memory mode); see the runner's own monitoring", file=sys.stderr)
        return contextlib.nullcontext()
    every = args.progress_every or (2.0 if sys.stderr.isatty() else 10.0)
    return progress.Reporter(progress.expected_bytes(specs), every=every)


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
    try:
        if args.command == "run":
            run_command(args, beam_args)
        else:
            if beam_args:
                raise UsageError(f"unrecognized arguments: {' '.join(beam_args)}")
            return SUBCOMMANDS[args.command](args)
    except (ConfigError, InputError, UsageError, OptionsError, InspectError) as exc:
        print(f"textwash: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except assembly.ConservationError as exc:
        print(f"textwash: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("textwash: error: interrupted; the output directory holds no _SUCCESS marker "
              "(incomplete run: re-run with --overwrite)", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - a failed job: one line, no traceback (unless asked)
        if os.environ.get("TEXTWASH_DEBUG"):
            raise
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        print(f"textwash: error: the run failed ({type(exc).__name__}: {lines[-1][:300] if lines else ''}); "
              f"no _SUCCESS was written. Set TEXTWASH_DEBUG=1 for the traceback", file=sys.stderr)
        return EXIT_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main())
