"""Progress in ``multi_processing`` mode and where a run's time went (issue 19): real Beam runs
through the CLI on the bundled sample; nothing here depends on how fast the machine is."""
import json
import os
import tempfile

from conftest import SAMPLE
from pipeline.cli import main
from pipeline import progress

SAMPLE_DOCS = 8  # documents of data/sample that reach normalization (one JSONL line is broken)
STAGES = {"Read", "Normalize", "StripJunk", "Boilerplate", "Filter", "Dedup", "WriteCorpus", "WriteRejected"}


def _run(tmp_path, capsys, *extra):
    """Run the sample with progress on (not --quiet); ``(exit code, stderr, stats)``."""
    out = str(tmp_path / "out")
    code = main(["run", "--input", SAMPLE, "--output", out, "--progress-every", "0.2", *extra])
    err = capsys.readouterr().err
    return code, err, json.load(open(os.path.join(out, "stats.json")))


def test_tally_files_of_worker_processes_add_up(tmp_path):
    first, second = progress.TallyFile(str(tmp_path)), progress.TallyFile(str(tmp_path))
    first.add(3, 300)
    second.add(2, 20)
    first.add(1, 1)  # within TALLY_WRITE_S of the last write: kept until write()
    assert progress.read_tallies(str(tmp_path)) == (5, 320)
    first.write()
    assert progress.read_tallies(str(tmp_path)) == (6, 321)


def test_multi_processing_runs_show_progress_from_their_worker_processes(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the tally folder goes
    code, err, stats = _run(tmp_path, capsys, "--direct_running_mode=multi_processing",
                            "--direct_num_workers=2")
    assert code == 0, err
    assert "live progress is only shown" not in err
    done = [line for line in err.splitlines() if line.startswith("textwash: done:")]
    assert done and done[-1].startswith(f"textwash: done: {SAMPLE_DOCS} docs, 0.0 MB cleaned"), err
    assert not [name for name in os.listdir(tmp_path) if name.startswith("textwash-progress-")]
    # the workers' own execution-time counters come back to the launcher too
    assert STAGES <= set(stats["timing"]["stages"])
    assert set(stats["timing"]["phases"]) == {"reading/cleaning", "dedup/write"}


def test_stats_json_holds_wall_and_cpu_time_per_phase_and_busy_time_per_stage(tmp_path, capsys):
    code, err, stats = _run(tmp_path, capsys)
    assert code == 0, err
    timing = stats["timing"]
    assert timing["wall_s"] == stats["wall_time_s"] and timing["cpu_s"] >= 0
    assert STAGES <= set(timing["stages"])
    assert all(isinstance(v["busy_s"], (int, float)) and v["busy_s"] >= 0 for v in timing["stages"].values())
    assert not [name for name in timing["stages"] if name[-1].isdigit() or name.startswith("ref_")]
    phases = timing["phases"]
    assert set(phases) == {"reading/cleaning", "dedup/write"}
    assert all(p["wall_s"] >= 0 and p["cpu_s"] >= 0 for p in phases.values())
    assert sum(p["wall_s"] for p in phases.values()) <= timing["wall_s"]
