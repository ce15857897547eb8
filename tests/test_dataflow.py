"""Ready for Dataflow, checked without a Google Cloud account or network.

A ``--runner DataflowRunner --dry_run=True`` job (dummy project and region, ``gs://`` temp
location and output) is built for real by Beam's DataflowRunner: the job graph, the staged
sdist of textwash (built from pyproject.toml with ``python -m build``) and the worker
environment. Nothing is submitted. The gcp extra (``apache-beam[gcp]``) is needed; the test
extra installs it, so CI runs these checks.
"""
import importlib.util
import os
import pickle
import re
import sys
import tarfile
import tomllib

import numpy
import pytest
import regex

import apache_beam as beam
from apache_beam.portability.api import beam_runner_api_pb2
from apache_beam.version import __version__ as BEAM_VERSION

from pipeline import assembly
from pipeline.cli import main
from pipeline.config import CONFIG_DIR, load_config, load_settings
from pipeline.options import OptionsError, is_dry_run, make_options, make_runner
from transforms.inputs import list_inputs

from conftest import REPO, SAMPLE


def _gcp_installed():
    try:
        return all(importlib.util.find_spec(m) for m in ("google.cloud.storage", "apitools", "build"))
    except ImportError:
        return False


needs_gcp = pytest.mark.skipif(
    not _gcp_installed(),
    reason="the gcp extra is not installed (pip install -e '.[test]' pulls it in via textwash[gcp])")

DATAFLOW_ARGS = ["--runner", "DataflowRunner", "--project", "dummy-project",
                 "--region", "us-central1", "--temp_location", "gs://dummy-bucket/tmp"]
DATAFLOW_GRAPH_LIMIT = 10 * 1024 * 1024  # Dataflow rejects job graphs above 10 MB


def _pyproject():
    with open(os.path.join(REPO, "pyproject.toml"), "rb") as handle:
        return tomllib.load(handle)


@pytest.fixture(scope="module")
def dry_run_job():
    """Build the sample job on the DataflowRunner in dry-run mode, the way the CLI does.

    No --setup_file: textwash must pick the project's pyproject.toml by itself.
    Returns ``(pipeline, job)``; ``job.proto_pipeline`` is what Dataflow would receive.
    """
    options = make_options(DATAFLOW_ARGS + ["--dry_run=True"])
    pipeline = beam.Pipeline(runner=make_runner(options), options=options)
    assembly.build(pipeline, load_settings(), list_inputs([SAMPLE]), "gs://dummy-bucket/out", 2)
    result = pipeline.run()
    result.wait_until_finish()
    return pipeline, result.job


def _staged(job):
    """{staged name: local path} of the artifacts the job would upload to the staging location."""
    staged = {}
    for env in job.proto_pipeline.components.environments.values():
        for dep in env.dependencies:
            path = beam_runner_api_pb2.ArtifactFilePayload.FromString(dep.type_payload).path
            name = beam_runner_api_pb2.ArtifactStagingToRolePayload.FromString(dep.role_payload).staged_name
            staged[name] = path
    return staged


