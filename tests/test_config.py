"""Config and input mistakes end with exit 2 and one ``textwash: error:`` line, never a traceback."""
import os

import pytest

from conftest import SAMPLE
from pipeline.cli import main
from pipeline.config import ConfigError, load_config


def _cli_error(capsys, tmp_path, *args, config_text=None):
    """Run ``textwash run`` on the sample with ``args``; return (exit code, stderr)."""
    extra = []
    if config_text is not None:
        cfg = tmp_path / "cfg.yaml"
        cfg.write_text(config_text)
        extra = ["--config", str(cfg)]
    code = main(["run", "--input", SAMPLE, "--output", str(tmp_path / "out"), "--quiet", *extra, *args])
    return code, capsys.readouterr().err.strip()


def _assert_one_line_error(code, err, *needles):
    assert code == 2, err
    assert err.startswith("textwash: error: ") and len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, (needle, err)


CASES = {
    "unknown key": (["--set", "dedup.treshold=0.9"], None, ["unknown config key 'dedup.treshold'"]),
    "unknown key in file": ([], "input:\n  text_feld: body\n", ["'input.text_feld'"]),
    "unknown section": ([], "outputs:\n  shards: 2\n", ["'outputs'"]),
    "wrong type": (["--set", "filter.min_words=many"], None, ["'filter.min_words'", "int"]),
    "wrong type bool": (["--set", "dedup.enabled=maybe"], None, ["'dedup.enabled'"]),
    "section not a mapping": (["--set", "dedup=5"], None, ["'dedup'", "mapping"]),
    "section not a mapping in file": ([], "input: 3\n", ["'input'", "mapping"]),
    "threshold out of range": (["--set", "dedup.threshold=1.5"], None, ["'dedup.threshold'", "between"]),
    "threshold NaN": (["--set", "dedup.threshold=.nan"], None, ["'dedup.threshold'"]),
    "negative size cap": (["--set", "input.max_doc_bytes=0"], None, ["'input.max_doc_bytes'"]),
    "bad decode policy": (["--set", "input.decode_errors=guess"], None, ["'input.decode_errors'"]),
    "bad fallback encoding": (["--set", "input.fallback_encoding=klingon"], None,
                              ["'input.fallback_encoding'", "klingon"]),
    "non-text codec": (["--set", "input.fallback_encoding=rot13"], None, ["'input.fallback_encoding'"]),
    "bad duplicate-id policy": (["--set", "input.duplicate_ids=keep"], None, ["'input.duplicate_ids'"]),
    "bad ftfy option": (["--set", "normalize.ftfy.normalization=NFX"], None, ["normalize.ftfy.normalization"]),
    "ftfy not a mapping": (["--set", "normalize.ftfy=yes"], None, ["'normalize.ftfy'"]),
    "bad preset": (["--preset", "no-such-preset"], None, ["unknown preset 'no-such-preset'"]),
    "invalid YAML": ([], "dedup:\n  threshold: [0.8\n", ["invalid YAML", "cfg.yaml"]),
    "config not a mapping": ([], "- a\n- b\n", ["must hold a mapping"]),
    "bad regex in a rule": ([], "junk:\n  rules:\n    - name: broken_rule\n      scope: line\n"
                                "      pattern: '(unclosed'\n", ["broken_rule", "regex"]),
    "bad dateline regex": (["--set", "junk.heuristics.dateline.pattern=(oops"], None,
                           ["junk.heuristics.dateline.pattern", "bad regex"]),
    "keep_weak share out of range": (["--set", "junk.heuristics.main_region.keep_weak_min_share=1.5"],
                                     None, ["keep_weak_min_share"]),
    "--set without =": (["--set", "dedup.threshold"], None, ["dotted.key=value"]),
    "multi_threading": (["--direct_running_mode=multi_threading"], None, ["multi_threading"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_config_mistake_is_one_line_error(case, capsys, tmp_path):
    args, text, needles = CASES[case]
    code, err = _cli_error(capsys, tmp_path, *args, config_text=text)
    _assert_one_line_error(code, err, *needles)
    assert not os.path.exists(tmp_path / "out" / "_SUCCESS")


def test_missing_and_unreadable_config_file(capsys, tmp_path):
    code, err = _cli_error(capsys, tmp_path, "--config", str(tmp_path / "nope.yaml"))
    _assert_one_line_error(code, err, "config file not found", "nope.yaml")
    (tmp_path / "adir.yaml").mkdir()
    code, err = _cli_error(capsys, tmp_path, "--config", str(tmp_path / "adir.yaml"))
    _assert_one_line_error(code, err, "cannot read config file", "adir.yaml")
    (tmp_path / "latin.yaml").write_bytes(b"dedup:\n  threshold: 0.8 # caf\xe9\n")
    code, err = _cli_error(capsys, tmp_path, "--config", str(tmp_path / "latin.yaml"))
    _assert_one_line_error(code, err, "latin.yaml")


def test_missing_input_is_one_line_error(capsys, tmp_path):
    code = main(["run", "--input", str(tmp_path / "none" / "*.jsonl"), "--output", str(tmp_path / "o")])
    _assert_one_line_error(code, capsys.readouterr().err.strip(), "input not found")


def test_output_that_is_a_file_is_one_line_error(capsys, tmp_path):
    (tmp_path / "file").write_text("x")
    code = main(["run", "--input", SAMPLE, "--output", str(tmp_path / "file")])
    _assert_one_line_error(code, capsys.readouterr().err.strip(), "not a directory")


def test_defaults_and_valid_overrides_load():
    cfg = load_config(overrides=["input.decode_errors=reject", "input.fallback_encoding=latin-1",
                                 "input.duplicate_ids=reject", "normalize.ftfy.normalization=null"])
    assert cfg["input"]["decode_errors"] == "reject" and cfg["input"]["duplicate_ids"] == "reject"
    assert load_config()["input"]["duplicate_ids"] == "qualify"
    with pytest.raises(ConfigError):
        load_config(overrides=["input.max_doc_bytes=1.5"])
