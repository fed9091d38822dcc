"""Authlib client detection (reference section 4, idioms A1-A12 and the cheat-sheet)."""

from __future__ import annotations

import textwrap

import pytest

from advisor.analysis.analyzer import analyze_text

HEADER = """
import os
from authlib.integrations.requests_client import OAuth2Session
from authlib.integrations.httpx_client import OAuth2Client, AsyncOAuth2Client

TOKEN_URL = "https://auth.treddy.com/oauth/token"
AUTH_URL = "https://auth.treddy.com/oauth/authorize"
API_URL = "https://api.treddy.com/v1/deals"
CB = "https://app.example.com/callback"
CID = os.environ["TREDDY_CLIENT_ID"]
SECRET = os.environ["TREDDY_CLIENT_SECRET"]
"""
LITERAL_SECRET = "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"


def analyse(body: str, header: str = HEADER, path: str = "integration.py"):
    facts = analyze_text(header + textwrap.dedent(body), path)
    assert hasattr(facts, "usages"), facts
    return facts


def authlib_usages(body: str, header: str = HEADER):
    return [u for u in analyse(body, header).usages if u.library == "authlib"]


def only(body: str, header: str = HEADER):
    us = authlib_usages(body, header)
    assert len(us) == 1, [u.to_json() for u in us]
    return us[0]


def line_of(body: str, needle: str, header: str = HEADER) -> int:
    text = header + textwrap.dedent(body)
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# ---------------------------------------------------------------- sessions: A1-A9


def test_a1_guessed_client_credentials_default_basic_env_secret():
    body = """
    s = OAuth2Session(CID, SECRET, scope="deals:read", token_endpoint=TOKEN_URL)
    tok = s.fetch_token()
    """
    u = only(body)
    assert (u.operation, u.flow, u.grant_type, u.client_auth) == (
        "token_request",
        "client_credentials",
        "client_credentials",
        "basic",
    )
    assert u.token_url == "https://auth.treddy.com/oauth/token"
    assert u.scopes == ["deals:read"]
    assert u.secret.source == "env" and u.secret.detail == "TREDDY_CLIENT_SECRET"
    assert u.client_id.source == "env"
    # a client-credentials re-fetch is not a refresh
    assert u.auto_refresh is False
    assert u.span.line == line_of(body, "s.fetch_token()")
    assert any("non-empty" in e for e in u.evidence)
    assert any("re-fetched" in e for e in u.evidence)


def test_a2_client_secret_post_is_body_with_fix_hint():
    body = """
    s = OAuth2Session(CID, SECRET, token_endpoint_auth_method="client_secret_post")
    tok = s.fetch_token(TOKEN_URL, grant_type="client_credentials")
    """
    u = only(body)
    assert (u.flow, u.grant_type, u.client_auth) == (
        "client_credentials",
        "client_credentials",
        "body",
    )
    assert u.fix_hints["token_endpoint_auth_method"] == "client_secret_post"
    arg = u.fix_hints["argument"]
    ctor_line = line_of(body, "OAuth2Session(CID")
    assert arg["line"] == ctor_line and arg["where"] == "token_endpoint_auth_method="
    text = (HEADER + textwrap.dedent(body)).splitlines()[ctor_line - 1]
    assert text[arg["column"] : arg["end_column"]] == '"client_secret_post"'


def test_positional_third_argument_is_the_auth_method_not_scope():
    # requests-oauthlib's third positional is different: Authlib's is token_endpoint_auth_method
    u = only('OAuth2Session(CID, SECRET, "client_secret_post").fetch_token(TOKEN_URL)')
    assert u.client_auth == "body"
    assert "positional" in u.fix_hints["argument"]["where"]


def test_a3_no_secret_means_none():
    u = only("tok = OAuth2Session(client_id=CID).fetch_token(TOKEN_URL)")
    assert (u.flow, u.client_auth, u.secret) == ("client_credentials", "none", None)
    assert u.secret_source == "absent"


