"""oauthlib used directly: idioms O1-O4 of the reference, per-class grants, consuming requests."""

from __future__ import annotations

import textwrap

from advisor.analysis.analyzer import analyze_text
from advisor.model import FileFacts, Usage

HEADER = """\
import requests
from oauthlib.oauth2 import (
    BackendApplicationClient, LegacyApplicationClient, MobileApplicationClient, WebApplicationClient,
)

CID = "treddy-client-7f3a"
SECRET = "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
TOKEN_URL = "https://auth.treddy.com/oauth/token"
AUTH_URL = "https://auth.treddy.com/oauth/authorize"
CB = "https://app.example.com/callback"
"""


def facts(code: str, header: bool = True) -> FileFacts:
    f = analyze_text((HEADER if header else "") + textwrap.dedent(code), "svc/token.py")
    assert isinstance(f, FileFacts), f
    return f


def usages(code: str, header: bool = True) -> list[Usage]:
    return facts(code, header).usages


def one(code: str, header: bool = True, **expected: object) -> Usage:
    found = usages(code, header)
    assert len(found) == 1, [(u.library, u.operation, u.flow, u.span.line) for u in found]
    u = found[0]
    for k, v in expected.items():
        assert getattr(u, k) == v, (k, getattr(u, k), v)
    return u


def pair(code: str, http: str = "requests", header: bool = True, **expected: object) -> list[Usage]:
    """The oauthlib usage at the prepare call and the usage of the request that sends it."""
    found = usages(code, header)
    assert [u.library for u in found] == ["oauthlib", http], [
        (u.library, u.operation, u.span.line) for u in found
    ]
    for u in found:
        for k, v in expected.items():
            assert getattr(u, k) == v, (u.library, k, getattr(u, k), v)
    assert found[0].client_key == found[1].client_key
    assert found[0].span.line <= found[1].span.line
    return found


SEND = dict(operation="token_request", flow="client_credentials", grant_type="client_credentials")
CC = dict(
    library="oauthlib",
    operation="token_request",
    flow="client_credentials",
    grant_type="client_credentials",
)


def test_o1_prepare_token_request_sent_with_basic_auth() -> None:
    f = facts(
        """
        def token():
            c = BackendApplicationClient(client_id=CID)
            url, headers, body = c.prepare_token_request(TOKEN_URL, scope=["deals:read"])
            r = requests.post(url, headers=headers, data=body, auth=(CID, SECRET))
            return r.json()
        """
    )
    # the prepare site and the send site; the raw detector does not report the send again
    assert [(u.library, u.span.line) for u in f.usages] == [("oauthlib", 14), ("requests", 15)]
    for u in f.usages:
        assert (u.flow, u.grant_type, u.client_auth) == (
            "client_credentials",
            "client_credentials",
            "basic",
        )
        assert u.token_url == "https://auth.treddy.com/oauth/token"
        assert u.scopes == ["deals:read"]
        assert u.secret_source == "literal"
    assert any("sent with requests at line 15" in e for e in f.usages[0].evidence)
    assert [s.role for s in f.secrets] == ["credential_pair"]


def test_o2_prepare_request_body_with_secret_is_body() -> None:
    f = facts(
        """
        body = BackendApplicationClient(CID).prepare_request_body(include_client_id=True, client_secret=SECRET)
        r = requests.post(TOKEN_URL, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        """
    )
    assert [u.library for u in f.usages] == ["oauthlib", "requests"]
    for u in f.usages:
        assert (u.flow, u.client_auth, u.token_url, u.scopes) == (
            "client_credentials",
            "body",
            "https://auth.treddy.com/oauth/token",
            [],
        )
        assert u.client_id is not None and u.client_id.source == "literal"
    assert f.usages[0].fix_hints == {"move_body_credentials_to_auth": True}
    assert [s.role for s in f.secrets] == ["client_secret"]


def test_o3_web_application_client_uri_and_body() -> None:
    found = usages(
        """
        def start(st, code):
            w = WebApplicationClient(CID)
            auth_url = w.prepare_request_uri(AUTH_URL, redirect_uri=CB, scope="profile", state=st)
            body = w.prepare_request_body(code=code, redirect_uri=CB, client_secret=SECRET)
            return auth_url, body
        """
    )
    assert [(u.operation, u.flow, u.grant_type, u.client_auth) for u in found] == [
        ("authorization_url", "authorization_code", None, "none"),
        ("token_request", "authorization_code", "authorization_code", "body"),
    ]
    assert found[0].authorization_url == "https://auth.treddy.com/oauth/authorize"
    assert found[0].scopes == ["profile"]
    assert found[0].client_key == found[1].client_key is not None


