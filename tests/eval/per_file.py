"""Does a run on one file (pre-commit) see what a full scan sees? `python tests/eval/per_file.py`.

For every package of corpus.toml, scans the labelled paths as `run_eval.py` does, then checks
each file that holds a usage on its own, and compares the usages' line, flow, client
authentication, secret source and token endpoint. Exits non-zero when any differs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from corpus import load_corpus, prepare
from run_eval import check_command


def check(root: Path, targets: list[str]) -> dict[str, Any]:
    done = subprocess.run(check_command(targets), cwd=root, capture_output=True, text=True)
    return json.loads(done.stdout)


def facts(usage: dict[str, Any]) -> tuple[Any, ...]:
    return (
        usage["path"],
        usage["line"],
        usage.get("flow"),
        usage.get("client_auth"),
        usage.get("secret_source"),
        usage.get("token_url"),
    )


def main() -> int:
    total = agreeing = 0
    for pkg in load_corpus():
        root = prepare(pkg)
        by_file: dict[str, list[tuple[Any, ...]]] = {}
        for usage in check(root, pkg.scan)["usages"]:
            by_file.setdefault(usage["path"], []).append(facts(usage))
        for path, expected in sorted(by_file.items()):
            alone = sorted(facts(u) for u in check(root, [path])["usages"])
            total += len(expected)
            if alone == sorted(expected):
                agreeing += len(expected)
                continue
            print(f"{pkg.name}: {path} differs")
            for row in sorted(set(alone) ^ set(expected)):
                print(f"   {'alone' if row in alone else 'full '} {row}")
    print(f"usages that a run on their file alone reports as a full scan does: {agreeing}/{total}")
    return 0 if agreeing == total else 1


if __name__ == "__main__":
    sys.exit(main())
