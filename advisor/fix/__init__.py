"""Autofix codemods (libcst) for findings that can be fixed mechanically.

``annotate(result)`` fills ``Finding.fixable`` / ``fix_safety`` (and ``edits``: one
self-contained fix per finding, for editors) for the report from the fix plans, without applying
or re-checking anything; ``fix_findings(result, checker, unsafe=...)`` applies the fixes of each
file together, re-checks the result once per file, and returns a :class:`FixOutcome` whose
``diff()`` is what ``check --diff`` prints and whose ``write()`` is what ``check --fix`` does.
The codemods themselves (library knowledge) live in :mod:`advisor.fix.codemods`; the policy
stays free of them.
"""

from typing import Any

# The codemods import libcst; a warm check that reads fixability from the cache must not.
_LAZY = {
    "CODEMODS": "advisor.fix.codemods",
    "SAFE": "advisor.fix.codemods",
    "UNSAFE": "advisor.fix.codemods",
    "env_name": "advisor.fix.codemods",
    "FileOutcome": "advisor.fix.planner",
    "FixOutcome": "advisor.fix.planner",
    "annotate": "advisor.fix.planner",
    "fix_findings": "advisor.fix.planner",
    "plan": "advisor.fix.planner",
    "Rechecker": "advisor.fix.recheck",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)


__all__ = [
    "CODEMODS",
    "SAFE",
    "UNSAFE",
    "FileOutcome",
    "FixOutcome",
    "Rechecker",
    "annotate",
    "env_name",
    "fix_findings",
    "plan",
]
