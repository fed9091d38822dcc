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

from advisor.analysis.analyzer import analyze_text
from advisor.fix import Rechecker, annotate, env_name, fix_findings
from advisor.fix.textedits import apply_edits
from advisor.model import FileFacts, ScanResult
from advisor.policy.policy import evaluate, load_policy

FIXTURES = Path(__file__).parent / "fixtures" / "fix"
PATH = "app/integration.py"

# case -> (rules fixed, whether the fixes need --unsafe-fixes)
CASES = {
    "roauth_include_client_id": ({"TRD201", "TRD402"}, False),
    "authlib_inline_kwargs": ({"TRD201"}, False),
    "authlib_client_kwargs": ({"TRD201"}, False),
    "raw_requests_dict_var": ({"TRD201"}, False),
    "raw_httpx_inline": ({"TRD201", "TRD402"}, False),
    "raw_query_params": ({"TRD202"}, False),
    "raw_aiohttp": ({"TRD201", "TRD402"}, False),
    "session_verify_attr": ({"TRD402"}, False),
    "insecure_transport": ({"TRD403"}, False),
    "secret_constant": ({"TRD301"}, True),
    "secret_keyword": ({"TRD301"}, True),
    "token_literal": ({"TRD302"}, True),
    "auto_refresh": ({"TRD103"}, True),
    "insecure_endpoint": ({"TRD401"}, True),
    "pair_secret": ({"TRD303"}, True),
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


INLINE_LITERAL = """\
import requests


def token():
    return requests.post(
        "https://auth.treddy.com/oauth/token",
        data={"grant_type": "client_credentials", "scope": "deals:read", "client_id": "treddy-client-1234", "client_secret": "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"},
    )
"""


def test_edit_that_would_spell_out_a_secret_is_not_listed_but_still_applied() -> None:
    result = check(INLINE_LITERAL)
    annotate(result, Rechecker(), read=lambda p: INLINE_LITERAL)
    (basic,) = [f for f in result.findings if f.rule == "TRD201"]
    assert basic.fixable and basic.fix_safety == "safe"
    assert basic.edits == []
    assert all("tr_sk_live" not in e.replacement for f in result.findings for e in f.edits)

    new, _, outcome = run_fix(INLINE_LITERAL, unsafe=False)
    assert [f.rule for f in outcome.fixed] == ["TRD201"]
    assert (
        '        data={"grant_type": "client_credentials", "scope": "deals:read"},\n'
        '        auth=("treddy-client-1234", "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"),\n'
        "    )\n"
    ) in new
    assert "TRD201" not in {f.rule for f in check(new).findings}


def test_unsafe_fix_of_the_same_line_composes_with_the_move() -> None:
    new, _, outcome = run_fix(INLINE_LITERAL, unsafe=True)
    assert sorted(f.rule for f in outcome.fixed) == ["TRD201", "TRD301"]
    assert 'auth=("treddy-client-1234", os.environ["TREDDY_CLIENT_SECRET"])' in new
    assert new.startswith("import requests\nimport os\n")
    assert not {"TRD201", "TRD301", "TRD303"} & {f.rule for f in check(new).findings}


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ("CLIENT_SECRET", "TREDDY_CLIENT_SECRET"),
        ("clientSecret", "TREDDY_CLIENT_SECRET"),
        ("client_secret", "TREDDY_CLIENT_SECRET"),
        ("_api_key", "TREDDY_API_KEY"),
        ("TREDDY_SECRET", "TREDDY_SECRET"),
        ("access-token", "TREDDY_ACCESS_TOKEN"),
        (None, "TREDDY_CLIENT_SECRET"),
        ("9", "TREDDY_CLIENT_SECRET"),
    ],
)
def test_environment_variable_names(context: str | None, expected: str) -> None:
    assert env_name(context, "CLIENT_SECRET") == expected


