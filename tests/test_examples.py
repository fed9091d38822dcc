"""What each example in examples/ must yield: usages, flows, findings and the kind of application.

These are the examples the README and the report screenshots show, so they must say what they
claim: the web app is on the authorization code flow, the desktop app embeds a secret, the daemon
is compliant, and each small bad example shows exactly its one problem.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from advisor.analysis.appkind import infer_kind, scan_app_kind
from advisor.config import Config
from advisor.engine import CheckRequest, discover_files, run_check, scan_options
from advisor.model import ScanResult
from advisor.policy.policy import load_catalogue, load_policy
from advisor.reporters import render

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
SECRET = "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


def check(*paths: str) -> ScanResult:
    request = CheckRequest(
        paths=[f"examples/{p}" for p in paths],
        config=Config(),
        policy=load_policy(None),
        rules=load_catalogue(),
        use_cache=False,
        jobs=1,
    )
    return run_check(request)


def kind_of(*paths: str) -> str | None:
    targets = [f"examples/{p}" for p in paths]
    request = CheckRequest(paths=targets, config=Config(), use_cache=False)
    files = discover_files(targets, scan_options(request))
    return infer_kind(scan_app_kind(files, targets))[0]


def rules(result: ScanResult) -> set[str]:
    return {f.rule for f in result.findings}


def test_web_app_on_authorization_code() -> None:
    result = check("web_authcode_flask")
    flows = {(u.library, u.operation, u.flow) for u in result.usages}
    assert ("authlib", "authorization_url", "authorization_code") in flows
    assert ("authlib", "token_request", "authorization_code") in flows
    assert {u.secret_source for u in result.usages} == {"env"}
    assert {u.token_url for u in result.usages if u.operation == "token_request"} == {
        "https://auth.treddy.com/oauth/token"
    }
    assert "TRD101" in rules(result)
    # the secret comes from the environment and goes in the Basic header: no secret findings
    assert not {r for r in rules(result) if r.startswith(("TRD2", "TRD3"))}
    assert kind_of("web_authcode_flask") == "web_server"


def test_desktop_app_with_embedded_secret() -> None:
    result = check("desktop_embedded_secret")
    [usage] = [u for u in result.usages if u.operation == "token_request"]
    assert (usage.library, usage.flow, usage.client_auth) == (
        "requests",
        "client_credentials",
        "basic",
    )
    assert usage.secret_source == "literal"
    assert kind_of("desktop_embedded_secret") == "distributed_app"
    found = rules(result)
    assert found & {"TRD301", "TRD303"}, "the literal secret is reported"
    # TRD304: a secret inside an app shipped to users. Needs the engine to collect the
    # application-kind evidence (advisor.analysis.appkind.scan_app_kind) before the policy runs.
    assert "TRD304" in found
    assert not {r for r in found if r.startswith("TRD1")}, "the flow itself is supported"


def test_daemon_on_client_credentials_is_compliant() -> None:
    result = check("daemon_client_credentials")
    token_requests = [u for u in result.usages if u.operation == "token_request"]
    assert [(u.library, u.flow, u.client_auth, u.secret_source) for u in token_requests] == [
        ("httpx", "client_credentials", "basic", "env")
    ]
    assert token_requests[0].scopes == ["deals:read"]
    assert result.findings == []
    assert kind_of("daemon_client_credentials") == "cli_daemon"


@pytest.mark.parametrize(
    ("name", "library", "flow", "rule"),
    [
        ("body_auth_include_client_id.py", "requests-oauthlib", "client_credentials", "TRD201"),
        ("authlib_client_secret_post.py", "authlib", "client_credentials", "TRD201"),
        ("implicit_login_url.py", None, "implicit", "TRD102"),
        ("verify_false.py", "requests", "client_credentials", "TRD402"),
    ],
)
def test_small_bad_examples_show_their_one_problem(
    name: str, library: str | None, flow: str, rule: str
) -> None:
    result = check(f"bad_small/{name}")
    assert result.usages, name
    assert {u.flow for u in result.usages} == {flow}
    if library is not None:
        assert {u.library for u in result.usages} == {library}
    assert rules(result) == {rule}


def test_no_example_leaks_its_secret_in_any_format() -> None:
    result = check(".")
    for fmt in ("text", "json", "sarif", "github", "gitlab", "junit"):
        out = render(result, fmt, rules=load_catalogue(), show_source=True)
        assert SECRET not in out, fmt
        assert SECRET[:12] not in out, fmt


def test_examples_are_not_excluded_by_the_project_config() -> None:
    # The repository's pyproject.toml configures the tool; examples/ must stay in scope.
    request = CheckRequest(paths=["examples"], config=Config(), use_cache=False)
    files = {os.path.basename(f) for f in discover_files(["examples"], scan_options(request))}
    assert {"app.py", "treddy_desktop.py", "sync_deals.py", "verify_false.py"} <= files
