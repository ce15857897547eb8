"""pipeline.beam_startup: reused option views and the DoFn state-spec memo change nothing Beam
computes; real pipelines (stateless and stateful DoFns) run the same with them."""
import copy
import pickle

import apache_beam as beam
from apache_beam.coders import VarIntCoder
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions, TypeOptions
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms import userstate

from pipeline.beam_startup import ReusedViewOptions, memoize_dofn_specs
from pipeline.options import make_options


def test_views_are_reused_and_share_their_values():
    options = ReusedViewOptions(["--runner", "DirectRunner", "--no_pipeline_type_check"])
    typed = options.view_as(TypeOptions)
    assert options.view_as(TypeOptions) is typed
    assert typed.pipeline_type_check is False
    typed.pipeline_type_check = True  # a change through one view is seen by every view
    assert options.view_as(TypeOptions).pipeline_type_check is True
    assert options.get_all_options()["pipeline_type_check"] is True
    plain = PipelineOptions(["--runner", "DirectRunner", "--no_pipeline_type_check"])
    assert (options.view_as(StandardOptions).runner, plain.view_as(TypeOptions).pipeline_type_check) == (
        "DirectRunner", False)


def test_copies_and_pickles_build_their_own_views():
    options = ReusedViewOptions(["--runner", "DirectRunner"])
    standard = options.view_as(StandardOptions)
    for other in (copy.deepcopy(options), pickle.loads(pickle.dumps(options))):
        assert "_views" not in other.__dict__
        view = other.view_as(StandardOptions)
        assert view is not standard and view.runner == "DirectRunner"
        view.runner = "Elsewhere"  # the copy's values are its own
        assert standard.runner == "DirectRunner" and other.view_as(StandardOptions).runner == "Elsewhere"


def test_make_options_gives_reused_views_and_puts_the_memo_in_place():
    options = make_options([])
    assert isinstance(options, ReusedViewOptions)
    assert getattr(userstate.get_dofn_specs, "_textwash_memo", False)
    assert memoize_dofn_specs() is True  # idempotent
    assert not getattr(userstate.get_dofn_specs.__wrapped__, "_textwash_memo", False)  # wrapped once


class _Stateless(beam.DoFn):
    def process(self, element):
        yield element


class _RunningSum(beam.DoFn):
    TOTAL = userstate.ReadModifyWriteStateSpec("total", VarIntCoder())

    def process(self, kv, total=beam.DoFn.StateParam(TOTAL)):
        value = (total.read() or 0) + kv[1]
        total.write(value)
        yield kv[0], value


def test_memo_answers_as_beam_does_and_remembers_only_stateless_dofns():
    memoize_dofn_specs()
    original = userstate.get_dofn_specs.__wrapped__
    stateless, stateful = _Stateless(), _RunningSum()
    assert userstate.get_dofn_specs(stateless) == original(stateless) == (set(), set())
    assert stateless.__dict__.get("_textwash_no_state_specs") is True
    assert userstate.get_dofn_specs(stateless) == (set(), set())  # from the memo
    assert userstate.get_dofn_specs(stateful) == original(stateful)
    assert userstate.get_dofn_specs(stateful)[0] == {_RunningSum.TOTAL}
    assert "_textwash_no_state_specs" not in stateful.__dict__
    assert userstate.is_stateful_dofn(stateful) and not userstate.is_stateful_dofn(stateless)
    # the memo travels with the pickled DoFn: a worker that unpickles it is not asked again
    assert pickle.loads(pickle.dumps(stateless)).__dict__.get("_textwash_no_state_specs") is True


def test_stateful_and_stateless_dofns_run_the_same_with_the_memo():
    memoize_dofn_specs()
    with TestPipeline(runner=FnApiRunner()) as p:
        sums = (p | beam.Create([("a", 1), ("a", 2), ("b", 5)])
                | "Stateless" >> beam.ParDo(_Stateless())
                | "Sum" >> beam.ParDo(_RunningSum())
                | beam.CombinePerKey(max))
        assert_that(sums, equal_to([("a", 3), ("b", 5)]))


def test_the_cli_keeps_blas_to_one_thread_unless_the_user_chose():
    """numpy's OpenBLAS threads only spin idle for textwash: the CLI module asks for one
    before numpy loads; a value in the environment wins."""
    import os
    import subprocess
    import sys
    code = ("import os, pipeline.cli, numpy; print(os.environ['OPENBLAS_NUM_THREADS'], "
            "len(os.listdir('/proc/self/task')) if os.path.isdir('/proc/self/task') else 1)")
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}

    def setting_and_threads(**extra):
        out = subprocess.run([sys.executable, "-c", code], cwd=repo, env=dict(env, **extra),
                             capture_output=True, text=True, check=True).stdout.split()
        return out[0], int(out[1])
    setting, threads = setting_and_threads()
    user_setting, more_threads = setting_and_threads(OPENBLAS_NUM_THREADS="2")
    assert (setting, user_setting) == ("1", "2")
    if os.path.isdir("/proc/self/task"):
        assert more_threads == threads + 1  # OpenBLAS's worker thread exists only when asked for
