"""Autofix codemods (libcst) for findings that can be fixed mechanically.

``annotate(result, checker)`` fills ``Finding.fixable`` / ``fix_safety`` / ``edits`` for the
report (one self-contained fix per finding, for editors); ``fix_findings(result, checker,
unsafe=...)`` applies the fixes of each file together and returns a :class:`FixOutcome` whose
``diff()`` is what ``check --diff`` prints and whose ``write()`` is what ``check --fix`` does.
The codemods themselves (library knowledge) live in :mod:`advisor.fix.codemods`; the policy
stays free of them.
"""

from advisor.fix.codemods import CODEMODS, SAFE, UNSAFE, env_name
from advisor.fix.planner import FileOutcome, FixOutcome, annotate, fix_findings, plan
from advisor.fix.recheck import Rechecker

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
