"""The same job gives the same bytes on every runner path it can take without a cloud account.

- default: the in-process FnApiRunner (what the DirectRunner uses in in_memory mode);
- the portable runner path Dataflow also takes: ``PortableRunner`` with an embedded job
  server and a LOOPBACK worker environment (the job is translated to the Runner API proto
  and executed by SDK workers over the Fn API, the way a remote runner does it);
- the DirectRunner engine in ``multi_processing`` mode with two worker processes.

Three output shards so that the stable hash placement of records is compared too. Last,
inputs and outputs on a non-local ``scheme://`` filesystem (a local stand-in for ``gs://``)
give the same bytes: every path goes through Beam's FileSystems.
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
VOLATILE = ("wall_time_s", "timing", "output")  # timing: measured seconds


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


# --- a non-local filesystem: what gs:// does, without a cloud account -------------------------

from apache_beam.io.filesystem import FileMetadata  # noqa: E402
from apache_beam.io.localfilesystem import LocalFileSystem  # noqa: E402

FAKE_ROOT_ENV = "TEXTWASH_TEST_FAKEREMOTE_ROOT"


class FakeRemoteFileSystem(LocalFileSystem):
    """``fakeremote://a/b`` = ``$TEXTWASH_TEST_FAKEREMOTE_ROOT/a/b``: a stand-in for GCS.

    Registered with Beam's FileSystems by being imported, like the GCS filesystem of the gcp
    extra; every path crosses the scheme boundary, so code that used ``open``/``os`` on an
    output or input path instead of FileSystems would fail here as it would on ``gs://``.
    """

    PREFIX = "fakeremote://"

    @classmethod
    def scheme(cls):
        return "fakeremote"

    def _local(self, url):
        if not url.startswith(self.PREFIX):  # LocalFileSystem calling back with a translated path
            assert url.startswith(os.environ[FAKE_ROOT_ENV]), url
            return url
        return os.path.join(os.environ[FAKE_ROOT_ENV], url[len(self.PREFIX):])

    def _url(self, local):
        return self.PREFIX + os.path.relpath(local, os.environ[FAKE_ROOT_ENV])

    def join(self, basepath, *paths):
        return "/".join([basepath.rstrip("/"), *(p.strip("/") for p in paths)])

    def split(self, path):
        head, _, tail = path.rstrip("/").rpartition("/")
        return head, tail

    def _url_dirname(self, url_or_path):
        return self.split(url_or_path)[0]

    def has_dirs(self):
        return False

    def mkdirs(self, path):
        os.makedirs(self._local(path), exist_ok=True)

    def _list(self, dir_or_prefix):
        local = self._local(dir_or_prefix)
        for dirpath, _, files in os.walk(local if os.path.isdir(local) else os.path.dirname(local)):
            for name in files:
                path = os.path.join(dirpath, name)
                if path.startswith(local):
                    yield FileMetadata(self._url(path), os.path.getsize(path), os.path.getmtime(path))

    def create(self, path, *args, **kwargs):
        os.makedirs(os.path.dirname(self._local(path)), exist_ok=True)
        return super().create(self._local(path), *args, **kwargs)

    def open(self, path, *args, **kwargs):
        return super().open(self._local(path), *args, **kwargs)

    def copy(self, sources, destinations):
        return super().copy([self._local(p) for p in sources], [self._local(p) for p in destinations])

    def rename(self, sources, destinations):
        return super().rename([self._local(p) for p in sources], [self._local(p) for p in destinations])

    def exists(self, path):
        return super().exists(self._local(path))

    def size(self, path):
        return super().size(self._local(path))

    def last_updated(self, path):
        return super().last_updated(self._local(path))

    def checksum(self, path):
        return super().checksum(self._local(path))

    def metadata(self, path):
        meta = super().metadata(self._local(path))
        return FileMetadata(path, meta.size_in_bytes, meta.last_updated_in_seconds)

    def delete(self, paths):
        return super().delete([self._local(p) for p in paths])


def test_remote_style_paths_give_the_same_output(default_run, tmp_path, monkeypatch):
    import shutil
    root = tmp_path / "bucket"
    shutil.copytree(SAMPLE, root / "raw" / "sample")
    monkeypatch.setenv(FAKE_ROOT_ENV, str(root))
    code = main(["run", "--input", "fakeremote://raw/sample", "--output", "fakeremote://out/run-1",
                 "--quiet", "--set", "output.shards=3"])
    assert code == 0
    files, stats = _snapshot(root / "out" / "run-1")
    expected_files, expected_stats = default_run
    assert files == expected_files
    assert "_SUCCESS" in files and stats == expected_stats
