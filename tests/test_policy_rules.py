"""Every rule, flagged and clean, on facts built directly from advisor.model."""

from __future__ import annotations

from dataclasses import replace
from importlib import resources

import pytest

from advisor.model import (
    AppEvidence,
    Credential,
    ScanResult,
    SecretFact,
    Span,
    TransportFact,
    Usage,
    redact,
    secret_hash,
)
from advisor.policy.policy import evaluate, load_catalogue, load_policy, parse_policy

TOKEN_URL = "https://auth.treddy.com/oauth/token"
AUTHORIZE_URL = "https://auth.treddy.com/oauth/authorize"
LIVE_SECRET = "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
ACCESS_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0cl9hcHBfNDgyMSJ9.Zm9vYmFyYmF6cXV4"
BASIC_VALUE = "Basic dHJfY2xpZW50XzQ4MjE6dHJfc2tfbGl2ZV85ZjhlN2Q2YzViNGEzOTI4"

POLICY = load_policy()


def span(line: int, col: int = 4, end_col: int = 60) -> Span:
    return Span(line, col, line, end_col)


def literal(value: str, line: int, path: str = "billing/treddy_client.py") -> Credential:
    return Credential(
        source="literal",
        literal_path=path,
        literal_span=Span(line, 16, line, 16 + len(value) + 2),
        redacted=redact(value),
        value_hash=secret_hash(value),
    )


def env(name: str) -> Credential:
    return Credential(source="env", detail=name)


def cc_usage(**overrides) -> Usage:
    """A compliant client-credentials token request to Treddy."""
    base = Usage(
        path="billing/treddy_client.py",
        span=span(20),
        library="requests-oauthlib",
        operation="token_request",
        flow="client_credentials",
        grant_type="client_credentials",
        client_auth="basic",
        token_url=TOKEN_URL,
        scopes=["deals:read"],
        client_id=env("TREDDY_CLIENT_ID"),
        secret=env("TREDDY_CLIENT_SECRET"),
        client_key="session",
        context="TreddyClient.fetch_token",
    )
    return replace(base, **overrides)


def secret_fact(role: str, value: str, line: int = 8, **overrides) -> SecretFact:
    base = SecretFact(
        path="billing/treddy_client.py",
        span=Span(line, 16, line, 16 + len(value) + 2),
        role=role,
        credential=literal(value, line),
        evidence=f"{role} of a token request",
        context="module",
    )
    return replace(base, **overrides)


def run(*facts, all_providers: bool = False, policy=POLICY):
    result = ScanResult()
    for fact in facts:
        if isinstance(fact, Usage):
            result.usages.append(fact)
        elif isinstance(fact, SecretFact):
            result.secrets.append(fact)
        elif isinstance(fact, TransportFact):
            result.transport.append(fact)
        elif isinstance(fact, AppEvidence):
            result.app_evidence.append(fact)
        else:  # pragma: no cover - a mistake in a test
            raise TypeError(fact)
    return evaluate(result, policy, all_providers=all_providers)


def rules(findings) -> list[str]:
    return [f.rule for f in findings]


def test_compliant_client_credentials_has_no_findings():
    assert run(cc_usage()) == []


# ---- TRD101 unsupported-grant


@pytest.mark.parametrize(
    "flow",
    [
        "authorization_code",
        "authorization_code_pkce",
        "password",
        "device_code",
        "jwt_bearer",
        "token_exchange",
    ],
)
def test_trd101_flags_unsupported_grants(flow):
    findings = run(cc_usage(flow=flow, grant_type=None))
    assert rules(findings) == ["TRD101"]
    f = findings[0]
    assert (f.name, f.category, f.severity, f.confidence) == (
        "unsupported-grant",
        "flow",
        "error",
        "high",
    )
    assert POLICY.flow_label(flow) in f.message
    assert "client credentials" in f.message


def test_trd101_authorization_url_of_auth_code_flow():
    usage = cc_usage(
        operation="authorization_url",
        flow="authorization_code",
        token_url=None,
        authorization_url=AUTHORIZE_URL,
        client_auth="unknown",
    )
    assert rules(run(usage)) == ["TRD101"]