def test_empty_literal_secret_means_none():
    u = only('tok = OAuth2Session(CID, "").fetch_token(TOKEN_URL)')
    assert u.client_auth == "none"


def test_a4_fetch_client_secret_adds_body_secret():
    body = "tok = OAuth2Session(CID, SECRET).fetch_token(TOKEN_URL, client_secret=SECRET)"
    u = only(body)
    assert (u.flow, u.client_auth) == ("client_credentials", "body")
    assert any("Basic and body" in e for e in u.evidence)
    assert u.fix_hints["remove_argument"]["where"] == "client_secret="


def test_fetch_client_secret_with_get_goes_to_query():
    u = only('OAuth2Session(CID).fetch_token(TOKEN_URL, method="GET", client_secret=SECRET)')
    assert u.client_auth == "query"


def test_get_without_body_secret_stays_basic():
    u = only('OAuth2Session(CID, SECRET).fetch_token(TOKEN_URL, method="GET")')
    assert u.client_auth == "basic"


def test_a5_async_with_constructor_grant_and_api_call():
    body = """
    async def call_api():
        async with AsyncOAuth2Client(CID, SECRET, token_endpoint=TOKEN_URL,
                                     grant_type="client_credentials", update_token=save) as c:
            await c.fetch_token()
            return await c.get(API_URL)
    """
    u = only(body)
    assert (u.flow, u.grant_type, u.client_auth, u.auto_refresh) == (
        "client_credentials",
        "client_credentials",
        "basic",
        False,
    )
    assert u.token_url == "https://auth.treddy.com/oauth/token"
    assert u.api_urls == ["https://api.treddy.com/v1/deals"]
    assert u.context == "call_api"
    assert u.client_key and u.client_key.endswith(f":{line_of(body, 'async with')}:15")


def test_a6_pkce_s256_and_auto_refresh():
    body = """
    s = OAuth2Session(CID, SECRET, redirect_uri=CB, code_challenge_method="S256",
                      token_endpoint=TOKEN_URL)
    url, state = s.create_authorization_url(AUTH_URL, code_verifier=verifier)
    tok = s.fetch_token(authorization_response=callback_url, code_verifier=verifier)
    """
    auth_url, fetch = authlib_usages(body)
    assert (auth_url.operation, auth_url.flow, auth_url.authorization_url) == (
        "authorization_url",
        "authorization_code_pkce",
        "https://auth.treddy.com/oauth/authorize",
    )
    assert (fetch.operation, fetch.flow, fetch.grant_type, fetch.client_auth) == (
        "token_request",
        "authorization_code_pkce",
        "authorization_code",
        "basic",
    )
    assert fetch.auto_refresh is True
    assert auth_url.client_key == fetch.client_key


def test_a7_verifier_without_code_challenge_method_is_not_pkce():
    body = """
    s = OAuth2Session(CID, SECRET, redirect_uri=CB)
    url, state = s.create_authorization_url(AUTH_URL, code_verifier=verifier)
    """
    u = only(body)
    assert (u.operation, u.flow, u.client_auth) == (
        "authorization_url",
        "authorization_code",
        "basic",
    )
    assert any("code_verifier ignored" in e for e in u.evidence)


def test_plain_code_challenge_method_is_not_pkce():
    body = """
    s = OAuth2Session(CID, SECRET, code_challenge_method="plain")
    url, state = s.create_authorization_url(AUTH_URL, code_verifier=verifier)
    """
    assert only(body).flow == "authorization_code"


def test_a8_implicit_authorization_url():
    u = only(
        'url, state = OAuth2Session(CID).create_authorization_url(AUTH_URL, response_type="token")'
    )
    assert (u.operation, u.flow, u.client_auth) == ("authorization_url", "implicit", "none")


def test_implicit_from_constructor_response_type():
    body = """
    s = OAuth2Session(CID, response_type="token")
    url, state = s.create_authorization_url(AUTH_URL)
    """
    assert only(body).flow == "implicit"