def test_o4_refresh_token_request_with_basic() -> None:
    found = usages(
        """
        def renew(rt):
            w = WebApplicationClient(CID)
            url, headers, body = w.prepare_refresh_token_request(TOKEN_URL, refresh_token=rt)
            return requests.post(url, headers=headers, data=body, auth=(CID, SECRET))
        """
    )
    assert [(u.operation, u.flow, u.grant_type, u.client_auth, u.token_url) for u in found] == [
        ("refresh", "refresh_token", "refresh_token", "basic", TOKEN_URL_VALUE),
        ("refresh", "refresh_token", "refresh_token", "basic", TOKEN_URL_VALUE),
    ]
    assert [u.library for u in found] == ["oauthlib", "requests"]


TOKEN_URL_VALUE = "https://auth.treddy.com/oauth/token"


def test_prepared_body_without_visible_request_and_no_secret_is_unknown() -> None:
    one(
        """
        def body():
            return BackendApplicationClient(CID).prepare_request_body(scope="deals:read")
        """,
        client_auth="unknown",
        scopes=["deals:read"],
        **CC,
    )


def test_request_without_auth_sends_no_client_auth() -> None:
    pair(
        """
        def token():
            body = BackendApplicationClient(CID).prepare_request_body()
            return requests.post(TOKEN_URL, data=body)
        """,
        client_auth="none",
        token_url=TOKEN_URL_VALUE,
        **SEND,
    )


def test_inline_body_in_the_request() -> None:
    pair(
        """
        from requests.auth import HTTPBasicAuth
        c = BackendApplicationClient(CID)
        r = requests.post(TOKEN_URL, data=c.prepare_request_body(), auth=HTTPBasicAuth(CID, SECRET))
        """,
        client_auth="basic",
        token_url=TOKEN_URL_VALUE,
        **SEND,
    )


def test_rebound_body_is_not_the_prepared_one() -> None:
    one(
        """
        def token(other):
            body = BackendApplicationClient(CID).prepare_request_body(client_secret=SECRET)
            body = other
            return requests.post(TOKEN_URL, data=body, auth=(CID, SECRET))
        """,
        client_auth="body",
        **CC,
    )


def test_basic_auth_plus_secret_in_body_is_body() -> None:
    pair(
        """
        def token():
            url, headers, body = BackendApplicationClient(CID).prepare_token_request(
                TOKEN_URL, client_secret=SECRET)
            return requests.post(url, headers=headers, data=body, auth=(CID, SECRET))
        """,
        client_auth="body",
        **SEND,
    )


def test_verify_false_on_consuming_request() -> None:
    f = facts(
        """
        def token():
            url, headers, body = BackendApplicationClient(CID).prepare_token_request(TOKEN_URL)
            return requests.post(url, headers=headers, data=body, auth=(CID, SECRET), verify=False)
        """
    )
    assert [u.verify_disabled for u in f.usages] == [True, True]
    assert [(t.kind, t.span.line) for t in f.transport] == [("verify_disabled", 14)]


def test_httpx_consumer_with_client_auth() -> None:
    code = """
    import httpx
    from oauthlib.oauth2 import BackendApplicationClient
    def token(cid, secret):
        body = BackendApplicationClient(cid).prepare_request_body(scope=["r"])
        with httpx.Client(auth=(cid, secret)) as http:
            return http.post("https://auth.treddy.com/oauth/token", content=body)
    """
    found = pair(code, http="httpx", header=False, client_auth="basic", scopes=["r"], **SEND)
    assert found[1].token_url == TOKEN_URL_VALUE
    for u in found:
        assert u.secret is not None and u.secret.source == "parameter"


def test_two_sends_with_different_auth() -> None:
    found = usages(
        """
        def token(use_basic):
            url, headers, body = WebApplicationClient(CID).prepare_token_request(TOKEN_URL, code="c")
            if use_basic:
                return requests.post(url, headers=headers, data=body, auth=(CID, SECRET))
            return requests.post(url, headers=headers, data=body)
        """
    )
    assert [(u.library, u.flow, u.client_auth) for u in found] == [
        ("oauthlib", "authorization_code", "unknown"),
        ("requests", "authorization_code", "basic"),
        ("requests", "authorization_code", "none"),
    ]


def test_legacy_client_password_grant() -> None:
    one(
        """
        def token(user, pw):
            return LegacyApplicationClient(CID).prepare_request_body(user, pw, client_secret=SECRET)
        """,
        library="oauthlib",
        flow="password",
        grant_type="password",
        client_auth="body",
    )


def test_device_client_uri_with_secret_in_query() -> None:
    f = facts(
        """
        from oauthlib.oauth2.rfc8628 import DeviceClient
        dc = DeviceClient(CID, client_secret=SECRET)
        uri = dc.prepare_request_uri("https://auth.treddy.com/oauth/device")
        body = dc.prepare_request_body("device-code-123")
        """
    )
    assert [(u.operation, u.flow, u.client_auth) for u in f.usages] == [
        ("authorization_url", "device_code", "query"),
        ("token_request", "device_code", "unknown"),
    ]
    assert f.usages[1].grant_type == "urn:ietf:params:oauth:grant-type:device_code"
    assert [s.role for s in f.secrets] == ["client_secret"]