@pytest.mark.parametrize("flow", ["client_credentials", "unknown", "refresh_token"])
def test_trd101_clean(flow):
    assert "TRD101" not in rules(run(cc_usage(flow=flow)))


# ---- TRD102 implicit-grant


def test_trd102_flags_implicit_instead_of_trd101():
    usage = cc_usage(
        operation="authorization_url",
        flow="implicit",
        token_url=None,
        authorization_url=AUTHORIZE_URL,
        client_auth="unknown",
        secret=None,
    )
    findings = run(usage)
    assert rules(findings) == ["TRD102"]
    assert "URL" in findings[0].message


def test_trd102_clean_on_client_credentials():
    assert "TRD102" not in rules(run(cc_usage()))


# ---- TRD103 refresh-not-supported


def test_trd103_explicit_refresh_of_client_credentials_client():
    fetch = cc_usage()
    refresh = cc_usage(
        span=span(30),
        operation="refresh",
        flow="refresh_token",
        grant_type="refresh_token",
        scopes=None,
        context="TreddyClient.renew",
    )
    findings = run(fetch, refresh)
    assert rules(findings) == ["TRD103"]
    f = findings[0]
    assert f.span.line == 30
    assert f.confidence == "high"
    assert "Client credentials" in f.message


def test_trd103_auto_refresh_on_client_credentials_reported_once_per_client():
    setup = cc_usage(span=span(10), operation="client_setup", auto_refresh=True, scopes=None)
    fetch = cc_usage(span=span(20), auto_refresh=True)
    findings = [f for f in run(setup, fetch) if f.rule == "TRD103"]
    assert len(findings) == 1
    assert findings[0].span.line == 10
    assert "Automatic" in findings[0].message


def test_trd103_refresh_with_unseen_origin_reported_with_lower_confidence():
    refresh = cc_usage(operation="refresh", flow="refresh_token", client_key=None, scopes=None)
    findings = run(refresh)
    assert rules(findings) == ["TRD103"]
    assert findings[0].confidence == "medium"


def test_trd103_unseen_origin_and_unresolved_endpoint_is_low_confidence():
    refresh = cc_usage(
        operation="refresh",
        flow="refresh_token",
        client_key=None,
        token_url="{settings.TOKEN_URL}",
        scopes=None,
    )
    assert [(f.rule, f.confidence) for f in run(refresh)] == [("TRD103", "low")]


def test_trd103_clean_when_origin_flow_can_refresh():
    # The refresh itself is legitimate for an authorization-code token; TRD101 covers the grant.
    fetch = cc_usage(flow="authorization_code")
    refresh = cc_usage(span=span(30), operation="refresh", flow="refresh_token", scopes=None)
    assert rules(run(fetch, refresh)) == ["TRD101"]


def test_trd103_unseen_origin_clean_when_a_supported_flow_can_refresh():
    text = resources.files("advisor.rules").joinpath("treddy.toml").read_text(encoding="utf-8")
    refreshing = text.replace(
        "refresh = false\nsupported = true", "refresh = true\nsupported = true"
    )
    assert refreshing != text
    refresh = cc_usage(operation="refresh", flow="refresh_token", client_key=None, scopes=None)
    assert run(refresh, policy=parse_policy(refreshing)) == []


def test_trd103_clean_without_refresh():
    assert "TRD103" not in rules(run(cc_usage(auto_refresh=False)))


# ---- TRD104 user-endpoint-with-client-credentials


def test_trd104_flags_user_endpoint_called_with_cc_token():
    api = cc_usage(api_urls=["https://api.treddy.com/v1/deals", "https://api.treddy.com/v1/me"])
    findings = run(api)
    assert rules(findings) == ["TRD104"]
    assert "https://api.treddy.com/v1/me" in findings[0].message


