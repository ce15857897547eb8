"""The same job gives the same bytes on every runner path it can take without a cloud account.

- default: the in-process FnApiRunner (what the DirectRunner uses in in_memory mode);
- the portable runner path Dataflow also takes: ``PortableRunner`` with an embedded job
  server and a LOOPBACK worker environment (the job is translated to the Runner API proto
  and executed by SDK workers over the Fn API, the way a remote runner does it);
- the DirectRunner engine in ``multi_processing`` mode with two worker processes.

Three output shards so that the stable hash placement of records is compared too.
"""
import json
import os

import pytest

from pipeline.cli import main

from conftest import SAMPLE

RUNNERS = {
    "portable_loopback": ["--runner", "PortableRunner", "--job_endpoint", "embed",
                          "--environment_type", "LOOPBACK"],
    "multi_processing": ["--direct_running_mode", "multi_processing", "--direct_num_workers", "2"],
}
VOLATILE = ("wall_time_s", "output")


def _run(out, runner_args):
    code = main(["run", "--input", SAMPLE, "--output", str(out), "--quiet",
                 "--set", "output.shards=3", *runner_args])
    assert code == 0, f"textwash run {' '.join(runner_args)} failed"
    return _snapshot(out)


def _snapshot(out):
    """{file name: bytes} of the record files, plus the stats without run-specific values."""
    files = {name: open(os.path.join(out, name), "rb").read() for name in sorted(os.listdir(out))
             if name.endswith(".jsonl") or name == "_SUCCESS"}
    stats = json.load(open(os.path.join(out, "stats.json")))
    return files, {k: v for k, v in stats.items() if k not in VOLATILE}


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("default") / "out", [])


@pytest.mark.parametrize("name", sorted(RUNNERS))
def test_runner_gives_the_same_output_as_the_default_runner(name, default_run, tmp_path):
    files, stats = _run(tmp_path / "out", RUNNERS[name])
    expected_files, expected_stats = default_run
    assert sorted(files) == sorted(expected_files)
    assert len([n for n in files if n.startswith("clean-")]) == 3
    assert expected_stats["counts"]["duplicates"] > 0 and expected_stats["counts"]["kept"] > 0
    for file_name, content in expected_files.items():
        assert files[file_name] == content, f"{file_name} differs on {name}"
    assert stats == expected_stats
