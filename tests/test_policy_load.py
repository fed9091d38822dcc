"""Loading and validating policy files; querying the policy (flows, endpoints, decisions)."""

from __future__ import annotations

import re
import shutil
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.model import Credential, ScanResult, Span, Usage
from advisor.policy.policy import PolicyError, evaluate, load_policy, parse_policy

SHIPPED = resources.files("advisor.rules").joinpath("treddy.toml")


def shipped_text() -> str:
    return SHIPPED.read_text(encoding="utf-8")


def write_policy(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_policy_holds_treddys_table_as_published():
    policy = load_policy()
    assert policy.provider == "Treddy"
    published = {
        # flow: (user resources, requires secret, refresh, supported) from Treddy's page
        "authorization_code": (True, True, True, False),
        "authorization_code_pkce": (True, False, True, False),
        "client_credentials": (False, True, False, True),
        "implicit": (True, False, False, False),
    }
    assert set(policy.flows) == set(published)
    for flow, (user, secret, refresh, supported) in published.items():
        row = policy.flows[flow]
        assert (row.user_resources, row.requires_secret, row.refresh, row.supported) == (
            user,
            secret,
            refresh,
            supported,
        ), flow
    assert policy.client_auth_required == "basic"
    assert policy.supported_flows == ["client_credentials"]


@pytest.mark.parametrize(
    "flow", ["password", "device_code", "jwt_bearer", "token_exchange", "other"]
)
def test_flows_missing_from_the_table_are_unsupported(flow):
    policy = load_policy()
    assert not policy.is_supported(flow)
    assert policy.can_refresh(flow) is None


def test_load_policy_from_path_equals_shipped(tmp_path):
    copy = tmp_path / "treddy.toml"
    shutil.copyfile(str(SHIPPED), copy)
    from_path = load_policy(copy)
    assert from_path.flows == load_policy().flows
    assert from_path.digest == load_policy(str(copy)).digest == load_policy().digest


def test_digest_changes_with_the_file(tmp_path):
    changed = shipped_text().replace('name = "Treddy"', 'name = "Treddy EU"')
    assert load_policy(write_policy(tmp_path, changed)).digest != load_policy().digest


def test_decision_rules_per_application_kind():
    policy = load_policy()
    kinds = {r.app_kind: r for r in policy.decision_rules}
    assert set(kinds) == {"web_server", "distributed_app", "cli_daemon"}
    assert (kinds["web_server"].flow, kinds["web_server"].supported) == (
        "authorization_code",
        False,
    )
    assert (kinds["distributed_app"].flow, kinds["distributed_app"].supported) == (
        "authorization_code_pkce",
        False,
    )
    assert (kinds["cli_daemon"].flow, kinds["cli_daemon"].supported) == (
        "client_credentials",
        True,
    )
    assert kinds["web_server"].use_instead == "client_credentials"
    assert all(r.recommendation for r in policy.decision_rules)
    assert policy.decision_rule("cli_daemon") is kinds["cli_daemon"]


def test_decision_rule_support_follows_the_flow_table(tmp_path):
    text = _set_flow_key(shipped_text(), "authorization_code", "supported", "true")
    policy = load_policy(write_policy(tmp_path, text))
    assert policy.decision_rule("web_server").supported is True


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://auth.treddy.com/oauth/token", True),
        ("https://TREDDY.com/oauth/token", True),
        ("https://api.sandbox.treddy.example/v1/deals", True),
        ("https://login.microsoftonline.com/tenant/oauth2/v2.0/token", False),
        ("https://oauth2.googleapis.com/token", False),
        ("https://treddy.com.evil.net/oauth/token", False),
        ("http://localhost:8080/oauth/token", None),
        ("http://127.0.0.1/token", None),
        ("https://auth.example.com/token", None),
        ("/oauth/token", None),
        ("{base_url}/oauth/token", None),
        ("https://{host}/oauth/token", None),
        # only the leftmost labels unresolved: the domain still tells
        ("https://{…}.salesforce.com/services/oauth2/token", False),
        ("https://{…}.my.salesforce.com:8443/services/oauth2/token", False),
        ("https://{…}.treddy.com/oauth/token", True),
        ("https://api.{…}.treddy.com/oauth/token", True),
        ("https://{…}.treddy.com.evil.net/oauth/token", False),
        ("https://{…}.example.com/oauth/token", None),
        ("https://{…}.com/oauth/token", None),
        ("https://treddy.com{…}/oauth/token", None),
        ("", None),
        (None, None),
    ],
)
def test_provider_matches(url, expected):
    assert load_policy().provider_matches(url) is expected


def test_url_patterns_claim_a_gateway_host(tmp_path):
    text = shipped_text().replace(
        "url_patterns = []", 'url_patterns = ["https://gateway.acme.internal/treddy/*"]'
    )
    policy = load_policy(write_policy(tmp_path, text))
    assert policy.provider_matches("https://gateway.acme.internal/treddy/oauth/token") is True
    assert policy.provider_matches("https://gateway.acme.internal/github/token") is False
    # a gateway pattern is about whole URLs: an unresolved host cannot be ruled out
    assert policy.provider_matches("https://{…}.salesforce.com/services/oauth2/token") is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.treddy.com/v1/me", True),
        ("https://api.treddy.com/v1/users/me/", True),
        ("https://api.treddy.com/userinfo?fields=email", True),
        ("/v2/profile", True),
        ("https://api.treddy.com/v1/deals", False),
        ("https://api.treddy.com/v1/members", False),
        ("https://api.treddy.com/v1/deals/42/status", False),
        (None, False),
    ],
)
def test_user_endpoints(url, expected):
    assert load_policy().is_user_endpoint(url) is expected