def test_trd104_uses_the_flow_of_the_client():
    setup = cc_usage(span=span(10), operation="client_setup")
    other = cc_usage(
        span=span(40),
        operation="token_request",
        flow="unknown",
        api_urls=["https://api.treddy.com/userinfo"],
    )
    assert rules(run(setup, other)) == ["TRD104"]


def test_trd104_url_query_is_not_shown():
    api = cc_usage(api_urls=["https://api.treddy.com/v1/me?access_token=" + ACCESS_TOKEN])
    message = run(api)[0].message
    assert ACCESS_TOKEN not in message
    assert "access_token" not in message


def test_trd104_clean():
    assert run(cc_usage(api_urls=["https://api.treddy.com/v1/deals"])) == []
    # A user endpoint with a token from a flow that has a user is not this rule's business.
    user = cc_usage(flow="authorization_code", api_urls=["https://api.treddy.com/v1/me"])
    assert "TRD104" not in rules(run(user))


# ---- TRD105 missing-scope


def test_trd105_flags_token_request_without_scope():
    findings = run(cc_usage(scopes=[]))
    assert rules(findings) == ["TRD105"]
    assert findings[0].severity == "warning"


def test_trd105_clean_when_scopes_unknown_or_given():
    assert run(cc_usage(scopes=None)) == []
    assert run(cc_usage(scopes=["deals:read", "deals:write"])) == []


def test_trd105_clean_on_auth_code_token_exchange():
    # The scope of an authorization-code flow travels in the authorization request.
    assert rules(run(cc_usage(flow="authorization_code", scopes=[]))) == ["TRD101"]


# ---- TRD201 / TRD202 / TRD203 client authentication


def test_trd201_secret_in_body():
    usage = cc_usage(client_auth="body", secret=literal(LIVE_SECRET, 8))
    findings = [f for f in run(usage) if f.rule == "TRD201"]
    assert len(findings) == 1
    f = findings[0]
    assert (f.category, f.fixable, f.fix_safety) == ("client_auth", True, "safe")
    assert [r.span.line for r in f.related] == [8]
    assert LIVE_SECRET not in f.message + "".join(r.message for r in f.related)


def test_trd202_secret_in_query():
    assert rules(run(cc_usage(client_auth="query"))) == ["TRD202"]


def test_trd203_no_client_authentication_on_cc():
    findings = run(cc_usage(client_auth="none", secret=None))
    assert rules(findings) == ["TRD203"]
    assert "Client credentials" in findings[0].message


@pytest.mark.parametrize("auth", ["basic", "unknown", "private_key_jwt"])
def test_client_auth_rules_clean(auth):
    assert run(cc_usage(client_auth=auth)) == []


def test_trd203_clean_for_flow_without_secret():
    usage = cc_usage(flow="authorization_code_pkce", client_auth="none", secret=None)
    assert rules(run(usage)) == ["TRD101"]


def test_client_auth_rules_skip_authorization_urls():
    usage = cc_usage(
        operation="authorization_url",
        flow="unknown",
        client_auth="query",
        token_url=None,
        authorization_url=AUTHORIZE_URL,
    )
    assert run(usage) == []


def test_client_setup_duplicate_is_dropped_when_the_call_shows_it():
    setup = cc_usage(span=span(10), operation="client_setup", client_auth="body")
    fetch = cc_usage(span=span(20), client_auth="body")
    assert [(f.rule, f.span.line) for f in run(setup, fetch)] == [("TRD201", 20)]


def test_client_setup_alone_is_reported():
    setup = cc_usage(span=span(10), operation="client_setup", client_auth="body")
    assert [(f.rule, f.span.line) for f in run(setup)] == [("TRD201", 10)]


# ---- endpoint scoping


MICROSOFT = "https://login.microsoftonline.com/contoso/oauth2/v2.0/token"


def test_other_provider_is_not_flagged_against_treddys_table():
    usage = cc_usage(flow="authorization_code", client_auth="body", token_url=MICROSOFT)
    assert run(usage) == []


