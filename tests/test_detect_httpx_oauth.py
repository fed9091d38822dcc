"""httpx-oauth clients (reference section 6): authorization code only, body auth by default."""

from __future__ import annotations

import textwrap

from advisor.analysis.analyzer import analyze_text

HEADER = """
import os
from httpx_oauth.oauth2 import OAuth2
from httpx_oauth.clients.google import GoogleOAuth2

CID = os.environ["CID"]
SECRET = os.environ["SECRET"]
"""


def analyse(body: str):
    facts = analyze_text(HEADER + textwrap.dedent(body), "auth.py")
    assert hasattr(facts, "usages"), facts
    return facts


def test_generic_client_default_post_is_body():
    body = """
    client = OAuth2(CID, SECRET, "https://auth.treddy.com/authorize",
                    "https://auth.treddy.com/oauth/token")

    async def callback(code):
        url = await client.get_authorization_url("https://app/cb", scope=["deals"])
        token = await client.get_access_token(code, "https://app/cb")
        return await client.refresh_token(token["refresh_token"])
    """
    auth, tok, ref = analyse(body).usages
    assert (auth.operation, auth.flow, auth.authorization_url, auth.scopes) == (
        "authorization_url",
        "authorization_code",
        "https://auth.treddy.com/authorize",
        ["deals"],
    )
    assert (tok.library, tok.operation, tok.flow, tok.client_auth, tok.token_url) == (
        "httpx-oauth",
        "token_request",
        "authorization_code",
        "body",
        "https://auth.treddy.com/oauth/token",
    )
    assert tok.fix_hints["token_endpoint_auth_method"] == "client_secret_post"
    assert (ref.operation, ref.flow) == ("refresh", "refresh_token")
    assert tok.client_key == ref.client_key


def test_basic_when_configured_and_pkce_by_verifier():
    body = """
    client = OAuth2(CID, SECRET, "https://a", "https://t",
                    token_endpoint_auth_method="client_secret_basic")
    client.get_access_token(code, "https://app/cb", code_verifier=verifier)
    """
    (u,) = analyse(body).usages
    assert (u.flow, u.client_auth, u.fix_hints) == ("authorization_code_pkce", "basic", {})


def test_provider_class_setup_names_its_token_endpoint():
    facts = analyse('google = GoogleOAuth2(CID, "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0")')
    (u,) = facts.usages
    assert (u.operation, u.flow, u.client_auth, u.token_url) == (
        "client_setup",
        "authorization_code",
        "body",
        "https://oauth2.googleapis.com/token",
    )
    assert [s.role for s in facts.secrets] == ["client_secret"]
