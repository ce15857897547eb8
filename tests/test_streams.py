"""The pipeline's document streams (transforms.streams) change no output byte.

After the boilerplate stage the documents without candidate lines and the rebuilt ones travel
as two PCollections up to the groupings. The same job with them flattened into one
PCollection right there (``RemoveBoilerplate``, the single-stream graph) must write the same
files and count the same stats, whatever the config path (dedup on or off, exact or estimated
verification, removed lines written, boilerplate off).
"""
import json
import os

import apache_beam as beam
import pytest

from conftest import SAMPLE
from pipeline import assembly
from pipeline.cli import main
from transforms.boilerplate import RemoveBoilerplate

HOSTILE = os.path.join(os.path.dirname(SAMPLE), "hostile")
VARIANTS = {
    "default": [],
    "estimate_removed_reject": ["--set", "dedup.verify=estimate", "--set", "output.write_removed=true",
                                "--set", "input.duplicate_ids=reject", "--set", "junk.boilerplate.min_docs=2"],
    "no_dedup": ["--set", "dedup.enabled=false", "--set", "junk.boilerplate.min_docs=2"],
    "no_boilerplate": ["--set", "junk.boilerplate.enabled=false", "--set", "output.shards=2"],
}


class OneStream(beam.PTransform):
    """The single-stream reference: RemoveBoilerplate's flattened output as the only stream."""

    def __init__(self, cfg, keep_removed=True):
        super().__init__()
        self.cfg, self.keep_removed = cfg, keep_removed

    def expand(self, docs):
        return (docs | "Flat" >> RemoveBoilerplate(self.cfg, self.keep_removed),)


def _run(out, extra):
    assert main(["run", "--input", HOSTILE, "--input", SAMPLE, "--output", str(out), "--quiet", *extra]) == 0
    files = {name: open(os.path.join(out, name), "rb").read()
             for name in sorted(os.listdir(out)) if name.endswith(".jsonl")}
    stats = json.load(open(os.path.join(out, "stats.json")))
    return files, {k: v for k, v in stats.items() if k not in ("wall_time_s", "timing", "output")}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_streams_write_what_one_flattened_stream_writes(variant, tmp_path, monkeypatch):
    streams = _run(tmp_path / "streams", VARIANTS[variant])
    monkeypatch.setattr(assembly, "BoilerplateStreams", OneStream)
    flat = _run(tmp_path / "flat", VARIANTS[variant])
    assert streams[0] and streams == flat
    counts = streams[1]["counts"]
    assert counts["read"] == counts["kept"] + counts["duplicates"] + counts["rejected"] > 0