def test_other_provider_flagged_with_all_providers():
    usage = cc_usage(flow="authorization_code", client_auth="body", token_url=MICROSOFT)
    # the unsupported grant is the finding; its client auth is replaced along with it
    assert rules(run(usage, all_providers=True)) == ["TRD101"]
    usage = cc_usage(client_auth="body", token_url=MICROSOFT)
    assert rules(run(usage, all_providers=True)) == ["TRD201"]
    assert rules(run(usage)) == []


def test_client_auth_of_an_unsupported_grant_is_not_a_second_finding():
    usage = cc_usage(flow="authorization_code", client_auth="body")
    assert rules(run(usage)) == ["TRD101"]


def test_unresolved_endpoint_flagged_with_lower_confidence():
    usage = cc_usage(client_auth="body", token_url=None)
    assert [(f.rule, f.confidence) for f in run(usage)] == [("TRD201", "medium")]


def test_endpoint_resolved_through_the_same_client():
    auth = cc_usage(
        span=span(10),
        operation="authorization_url",
        flow="authorization_code",
        token_url=None,
        authorization_url=AUTHORIZE_URL,
        client_auth="unknown",
    )
    fetch = cc_usage(span=span(20), flow="authorization_code", token_url="{TOKEN_URL}")
    assert [(f.rule, f.confidence) for f in run(auth, fetch)] == [
        ("TRD101", "high"),
        ("TRD101", "high"),
    ]


def test_secret_and_transport_rules_apply_to_other_providers():
    usage = cc_usage(token_url=MICROSOFT.replace("https", "http"), verify_disabled=True)
    fact = secret_fact("client_secret", LIVE_SECRET)
    assert sorted(rules(run(usage, fact))) == ["TRD301", "TRD401", "TRD402"]


# ---- TRD301 / TRD302 / TRD303 hard-coded secrets


@pytest.mark.parametrize(
    ("role", "value", "rule"),
    [
        ("client_secret", LIVE_SECRET, "TRD301"),
        ("access_token", ACCESS_TOKEN, "TRD302"),
        ("refresh_token", "rt_4c1a9b7e2d8f6a3b5c0e9d7f1a2b3c4d", "TRD302"),
        ("basic_header", BASIC_VALUE, "TRD303"),
        ("credential_pair", LIVE_SECRET, "TRD303"),
    ],
)
def test_secret_roles_map_to_rules_and_never_show_the_value(role, value, rule):
    findings = run(secret_fact(role, value))
    assert rules(findings) == [rule]
    f = findings[0]
    assert (f.category, f.confidence) == ("secret", "high")
    assert value not in f.message and value[4:-4] not in f.message
    assert redact(value) in f.message


@pytest.mark.parametrize(
    "cred",
    [
        Credential(source="literal", redacted='""', empty=True),
        Credential(source="literal", redacted="<redacted: 18 chars>", placeholder=True),
    ],
)
def test_placeholders_and_empty_values_are_not_reported(cred):
    fact = replace(secret_fact("client_secret", "YOUR_CLIENT_SECRET"), credential=cred)
    usage = cc_usage(secret=cred)
    assert run(fact, usage) == []


def test_dummy_secret_in_test_file_is_low_confidence():
    fact = secret_fact(
        "client_secret",
        "tr_sk_test_0000aaaa1111bbbb2222cccc",
        path="tests/test_client.py",
        in_test_file=True,
    )
    assert [(f.rule, f.confidence) for f in run(fact)] == [("TRD301", "low")]


def test_literal_secret_of_a_usage_without_secret_fact_is_still_reported():
    usage = cc_usage(secret=literal(LIVE_SECRET, 8))
    findings = run(usage)
    assert [(f.rule, f.span.line) for f in findings] == [("TRD301", 8)]
    assert findings[0].related[0].span == usage.span


def test_literal_secret_reported_once_when_fact_and_usage_agree():
    usage = cc_usage(secret=literal(LIVE_SECRET, 8))
    findings = run(usage, secret_fact("client_secret", LIVE_SECRET))
    assert rules(findings) == ["TRD301"]
    # The finding sits on the literal and points at the call that sends it.
    assert findings[0].span.line == 8
    assert [r.span for r in findings[0].related] == [usage.span]


