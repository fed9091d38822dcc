"""The ``treddy-advisor`` console script.

Kept apart from ``advisor.cli.main`` so that ``check --daemon`` can hand its command line to the
resident process (``advisor.cli.resident``), and a repeated ``check`` can be answered from its last
report (``advisor.speed.replay``), before click and the analyzer are imported at all.
"""

from __future__ import annotations

import sys

from advisor.exits import quick_exit


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