def test_a9_password_guess():
    u = only("tok = OAuth2Session(CID, SECRET).fetch_token(TOKEN_URL, username=USER, password=PWD)")
    assert (u.flow, u.grant_type, u.client_auth) == ("password", "password", "basic")


# ---------------------------------------------------------------- fetch_token order (4.3)


@pytest.mark.parametrize(
    ("args", "flow", "grant"),
    [
        ('authorization_response="https://app/cb#access_token=x"', "implicit", None),
        ("authorization_response=request.url", "authorization_code", "authorization_code"),
        # explicit grant_type beats the keys
        ('grant_type="password", code=c', "password", "password"),
        ("code=request.args['code']", "authorization_code", "authorization_code"),
        ("code=None", "authorization_code", "authorization_code"),
        ("username=U", "client_credentials", "client_credentials"),
        # positional pitfall: the second positional is body, not code
        ('"abc"', "client_credentials", "client_credentials"),
        ("**extra", "unknown", None),
    ],
)
def test_fetch_token_grant_order(args, flow, grant):
    u = only(f"OAuth2Session(CID, SECRET).fetch_token(TOKEN_URL, {args})")
    assert (u.flow, u.grant_type) == (flow, grant)


def test_constructor_grant_type_beats_keys():
    body = """
    s = OAuth2Client(CID, SECRET, grant_type="client_credentials")
    s.fetch_token(TOKEN_URL, code=code)
    """
    assert only(body).flow == "client_credentials"


def test_fetch_access_token_alias():
    u = only("OAuth2Session(CID, SECRET).fetch_access_token(TOKEN_URL)")
    assert (u.operation, u.flow, u.token_url) == (
        "token_request",
        "client_credentials",
        "https://auth.treddy.com/oauth/token",
    )


def test_fetch_token_scope_overrides_client_scope():
    u = only('OAuth2Session(CID, SECRET, scope="a b").fetch_token(TOKEN_URL, scope="c")')
    assert u.scopes == ["c"]


def test_token_from_fragment_is_implicit():
    body = """
    s = OAuth2Session(CID)
    tok = s.token_from_fragment(request.url)
    """
    u = only(body)
    assert (u.operation, u.flow, u.client_auth) == ("token_request", "implicit", "none")


# ---------------------------------------------------------------- client authentication objects


def test_private_key_jwt_auth_method_object():
    header = HEADER + "from authlib.oauth2.rfc7523 import PrivateKeyJWT, ClientSecretJWT\n"
    body = """
    s = OAuth2Session(CID, PEM, token_endpoint_auth_method=PrivateKeyJWT(TOKEN_URL))
    s.fetch_token(TOKEN_URL)
    s.fetch_token(TOKEN_URL, auth=ClientSecretJWT(TOKEN_URL))
    """
    a, b = authlib_usages(body, header)
    assert a.client_auth == "private_key_jwt"
    assert b.client_auth == "private_key_jwt"


def test_explicit_auth_tuple_replaces_post_method():
    body = """
    s = OAuth2Session(CID, SECRET, token_endpoint_auth_method="client_secret_post")
    s.fetch_token(TOKEN_URL, auth=(CID, SECRET))
    """
    u = only(body)
    assert u.client_auth == "basic"
    assert any("replaces" in e for e in u.evidence)


def test_none_auth_method_literal():
    u = only('OAuth2Session(CID, SECRET, token_endpoint_auth_method="none").fetch_token(TOKEN_URL)')
    assert u.client_auth == "none"


# ---------------------------------------------------------------- refresh


def test_explicit_refresh_token():
    body = """
    s = OAuth2Session(CID, SECRET)
    s.refresh_token(TOKEN_URL, refresh_token="rt_live_5a4b3c2d1e0f9a8b7c6d5e4f")
    """
    facts = analyse(body)
    (u,) = facts.usages
    assert (u.operation, u.flow, u.grant_type, u.client_auth) == (
        "refresh",
        "refresh_token",
        "refresh_token",
        "basic",
    )
    assert [s.role for s in facts.secrets] == ["refresh_token"]


