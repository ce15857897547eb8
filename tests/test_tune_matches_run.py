"""``textwash tune`` predicts what ``textwash run`` does: same cleaning (one DocumentCleaner,
corpus boilerplate counted on the sample), same candidates, verification and cluster policy."""
import gzip
import json
import os
import random
import re

import pytest

from conftest import SAMPLE, SHARED
from pipeline.cli import main
from pipeline.config import load_settings
from pipeline.tune import tune

WORDS = ("river market council school budget storm harbour minister museum railway festival "
         "farmers report doctors bridge election airport village police library").split()


def _corpus(path, n=40, seed=7):
    """A JSONL sample with near copies at several edit levels, exact copies, a footer shared by
    more documents than ``junk.boilerplate.min_docs`` and documents too short to keep."""
    rnd = random.Random(seed)
    records = []
    for i in range(n):
        sentences = [" ".join(rnd.choice(WORDS) for _ in range(14)).capitalize() + "." for _ in range(6)]
        text = "\n".join(sentences + ["Follow us on social media for more news"])
        records.append({"id": f"d{i:02d}", "text": text})
        if i % 4 == 0:  # a near copy: k words of the body replaced
            words = text.split(" ")
            for j in rnd.sample(range(len(words) - 8), 1 + i // 4):
                words[j] = rnd.choice(WORDS)
            records.append({"id": f"d{i:02d}-near", "text": " ".join(words)})
        if i % 9 == 0:
            records.append({"id": f"d{i:02d}-copy", "text": text})
    records.append({"id": "short", "text": "Too short to keep."})
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in records)


def _predicted(table, threshold):
    row = re.search(rf"^\s+{threshold:.2f}\s+\d+\s+\d+\s+(\d+)\s+(\d+)", table, re.M)
    return {"duplicates": int(row.group(1)), "kept": int(row.group(2))}


def _run(inputs, out, overrides):
    args = ["run", *[a for i in inputs for a in ("--input", i)], "--output", str(out), "--quiet"]
    assert main(args + [a for o in overrides for a in ("--set", o)]) == 0
    counts = json.load(open(os.path.join(out, "stats.json")))["counts"]
    return {"duplicates": counts["duplicates"], "kept": counts["kept"]}


@pytest.mark.parametrize("overrides", [[], ["dedup.threshold=0.6"], ["junk.boilerplate.min_docs=3"]])
def test_tune_predicts_the_runs_kept_and_duplicates(tmp_path, overrides):
    sample = str(tmp_path / "sample.jsonl")
    _corpus(sample)
    settings = load_settings(overrides=overrides)
    table = tune([sample, SAMPLE], settings)
    assert _run([sample, SAMPLE], tmp_path / "out", overrides) == _predicted(table, settings.dedup.threshold)


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir(os.path.join(SHARED, "data", "dedup", "20ng")), reason="needs ../shared")
def test_tune_predicts_the_run_on_3000_newsgroup_posts(tmp_path):
    sample = tmp_path / "ng.jsonl"
    with gzip.open(os.path.join(SHARED, "data", "dedup", "20ng", "input.jsonl.gz"), "rt") as src:
        sample.write_text("".join(line for _, line in zip(range(3000), src)))
    table = tune([str(sample)], load_settings(), limit=5000)
    assert _run([str(sample)], tmp_path / "out", []) == _predicted(table, 0.8)