def test_secret_from_environment_is_clean():
    assert run(cc_usage(secret=env("TREDDY_CLIENT_SECRET"))) == []


# ---- TRD304 secret-in-distributed-app


DESKTOP = AppEvidence(
    path="billing/treddy_client.py", line=1, kind="distributed_app", evidence="imports tkinter"
)


def test_trd304_secret_from_env_in_desktop_app():
    findings = run(cc_usage(), DESKTOP)
    assert rules(findings) == ["TRD304"]
    f = findings[0]
    assert f.confidence == "high"
    assert "tkinter" in f.message and "environment" in f.message
    assert f.related[-1].span.line == 1


def test_trd304_secret_fact_without_usage():
    fact = secret_fact("client_secret", LIVE_SECRET)
    assert sorted(rules(run(fact, DESKTOP))) == ["TRD301", "TRD304"]


def test_trd304_literal_reported_once_with_its_usage():
    usage = cc_usage(secret=literal(LIVE_SECRET, 8))
    fact = secret_fact("client_secret", LIVE_SECRET)
    assert sorted(rules(run(usage, fact, DESKTOP))) == ["TRD301", "TRD304"]


def test_trd304_evidence_elsewhere_in_a_mixed_codebase_is_low_confidence():
    # packaging evidence at the project root covers every file below it
    project = replace(DESKTOP, path="pyproject.toml", evidence="pyinstaller in the build")
    server = AppEvidence(path="api/server.py", line=3, kind="web_server", evidence="imports flask")
    assert [(f.rule, f.confidence) for f in run(cc_usage(), project)] == [("TRD304", "medium")]
    root_server = replace(server, path="manage.py")
    assert [(f.rule, f.confidence) for f in run(cc_usage(), project, root_server)] == [
        ("TRD304", "low")
    ]


def test_trd304_evidence_in_a_sibling_directory_does_not_apply():
    """Two applications scanned in one run: the desktop one says nothing about the daemon."""
    elsewhere = replace(DESKTOP, path="desktop/app.py")
    assert run(cc_usage(), elsewhere) == []


def test_trd304_clean():
    server = AppEvidence(path="api/server.py", line=3, kind="web_server", evidence="imports flask")
    assert run(cc_usage(), server) == []
    public_client = cc_usage(secret=None, client_auth="basic")
    assert run(public_client, DESKTOP) == []


# ---- TRD401 / TRD402 / TRD403 transport


def test_trd401_plain_http_token_endpoint():
    findings = run(cc_usage(token_url="http://auth.treddy.com/oauth/token"))
    assert rules(findings) == ["TRD401"]
    assert "Token endpoint http://auth.treddy.com/oauth/token" in findings[0].message


def test_trd401_one_finding_per_url_at_the_literal():
    url = "http://auth.treddy.com/oauth/token"
    literal_site = TransportFact(
        path="billing/treddy_client.py",
        span=Span(3, 12, 3, 48),
        kind="insecure_url",
        evidence="token URL",
        url=url,
    )
    first = cc_usage(token_url=url)
    second = cc_usage(span=span(44), token_url=url, context="other")
    findings = run(first, second, literal_site)
    assert [(f.rule, f.span.line) for f in findings] == [("TRD401", 3)]
    assert [r.span.line for r in findings[0].related] == [20, 44]


def test_trd401_hides_credentials_in_the_url():
    url = f"http://client:{LIVE_SECRET}@auth.treddy.com/oauth/token?client_secret={LIVE_SECRET}"
    message = run(cc_usage(token_url=url))[0].message
    assert LIVE_SECRET not in message


@pytest.mark.parametrize(
    "url",
    [
        TOKEN_URL,
        "http://localhost:8000/oauth/token",
        "http://127.0.0.1:5000/token",
        "http://[::1]/token",
    ],
)
def test_trd401_clean_for_https_and_loopback(url):
    assert "TRD401" not in rules(run(cc_usage(token_url=url)))