def test_auth_code_without_token_endpoint_metadata_has_no_auto_refresh():
    u = only("OAuth2Session(CID, SECRET).fetch_token(TOKEN_URL, code=code)")
    assert u.auto_refresh is False


def test_session_with_stored_refresh_token_is_setup_with_auto_refresh():
    body = """
    c = OAuth2Client(CID, SECRET, token_endpoint=TOKEN_URL, token=load_token())
    c.token = {"access_token": at, "refresh_token": rt, "expires_at": 1}
    r = c.get(API_URL)
    """
    u = only(body)
    assert u.operation == "client_setup"
    assert u.api_urls == ["https://api.treddy.com/v1/deals"]


def test_setup_with_literal_refresh_token_dict():
    body = """
    c = OAuth2Client(CID, SECRET, token_endpoint=TOKEN_URL,
                     token={"access_token": "at_live_0a1b2c3d4e5f6a7b8c9d", "refresh_token": "rt_live_0a1b2c3d4e5f6a7b8c9d"})
    c.get(API_URL)
    """
    facts = analyse(body)
    (u,) = facts.usages
    assert (u.operation, u.flow, u.auto_refresh) == ("client_setup", "unknown", True)
    assert sorted(s.role for s in facts.secrets) == ["access_token", "refresh_token"]


# ---------------------------------------------------------------- transport and secrets


def test_httpx_verify_false_on_client():
    body = """
    c = OAuth2Client(CID, SECRET, verify=False)
    c.fetch_token(TOKEN_URL)
    """
    facts = analyse(body)
    (u,) = facts.usages
    assert u.verify_disabled is True
    assert [t.kind for t in facts.transport] == ["verify_disabled"]


def test_requests_session_verify_kwarg_is_only_metadata():
    body = """
    s = OAuth2Session(CID, SECRET, verify=False)
    s.fetch_token(TOKEN_URL)
    """
    facts = analyse(body)
    assert facts.usages[0].verify_disabled is False
    assert facts.transport == []


def test_requests_session_verify_attribute():
    body = """
    s = OAuth2Session(CID, SECRET)
    s.verify = False
    s.fetch_token(TOKEN_URL)
    """
    facts = analyse(body)
    assert facts.usages[0].verify_disabled is True
    assert [t.span.line for t in facts.transport] == [line_of(body, "s.verify = False")]


def test_literal_client_secret_recorded_and_redacted():
    facts = analyse(f'OAuth2Session(CID, "{LITERAL_SECRET}").fetch_token(TOKEN_URL)')
    (u,) = facts.usages
    assert u.secret.source == "literal"
    assert LITERAL_SECRET not in (u.secret.redacted or "")
    (s,) = facts.secrets
    assert s.role == "client_secret" and s.credential.value_hash == u.secret.value_hash


def test_placeholder_secret_is_not_a_secret_fact():
    facts = analyse('OAuth2Session(CID, "YOUR_CLIENT_SECRET").fetch_token(TOKEN_URL)')
    assert facts.secrets == []
    assert facts.usages[0].client_auth == "basic"


# ---------------------------------------------------------------- aliases, subclasses, setup


def test_alias_and_subclass_with_super_init():
    header = """
import os
from authlib.integrations.requests_client import OAuth2Session as S
TOKEN_URL = "https://auth.treddy.com/oauth/token"
"""
    body = """
    class TreddyClient(S):
        def __init__(self, cid, secret):
            super().__init__(cid, secret, token_endpoint_auth_method="client_secret_post")

        def token(self):
            return self.fetch_token(TOKEN_URL)

    client = TreddyClient(os.environ["ID"], os.environ["SECRET"])
    client.get("https://api.treddy.com/v1/users/me")
    """
    u = only(body, header)
    assert (u.flow, u.client_auth, u.context) == (
        "client_credentials",
        "body",
        "TreddyClient.token",
    )
    assert u.client_key == "integration.py:class TreddyClient"
    assert u.api_urls == ["https://api.treddy.com/v1/users/me"]
    assert u.secret.source == "parameter"


