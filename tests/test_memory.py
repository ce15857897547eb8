"""The allocator settings apply on glibc Linux and are skipped when the user set them."""
import subprocess
import sys

import pytest

from tests.conftest import REPO


def _run(env_extra):
    code = "from pipeline.memory import tune_allocator; print(tune_allocator())"
    env = {"PATH": "/usr/bin:/bin", **env_extra}
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                          text=True, check=True).stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc mallopt is Linux-only")
def test_tune_allocator_applies_unless_user_chose():
    assert _run({}) == "True"
    assert _run({"MALLOC_ARENA_MAX": "4"}) == "False"
