"""CLI behaviour a new user meets first: help, clear one-line errors, output directory rules."""
import subprocess
import sys

from conftest import REPO, SAMPLE
from pipeline.cli import main


def _run_cli(*args):
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_help_explains_every_option():
    top = _run_cli("--help")
    assert top.returncode == 0 and "run" in top.stdout
    run_help = _run_cli("run", "--help")
    for option in ("--input", "--output", "--config", "--preset", "--set", "--overwrite", "--quiet"):
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
