"""Typed settings (transforms/stage_settings.py): one validation path a test, through
``load_settings`` as ``textwash run`` loads them; every message names the dotted key."""
import dataclasses
import os
import pickle
import re

import pytest

from conftest import REPO
from pipeline.config import ConfigError, load_config, load_settings
from transforms import stage_settings
from transforms.stage_settings import NormalizeSettings, Settings, settings_from_config
from transforms.typed import build

# (--set override, words the one-line message must hold)
UNKNOWN_KEYS = {
    "top level": ("dedupe.threshold=0.9", ["unknown config key 'dedupe'", "did you mean 'dedup'?"]),
    "input": ("input.text_feild=body", ["'input.text_feild'", "did you mean 'text_field'?"]),
    "normalize": ("normalize.fast_pth=false", ["'normalize.fast_pth'", "did you mean 'fast_path'?"]),
    "normalize.ftfy": ("normalize.ftfy.fix_encodng=false", ["'normalize.ftfy.fix_encodng'",
                                                             "did you mean 'fix_encoding'?"]),
    "junk": ("junk.regex_timeout=2", ["'junk.regex_timeout'", "did you mean 'regex_timeout_s'?"]),
    "filter": ("filter.min_word=3", ["'filter.min_word'", "did you mean 'min_words'?"]),
    "dedup": ("dedup.treshold=0.9", ["'dedup.treshold'", "did you mean 'threshold'?"]),
    "output": ("output.shard=2", ["'output.shard'", "did you mean 'shards'?"]),
}

WRONG_TYPES = {
    "input": ("input.max_doc_bytes=big", ["'input.max_doc_bytes'", "int"]),
    "input field name": ("input.text_field=3", ["'input.text_field'", "str"]),
    "normalize": ("normalize.fast_path=sometimes", ["'normalize.fast_path'", "bool"]),
    "ftfy flag": ("normalize.ftfy.fix_encoding=yes please", ["'normalize.ftfy.fix_encoding'", "bool"]),
    # 1 == True: the old check (`value in (True, False, "auto")`) let an integer through
    "ftfy unescape_html": ("normalize.ftfy.unescape_html=1", ["'normalize.ftfy.unescape_html'", "bool or str"]),
    "ftfy normalization": ("normalize.ftfy.normalization=NFX", ["'normalize.ftfy.normalization'", "NFKC"]),
    "junk": ("junk.regex_timeout_s=soon", ["'junk.regex_timeout_s'", "float"]),
    "filter": ("filter.languages=en", ["'filter.languages'", "list"]),
    "filter codes": ("filter.languages=[English]", ["'filter.languages'", "language codes"]),
    "dedup": ("dedup.num_perm=128.5", ["'dedup.num_perm'", "int"]),
    "dedup choice": ("dedup.scheme=affine16", ["'dedup.scheme'", "affine32"]),
    "dedup representative": ("dedup.representative=newest", ["'dedup.representative'", "meta:<field>"]),
    "output": ("output.compress=gzip", ["'output.compress'", "bool"]),
    "output shards": ("output.shards=true", ["'output.shards'", "int or str"]),
    "output format": ("output.format=csv", ["'output.format'", "parquet"]),
    "section": ("filter=10", ["'filter'", "mapping"]),
}

OUT_OF_RANGE = {
    "input": ("input.max_doc_bytes=0", ["'input.max_doc_bytes'", ">= 1"]),
    "input encoding": ("input.fallback_encoding=rot13", ["'input.fallback_encoding'", "known encoding"]),
    "ftfy": ("normalize.ftfy.max_decode_length=0", ["'normalize.ftfy.max_decode_length'", ">= 1"]),
    "junk": ("junk.regex_timeout_s=0", ["'junk.regex_timeout_s'", ">= 0.001"]),
    "filter": ("filter.min_words=-1", ["'filter.min_words'", ">= 0"]),
    "dedup": ("dedup.ngram=65", ["'dedup.ngram'", "between 1 and 64"]),
    "dedup share": ("dedup.min_rep_similarity=1.5", ["'dedup.min_rep_similarity'", "between 0.0 and 1.0"]),
    "output": ("output.shards=0", ["'output.shards'", "'auto' or an integer >= 1"]),
}


def _problem(override):
    with pytest.raises(ConfigError) as caught:
        load_settings(overrides=[override])
    return str(caught.value)


@pytest.mark.parametrize("table,case", [(t, c) for t, cases in (("unknown", UNKNOWN_KEYS), ("type", WRONG_TYPES),
                                                                 ("range", OUT_OF_RANGE)) for c in cases])
def test_a_bad_value_is_one_line_naming_the_key(table, case):
    override, needles = {"unknown": UNKNOWN_KEYS, "type": WRONG_TYPES, "range": OUT_OF_RANGE}[table][case]
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
