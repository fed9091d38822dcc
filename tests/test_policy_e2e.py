"""End to end: real code through the detectors (advisor.engine.analyze_paths) and the policy.

The unit tests in test_policy_rules.py pin the policy's semantics on hand-built facts; these
check that detector facts and policy meet as intended on small, realistic integrations.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from advisor.engine import analyze_paths
from advisor.policy.policy import evaluate, load_policy

LIVE_SECRET = "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"

HEADER = """\
import os

import httpx
import requests

TOKEN_URL = "https://auth.treddy.com/oauth/token"
"""


def findings_for(tmp_path: Path, body: str, *, name: str = "integration.py", **kw):
    source = HEADER + textwrap.dedent(body)
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    result = analyze_paths([tmp_path])
    assert not result.errors
    findings = evaluate(result, load_policy(), **kw)
    lines = source.splitlines()
    # (rule, text of the reported line) reads better than line numbers and survives edits.
    return [(f.rule, lines[f.span.line - 1].strip()) for f in findings], findings


def test_compliant_client_credentials_is_clean(tmp_path):
    got, _ = findings_for(
        tmp_path,
        """
        def token():
            return requests.post(
                TOKEN_URL,
                data={"grant_type": "client_credentials", "scope": "deals:read"},
                auth=(os.environ["TREDDY_CLIENT_ID"], os.environ["TREDDY_CLIENT_SECRET"]),
            ).json()
        """,
    )
    assert got == []


def test_secret_in_body_hardcoded_and_no_scope(tmp_path):
    got, findings = findings_for(
        tmp_path,
        f"""
        CLIENT_SECRET = "{LIVE_SECRET}"


        def token():
            return requests.post(
                TOKEN_URL,
                data={{
                    "grant_type": "client_credentials",
                    "client_id": "tr_client_4821",
                    "client_secret": CLIENT_SECRET,
                }},
            )
        """,
    )
    assert sorted(got) == [
        ("TRD105", "return requests.post("),
        ("TRD201", "return requests.post("),
        ("TRD301", f'CLIENT_SECRET = "{LIVE_SECRET}"'),
    ]
    for f in findings:
        assert LIVE_SECRET not in f.message
        assert all(LIVE_SECRET not in r.message for r in f.related)


def test_query_credentials_and_missing_client_auth(tmp_path):
    got, _ = findings_for(
        tmp_path,
        """
        def in_query():
            return httpx.post(
                TOKEN_URL,
                params={"client_id": "tr_client_4821", "client_secret": os.environ["S"]},
                data={"grant_type": "client_credentials", "scope": "deals:read"},
            )


        def anonymous():
            return requests.post(
                TOKEN_URL,
                data={"grant_type": "client_credentials", "client_id": "tr_client_4821", "scope": "a"},
            )
        """,
    )
    assert got == [("TRD202", "return httpx.post("), ("TRD203", "return requests.post(")]


def test_unsupported_grant_and_refresh(tmp_path):
    got, _ = findings_for(
        tmp_path,
        """
        AUTH = (os.environ["TREDDY_CLIENT_ID"], os.environ["TREDDY_CLIENT_SECRET"])


        def password_grant(user, pw):
            data = {"grant_type": "password", "username": user, "password": pw, "scope": "a"}
            return requests.post(TOKEN_URL, data=data, auth=AUTH)


        def renew(refresh_token):
            data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
            return requests.post(TOKEN_URL, data=data, auth=AUTH)
        """,
    )
    assert got == [
        ("TRD101", "return requests.post(TOKEN_URL, data=data, auth=AUTH)"),
        ("TRD103", "return requests.post(TOKEN_URL, data=data, auth=AUTH)"),
    ]


def test_other_provider_is_left_alone_unless_asked(tmp_path):
    body = """
    def github(code):
        return requests.post(
            "https://github.com/login/oauth/access_token",
            data={"grant_type": "authorization_code", "code": code,
                  "client_id": "Iv1.8a61f9b3a7aba766", "client_secret": os.environ["GH_SECRET"]},
        )
    """
    got, _ = findings_for(tmp_path, body)
    assert got == []
    got, _ = findings_for(tmp_path, body, all_providers=True)
    assert {rule for rule, _ in got} == {"TRD101"}


def test_transport_rules(tmp_path):
    got, _ = findings_for(
        tmp_path,
        """
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"


        def token():
            return requests.post(
                "http://auth.treddy.com/oauth/token",
                data={"grant_type": "client_credentials", "scope": "deals:read"},
                auth=(os.environ["TREDDY_CLIENT_ID"], os.environ["TREDDY_CLIENT_SECRET"]),
                verify=False,
            )


        def local_mock():
            return requests.post(
                "http://localhost:8080/oauth/token",
                data={"grant_type": "client_credentials", "scope": "deals:read"},
                auth=(os.environ["TREDDY_CLIENT_ID"], os.environ["TREDDY_CLIENT_SECRET"]),
            )
        """,
    )
    rules = sorted(rule for rule, _ in got)
    assert rules == ["TRD401", "TRD402", "TRD403"]


@pytest.mark.parametrize("secret", ['""', '"YOUR_CLIENT_SECRET"', '"<secret>"', '"changeme"'])
def test_placeholder_secrets_are_silent(tmp_path, secret):
    got, _ = findings_for(
        tmp_path,
        f"""
        def token():
            return requests.post(
                TOKEN_URL,
                data={{"grant_type": "client_credentials", "scope": "deals:read"}},
                auth=("tr_client_4821", {secret}),
            )
        """,
    )
    assert [rule for rule, _ in got if rule.startswith("TRD3")] == []


def test_token_url_constant_is_not_a_secret(tmp_path):
    got, _ = findings_for(
        tmp_path,
        """
        TREDDY_TOKEN = "https://auth.treddy.com/oauth/token"
        GRANT_TOKEN = "client_credentials"
        token_type = "Bearer"
        """,
    )
    assert got == []
