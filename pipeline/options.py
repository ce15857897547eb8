"""Beam options and runner choice.

Arguments the textwash CLI does not know are Beam pipeline options. Without ``--runner``
(or with ``--runner DirectRunner``) the pipeline runs on Beam's in-process FnApiRunner,
the engine behind the DirectRunner, chosen directly so that no runner binary is downloaded
and nothing stalls offline. ``--direct_running_mode`` and ``--direct_num_workers`` apply;
``multi_threading`` is refused (it was seen to drop GroupByKey elements).

On Dataflow (``--runner DataflowRunner``) the workers need textwash itself: pass
``--setup_file ./pyproject.toml`` (the job stages an sdist holding ``pipeline/``,
``transforms/`` and ``configs/``) or ``--sdk_container_image`` built from the ``Dockerfile``.
When neither is given and the project's ``pyproject.toml`` sits next to this package, it is
used as the setup file. The config is loaded on the launcher and travels inside the job as
plain dicts, so workers never read a local path.

Beam's ``--dry_run`` is a string option (any value, even ``False``, dry-runs a Dataflow job);
textwash turns it into a real boolean here so that ``--dry_run=False`` means what it says.
"""
import importlib.util
import os

from apache_beam.options.pipeline_options import (DirectOptions, GoogleCloudOptions,
                                                  PipelineOptions, SetupOptions,
                                                  StandardOptions, TestOptions, WorkerOptions)

IN_PROCESS = (None, "DirectRunner", "FnApiRunner")
DATAFLOW = ("DataflowRunner", "dataflow", "Dataflow")
PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYPROJECT = os.path.join(PROJECT_ROOT, "pyproject.toml")
TRUE_WORDS, FALSE_WORDS = ("true", "1", "yes"), ("false", "0", "no", "none", "")


class OptionsError(Exception):
    """A Beam option that textwash refuses, with the reason."""


def parse_flag(value, name):
    """A command-line flag value (bool or text such as ``True``/``false``/``1``) -> bool.

    Raises OptionsError naming the option for anything else.

    >>> parse_flag("False", "--dry_run"), parse_flag(True, "--dry_run")
    (False, True)
    """
    if isinstance(value, bool) or value is None:
        return bool(value)
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise OptionsError(f"{name} must be True or False, got {value!r}")


def is_dry_run(options):
    """True when ``options`` ask for a dry run (the job is built, never submitted or executed)."""
    return parse_flag(options.view_as(TestOptions).dry_run, "--dry_run")


def is_dataflow(options):
    """True when ``--runner`` names the Dataflow runner."""
    return options.view_as(StandardOptions).runner in DATAFLOW


def _installed(module):
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:  # a parent package is missing
        return False


def _check_dataflow(options):
    """Refuse Dataflow options that would fail late or leave workers without textwash."""
    if not (_installed("google.cloud.storage") and _installed("apitools")):
        raise OptionsError("--runner DataflowRunner needs the gcp extra: "
                           "pip install 'textwash[gcp]' (or 'apache-beam[gcp]')")
    gcp = options.view_as(GoogleCloudOptions)
    missing = [flag for flag, value in (("--project", gcp.project), ("--region", gcp.region),
                                        ("--temp_location", gcp.temp_location)) if not value]
    if missing:
        raise OptionsError(f"--runner DataflowRunner needs {', '.join(missing)} "
                           "(e.g. --project my-project --region us-central1 "
                           "--temp_location gs://my-bucket/tmp)")
    from apache_beam.options.pipeline_options_validator import PipelineOptionsValidator
    validator = PipelineOptionsValidator(options, None)
    for name in ("temp_location", "staging_location"):
        # a bad path would make Beam try to create a default bucket (network, credentials)
        errors = validator.validate_gcs_path(gcp, name) if getattr(gcp, name) else []
        if errors:
            raise OptionsError(f"--{name} must be gs://BUCKET/PATH on Dataflow: {errors[0]}")
    setup = options.view_as(SetupOptions)
    image = options.view_as(WorkerOptions).sdk_container_image
    if not (setup.setup_file or image or setup.extra_packages):
        if not os.path.isfile(PYPROJECT):
            raise OptionsError("workers need textwash: pass --setup_file PATH/TO/pyproject.toml "
                               "or --sdk_container_image IMAGE (built from the Dockerfile)")
        setup.setup_file = PYPROJECT
    if setup.setup_file:
        if not os.path.isfile(setup.setup_file):
            raise OptionsError(f"--setup_file {setup.setup_file!r} does not exist")
        if setup.setup_file.endswith("pyproject.toml") and not _installed("build"):
            raise OptionsError("--setup_file pyproject.toml needs the 'build' package: "
                               "pip install 'textwash[gcp]'")


def make_options(beam_args):
    """PipelineOptions from the leftover command-line arguments, checked.

    ``save_main_session`` is off unless asked for (workers import textwash, they need no
    pickled ``__main__``); ``--dry_run`` becomes a boolean; Dataflow runs get their worker
    packaging checked (see the module docstring). Raises OptionsError with a one-line reason.
    """
    options = PipelineOptions(list(beam_args))
    if options.view_as(DirectOptions).direct_running_mode == "multi_threading":
        raise OptionsError("--direct_running_mode=multi_threading is not supported (it can drop "
                           "GroupByKey elements); use in_memory or multi_processing")
    setup = options.view_as(SetupOptions)
    if setup.save_main_session is None:
        setup.save_main_session = False
    test = options.view_as(TestOptions)
    test.dry_run = is_dry_run(options)
    if test.dry_run and not is_dataflow(options):
        raise OptionsError("--dry_run=True only applies to --runner DataflowRunner "
                           "(other runners would execute the job)")
    if is_dataflow(options):
        _check_dataflow(options)
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
