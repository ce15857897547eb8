"""The README's composing snippet runs as printed and cleans like ``textwash run``."""
import glob
import json
import os
import re

from conftest import REPO

SNIPPET = re.compile(r"<!-- section:compose -->\s*```python\n(.*?)```", re.S)


def test_readme_compose_snippet_runs_and_keeps_what_the_cli_keeps(tmp_path, monkeypatch, sample_output):
    readme = open(os.path.join(REPO, "README.md"), encoding="utf-8").read()
    code = SNIPPET.search(readme).group(1)
    monkeypatch.chdir(tmp_path)
    os.symlink(os.path.join(REPO, "data"), tmp_path / "data")
    exec(compile(code, "README.md:compose", "exec"), {"__name__": "readme_snippet"})
    written = [json.loads(line) for path in glob.glob(str(tmp_path / "out" / "custom" / "clean*.jsonl"))
               for line in open(path, encoding="utf-8")]
    # the bundled sample holds no file-level duplicates ids: the snippet's kept texts are the CLI's
    assert sorted(d["text"] for d in written) == sorted(d["text"] for d in sample_output["clean"])
    assert {d["id"] for d in written} == {d["id"] for d in sample_output["clean"]}
