"""Typed settings (transforms/stage_settings.py): one validation path a test, through
``load_settings`` as ``textwash run`` loads them; every message names the dotted key."""
import dataclasses
import os
import pickle
import re

import pytest
import yaml

from conftest import REPO
from pipeline.config import ConfigError, load_config, load_settings
from transforms import stage_settings
from transforms.stage_settings import NormalizeSettings, Settings, settings_from_config
from transforms.typed import build

with open(os.path.join(os.path.dirname(__file__), "settings_cases.yaml"), encoding="utf-8") as _cases:
    CASES = yaml.safe_load(_cases)  # kind of problem -> case -> [--set override, words of the message]


def _problem(override):
    with pytest.raises(ConfigError) as caught:
        load_settings(overrides=[override])
    return str(caught.value)


@pytest.mark.parametrize("kind,case", [(kind, case) for kind, cases in CASES.items() for case in cases])
def test_a_bad_value_is_one_line_naming_the_key(kind, case):
    """Every case of tests/settings_cases.yaml: an unknown key (with the closest known key) in each
    section, a wrong type, a value out of range."""
    override, needles = CASES[kind][case]
    message = _problem(override)
    assert "\n" not in message
    for needle in needles:
        assert needle in message, (needle, message)


def test_an_unknown_key_in_a_config_file_gets_a_suggestion(tmp_path):
    path = tmp_path / "cfg.yaml"
    path.write_text("normalize:\n  ftfy:\n    uncurl_quote: true\n")
    with pytest.raises(ConfigError, match=r"'normalize.ftfy.uncurl_quote' \(did you mean 'uncurl_quotes'\?"):
        load_settings(str(path))


def test_a_partial_section_is_an_error_not_code_defaults():
    with pytest.raises(ConfigError, match="config key 'normalize.ftfy.unescape_html' is missing"):
        build(NormalizeSettings, {"fast_path": True, "ftfy": {}}, "normalize")
    cfg = load_config()
    del cfg["dedup"]["ngram"]
    with pytest.raises(ConfigError, match="config key 'dedup.ngram' is missing"):
        settings_from_config(cfg)


def test_the_yaml_is_the_one_source_of_defaults():
    """No field of a section has a default in code: every value comes from configs/default.yaml."""
    sections = [cls for cls in vars(stage_settings).values() if dataclasses.is_dataclass(cls)]
    assert len(sections) >= 7
    for cls in sections:
        for f in dataclasses.fields(cls):
            assert f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING, (cls, f.name)
    settings = load_settings()
    assert settings.dedup.threshold == load_config()["dedup"]["threshold"]
    assert settings.normalize.ftfy.options() == load_config()["normalize"]["ftfy"]


def test_settings_are_frozen_and_travel_pickled():
    settings = load_settings(preset="news")
    assert isinstance(settings, Settings)
    assert pickle.loads(pickle.dumps(settings)) == settings
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.dedup.threshold = 0.5


def test_overrides_reach_the_typed_settings():
    settings = load_settings(overrides=["filter.languages=[en, zh]", "output.shards=3", "dedup.threshold=1"])
    assert settings.filter.languages == ("en", "zh") and settings.output.shards == 3
    assert settings.dedup.threshold == 1.0 and isinstance(settings.dedup.threshold, float)


def test_stage_code_reads_no_config_dicts():
    """transforms/ reads settings as attributes: no ``cfg[...]`` and no ``_cfg`` parameters."""
    folder = os.path.join(REPO, "transforms")
    for name in sorted(os.listdir(folder)):
        if name.endswith(".py"):
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                source = handle.read()
            assert not re.search(r"\bcfg\[|_cfg\b", source), name
