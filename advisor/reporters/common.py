"""What every reporter needs: ordering, the summary, stable identities and redacted source."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.model import Finding, RuleDoc, ScanResult, Span
from advisor.redaction import SecretMask

TOOL_NAME = "treddy-advisor"
SEVERITIES: tuple[str, ...] = ("error", "warning", "info")

SourceLines = Callable[[str], "list[str] | None"]


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def finding_order(f: Finding) -> tuple[Any, ...]:
    return (f.path, f.span.line, f.span.column, f.rule, f.message)


def sorted_findings(result: ScanResult) -> list[Finding]:
    return sorted(result.findings, key=finding_order)


def summary(result: ScanResult) -> dict[str, Any]:
    """Counts for the JSON summary (key order is part of the contract)."""
    by_severity = Counter(f.severity for f in result.findings)
    by_rule = Counter(f.rule for f in result.findings)
    return {
        "files_scanned": result.files_scanned,
        "files_parsed": result.files_parsed,
        "usages": len(result.usages),
        "findings": len(result.findings),
        "by_severity": {s: by_severity.get(s, 0) for s in SEVERITIES}
        | {s: n for s, n in sorted(by_severity.items()) if s not in SEVERITIES},
        "by_rule": dict(sorted(by_rule.items())),
        "fixable": sum(1 for f in result.findings if f.fixable),
        "errors": len(result.errors),
        "suppressed": result.suppressed,
        "baselined": result.baselined,
    }


def base_fingerprint(f: Finding) -> str:
    """The finding's own fingerprint, or one built without line numbers when it has none."""
    if f.fingerprint:
        return f.fingerprint
    key = "\x1f".join((f.rule, f.path, f.context or "", f.message))
    return hashlib.blake2b(key.encode("utf-8"), digest_size=16).hexdigest()


def unique_fingerprints(findings: Iterable[Finding]) -> Iterator[tuple[Finding, str, int]]:
    """Yield (finding, fingerprint, occurrence): identical findings are numbered 1, 2, ...

    The order is the reporting order (by position), so the n-th copy keeps its number when
    unrelated code moves.
    """
    seen: Counter[str] = Counter()
    for f in findings:
        fp = base_fingerprint(f)
        seen[fp] += 1
        yield f, fp, seen[fp]


class RuleCatalog:
    """Rules by code, in catalogue order, plus ad-hoc entries for codes missing from it."""

    def __init__(self, rules: Iterable[RuleDoc], findings: Iterable[Finding] = ()) -> None:
        self.rules: list[RuleDoc] = []
        self.index: dict[str, int] = {}
        for rule in rules:
            self._add(rule)
        for f in findings:
            if f.rule not in self.index:
                self._add(
                    RuleDoc(
                        code=f.rule,
                        name=f.name,
                        category=f.category,
                        severity=f.severity,
                        message=f.message,
                        summary=f.name.replace("-", " "),
                        why="",
                        example="",
                        fix=f.fix_hint,
                        fix_safety=f.fix_safety,
                    )
                )

    def _add(self, rule: RuleDoc) -> None:
        if rule.code not in self.index:
            self.index[rule.code] = len(self.rules)
            self.rules.append(rule)


def python_lines(text: str) -> list[str]:
    """Lines as Python numbers them: str.splitlines() would also split on form feeds etc."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _read_lines(root: Path | None) -> SourceLines:
    from advisor.files.source import SourceFile, read_source

    base = root or Path.cwd()

    def read(path: str) -> list[str] | None:
        candidate = Path(path)
        src = read_source(candidate if candidate.is_absolute() else base / candidate)
        return python_lines(src.text) if isinstance(src, SourceFile) else None

    return read


@dataclass
class SourceLine:
    number: int
    text: str  # already redacted


class SourceView:
    """Source lines of the scanned files, always with known secrets masked."""

    def __init__(
        self, result: ScanResult, source_lines: SourceLines | None, root: Path | None
    ) -> None:
        self.mask = SecretMask.from_result(result)
        self._read = source_lines or _read_lines(root)
        self._cache: dict[str, list[str] | None] = {}
        self._learned = False

    def scrub(self, report: str) -> str:
        if not self._learned:
            self.mask.learn_values(self._lines)
            self._learned = True
        return self.mask.scrub(report)

    def _lines(self, path: str) -> list[str] | None:
        if path not in self._cache:
            try:
                self._cache[path] = self._read(path)
            except OSError:
                self._cache[path] = None
        return self._cache[path]

    def lines(self, path: str, span: Span, limit: int = 5) -> list[SourceLine]:
        """The redacted lines of ``span`` (at most ``limit``); [] when the file is unreadable."""
        lines = self._lines(path)
        if not lines:
            return []
        last = min(span.end_line, span.line + limit - 1, len(lines))
        return [
            SourceLine(n, self.mask.line(path, n, lines[n - 1].rstrip("\r\n")))
            for n in range(max(1, span.line), last + 1)
        ]
