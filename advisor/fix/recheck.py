"""Re-check a rewritten file: does it parse, and did the fixed findings go away?

The same analysis and policy as a normal run are applied to the text before and after the fix
(so that both sides are computed the same way, whatever the cache or the cross-module context
of the main run); a fix is accepted when every fixed rule lost at least as many findings as it
was meant to fix and no rule gained any.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

from advisor.model import FileError, ScanResult


class Rechecker:
    def __init__(self, policy: Any = None, *, all_providers: bool = False) -> None:
        self.policy = policy
        self.all_providers = all_providers
        self._memo: dict[tuple[str, str], Counter[str] | None] = {}

    def counts(self, path: str, text: str) -> Counter[str] | None:
        """Findings per rule of ``text`` analysed as ``path``; None when it does not analyse."""
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        key = (path, digest)
        if key not in self._memo:
            self._memo[key] = self._counts(path, text, digest)
        return self._memo[key]

    def seed(self, path: str, text: str, result: ScanResult) -> None:
        """Use the run's own facts for the original text instead of analysing it again."""
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        own = ScanResult(
            usages=[u for u in result.usages if u.path == path],
            secrets=[s for s in result.secrets if s.path == path],
            transport=[t for t in result.transport if t.path == path],
            app_evidence=[a for a in result.app_evidence if a.path == path],
        )
        self._memo[(path, digest)] = self._evaluate(own)

    def _counts(self, path: str, text: str, digest: str) -> Counter[str] | None:
        from advisor.analysis.analyzer import analyze_file
        from advisor.files.source import SourceFile

        facts = analyze_file(SourceFile(Path(path), path, text, digest), None)
        if isinstance(facts, FileError):
            return None
        return self._evaluate(
            ScanResult(
                usages=facts.usages,
                secrets=facts.secrets,
                transport=facts.transport,
                app_evidence=facts.app_evidence,
            )
        )

    def _evaluate(self, result: ScanResult) -> Counter[str]:
        from advisor.policy.policy import evaluate, load_policy

        policy = self.policy if self.policy is not None else load_policy(None)
        findings = evaluate(result, policy, all_providers=self.all_providers)
        return Counter(f.rule for f in findings)

    def accepts(self, path: str, old: str, new: str, fixed: Counter[str]) -> bool:
        """Every fixed rule lost its findings, and no group of rules gained any.

        Rules are grouped by category for secrets only: a hard-coded secret moved from a body
        field into ``auth=`` is still the same hard-coded secret, now reported as a Basic
        credential pair, which is not a new problem.
        """
        before = self.counts(path, old)
        after = self.counts(path, new)
        if before is None or after is None:
            return False
        for rule in fixed:
            if after[rule] > max(0, before[rule] - fixed[rule]):
                return False
        groups: dict[str, list[str]] = {}
        for rule in set(before) | set(after) | set(fixed):
            groups.setdefault(_group(rule), []).append(rule)
        for rules in groups.values():
            was = sum(before[r] for r in rules)
            now = sum(after[r] for r in rules)
            if now > max(0, was - sum(fixed[r] for r in rules)):
                return False
        return True


def _group(rule: str) -> str:
    from advisor.policy.policy import rule_doc

    doc = rule_doc(rule)
    return "secret" if doc is not None and doc.category == "secret" else rule


def parses(text: str) -> bool:
    import libcst as cst

    try:
        cst.parse_module(text)
    except Exception:  # noqa: BLE001 - any parser failure means "do not write this"
        return False
    try:
        compile(text, "<fixed>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True
