"""What ``check --fix``, ``--unsafe-fixes`` and ``--diff`` do, for the CLI to call.

The CLI stays a thin layer: it runs the check, hands the result here, and renders what comes
back. Messages follow Ruff's wording so that the tool feels familiar.
"""

from __future__ import annotations

from typing import Any

from advisor.fix.planner import FixOutcome, annotate, fix_findings
from advisor.fix.recheck import Rechecker
from advisor.model import ScanResult


def checker_for(policy: Any, config: Any) -> Rechecker:
    return Rechecker(policy, all_providers=bool(getattr(config, "all_providers", False)))


def annotate_findings(result: ScanResult, policy: Any, config: Any) -> None:
    """Per-finding fixability and edits for the report; never fails the run."""
    if not result.findings:
        return
    try:
        annotate(result, checker_for(policy, config))
    except Exception:  # noqa: BLE001 - the report is worth more than its edits
        for f in result.findings:
            f.fixable, f.fix_safety, f.edits = False, None, []


def compute_fixes(result: ScanResult, policy: Any, config: Any, *, unsafe: bool) -> FixOutcome:
    return fix_findings(result, checker_for(policy, config), unsafe=unsafe)


def diff_summary(outcome: FixOutcome) -> str:
    """The stderr line of ``--diff``."""
    n = len(outcome.fixed)
    lines = [f"Would fix {_findings(n)}." if n else "No fixes available."]
    lines.extend(_hidden_and_rejected(outcome))
    return "\n".join(lines) + "\n"


def fix_summary(outcome: FixOutcome, remaining: int) -> str:
    """What ``--fix`` did: counts, files written, environment variables to set."""
    n = len(outcome.fixed)
    files = sum(1 for f in outcome.files if f.changed)
    lines = [
        f"Fixed {_findings(n)} in {files} file{'s' if files != 1 else ''} ({remaining} remaining)."
        if n
        else f"No fixes applied ({remaining} remaining)."
    ]
    env = outcome.env_vars
    if env:
        lines.append("Set these environment variables where the code runs (the fixes read them):")
        for name, paths in sorted(env.items()):
            lines.append(f"  {name}  ({', '.join(paths)})")
    lines.extend(_hidden_and_rejected(outcome))
    return "\n".join(lines) + "\n"


def _hidden_and_rejected(outcome: FixOutcome) -> list[str]:
    lines = []
    if outcome.unsafe_skipped:
        k = outcome.unsafe_skipped
        lines.append(
            f"{k} unsafe fix{'es' if k != 1 else ''} can be enabled with --unsafe-fixes "
            "(they change runtime configuration)."
        )
    if outcome.rejected:
        k = len(outcome.rejected)
        lines.append(
            f"{k} fix{'es' if k != 1 else ''} skipped: the rewritten file did not re-check clean."
        )
    return lines


def _findings(n: int) -> str:
    return f"{n} finding{'s' if n != 1 else ''}"