def test_mobile_client_uri_is_implicit() -> None:
    one(
        """
        uri = MobileApplicationClient(CID).prepare_request_uri(AUTH_URL, redirect_uri=CB, scope=["a"])
        """,
        operation="authorization_url",
        flow="implicit",
        client_auth="none",
        scopes=["a"],
    )


def test_web_client_uri_with_code_challenge_is_pkce() -> None:
    one(
        """
        w = WebApplicationClient(CID)
        verifier = w.create_code_verifier(64)
        challenge = w.create_code_challenge(verifier, "S256")
        uri = w.prepare_request_uri(AUTH_URL, redirect_uri=CB, code_challenge=challenge,
                                    code_challenge_method="S256")
        """,
        operation="authorization_url",
        flow="authorization_code_pkce",
    )


def test_web_body_with_code_verifier_is_pkce() -> None:
    one(
        """
        body = WebApplicationClient(CID).prepare_request_body(code="c", code_verifier="v" * 43)
        """,
        flow="authorization_code_pkce",
        grant_type="authorization_code",
        client_auth="unknown",
    )


def test_prepare_refresh_body_with_secret() -> None:
    f = facts(
        """
        body = BackendApplicationClient(CID).prepare_refresh_body(
            refresh_token="rt_4f9a8b7c6d5e4f3a2b1c", client_id=CID, client_secret=SECRET)
        """
    )
    assert [(u.operation, u.flow, u.client_auth) for u in f.usages] == [
        ("refresh", "refresh_token", "body")
    ]
    assert sorted(s.role for s in f.secrets) == ["client_secret", "refresh_token"]


def test_module_prepare_token_request() -> None:
    code = """
    import requests
    from oauthlib.oauth2.rfc6749.parameters import prepare_token_request
    def token(cid, secret):
        body = prepare_token_request("client_credentials", scope="deals:read")
        return requests.post("https://auth.treddy.com/oauth/token", data=body, auth=(cid, secret))
    """
    one(
        code,
        header=False,
        token_url=TOKEN_URL_VALUE,
        client_auth="basic",
        scopes=["deals:read"],
        **CC,
    )


def test_module_prepare_token_request_secret_in_body() -> None:
    code = """
    from oauthlib.oauth2.rfc6749 import parameters
    body = parameters.prepare_token_request("client_credentials", client_id="c", client_secret="s3cr3t-9f8e7d6c5b4a")
    """
    one(code, header=False, client_auth="body", **CC)


def test_subclass_of_backend_client() -> None:
    one(
        """
        class TreddyClient(BackendApplicationClient):
            pass

        body = TreddyClient(CID).prepare_request_body(include_client_id=True, client_secret=SECRET)
        """,
        client_auth="body",
        **CC,
    )


def test_client_object_alone_is_not_a_usage() -> None:
    assert usages("c = BackendApplicationClient(CID)\n") == []


def test_server_side_oauthlib_is_silent() -> None:
    code = """
    from oauthlib.oauth2 import RequestValidator, Server, WebApplicationServer

    class Validator(RequestValidator):
        def validate_client_id(self, client_id, request, *args, **kwargs):
            return client_id == "abc"

        def authenticate_client(self, request, *args, **kwargs):
            return request.client_secret == "x"

        def save_bearer_token(self, token, request, *args, **kwargs):
            self.tokens[token["access_token"]] = token

    server = Server(Validator())
    web = WebApplicationServer(Validator())
    def token_endpoint(uri, method, body, headers):
        return server.create_token_response(uri, method, body, headers, {"grant_type": "client_credentials"})
    def authorize(uri):
        return web.validate_authorization_request(uri)
    """
    f = facts(code, header=False)
    assert f.usages == []
    assert f.secrets == []


def test_oauth1_client_is_silent() -> None:
    code = """
    from oauthlib.oauth1 import Client
    c = Client("ck", client_secret="cs_8d7f6e5a4b3c2d1e")
    uri, headers, body = c.sign("https://api.example.com/x")
    """
    assert usages(code, header=False) == []


def test_property_declared_to_return_a_client_and_unseen_kwargs() -> None:
    found = usages(
        """
        class SSO:
            @property
            def oauth_client(self) -> WebApplicationClient:
                if self._client is None:
                    self._client = WebApplicationClient(self.client_id)
                return self._client

            def login(self, code, params):
                url, headers, body = self.oauth_client.prepare_token_request(
                    TOKEN_URL, code=code, **params)
                return requests.post(url, headers=headers, data=body)
        """
    )
    # **params may carry client_secret: without auth= the method cannot be told
    assert [(u.library, u.flow, u.client_auth) for u in found] == [
        ("oauthlib", "authorization_code", "unknown"),
        ("requests", "authorization_code", "unknown"),
    ]
    assert found[0].client_key == found[1].client_key is not None
    assert found[1].secret_source == "unknown"
    assert found[1].secret_source == "unknown"
