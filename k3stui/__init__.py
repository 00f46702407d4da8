"""k3stui: plan, validate, render and install a K3s pod network."""

import _signal  # the C module: `signal` would import enum first, a window of its own
import os as _os  # already loaded by Python's start-up
import sys as _sys

__version__ = "0.1.0"


def _quiet_exit(signum: int, frame: object) -> None:
    _os._exit(130)  # nothing is changed or printed before cli.main: leave at once, mid-import too


# Started as the command (`k3stui`, `python -m k3stui`): Ctrl-C before cli.main is ready to catch
# it exits quietly instead of printing a traceback from the middle of an import; main() puts
# Python's own handler back. Imported as a library: nothing changes.
if _sys.argv and _sys.argv[0].rsplit("/", 1)[-1] in ("k3stui", "-m"):
    try:
        if _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
            _signal.signal(_signal.SIGINT, _quiet_exit)
    except ValueError:  # not the main thread
        pass
