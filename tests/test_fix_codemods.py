"""Autofix codemods on before/after fixtures (tests/fixtures/fix), one per library idiom.

Each case runs the real pipeline (analyzer, policy) on the ``before`` text, applies the fixes
and compares with the ``after`` text; then checks what must hold for any fix: the result
parses, re-checks clean for the fixed rules, and a second run changes nothing.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

from advisor.analyzer import analyze_text
from advisor.fix import Rechecker, annotate, fix_findings
from advisor.fix.textedits import apply_edits
from advisor.model import FileFacts, ScanResult
from advisor.policy import evaluate, load_policy

FIXTURES = Path(__file__).parent / "fixtures" / "fix"
PATH = "app/integration.py"

# case -> (rules fixed, whether the fixes need --unsafe-fixes)
CASES = {
    "roauth_include_client_id": ({"TRD201", "TRD402"}, False),
    "authlib_inline_kwargs": ({"TRD201"}, False),
    "authlib_client_kwargs": ({"TRD201"}, False),
    "raw_requests_dict_var": ({"TRD201"}, False),
    "raw_httpx_inline": ({"TRD201", "TRD402"}, False),
    "raw_aiohttp": ({"TRD201", "TRD402"}, False),
    "session_verify_attr": ({"TRD402"}, False),
    "insecure_transport": ({"TRD403"}, False),
    "secret_constant": ({"TRD301"}, True),
    "secret_keyword": ({"TRD301"}, True),
    "token_literal": ({"TRD302"}, True),
    "auto_refresh": ({"TRD103"}, True),
}


def check(text: str, path: str = PATH) -> ScanResult:
    facts = analyze_text(text, path)
    assert isinstance(facts, FileFacts), facts
    result = ScanResult(
        usages=facts.usages,
        secrets=facts.secrets,
        transport=facts.transport,
        app_evidence=facts.app_evidence,
    )
    result.findings = evaluate(result, load_policy())
    return result


def run_fix(text: str, *, unsafe: bool) -> tuple[str, ScanResult, object]:
    result = check(text)
    outcome = fix_findings(result, Rechecker(), unsafe=unsafe, read=lambda p: text)
    new = outcome.files[0].text if outcome.files else text
    return new, result, outcome


def fixture(case: str, which: str) -> str:
    return (FIXTURES / f"{case}.{which}.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("case", sorted(CASES))
def test_fix_turns_before_into_after(case: str) -> None:
    rules, needs_unsafe = CASES[case]
    before, after = fixture(case, "before"), fixture(case, "after")
    found = Counter(f.rule for f in check(before).findings)
    assert rules <= set(found), found

    new, _, outcome = run_fix(before, unsafe=True)

    assert new == after
    assert {f.rule for f in outcome.fixed} == rules
    assert not outcome.rejected
    ast.parse(new)
    remaining = Counter(f.rule for f in check(new).findings)
    assert not rules & set(remaining), remaining
    # nothing new: every rule has at most as many findings as before
    assert all(remaining[r] <= found[r] for r in remaining if r not in ("TRD303",))


@pytest.mark.parametrize("case", sorted(CASES))
def test_fix_is_idempotent(case: str) -> None:
    after = fixture(case, "after")
    again, _, outcome = run_fix(after, unsafe=True)
    assert again == after
    assert not outcome.fixed


@pytest.mark.parametrize("case", sorted(CASES))
def test_safe_fix_leaves_unsafe_fixes_alone(case: str) -> None:
    rules, needs_unsafe = CASES[case]
    before = fixture(case, "before")
    new, _, outcome = run_fix(before, unsafe=False)
    if needs_unsafe:
        assert new == before
        assert outcome.unsafe_skipped >= 1
        assert not outcome.fixed
    else:
        assert new == fixture(case, "after")
        assert outcome.unsafe_skipped == 0


@pytest.mark.parametrize("case", sorted(CASES))
def test_annotated_edits_reproduce_each_fix(case: str) -> None:
    rules, needs_unsafe = CASES[case]
    before = fixture(case, "before")
    result = check(before)
    annotate(result, Rechecker(), read=lambda p: before)
    fixable = [f for f in result.findings if f.fixable]
    assert {f.rule for f in fixable} == rules
    for f in fixable:
        assert f.fix_safety == ("unsafe" if needs_unsafe else "safe")
        assert f.edits, f.rule
        assert all(e.path == PATH for e in f.edits)
        edited = apply_edits(before, f.edits)
        ast.parse(edited)
        assert f.rule not in {g.rule for g in check(edited).findings if g.span == f.span}
    for f in result.findings:
        if f.rule not in rules:
            assert not f.fixable and f.fix_safety is None and not f.edits
    if len(fixable) == 1:
        assert apply_edits(before, fixable[0].edits) == fixture(case, "after")