def test_constructor_without_operation_is_client_setup():
    u = only(
        's = OAuth2Client(CID, SECRET, token_endpoint=TOKEN_URL, grant_type="client_credentials")'
    )
    assert (u.operation, u.flow, u.client_auth, u.token_url) == (
        "client_setup",
        "client_credentials",
        "basic",
        "https://auth.treddy.com/oauth/token",
    )


def test_no_duplicate_setup_when_fetch_present():
    body = """
    s = OAuth2Client(CID, SECRET)
    s.fetch_token(TOKEN_URL)
    s.fetch_token(TOKEN_URL)
    """
    us = authlib_usages(body)
    assert [u.operation for u in us] == ["token_request", "token_request"]
    assert us[0].client_key == us[1].client_key


def test_oauth2_auth_bearer_only():
    header = HEADER + "from authlib.integrations.requests_client import OAuth2Auth\n"
    facts = analyse(
        'auth = OAuth2Auth({"access_token": "at_live_9z8y7x6w5v4u3t2s1r0q", "token_type": "bearer"})',
        header,
    )
    (u,) = facts.usages
    assert (u.operation, u.flow, u.client_auth) == ("client_setup", "unknown", "unknown")
    assert [s.role for s in facts.secrets] == ["access_token"]


def test_assertion_session_is_jwt_bearer():
    header = HEADER + "from authlib.integrations.requests_client import AssertionSession\n"
    body = """
    s = AssertionSession(TOKEN_URL, issuer="svc", subject="svc", key=PRIVATE_KEY)
    s.fetch_token()
    """
    u = only(body, header)
    assert (u.operation, u.flow, u.grant_type, u.token_url) == (
        "token_request",
        "jwt_bearer",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "https://auth.treddy.com/oauth/token",
    )


# ---------------------------------------------------------------- framework registries

FLASK = """
import os
from flask import Flask, session, redirect, url_for
from authlib.integrations.flask_client import OAuth

app = Flask(__name__)
TOKEN_URL = "https://auth.treddy.com/oauth/token"
AUTH_URL = "https://auth.treddy.com/oauth/authorize"
CID = os.environ["TREDDY_CLIENT_ID"]
SECRET = os.environ["TREDDY_CLIENT_SECRET"]
oauth = OAuth(app)
"""


def test_a10_flask_registry_client_kwargs_post():
    body = """
    oauth.register("treddy", client_id=CID, client_secret=SECRET, access_token_url=TOKEN_URL,
                   client_kwargs={"token_endpoint_auth_method": "client_secret_post"})
    tok = oauth.treddy.fetch_access_token()
    """
    u = only(body, FLASK)
    assert (u.operation, u.flow, u.grant_type, u.client_auth, u.token_url) == (
        "token_request",
        "client_credentials",
        "client_credentials",
        "body",
        "https://auth.treddy.com/oauth/token",
    )
    assert u.fix_hints["token_endpoint_auth_method"] == "client_secret_post"
    assert u.fix_hints["argument"]["where"] == "client_kwargs['token_endpoint_auth_method']"
    assert u.fix_hints["argument"]["line"] == line_of(body, "client_kwargs=", FLASK)


def test_top_level_metadata_wins_over_client_kwargs():
    body = """
    oauth.register("treddy", client_id=CID, client_secret=SECRET, access_token_url=TOKEN_URL,
                   token_endpoint_auth_method="client_secret_basic",
                   client_kwargs={"token_endpoint_auth_method": "client_secret_post"})
    tok = oauth.treddy.fetch_access_token()
    """
    assert only(body, FLASK).client_auth == "basic"


