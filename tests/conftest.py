"""Shared test helpers: run the real CLI in-process and read its output directory."""
import glob
import gzip
import json
import os

import pytest

from pipeline.cli import main

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(REPO, "data", "sample")
SHARED = os.path.abspath(os.path.join(REPO, "..", "shared"))


def read_jsonl(pattern):
    """All records of the JSONL (or .jsonl.gz) files matching ``pattern``, sorted by id."""
    records = []
    for path in sorted(glob.glob(pattern)):
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as handle:
            records.extend(json.loads(line) for line in handle if line.strip())
    return sorted(records, key=lambda r: (str(r.get("id", r.get("doc_id", ""))), json.dumps(r, sort_keys=True)))


def read_output(out_dir):
    """{'clean': [...], 'duplicates': [...], 'rejected': [...], 'stats': {...}} of one run."""
    result = {kind: read_jsonl(os.path.join(out_dir, f"{kind}-*.jsonl*"))
              for kind in ("clean", "duplicates", "rejected", "removed")}
    stats_path = os.path.join(out_dir, "stats.json")
    result["stats"] = json.load(open(stats_path)) if os.path.exists(stats_path) else None
    return result


@pytest.fixture
def run_textwash(tmp_path):
    """Call ``textwash run`` in-process: run_textwash(*args, out=None) -> (exit code, out dir)."""
    def run(*args, out=None):
        out = str(out or tmp_path / "out")
        code = main(["run", *args, "--output", out, "--quiet"])
        return code, out
    return run


@pytest.fixture(scope="session")
def sample_output(tmp_path_factory):
    """The bundled sample run once per test session with the default config (read-only!)."""
    out = str(tmp_path_factory.mktemp("sample") / "out")
    code = main(["run", "--input", SAMPLE, "--output", out, "--quiet"])
    assert code == 0
    return read_output(out)
