"""Uncompressed input sizes (issue 19): progress and the summary's MB/s measure the text, not
the archive, for .gz, .bz2 and .zst inputs alike; real archives through the real CLI."""
import bz2
import gzip
import json
import random

import zstandard

from pipeline import progress

WORDS = ("river council bridge budget winter market square resident evening plan street "
         "school harbour station library garden museum").split()


def _jsonl(n, seed=0):
    """``n`` JSONL lines of 60-word documents drawn from ``WORDS`` (bytes)."""
    rng = random.Random(seed)
    return b"".join(json.dumps({"id": f"d{seed}-{i}", "text": " ".join(rng.choice(WORDS) for _ in range(60))})
                    .encode() + b"\n" for i in range(n))


def _spec(path):
    return {"path": str(path), "size": path.stat().st_size}


def test_bz2_and_zst_inputs_count_their_uncompressed_size_in_the_summary(tmp_path, run_textwash, capsys):
    data = {name: _jsonl(40, seed) for seed, name in enumerate(("a.jsonl.bz2", "b.jsonl.zst", "c.jsonl.gz"))}
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl.bz2").write_bytes(bz2.compress(data["a.jsonl.bz2"]))
    (tmp_path / "in" / "b.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(data["b.jsonl.zst"]))
    (tmp_path / "in" / "c.jsonl.gz").write_bytes(gzip.compress(data["c.jsonl.gz"], mtime=0))
    code, out = run_textwash("--input", str(tmp_path / "in"), "--max-rejected-share", "1")
    summary = capsys.readouterr().out
    stats = json.load(open(f"{out}/stats.json"))
    text_bytes = sum(len(d) for d in data.values())
    assert code == 0 and stats["input_bytes_uncompressed"] == text_bytes
    assert stats["input_bytes"] < text_bytes / 2
    assert f"{text_bytes / 1e6:.2f} MB input ({stats['input_bytes'] / 1e6:.2f} MB compressed)" in summary


def test_large_bz2_and_zst_files_are_sized_from_a_sample_of_their_start(tmp_path):
    data = _jsonl(3_000, seed=7)  # ~1.2 MB of text, ~200 KB compressed: 4 x the sample below
    streamed = tmp_path / "s.jsonl.zst"  # a streamed zstd frame declares no content size
    with zstandard.ZstdCompressor().stream_writer(streamed.open("wb")) as writer:
        writer.write(data)
    packed = tmp_path / "p.jsonl.bz2"
    packed.write_bytes(bz2.compress(data, compresslevel=1))  # 100 KB blocks: several in the file
    more = tmp_path / "q.jsonl.bz2"
    more.write_bytes(bz2.compress(_jsonl(3_000, seed=8), compresslevel=1))
    sample = 50_000
    assert min(p.stat().st_size for p in (packed, streamed, more)) > 2 * sample
    for path in (packed, streamed):
        assert abs(progress.SizeEstimator(sample).size(_spec(path)) - len(data)) < 0.05 * len(data), path
    # past the budget a file is not opened: it gets the ratio its extension's files had
    estimator = progress.SizeEstimator(sample, budget=sample)
    first, second = estimator.size(_spec(packed)), estimator.size(_spec(more))
    assert second == round(more.stat().st_size * first / packed.stat().st_size)
    assert abs(second - len(_jsonl(3_000, seed=8))) < 0.05 * len(data)