def test_a11_flask_registry_authorization_code_with_auto_refresh():
    body = """
    oauth.register("treddy_login", client_id=CID, client_secret=SECRET, access_token_url=TOKEN_URL,
                   authorize_url=AUTH_URL, client_kwargs={"scope": "profile"},
                   api_base_url="https://api.treddy.com/v1/")

    @app.route("/login")
    def login():
        return oauth.treddy_login.authorize_redirect(url_for("cb", _external=True))

    @app.route("/cb")
    def cb():
        session["tok"] = oauth.treddy_login.authorize_access_token()
        profile = oauth.treddy_login.get("me")
        return redirect("/")
    """
    redirect_u, token_u = authlib_usages(body, FLASK)
    assert (redirect_u.operation, redirect_u.flow, redirect_u.authorization_url) == (
        "authorization_url",
        "authorization_code",
        "https://auth.treddy.com/oauth/authorize",
    )
    assert redirect_u.scopes == ["profile"]
    assert (token_u.operation, token_u.flow, token_u.client_auth, token_u.auto_refresh) == (
        "token_request",
        "authorization_code",
        "basic",
        True,
    )
    assert token_u.api_urls == ["https://api.treddy.com/v1/me"]
    assert redirect_u.client_key == token_u.client_key


def test_registry_pkce_from_client_kwargs():
    body = """
    oauth.register("t", client_id=CID, authorize_url=AUTH_URL, access_token_url=TOKEN_URL,
                   client_kwargs={"code_challenge_method": "S256"})
    oauth.t.authorize_redirect(CB)
    oauth.t.authorize_access_token()
    """
    a, b = authlib_usages(body, FLASK)
    assert (a.flow, b.flow, b.grant_type) == (
        "authorization_code_pkce",
        "authorization_code_pkce",
        "authorization_code",
    )
    # no client_secret= in register(): Flask reads T_CLIENT_SECRET from app.config
    assert (b.client_auth, b.secret_source) == ("basic", "config")


def test_registry_implicit_response_type():
    body = """
    oauth.register("t", client_id=CID, authorize_url=AUTH_URL, access_token_url=TOKEN_URL)
    oauth.t.authorize_redirect(CB, response_type="token")
    """
    assert only(body, FLASK).flow == "implicit"


def test_a12_starlette_registry_config_secret():
    header = """
from starlette.config import Config
from authlib.integrations.starlette_client import OAuth
TOKEN_URL = "https://auth.treddy.com/oauth/token"
config = Config(".env")
oauth = OAuth(config)
"""
    body = """
    oauth.register("treddy", access_token_url=TOKEN_URL, grant_type="client_credentials")

    async def get_token():
        return await oauth.treddy.fetch_access_token()
    """
    u = only(body, header)
    assert (u.flow, u.client_auth, u.auto_refresh) == ("client_credentials", "basic", False)
    assert u.secret_source == "config"
    assert "TREDDY_CLIENT_SECRET" in u.secret.detail
    assert any("non-empty" in e for e in u.evidence)


def test_flask_config_secret_and_create_client():
    body = """
    oauth.register("treddy", access_token_url=TOKEN_URL)
    client = oauth.create_client("treddy")
    tok = client.fetch_access_token()
    """
    u = only(body, FLASK)
    assert (u.flow, u.client_auth, u.secret_source) == ("client_credentials", "basic", "config")
    assert u.secret.detail == "app.config['TREDDY_CLIENT_SECRET']"
    assert u.scopes is None  # TREDDY_CLIENT_KWARGS in the config may add a scope


def test_register_return_value_is_the_client():
    body = """
    treddy = oauth.register("treddy", client_id=CID, client_secret=SECRET, access_token_url=TOKEN_URL)
    treddy.fetch_access_token(code=code)
    """
    u = only(body, FLASK)
    assert u.flow == "authorization_code"


def test_getattr_registry_client_with_unknown_name():
    body = """
    oauth.register("treddy", client_id=CID, client_secret=SECRET, access_token_url=TOKEN_URL)

    def login(provider):
        return getattr(oauth, provider).authorize_access_token()
    """
    u, setup = authlib_usages(body, FLASK)
    # the registered client has no call by name: it is still inventoried at register()
    assert (setup.operation, setup.client_auth) == ("client_setup", "basic")
    assert (u.operation, u.flow, u.client_auth, u.token_url) == (
        "token_request",
        "authorization_code",
        "unknown",
        None,
    )
    assert u.secret_source == "unknown"