def test_a_fix_whose_result_does_not_recheck_clean_is_skipped() -> None:
    # The client object has no client_id: without include_client_id=True, requests-oauthlib
    # would send no client authentication at all, so the fix must not be applied.
    text = """\
import os

from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session


def fetch():
    session = OAuth2Session(client=BackendApplicationClient(None), scope=["deals:read"])
    return session.fetch_token(
        "https://auth.treddy.com/oauth/token",
        client_id=os.environ["TREDDY_CLIENT_ID"],
        client_secret=os.environ["TREDDY_CLIENT_SECRET"],
        include_client_id=True,
    )
"""
    result = check(text)
    assert "TRD201" in {f.rule for f in result.findings}
    new, _, outcome = run_fix(text, unsafe=True)
    assert new == text
    assert "TRD201" not in {f.rule for f in outcome.fixed}


@pytest.mark.parametrize(
    ("url", "literal", "begins"),
    [
        ("http://auth.treddy.com/oauth/token", "http://auth.treddy.com/oauth/token", True),
        ("http://auth.treddy.com/oauth/token", "http://auth.treddy.com", True),
        ("http://auth.treddy.com/oauth/token", "http://auth.treddy.com/", True),
        ("http://auth.treddy.com:8443/token", "http://auth.treddy.com", True),
        ("http://auth.treddy.com/oauth/token", "http://auth.treddy.co", False),  # another host
        ("http://auth.treddy.com/oauth/token", "http://", False),  # no host of its own
        ("http://auth.treddy.com/oauth/token", "http://auth.treddy.com/oauth/t", False),
    ],
)
def test_a_literal_is_changed_only_when_the_endpoint_starts_with_its_whole_host(
    url: str, literal: str, begins: bool
) -> None:
    from advisor.fix.codemods import _begins

    assert _begins(url, literal) is begins


def test_an_endpoint_written_in_another_module_is_not_fixed_here() -> None:
    text = (FIXTURES / "insecure_endpoint.before.py").read_text()
    text = text.replace('TOKEN_URL = "http://auth.treddy.com/oauth/token"\n', "")
    text = text.replace("import httpx\n", "import httpx\n\nfrom settings import TOKEN_URL\n")
    new, result, _ = run_fix(text, unsafe=True)
    assert "from settings import TOKEN_URL" in new
    assert 'API_BASE = "https://api.treddy.com"' in new  # the other endpoint is still fixed


def test_a_literal_basic_header_is_reported_but_not_moved_to_the_environment() -> None:
    text = """\
import requests

HEADERS = {"Authorization": "Basic cGFydG5lci1jbGllbnQ6dHJfc2tfbGl2ZV8wMDAwMDAwMA=="}


def token():
    r = requests.post(
        "https://auth.treddy.com/oauth/token",
        data={"grant_type": "client_credentials", "scope": "deals:read"},
        headers=HEADERS,
    )
    return r.json()["access_token"]
"""
    new, result, _ = run_fix(text, unsafe=True)
    assert [f.rule for f in result.findings] == ["TRD303"]
    assert new == text


@pytest.mark.parametrize(
    "call",
    [
        # in the URL itself: rewriting the f-string is left to the author
        'httpx.post(f"{TOKEN_URL}?client_id={cid}&client_secret={secret}", data=BODY)',
        # a params mapping another call shares: removing its keys would change that call too
        "httpx.post(TOKEN_URL, params=QUERY, data=BODY)",
    ],
)
def test_credentials_in_the_query_are_reported_but_only_moved_from_a_params_mapping_of_the_call(
    call: str,
) -> None:
    text = f"""\
import httpx

TOKEN_URL = "https://auth.treddy.com/oauth/token"
BODY = {{"grant_type": "client_credentials", "scope": "deals:read"}}


def token(cid, secret):
    QUERY = {{"client_id": cid, "client_secret": secret}}
    httpx.get("https://api.treddy.com/ping", params=QUERY)
    return {call}.json()["access_token"]
"""
    new, result, _ = run_fix(text, unsafe=True)
    assert "TRD202" in {f.rule for f in result.findings}
    assert new == text
