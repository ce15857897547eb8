"""Two fixed costs of a Beam run that grow with the number of transforms, cut without changing
what Beam computes (issue 21, start-up).

1. :class:`ReusedViewOptions`: ``PipelineOptions.view_as(cls)`` builds a new view each time,
   parsing the command line again with a fresh ``argparse`` parser. ``Pipeline.apply`` asks
   for the ``TypeOptions`` view twice per transform (~850 parses for textwash's graph, ~0.4
   CPU-s). Views share their values (``_all_options``), so handing out the same view object
   again is what a new view would give.
2. :func:`memoize_dofn_specs`: ``apache_beam.transforms.userstate.get_dofn_specs`` finds a DoFn's
   state and timer parameters by taking the signature of *every* method of the DoFn object
   (about 30, most inherited from ``DoFn``), and Beam calls it ~8 times per ParDo while it
   builds, translates and runs the job (~1,300 calls, ~0.7 CPU-s). Once it found none for a
   DoFn object, the answer is kept on that object (stateful DoFns are always asked again).
   The answer travels with the pickled DoFn, so a worker that unpickles it does not ask again.
"""
import functools

from apache_beam.options.pipeline_options import PipelineOptions

_NO_SPECS = "_textwash_no_state_specs"  # attribute set on a DoFn object found stateless


class ReusedViewOptions(PipelineOptions):
    """PipelineOptions whose ``view_as(cls)`` returns the same view of ``cls`` each time.

    The views are not pickled or deep-copied with the options (a copy builds its own).

    >>> options = ReusedViewOptions(["--runner", "DirectRunner"])
    >>> from apache_beam.options.pipeline_options import StandardOptions
    >>> options.view_as(StandardOptions) is options.view_as(StandardOptions)
    True
    """

    def view_as(self, cls):
        views = self.__dict__.setdefault("_views", {})
        view = views.get(cls)
        if view is None:
            view = views[cls] = super().view_as(cls)
        return view

    def __getstate__(self):
        state = dict(super().__getstate__())
        state.pop("_views", None)
        return state


def memoize_dofn_specs():
    """Make Beam's ``userstate.get_dofn_specs`` remember "no state, no timers" per DoFn object.

    Idempotent; returns True when the memo is in place, False when this Beam has no
    ``get_dofn_specs`` to wrap (nothing changes then).
    """
    from apache_beam.transforms import userstate
    original = getattr(userstate, "get_dofn_specs", None)
    if original is None:
        return False
    if getattr(original, "_textwash_memo", False):
        return True

    @functools.wraps(original)
    def get_dofn_specs(dofn):
        if getattr(dofn, "__dict__", {}).get(_NO_SPECS):
            return set(), set()
        state_specs, timer_specs = original(dofn)
        if not state_specs and not timer_specs:
            try:
                dofn.__dict__[_NO_SPECS] = True
            except (AttributeError, TypeError):  # no instance dict: nothing to remember
                pass
        return state_specs, timer_specs

    get_dofn_specs._textwash_memo = True
    userstate.get_dofn_specs = get_dofn_specs
    return True
