"""``junk.extra_rules`` adds to the default rules; ``textwash rules`` lists rules and heuristics,
with a run's counts when pointed at its output."""
import logging

import pytest

from conftest import SAMPLE
from pipeline.cli import main
from pipeline.config import ConfigError, load_config
from transforms.settings import junk_settings

EXTRA = """junk:
  extra_rules:
    - name: print_edition
      scope: line
      pattern: 'Buy the print edition.*'
      example: "Buy the print edition today"
    - name: share_bar
      scope: line
      pattern: 'Share this'
"""


def _names(cfg):
    return [r.name for r in junk_settings(cfg["junk"]).rules]


def test_extra_rules_extend_the_defaults_and_replace_by_name(tmp_path, caplog):
    default = load_config()
    path = tmp_path / "extra.yaml"
    path.write_text(EXTRA)
    with caplog.at_level(logging.WARNING):
        cfg = load_config(str(path))
    assert _names(cfg) == _names(default) + ["print_edition"]  # share_bar replaced in place
    share_bar = next(r for r in junk_settings(cfg["junk"]).rules if r.name == "share_bar")
    assert share_bar.pattern == "Share this"
    assert "replaces" not in caplog.text


def test_replacing_the_rule_list_is_said(tmp_path, caplog):
    defaults = len(load_config()["junk"]["rules"])
    path = tmp_path / "replace.yaml"
    path.write_text(EXTRA.replace("extra_rules", "rules"))
    with caplog.at_level(logging.WARNING):
        cfg = load_config(str(path))
    assert _names(cfg) == ["print_edition", "share_bar"]
    assert f"replaces the {defaults} default junk rules with 2" in caplog.text and "junk.extra_rules" in caplog.text


def test_extra_rule_with_a_bad_pattern_names_it(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(EXTRA.replace("'Share this'", "'(unclosed'"))
    with pytest.raises(ConfigError, match=r"junk.rules\[share_bar\].*bad regex"):
        load_config(str(path))


def test_rules_lists_heuristics_and_a_runs_counts(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", "--input", SAMPLE, "--output", str(out), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["rules", "--preset", "minimal", "--run", str(out)]) == 0
    text = capsys.readouterr().out
    assert "punctuation_only_line  [line]  -> 9 line(s) in 1 doc(s)" in text
    assert "line heuristics: OFF" in text  # the minimal preset
    assert "main_region  [OFF]" in text and "boilerplate  [OFF]" in text
    assert "heuristic verdicts in that run" in text
    assert main(["rules"]) == 0
    text = capsys.readouterr().out
    assert "main_region  [on]  bad_penalty=" in text and "never fired" not in text
    assert main(["rules", "--run", str(tmp_path)]) == 2  # not a run's output: one-line error