def test_trd402_verify_disabled_fact_and_usage_once():
    fact = TransportFact(
        path="billing/treddy_client.py",
        span=Span(20, 50, 20, 62),
        kind="verify_disabled",
        evidence="verify=False on fetch_token",
    )
    findings = run(cc_usage(verify_disabled=True), fact)
    assert [(f.rule, f.span.line, f.span.column) for f in findings] == [("TRD402", 20, 50)]
    assert "verify=False" in findings[0].message


def test_trd402_from_usage_alone():
    assert rules(run(cc_usage(verify_disabled=True))) == ["TRD402"]


def test_trd403_insecure_transport_override():
    fact = TransportFact(
        path="billing/settings.py",
        span=Span(4, 0, 4, 45),
        kind="insecure_transport_override",
        evidence='os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"',
    )
    findings = run(fact)
    assert rules(findings) == ["TRD403"]
    assert findings[0].confidence == "high"
    in_tests = replace(fact, path="tests/conftest.py")
    assert [f.confidence for f in run(in_tests)] == ["low"]


def test_transport_rules_clean():
    assert run(cc_usage(verify_disabled=False)) == []


# ---- findings as a whole


def test_findings_sorted_and_complete():
    usage = cc_usage(
        flow="authorization_code",
        client_auth="body",
        secret=literal(LIVE_SECRET, 8),
        verify_disabled=True,
    )
    other = cc_usage(path="a_first.py", flow="password")
    findings = run(usage, other)
    keys = [(f.path, f.span.line, f.span.column, f.rule) for f in findings]
    assert keys == sorted(keys)
    docs = {d.code: d for d in load_catalogue()}
    for f in findings:
        doc = docs[f.rule]
        assert (f.name, f.category, f.severity) == (doc.name, doc.category, doc.severity)
        assert f.fix_hint and f.fingerprint and "{" not in f.message
        assert f.confidence in ("high", "medium", "low")
        assert f.fixable is (doc.fix_safety is not None)
        assert LIVE_SECRET not in repr(f.to_json())


def test_every_rule_renders_its_message_without_leftover_placeholders():
    url = "http://auth.treddy.com/oauth/token"
    facts = [
        cc_usage(path="a.py", flow="authorization_code"),
        cc_usage(
            path="b.py",
            operation="authorization_url",
            flow="implicit",
            authorization_url=AUTHORIZE_URL,
            token_url=None,
        ),
        cc_usage(
            path="c.py", auto_refresh=True, scopes=[], api_urls=["https://api.treddy.com/v1/me"]
        ),
        cc_usage(path="d.py", client_auth="body"),
        cc_usage(path="e.py", client_auth="query"),
        cc_usage(path="f.py", client_auth="none", token_url=url, verify_disabled=True),
        secret_fact("client_secret", LIVE_SECRET),
        secret_fact("access_token", ACCESS_TOKEN, line=9),
        secret_fact("basic_header", BASIC_VALUE, line=10),
        DESKTOP,
        TransportFact(
            path="g.py",
            span=span(1),
            kind="insecure_transport_override",
            evidence="OAUTHLIB_INSECURE_TRANSPORT set",
        ),
    ]
    findings = run(*facts)
    assert {f.rule for f in findings} == {d.code for d in load_catalogue()}
    for f in findings:
        assert "{" not in f.message and "}" not in f.message, f


def test_application_evidence_alone_yields_no_finding():
    # The engine skips the policy for files without usages, secrets or transport facts; that is
    # only sound while every rule needs one of them.
    evidence = [
        AppEvidence("desktop/app.py", 1, "distributed_app", "imports tkinter"),
        AppEvidence("web/app.py", 1, "web_server", "imports flask"),
        AppEvidence("jobs/run.py", 1, "cli_daemon", "argparse entry point"),
    ]
    assert run(*evidence) == []
    assert (
        rules(run(*evidence, secret_fact("client_secret", "tr_sk_live_9f8e7d6c5b4a39281706"))) != []
    )
