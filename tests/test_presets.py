"""Presets: each loads; the seed acceptance holds under news and aggressive (one real run each)."""
import glob
import gzip
import json
import os

import pytest
import regex

from conftest import SAMPLE, read_jsonl
from pipeline.config import ConfigError, available_presets, load_config

JUNK = ("Impact Shorts", "More Shorts", "Leave a Reply", "Back to top button",
        "Your email address will not be published")


def test_presets_exist_and_differ():
    assert {"news", "aggressive", "minimal"} <= set(available_presets())
    news, agg, mini = (load_config(preset=p)["junk"] for p in ("news", "aggressive", "minimal"))
    assert news["heuristics"]["context"]["keep_if"] == "either"
    assert news["heuristics"]["related_start"]["min_body_words"] == 200
    assert agg["heuristics"]["related_start"]["min_body_words"] == 80
    assert agg["heuristics"]["main_region"]["extra_min_score"] == 0
    assert agg["doc_ratios"]["enabled"] is False  # aggressive cleans, it does not reject pages
    assert mini["heuristics"]["enabled"] is False and mini["boilerplate"]["enabled"] is False
    with pytest.raises(ConfigError, match="keep_if"):
        load_config(overrides=["junk.heuristics.context.keep_if=sometimes"])


@pytest.mark.parametrize("preset", ["aggressive"])
def test_seed_acceptance_under_preset(preset, run_textwash, tmp_path):
    code, out = run_textwash("--input", SAMPLE, "--preset", preset, "--set", "output.write_removed=true")
    assert code == 0
    result = {kind: read_jsonl(os.path.join(out, f"{kind}-*.jsonl*")) for kind in ("clean", "duplicates")}
    result["stats"] = json.load(open(os.path.join(out, "stats.json")))
    removed = []  # audit records carry doc_id, not id
    for path in glob.glob(os.path.join(out, "removed-*.jsonl*")):
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as handle:
            removed.extend(json.loads(line) for line in handle if line.strip())
    clean = {r["id"]: r["text"] for r in result["clean"]}
    seeds = sorted(f[:-4] for f in os.listdir(SAMPLE) if f.endswith(".txt"))
    for doc_id in seeds:
        for line in clean[doc_id].split("\n"):
            assert not (line and regex.fullmatch(r"[\p{P}\p{S}\s]+", line))
        assert not any(j in clean[doc_id] for j in JUNK)
    assert ("The timing is important in terms of not only showing support to Moscow amid growing pressure"
            in clean["000_9e003dcc0704e3b7"])
    dups = {r["id"]: r for r in result["duplicates"]}
    assert dups["wire/syndicated-004"]["duplicate_of"] == "004_ea5aaf718d4ae898"
    rules = result["stats"]["rules"]
    assert rules["punctuation_only_line"]["docs"] >= 1
    assert {r["rule"] for r in removed} >= {"punctuation_only_line"}
    assert all(r["doc_id"] and r["line"] for r in removed)
