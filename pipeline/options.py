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

Options are checked before anything runs: an argument that no PipelineOptions subclass
defines is an error (``unknown_options``; Beam itself would only log a warning and run with
the defaults), and ``--runner`` is matched case-insensitively to one of Beam's runner names
(``canonical_runner``: ``dataflow`` / ``DataFlowRunner`` -> ``DataflowRunner``), so the
Dataflow pre-checks below apply whatever the spelling.

Beam's ``--dry_run`` is a string option (any value, even ``False``, dry-runs a Dataflow job);
textwash turns it into a real boolean here so that ``--dry_run=False`` means what it says.
"""
import importlib.util
import os

from apache_beam.options.pipeline_options import (DirectOptions, GoogleCloudOptions,
                                                  PipelineOptions, SetupOptions,
                                                  StandardOptions, TestOptions, WorkerOptions,
                                                  _BeamArgumentParser, TypeOptions)

from pipeline.beam_startup import ReusedViewOptions, memoize_dofn_specs

IN_PROCESS = (None, "DirectRunner", "FnApiRunner")
DATAFLOW = ("DataflowRunner", "dataflow", "Dataflow")
PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYPROJECT = os.path.join(PROJECT_ROOT, "pyproject.toml")
TRUE_WORDS, FALSE_WORDS = ("true", "1", "yes"), ("false", "0", "no", "none", "")


class OptionsError(Exception):
    """A Beam option that textwash refuses, with the reason."""


class _RaisingBeamParser(_BeamArgumentParser):
    """Beam's own argument parser, raising OptionsError instead of printing usage and exiting."""

    def error(self, message):
        raise OptionsError(message)


def beam_parser():
    """An argparse parser holding every option of the PipelineOptions subclasses loaded.

    Built the way ``PipelineOptions.get_all_options`` builds its own (one instance of each
    direct subclass, ``allow_abbrev=False``), so it knows exactly the options Beam would parse.
    """
    parser = _RaisingBeamParser(allow_abbrev=False)
    classes = {}
    for cls in PipelineOptions.__subclasses__():
        classes.setdefault(str(cls), cls)
    for cls in classes.values():
        cls._add_argparse_args(parser)  # noqa: SLF001 - the hook Beam itself calls
    return parser


def beam_option_names():
    """Sorted option strings (``--runner``, ``--project`` ...) Beam pipeline options accept."""
    return sorted({opt for action in beam_parser()._actions  # noqa: SLF001
                   for opt in action.option_strings if opt.startswith("--")} - {"--help"})


def unknown_options(beam_args):
    """The arguments of ``beam_args`` that no Beam pipeline option takes, in order.

    Values of known options are consumed; what is left are unknown options with their
    values and stray words. A badly typed value of a known option (``--direct_num_workers
    x``) raises OptionsError.

    >>> unknown_options(["--runner", "DirectRunner", "--threshold", "0.9"])
    ['--threshold', '0.9']
    """
    return beam_parser().parse_known_args(list(beam_args))[1]


def runner_names():
    """The runner names Beam knows (``StandardOptions.KNOWN_RUNNER_NAMES``)."""
    return tuple(StandardOptions.KNOWN_RUNNER_NAMES)


def canonical_runner(name):
    """The canonical spelling of a ``--runner`` value, matched case-insensitively, with or
    without the ``Runner`` suffix (as Beam's ``create_runner`` resolves it). A dotted class
    path is returned as is; any other unknown name raises OptionsError listing the runners.

    >>> canonical_runner("DataFlowRunner"), canonical_runner("directrunner"), canonical_runner("dataflow")
    ('DataflowRunner', 'DirectRunner', 'DataflowRunner')
    """
    if name is None or "." in name:
        return name
    known = {runner.lower(): runner for runner in runner_names()}
    found = known.get(name.lower()) or known.get(name.lower() + "runner")
    if found is None:
        raise OptionsError(f"unknown runner {name!r} (--runner); known runners: {', '.join(runner_names())}")
    return found


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
    pickled ``__main__``); Beam's construction-time type check is off unless
    ``--pipeline_type_check`` is given (textwash's graph is fixed and the tests build it with the
    check on; it is 40 % of the time to build it); ``--dry_run`` becomes a boolean; Dataflow runs get their worker
    packaging checked (see the module docstring); ``--runner`` gets its canonical spelling.
    Raises OptionsError with a one-line reason.
    """
    memoize_dofn_specs()
    options = ReusedViewOptions(list(beam_args))
    standard = options.view_as(StandardOptions)
    standard.runner = canonical_runner(standard.runner)
    if options.view_as(DirectOptions).direct_running_mode == "multi_threading":
        raise OptionsError("--direct_running_mode=multi_threading is not supported (it can drop "
                           "GroupByKey elements); use in_memory or multi_processing")
    setup = options.view_as(SetupOptions)
    if setup.save_main_session is None:
        setup.save_main_session = False
    if not any(arg.split("=")[0] in ("--pipeline_type_check", "--no_pipeline_type_check") for arg in beam_args):
        options.view_as(TypeOptions).pipeline_type_check = False
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