# ---- validation


def _set_flow_key(text: str, flow: str, key: str, value: str) -> str:
    pattern = rf"(\[flows\.{flow}\][^\[]*?\n{key} = )[^\n]+"
    new, count = re.subn(pattern, rf"\g<1>{value}", text, count=1, flags=re.S)
    assert count == 1, (flow, key)
    return new


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t + "\n[unexpected]\nx = 1\n", "unknown key(s) unexpected"),
        (
            lambda t: t.replace("refresh = false\nsupported = true", "supported = true"),
            "missing key(s) refresh",
        ),
        (
            lambda t: _set_flow_key(t, "client_credentials", "supported", '"yes"'),
            "flows.client_credentials.supported must be true or false",
        ),
        (lambda t: t.replace("[flows.implicit]", "[flows.implict]"), "unknown flow 'implict'"),
        (
            lambda t: t.replace('required = "basic"', 'required = "header"'),
            "client_authentication.required = 'header'",
        ),
        (
            lambda t: t.replace('app_kind = "cli_daemon"', 'app_kind = "mainframe"'),
            "app_kind = 'mainframe'",
        ),
        (
            lambda t: t.replace('app_kind = "cli_daemon"', 'app_kind = "web_server"'),
            "appears twice",
        ),
        (
            lambda t: t.replace(
                'flow = "client_credentials"\nrecommendation', 'flow = "magic"\nrecommendation'
            ),
            "is not a known flow",
        ),
        (
            lambda t: t.replace('hosts = ["treddy.com"', 'hosts = [42, "treddy.com"'),
            "provider.hosts must be a list of non-empty strings",
        ),
        (
            lambda t: t.replace("[user_endpoints]\n", "[user_endpoints]\npaterns = []\n"),
            "unknown key(s) paterns",
        ),
        (lambda t: t.replace("schema = 1", "schema = 2"), "schema = 2 is not supported"),
        (lambda t: t.replace("[client_authentication]", "[client_authentication"), "invalid TOML"),
    ],
)
def test_bad_policy_files_raise_policy_error(tmp_path, edit, message):
    path = write_policy(tmp_path, edit(shipped_text()))
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_missing_policy_file_raises_policy_error(tmp_path):
    with pytest.raises(PolicyError, match="cannot read policy file"):
        load_policy(tmp_path / "nope.toml")


def test_non_utf8_policy_raises_policy_error():
    with pytest.raises(PolicyError, match="not UTF-8"):
        parse_policy(b"\xff\xfe[provider]", source="x.toml")


def test_minimal_policy_for_another_provider():
    policy = parse_policy(
        """
        [provider]
        name = "Acme"
        hosts = ["*.acme.test"]
        [flows.authorization_code_pkce]
        user_resources = true
        requires_secret = false
        refresh = true
        supported = true
        [client_authentication]
        required = "none"
        """
    )
    assert policy.provider == "Acme"
    assert policy.supported_flows == ["authorization_code_pkce"]
    assert policy.flow_label("authorization_code_pkce")  # a default label is derived
    assert policy.decision_rules == ()
    assert policy.is_user_endpoint("https://x.acme.test/me") is False


# ---- the policy flip: the table decides, not the code


def _auth_code_usage() -> Usage:
    return Usage(
        path="webapp/login.py",
        span=Span(12, 11, 12, 70),
        library="requests-oauthlib",
        operation="token_request",
        flow="authorization_code",
        client_auth="basic",
        token_url="https://auth.treddy.com/oauth/token",
        scopes=None,
        client_id=Credential(source="env", detail="TREDDY_CLIENT_ID"),
        secret=Credential(source="env", detail="TREDDY_CLIENT_SECRET"),
        client_key="session",
        context="callback",
    )


def test_policy_flip_removes_unsupported_grant_finding(tmp_path):
    result = ScanResult(usages=[_auth_code_usage()])
    before = evaluate(result, load_policy())
    assert [f.rule for f in before] == ["TRD101"]

    copy = tmp_path / "treddy.toml"
    shutil.copyfile(str(SHIPPED), copy)
    copy.write_text(
        _set_flow_key(copy.read_text(encoding="utf-8"), "authorization_code", "supported", "true"),
        encoding="utf-8",
    )
    after = evaluate(result, load_policy(copy))
    assert [f.rule for f in after] == []


def test_policy_flip_of_client_credentials_makes_it_unsupported(tmp_path):
    text = _set_flow_key(shipped_text(), "client_credentials", "supported", "false")
    usage = _auth_code_usage()
    usage.flow = "client_credentials"
    result = ScanResult(usages=[usage])
    assert evaluate(result, load_policy()) == []
    findings = evaluate(result, load_policy(write_policy(tmp_path, text)))
    assert [f.rule for f in findings] == ["TRD101"]
    assert "supports none" in findings[0].message


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="ab.-:/@{}…?#%$<>", max_size=40),
    st.sampled_from(["https://", "http://", ""]),
)
def test_the_domain_after_a_placeholder_is_a_plain_domain_of_the_url(tail: str, scheme: str):
    from advisor.policy.urls import domain_after_placeholder

    url = scheme + tail
    domain = domain_after_placeholder(url)
    if domain is not None:
        labels = domain.split(".")
        assert len(labels) >= 2 and all(label.replace("-", "").isalnum() for label in labels)
        assert domain in url.lower()
        assert load_policy().provider_matches(url) in (True, False, None)
