"""Where a run's time went: ``stats.json``'s ``timing`` entry.

- ``stages``: seconds each top-level transform of the job (``Read``, ``Normalize``,
  ``StripJunk``, ``Dedup``, ``WriteCorpus`` ...) was busy, summed over its steps and over the
  worker threads and processes. They are the runner's own counters
  (``ptransform_execution_time:total_msecs``, from the state sampler every Beam SDK worker
  runs anyway, also shown by Dataflow's UI), read after the run from
  ``result.monitoring_metrics()``: nothing is measured per element or per bundle for them.
  A sampler's time is the time a thread spent in the step: CPU plus what it waited for (I/O).
- ``phases``: wall and CPU seconds of the launcher's phases (reading/cleaning, then dedup and
  writing) as the progress monitor saw them (``progress.Reporter.phases``); only when progress
  ran (not with ``--quiet``, not on remote runners).
- ``wall_s`` / ``cpu_s``: the whole job; CPU of the launcher process and of its worker
  processes once they ended.
"""
import os
import re

EXECUTION_MSECS = "ptransform_execution_time:total_msecs"  # in the counter's name (a Beam URN)


def cpu_seconds():
    """CPU seconds (user + system) of this process and of its child processes that ended."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


RUNNER_STEPS = "(runner)"  # steps the runner adds itself (``ref_PCollection_...``)


def stage_label(step):
    """The top-level transform a step belongs to: its full label up to the first ``/``, with
    the stream number of ``transforms.streams.stream_label`` dropped (``Filter2`` is
    ``Filter``); the steps the runner adds itself are ``RUNNER_STEPS``.

    >>> stage_label("StripJunk/ParDo(StripJunkFn)"), stage_label("Filter2/Keep"), stage_label("ref_PCollection_PCollection_9")
    ('StripJunk', 'Filter', '(runner)')
    """
    if step.startswith("ref_"):
        return RUNNER_STEPS
    return re.sub(r"(?<=\D)\d+$", "", step.split("/", 1)[0])


def stage_busy_seconds(result):
    """``{top-level transform: busy seconds}`` (busiest first) from the runner's execution-time
    counters of a finished job; {} when its result has none (a runner without them)."""
    monitoring = getattr(result, "monitoring_metrics", None)
    if monitoring is None:
        return {}
    try:
        counters = monitoring().query()["counters"]
    except Exception:  # noqa: BLE001 - timing is a report, never a reason to fail the run
        return {}
    msecs = {}
    for counter in counters:
        if counter.key.step and EXECUTION_MSECS in counter.key.metric.name:
            label = stage_label(counter.key.step)
            msecs[label] = msecs.get(label, 0) + (counter.committed or 0)
    return {label: round(ms / 1000, 3) for label, ms in sorted(msecs.items(), key=lambda kv: (-kv[1], kv[0]))}


def run_timing(result, wall_s, cpu_s, phases=None):
    """``stats.json``'s ``timing``: the job's ``wall_s`` and ``cpu_s``, the launcher's
    ``phases`` (when the progress monitor knew them) and each stage's busy seconds."""
    timing = {"wall_s": round(wall_s, 3), "cpu_s": round(cpu_s, 3),
              "stages": {label: {"busy_s": busy} for label, busy in stage_busy_seconds(result).items()}}
    if phases:
        timing["phases"] = phases
    return timing