def test_django_registry_request_first():
    header = """
from authlib.integrations.django_client import OAuth
oauth = OAuth()
oauth.register("treddy", authorize_url="https://auth.treddy.com/authorize")
"""
    body = """
    def login(request):
        return oauth.treddy.authorize_redirect(request, "https://app.example.com/cb")
    """
    u = only(body, header)
    assert (u.operation, u.flow, u.secret_source) == (
        "authorization_url",
        "authorization_code",
        "config",
    )
    assert "AUTHLIB_OAUTH_CLIENTS" in u.secret.detail


def test_registry_without_calls_is_client_setup():
    body = """
    oauth.register("treddy", client_id=CID, client_secret=SECRET, access_token_url=TOKEN_URL,
                   authorize_url=AUTH_URL)
    """
    u = only(body, FLASK)
    assert (u.operation, u.flow, u.client_auth) == ("client_setup", "authorization_code", "basic")


# ---------------------------------------------------------------- negatives


def test_oauth1_registry_is_silent():
    body = """
    oauth.register("twitter", client_id=CID, client_secret=SECRET,
                   request_token_url="https://api.twitter.com/oauth/request_token",
                   access_token_url="https://api.twitter.com/oauth/access_token",
                   authorize_url="https://api.twitter.com/oauth/authenticate")
    oauth.twitter.authorize_redirect(CB)
    oauth.twitter.authorize_access_token()
    """
    assert authlib_usages(body, FLASK) == []


def test_oauth1_sessions_are_silent():
    header = """
from authlib.integrations.requests_client import OAuth1Session
from authlib.integrations.httpx_client import OAuth1Client
"""
    body = """
    s = OAuth1Session("key", "secret")
    s.fetch_request_token("https://x/request_token")
    s.fetch_access_token("https://x/access_token")
    c = OAuth1Client("key", "secret")
    c.fetch_access_token("https://x/access_token")
    """
    assert authlib_usages(body, header) == []


def test_server_side_authlib_is_silent():
    header = """
from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import grants
"""
    body = """
    class ClientCredentials(grants.ClientCredentialsGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]

    server = AuthorizationServer(app, query_client=q, save_token=s)
    server.register_grant(ClientCredentials)
    require_oauth = ResourceProtector()

    def issue_token():
        return server.create_token_response()

    def fetch_token(request):
        token = request.args.get("access_token")
        return token
    """
    facts = analyse(body, header)
    assert facts.usages == [] and facts.secrets == []


def test_unrelated_token_variables_are_silent():
    body = """
    token = get_token()
    refresh_token = token["refresh_token"]
    def fetch_token(url):
        return url
    fetch_token(TOKEN_URL)
    """
    assert authlib_usages(body) == []


def test_registry_client_configured_elsewhere_is_read_by_its_method_names():
    facts = analyze_text(
        textwrap.dedent(
            """
            from flask import g, url_for

            def login_view():
                return g._oidc_auth.authorize_redirect(url_for("oidc.callback", _external=True))

            def authorize_view():
                token = g._oidc_auth.authorize_access_token()
                return token
            """
        ),
        "views.py",
    )
    got = sorted((u.context, u.operation, u.flow, u.library) for u in facts.usages)
    assert got == [
        ("authorize_view", "token_request", "authorization_code", "authlib"),
        ("login_view", "authorization_url", "authorization_code", "authlib"),
    ]


def test_registry_method_names_on_a_known_other_library_object_are_silent():
    facts = analyze_text(
        textwrap.dedent(
            """
            import requests
            s = requests.Session()
            s.authorize_redirect("https://app/cb")
            """
        ),
        "other.py",
    )
    assert facts.usages == []
