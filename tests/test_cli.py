"""CLI behaviour a new user meets first: help, clear one-line errors, output directory rules."""
import subprocess
import sys

import pytest

from conftest import REPO, SAMPLE
from pipeline.cli import main


def _run_cli(*args):
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_help_explains_every_option():
    top = _run_cli("--help")
    assert top.returncode == 0 and "run" in top.stdout
    run_help = _run_cli("run", "--help")
    for option in ("--input", "--output", "--config", "--preset", "--set", "--overwrite", "--quiet",
                   "--max-rejected-share"):
        assert option in run_help.stdout


def test_missing_input_is_one_line_error(tmp_path):
    proc = _run_cli("run", "--input", str(tmp_path / "nope"), "--output", str(tmp_path / "o"))
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("textwash: error: input not found")
    assert "Traceback" not in proc.stderr


def test_unknown_config_key_is_one_line_error(tmp_path, capsys):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("dedup:\n  treshold: 0.9\n")
    code = main(["run", "--input", SAMPLE, "--output", str(tmp_path / "o"), "--config", str(cfg)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("textwash: error: unknown config key 'dedup.treshold'")
    assert len(err.splitlines()) == 1


def test_non_empty_output_needs_overwrite(tmp_path, capsys):
    out = tmp_path / "o"
    out.mkdir()
    (out / "clean-00000-of-00001.jsonl").write_text("{}\n")
    code = main(["run", "--input", SAMPLE, "--output", str(out), "--quiet"])
    assert code == 2 and "--overwrite" in capsys.readouterr().err
    code = main(["run", "--input", SAMPLE, "--output", str(out), "--quiet", "--overwrite",
                 "--set", "dedup.enabled=false"])
    assert code == 0 and (out / "_SUCCESS").exists()


# ------------------------------------------------------------------ unknown options (issue 19)

def _error_line(capsys):
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("textwash: error: "), err
    return err


def test_unknown_options_stop_the_run_with_a_set_suggestion(tmp_path, capsys):
    """A natural guess (``--threshold 0.9 --min-words 50``) used to run with the defaults, exit 0."""
    out = tmp_path / "o"
    code = main(["run", "--input", SAMPLE, "--output", str(out), "--threshold", "0.9", "--min-words=50"])
    err = _error_line(capsys)
    assert code == 2 and not out.exists()  # stopped before anything was created
    assert "unknown option --threshold: did you mean `--set dedup.threshold=0.9`?" in err
    # min_words is also the last part of junk.heuristics.*.min_words: the shallowest key wins
    assert "unknown option --min-words: did you mean `--set filter.min_words=50`?" in err


def test_unknown_option_suggests_close_textwash_or_beam_options(tmp_path, capsys):
    base = ["run", "--input", SAMPLE, "--output", str(tmp_path / "o")]
    assert main(base + ["--runer", "DirectRunner"]) == 2
    assert "unknown option --runer: did you mean `--runner`?" in _error_line(capsys)
    assert main(base + ["--direct-num-workers", "2"]) == 2
    assert "did you mean `--direct_num_workers`?" in _error_line(capsys)
    assert main(base + ["--progress_every", "3"]) == 2
    assert "did you mean `--progress-every`?" in _error_line(capsys)
    assert main(base + ["--write-removed"]) == 2  # a boolean config key without a value
    assert "did you mean `--set output.write_removed=true`?" in _error_line(capsys)
    assert main(base + ["--zzzz", "1"]) == 2
    assert "unknown option --zzzz (not a textwash or Beam pipeline option" in _error_line(capsys)
    assert main(base + ["stray"]) == 2
    assert "unexpected argument 'stray'" in _error_line(capsys)
    assert main(base + ["--direct_num_workers", "two"]) == 2  # known option, bad value: no usage dump
    assert "--direct_num_workers: invalid int value" in _error_line(capsys)


def test_runner_names_are_matched_case_insensitively_or_rejected(tmp_path, capsys):
    from apache_beam.options.pipeline_options import StandardOptions

    from pipeline.options import OptionsError, canonical_runner, is_dataflow, make_options
    assert canonical_runner("DataFlowRunner") == "DataflowRunner"
    assert canonical_runner("directrunner") == "DirectRunner"
    assert canonical_runner("portable") == "PortableRunner"
    # the case typo used to skip the Dataflow pre-checks: now they run for the canonical name
    with pytest.raises(OptionsError, match="needs --temp_location"):
        make_options(["--runner", "DataFlowRunner", "--project", "p", "--region", "us-central1"])
    options = make_options(["--runner", "directrunner"])
    assert options.view_as(StandardOptions).runner == "DirectRunner" and not is_dataflow(options)
    assert main(["run", "--input", SAMPLE, "--output", str(tmp_path / "o"), "--runner", "Sparky"]) == 2
    err = _error_line(capsys)
    assert "unknown runner 'Sparky'" in err and "DataflowRunner" in err and "DirectRunner" in err
    # a lower-case runner name runs the real pipeline on the in-process engine
    out = tmp_path / "ok"
    assert main(["run", "--input", SAMPLE, "--output", str(out), "--quiet", "--runner", "directrunner"]) == 0
    assert (out / "_SUCCESS").exists()


def test_type_check_is_off_by_default_and_the_graph_passes_it_when_on():
    """The CLI builds its fixed graph without Beam's construction-time type check (40 % of the
    build); with ``--pipeline_type_check`` it is on, and the whole graph, every option path
    the settings can take aside, passes it."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import TypeOptions

    from pipeline import assembly
    from pipeline.config import load_settings
    from pipeline.options import make_options, make_runner
    from transforms.inputs import list_inputs
    assert make_options([]).view_as(TypeOptions).pipeline_type_check is False
    assert make_options(["--no_pipeline_type_check"]).view_as(TypeOptions).pipeline_type_check is False
    for overrides in ((), ("output.write_removed=true", "dedup.verify=estimate"), ("dedup.enabled=false",)):
        options = make_options(["--pipeline_type_check"])
        assert options.view_as(TypeOptions).pipeline_type_check is True
        pipeline = beam.Pipeline(runner=make_runner(options), options=options)
        assembly.build(pipeline, load_settings(overrides=overrides), list_inputs([SAMPLE]), "/tmp/unused", 1)
        assert len(pipeline.to_runner_api().components.transforms) > 100
