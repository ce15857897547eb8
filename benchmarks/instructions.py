"""Instructions a textwash run executes, counted by valgrind's callgrind: a CPU figure that
other load on the machine does not move, for comparing two versions of the code.

CPU seconds on a shared machine drift by 25-40 % within an hour, so a 3 % change needs many
interleaved runs to show; the instruction count of the same run repeats to within 0.01 % on
the sample and 0.15 % on 3,000 documents (threads that wake on a timer add a little more
when the machine is busy: compare runs made side by side, as this script does).
It is not time (a cache miss costs more than an add), so confirm a large change with
``benchmarks/throughput.py``; it is the count of everything the process does, threads
included. Under callgrind a run is ~50x slower: the 9-document sample takes ~2 minutes.

    .venv/bin/python benchmarks/instructions.py                      # data/sample, this checkout
    .venv/bin/python benchmarks/instructions.py --code ../old-checkout --code .
    .venv/bin/python benchmarks/instructions.py --input data/sample --extra "--set dedup.index=false"

Each ``--code`` is a checkout of textwash, run as ``python -m pipeline.cli run`` from its
folder with this interpreter; each ``--extra`` is one more variant of the run arguments. The
runs go in parallel (``--jobs``, default the number of cores): the counts do not depend on it.
It prints one row a run with the count in billions and its ratio to the first row.
"""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def count_instructions(code_dir, input_path, extra, out_dir):
    """Instructions (int) of ``textwash run --input input_path`` with ``extra`` arguments,
    run from ``code_dir`` under callgrind; raises RuntimeError with valgrind's output tail."""
    argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
            sys.executable, "-m", "pipeline.cli", "run", "--input", os.path.abspath(input_path),
            "--output", out_dir, "--overwrite", "--quiet", *extra]
    done = subprocess.run(argv, cwd=code_dir, capture_output=True, text=True)
    found = REFS.search(done.stderr)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"{code_dir}: exit {done.returncode}\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", action="append", help="a textwash checkout (repeatable; default this one)")
    parser.add_argument("--input", default=os.path.join(REPO, "data", "sample"), help="what to run on")
    parser.add_argument("--extra", action="append", default=None,
                        help='extra run arguments, one variant each (repeatable), e.g. "--preset news"')
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="runs at once")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        parser.exit(2, "instructions.py: needs valgrind on PATH (apt-get install valgrind)\n")
    codes = [os.path.abspath(c) for c in (args.code or [REPO])]
    variants = [shlex.split(e) for e in (args.extra or [""])]
    runs = [(code, extra) for code in codes for extra in variants]
    print(f"{len(runs)} run(s) under callgrind on {args.input}, {args.jobs} at once ...", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="textwash-instr-") as tmp, ThreadPoolExecutor(args.jobs) as pool:
        counts = list(pool.map(lambda ir: count_instructions(ir[1][0], args.input, ir[1][1],
                                                             os.path.join(tmp, str(ir[0]))),
                               enumerate(runs)))
    print("| code | run arguments | instructions (G) | vs first |\n|---|---|---:|---:|")
    for (code, extra), count in zip(runs, counts):
        print(f"| {code} | {shlex.join(extra) or '(none)'} | {count / 1e9:.3f} | {count / counts[0]:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
