"""The ``treddy-advisor`` console script.

Kept apart from ``advisor.cli.main`` so that ``check --daemon`` can hand its command line to the
resident process (``advisor.cli.resident``), and a repeated ``check`` can be answered from its last
report (``advisor.speed.replay``), before click and the analyzer are imported at all.
"""

from __future__ import annotations

import os
import sys


def entry() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["check"] and "--daemon" in argv:
        from advisor.cli.resident import run_client

        code = run_client([a for a in argv if a != "--daemon"])
        if code is not None:
            quick_exit(code)
    elif argv[:1] == ["check"]:
        from advisor.speed import replay

        try:
            answer = replay.attempt(argv)
        except Exception:  # noqa: BLE001 - a record that cannot be used is a miss, never a failure
            answer = None
        if answer is not None:
            quick_exit(replay.emit(*answer))
        replay.start(argv)
    from advisor.cli.main import entry as run_here

    run_here()


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
