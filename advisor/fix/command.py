"""What ``check --fix``, ``--unsafe-fixes`` and ``--diff`` do, for the CLI to call.

The CLI stays a thin layer: it runs the check, hands the result here, and renders what comes
back. Messages follow Ruff's wording so that the tool feels familiar.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from advisor.fix.planner import FixOutcome
    from advisor.fix.recheck import Rechecker
from advisor.model import Edit, Finding, ScanResult, Span


def checker_for(policy: Any, config: Any) -> Rechecker:
    from advisor.fix.recheck import Rechecker

    return Rechecker(policy, all_providers=bool(getattr(config, "all_providers", False)))


def annotate(result: ScanResult, checker: Rechecker | None, *, edits: bool = True) -> None:
    from advisor.fix.planner import annotate as planner_annotate

    planner_annotate(result, checker, edits=edits)


def fix_findings(result: ScanResult, checker: Rechecker, *, unsafe: bool) -> FixOutcome:
    from advisor.fix.planner import fix_findings as planner_fix

    return planner_fix(result, checker, unsafe=unsafe)


def annotate_findings(
    result: ScanResult,
    policy: Any,
    config: Any,
    cache_dir: Path | None = None,
    *,
    edits: bool = True,
) -> None:
    """Per-finding fixability (and, with ``edits``, the edits) for the report; never fails.

    Fixability comes from the fix plans: nothing is applied or re-checked. ``edits`` are what
    the JSON and SARIF reports list; the other formats do without them. Planning still means
    parsing each file with findings (and importing libcst): a warm pre-commit run must not pay
    that again for an unchanged file, so the answers are cached by file content, tool version,
    policy, the findings themselves and whether edits were asked for.
    """
    if not result.findings:
        return
    todo = result
    keys: dict[str, str] = {}
    if cache_dir is not None:
        keys = _fix_keys(result, policy, edits)
        missing = {p for p, k in keys.items() if not _load_fixes(cache_dir, k, result, p)}
        if not missing:
            return
        todo = _restricted(result, missing)
    try:
        if edits:
            annotate(todo, None)
        else:
            annotate(todo, None, edits=False)
    except Exception:  # noqa: BLE001 - the report is worth more than its edits
        for f in todo.findings:
            f.fixable, f.fix_safety, f.edits = False, None, []
        return
    if cache_dir is not None:
        for path in {f.path for f in todo.findings}:
            if path in keys:
                _store_fixes(cache_dir, keys[path], [f for f in todo.findings if f.path == path])


def _fix_keys(result: ScanResult, policy: Any, edits: bool = True) -> dict[str, str]:
    from advisor import __version__
    from advisor.speed.fingerprint import code_digest

    keys: dict[str, str] = {}
    for path in sorted({f.path for f in result.findings}):
        try:
            content = Path(path).read_bytes()
        except OSError:
            continue
        h = hashlib.blake2b(digest_size=16)
        h.update(f"{__version__}|{code_digest()}|{getattr(policy, 'digest', '')}|{edits}|".encode())
        h.update(content)
        for f in sorted((f for f in result.findings if f.path == path), key=_order):
            h.update(f"|{f.rule}:{f.fingerprint}:{f.span}".encode())
        keys[path] = h.hexdigest()
    return keys


def _order(f: Finding) -> tuple[int, int, str, str]:
    return (f.span.line, f.span.column, f.rule, f.fingerprint)


def _load_fixes(cache_dir: Path, key: str, result: ScanResult, path: str) -> bool:
    try:
        data = json.loads((cache_dir / "fixes" / f"{key}.json").read_text())
        findings = sorted((f for f in result.findings if f.path == path), key=_order)
        if len(data) != len(findings):
            return False
        for f, d in zip(findings, data, strict=True):
            f.fixable, f.fix_safety, f.fix_hint = bool(d["fixable"]), d["fix_safety"], d["hint"]
            f.edits = [Edit(e["path"], Span(*e["span"]), e["replacement"]) for e in d["edits"]]
        return True
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _store_fixes(cache_dir: Path, key: str, findings: list[Finding]) -> None:
    data = [
        {
            "fixable": f.fixable,
            "fix_safety": f.fix_safety,
            "hint": f.fix_hint,
            "edits": [
                {
                    "path": e.path,
                    "span": [e.span.line, e.span.column, e.span.end_line, e.span.end_column],
                    "replacement": e.replacement,
                }
                for e in f.edits
            ],
        }
        for f in sorted(findings, key=_order)
    ]
    target = cache_dir / "fixes" / f"{key}.json"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, target)
    except OSError:
        pass  # a cache that cannot be written is only slower


def _restricted(result: ScanResult, paths: set[str]) -> ScanResult:
    return ScanResult(
        files_scanned=result.files_scanned,
        files_parsed=result.files_parsed,
        usages=[u for u in result.usages if u.path in paths],
        secrets=[s for s in result.secrets if s.path in paths],
        transport=[t for t in result.transport if t.path in paths],
        app_evidence=result.app_evidence,
        findings=[f for f in result.findings if f.path in paths],
        errors=[],
    )


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