@needs_gcp
def test_dry_run_stages_textwash_with_its_configs(dry_run_job):
    _, job = dry_run_job
    staged = _staged(job)
    assert "workflow.tar.gz" in staged, f"no setup package staged: {sorted(staged)}"
    with tarfile.open(staged["workflow.tar.gz"]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    expected = {f"configs/{f}" for f in os.listdir(CONFIG_DIR) if f.endswith(".yaml")}
    presets = os.path.join(CONFIG_DIR, "presets")
    expected |= {f"configs/presets/{f}" for f in os.listdir(presets) if f.endswith(".yaml")}
    for package in ("pipeline", "transforms"):
        expected |= {f"{package}/{f}" for f in os.listdir(os.path.join(REPO, package))
                     if f.endswith(".py")}
    assert "configs/default.yaml" in expected
    assert expected <= names, f"missing from the staged package: {sorted(expected - names)}"
    images = [beam_runner_api_pb2.DockerPayload.FromString(env.payload).container_image
              for env in job.proto_pipeline.components.environments.values()]
    py = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert all(f"beam_python{py}_sdk:{BEAM_VERSION}" in image for image in images), images


@needs_gcp
def test_job_graph_is_far_below_the_dataflow_limit(dry_run_job):
    _, job = dry_run_job
    size = job.proto_pipeline.ByteSize() + len(job.json())
    print(f"\nDataflow job size for the sample: {size / 1024:.0f} KiB "
          f"(limit {DATAFLOW_GRAPH_LIMIT // 2**20} MiB)")
    assert size < DATAFLOW_GRAPH_LIMIT / 10


@needs_gcp
def test_config_travels_inside_the_job_not_as_a_path(dry_run_job):
    _, job = dry_run_job
    blob = job.proto_pipeline.SerializeToString()
    assert os.path.abspath(CONFIG_DIR).encode() not in blob
    assert b"default.yaml" not in blob
    # a rule pattern from configs/default.yaml is inside the pickled DoFns
    pattern = next(r["pattern"] for r in load_config()["junk"]["rules"] if r["name"] == "comment_form")
    assert any(pattern.encode() in _unzip(t.spec.payload)
               for t in job.proto_pipeline.components.transforms.values())


def _unzip(payload):
    """The pickled DoFn bytes of a ParDo payload (base64 of bz2 or zlib), or b''."""
    import base64
    import bz2
    import zlib
    try:
        raw = base64.b64decode(beam_runner_api_pb2.ParDoPayload.FromString(payload).do_fn.payload)
    except Exception:  # not a ParDo payload
        return b""
    for decompress in (bz2.decompress, zlib.decompress):
        try:
            return decompress(raw)
        except Exception:  # the other compression
            continue
    return raw


HEAVY = (regex.Pattern, re.Pattern, numpy.ndarray)


def _heavy_parts(obj, path="fn", seen=None):
    """Paths of compiled regexes / numpy arrays reachable from ``obj`` (attributes, containers)."""
    seen = set() if seen is None else seen
    if id(obj) in seen or isinstance(obj, (str, bytes, int, float, bool, type(None))):
        return []
    seen.add(id(obj))
    if isinstance(obj, HEAVY):
        return [path]
    found = []
    if isinstance(obj, dict):
        for key, value in obj.items():
            found += _heavy_parts(value, f"{path}[{key!r}]", seen)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for i, value in enumerate(obj):
            found += _heavy_parts(value, f"{path}[{i}]", seen)
    elif hasattr(obj, "__dict__") and type(obj).__module__.split(".")[0] in ("transforms", "pipeline"):
        for key, value in vars(obj).items():
            found += _heavy_parts(value, f"{path}.{key}", seen)
    return found


def _our_dofns(pipeline):
    """{label: DoFn} of every ParDo whose DoFn is a textwash class."""
    dofns = {}

    class Visitor(beam.pipeline.PipelineVisitor):
        def visit_transform(self, node):
            fn = getattr(node.transform, "fn", None)
            if isinstance(node.transform, beam.ParDo) and type(fn).__module__.startswith("transforms"):
                dofns[node.full_label] = fn

    pipeline.visit(Visitor())
    return dofns


@needs_gcp
def test_heavy_objects_are_built_in_setup_not_pickled(dry_run_job):
    pipeline, _ = dry_run_job
    dofns = _our_dofns(pipeline)
    assert any("StripJunk" in label for label in dofns), sorted(dofns)
    for label, fn in dofns.items():
        assert _heavy_parts(fn) == [], f"{label} pickles heavy objects: {_heavy_parts(fn)}"
    # the check can see them: after setup (as on a worker) the junk DoFn holds compiled rules
    junk = pickle.loads(pickle.dumps(next(fn for label, fn in dofns.items() if "StripJunk" in label)))
    junk.setup()
    assert _heavy_parts(junk), "StripJunk.setup built no compiled regex"


@needs_gcp
def test_cli_dry_run_builds_the_job_and_touches_no_output(tmp_path, capsys):
    code = main(["run", "--input", SAMPLE, "--output", "gs://dummy-bucket/out", "--quiet",
                 *DATAFLOW_ARGS, "--sdk_container_image", "example.com/textwash:test",
                 "--dry_run=True"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "dry run" in err and "Traceback" not in err


def test_dry_run_flag_is_a_real_boolean():
    assert is_dry_run(make_options(["--dry_run=False"])) is False
    assert is_dry_run(make_options([])) is False
    with pytest.raises(OptionsError, match="--dry_run"):
        make_options(["--dry_run=maybe"])
    with pytest.raises(OptionsError, match="DataflowRunner"):
        make_options(["--dry_run=True"])  # the local runner would really run the job


@needs_gcp
def test_dataflow_options_are_checked_at_start(tmp_path, capsys):
    with pytest.raises(OptionsError, match="--temp_location"):
        make_options(DATAFLOW_ARGS[:-2])
    with pytest.raises(OptionsError, match="does not exist"):
        make_options(DATAFLOW_ARGS + ["--setup_file", str(tmp_path / "nope.toml")])
    with pytest.raises(OptionsError, match="gs://"):
        make_options(DATAFLOW_ARGS[:-1] + [str(tmp_path)])
    code = main(["run", "--input", SAMPLE, "--output", str(tmp_path / "out"), *DATAFLOW_ARGS[:4]])
    err = capsys.readouterr().err
    assert code == 2 and "--temp_location" in err and "Traceback" not in err


def test_dockerfile_matches_pyproject_and_launcher():
    from packaging.requirements import Requirement
    with open(os.path.join(REPO, "Dockerfile"), encoding="utf-8") as handle:
        dockerfile = handle.read()
    m = re.search(r"^FROM\s+apache/beam_python(\d+\.\d+)_sdk:(\S+)\s*$", dockerfile, re.M)
    assert m, "Dockerfile must start FROM apache/beam_python<X.Y>_sdk:<beam version>"
    python, beam_version = m.groups()
    project = _pyproject()["project"]
    beams = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["gcp"]
             if Requirement(r).name == "apache-beam"]
    assert len(beams) == 2
    for req in beams:
        assert req.specifier.contains(beam_version), f"Dockerfile Beam {beam_version} vs pyproject {req}"
    assert beam_version == BEAM_VERSION, "the launcher's Beam must be the workers' Beam"
    assert python == f"{sys.version_info.major}.{sys.version_info.minor}", \
        "the launcher's Python must be the workers' Python (pickled DoFns)"
    from packaging.specifiers import SpecifierSet
    assert SpecifierSet(project["requires-python"]).contains(python + ".0")
    with open(os.path.join(REPO, ".dockerignore"), encoding="utf-8") as handle:
        ignored = handle.read().split()
    assert ".venv" in ignored and ".git" in ignored


def test_base_install_does_not_pull_gcp_but_the_extra_does():
    from packaging.requirements import Requirement
    project = _pyproject()["project"]
    base = [Requirement(r) for r in project["dependencies"]]
    assert not [r for r in base if "gcp" in r.extras or r.name.startswith("google")], base
    gcp = [Requirement(r) for r in project["optional-dependencies"]["gcp"]]
    assert any(r.name == "apache-beam" and "gcp" in r.extras for r in gcp)
    assert {"build", "setuptools", "wheel"} <= {r.name for r in gcp}, \
        "--setup_file pyproject.toml builds the sdist without isolation: build tools go in the extra"
