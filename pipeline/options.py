"""Beam options and runner choice.

Arguments the textwash CLI does not know are Beam pipeline options. Without ``--runner``
(or with ``--runner DirectRunner``) the pipeline runs on Beam's in-process FnApiRunner,
the engine behind the DirectRunner, chosen directly so that no runner binary is downloaded
and nothing stalls offline. ``--direct_running_mode`` and ``--direct_num_workers`` apply;
``multi_threading`` is refused (it was seen to drop GroupByKey elements).
"""
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, StandardOptions

IN_PROCESS = (None, "DirectRunner", "FnApiRunner")


class OptionsError(Exception):
    """A Beam option that textwash refuses, with the reason."""


def make_options(beam_args):
    """PipelineOptions from the leftover command-line arguments (with save_main_session off)."""
    options = PipelineOptions(list(beam_args))
    if options.view_as(DirectOptions).direct_running_mode == "multi_threading":
        raise OptionsError("--direct_running_mode=multi_threading is not supported (it can drop "
                           "GroupByKey elements); use in_memory or multi_processing")
    return options


def make_runner(options):
    """The runner to use: the in-process FnApiRunner by default, else whatever --runner names."""
    name = options.view_as(StandardOptions).runner
    if name not in IN_PROCESS:
        return None  # beam.Pipeline resolves --runner itself
    from apache_beam.portability.api import beam_provision_api_pb2
    from apache_beam.runners.portability.fn_api_runner import fn_runner
    from apache_beam.runners.portability.portable_runner import JobServiceHandle
    encoded = JobServiceHandle.encode_pipeline_options(options.get_all_options())
    info = fn_runner.ExtendedProvisionInfo(beam_provision_api_pb2.ProvisionInfo(pipeline_options=encoded))
    return fn_runner.FnApiRunner(provision_info=info)
