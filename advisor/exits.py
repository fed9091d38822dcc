"""How a run ends: the exit status a ``SystemExit`` stands for, and a quick process exit.

Below the command line on purpose: the console script (``advisor.cli.launcher``), the click
commands (``advisor.cli.main``) and the resident process (``advisor.cli.resident``) all end runs
this way, and none of them may import another just for that. Standard modules only: this is on
the path of a replayed check, before click is imported.
"""

from __future__ import annotations

import os
import sys


def quick_exit(code: int) -> None:
    """Flush the standard streams and end the process without tearing the interpreter down.

    Teardown (clearing every module, freeing every object one by one) costs a pre-commit run
    20-40 ms and has nothing left to do once the output is written.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (| head): nothing more can be said
            code = code or 1
    os._exit(code)


def exit_status(done: SystemExit) -> int:
    """The process exit status ``done`` stands for; a message given instead goes to stderr."""
    if isinstance(done.code, int):
        return done.code
    if done.code is None:
        return 0
    print(done.code, file=sys.stderr)
    return 1
