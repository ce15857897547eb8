"""Ctrl-C, ``kill`` and closed pipes during ``textwash run``: one line, the right exit status.

``SignalCatcher`` (a context manager, main thread only) turns the first SIGINT or SIGTERM
into a KeyboardInterrupt in the main thread, where the in-process runner executes the job,
and remembers which signal it was: Beam re-raises a KeyboardInterrupt met inside a DoFn as a
RuntimeError after logging it with a traceback, so the CLI asks the catcher, not the
exception type, whether the run was interrupted, and the catcher silences the log records
emitted after the signal. A second signal restores the default action and re-sends itself:
pressing Ctrl-C twice ends the process at once.

Exit status: 130 for SIGINT, 143 for SIGTERM (128 + signal number, as shells report it).

``stdout_closed()`` follows the advice of the Python ``signal`` documentation ("Note on
SIGPIPE"): when the reader of stdout went away (``textwash run ... | head -1``), stdout is
pointed at ``/dev/null`` so that the interpreter's final flush cannot fail; the run itself
is not a failure.
"""
import logging
import os
import signal
import sys

SIGNALS = (signal.SIGINT, signal.SIGTERM)


def exit_status(signum):
    """The shell's exit status for a process ended by ``signum`` (128 + number).

    >>> exit_status(signal.SIGINT), exit_status(signal.SIGTERM)
    (130, 143)
    """
    return 128 + int(signum)


class _Silence(logging.Filter):
    """Drop every log record once the run has been interrupted (Beam logs the interrupt as
    an error with a traceback, which is no news to the user who pressed Ctrl-C)."""

    def __init__(self, catcher):
        super().__init__()
        self.catcher = catcher

    def filter(self, record):
        return self.catcher.signum is None


class SignalCatcher:
    """Catch SIGINT / SIGTERM for the duration of a ``with`` block; ``signum`` is the first
    signal received (None if none)."""

    def __init__(self):
        self.signum = None
        self.previous = {}
        self.silence = _Silence(self)
        self.handlers = []

    def _handle(self, signum, _frame):
        if self.signum is None:
            self.signum = signum
            raise KeyboardInterrupt(signal.Signals(signum).name)
        signal.signal(signum, signal.SIG_DFL)  # a second signal: end now, the default way
        os.kill(os.getpid(), signum)

    def __enter__(self):
        try:
            for signum in SIGNALS:
                self.previous[signum] = signal.signal(signum, self._handle)
        except ValueError:  # not the main thread: leave the signals alone
            self.previous = {}
        self.handlers = list(logging.getLogger().handlers)
        for handler in self.handlers:
            handler.addFilter(self.silence)
        return self

    def __exit__(self, *exc):
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)
        for handler in self.handlers:
            handler.removeFilter(self.silence)
        return False


def stdout_closed():
    """Point stdout at /dev/null after a BrokenPipeError, so later writes and the final flush
    are silent (the reader of our output has gone; that is not an error of the run)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout replaced by an object without a file
        pass
