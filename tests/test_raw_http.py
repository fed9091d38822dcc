"""Raw token requests and authorization URLs built by hand (reference section 7)."""

from __future__ import annotations

import textwrap

import pytest

from advisor.analysis.analyzer import analyze_text

HEADER = """
import base64, json, os
import requests
import httpx
import aiohttp
import urllib.request
import urllib.parse
from requests.auth import HTTPBasicAuth

TOKEN_URL = "https://auth.treddy.com/oauth/token"
CID = os.environ["TREDDY_CLIENT_ID"]
SECRET = os.environ["TREDDY_CLIENT_SECRET"]
"""


def analyse(body: str, path: str = "integration.py"):
    facts = analyze_text(HEADER + textwrap.dedent(body), path)
    assert not isinstance(facts, Exception) and hasattr(facts, "usages"), facts
    return facts


def only_usage(body: str):
    facts = analyse(body)
    assert len(facts.usages) == 1, [u.to_json() for u in facts.usages]
    return facts.usages[0]


@pytest.mark.parametrize(
    ("body", "library", "auth"),
    [
        # H1: auth tuple
        (
            'requests.post(TOKEN_URL, data={"grant_type": "client_credentials", "scope": "deals:read"},'
            " auth=(CID, SECRET))",
            "requests",
            "basic",
        ),
        # H2: second positional of requests.post is the form body
        (
            'requests.post(TOKEN_URL, {"grant_type": "client_credentials", "client_id": CID,'
            ' "client_secret": SECRET})',
            "requests",
            "body",
        ),
        # H3: params= puts the secret in the URL
        (
            'requests.post(TOKEN_URL, params={"grant_type": "client_credentials", "client_id": CID,'
            ' "client_secret": SECRET})',
            "requests",
            "query",
        ),
        # H6: JSON body
        (
            'httpx.post(TOKEN_URL, json={"grant_type": "client_credentials", "client_id": CID,'
            ' "client_secret": SECRET})',
            "httpx",
            "body",
        ),
        # HTTPBasicAuth object
        (
            'requests.post(TOKEN_URL, data={"grant_type": "client_credentials"},'
            " auth=HTTPBasicAuth(CID, SECRET))",
            "requests",
            "basic",
        ),
        # only client_id: no client authentication
        (
            'requests.post(TOKEN_URL, data={"grant_type": "client_credentials", "client_id": CID})',
            "requests",
            "none",
        ),
        # an auth object the analysis cannot see into
        (
            'requests.post(TOKEN_URL, data={"grant_type": "client_credentials"}, auth=make_auth())',
            "requests",
            "unknown",
        ),
    ],
)
def test_client_auth_per_channel(body, library, auth):
    u = only_usage(body)
    assert u.library == library
    assert u.operation == "token_request"
    assert u.flow == "client_credentials"
    assert u.grant_type == "client_credentials"
    assert u.client_auth == auth
    assert u.token_url == "https://auth.treddy.com/oauth/token"


def test_manual_basic_header_built_with_base64():
    u = only_usage(
        """
        def token():
            basic = base64.b64encode(f"{CID}:{SECRET}".encode()).decode()
            return requests.post(TOKEN_URL, data="grant_type=client_credentials",
                                 headers={"Authorization": f"Basic {basic}"})
        """
    )
    assert u.client_auth == "basic"
    assert u.secret_source == "env"
    assert u.scopes == []


def test_helper_builds_basic_header_one_call_deep():
    u = only_usage(
        """
        def _make_auth_headers(client_id, secret):
            raw = "%s:%s" % (client_id, secret)
            return {"Authorization": "Basic " + base64.b64encode(raw.encode()).decode()}

        def token():
            return requests.post(TOKEN_URL, data={"grant_type": "client_credentials"},
                                 headers=_make_auth_headers(CID, SECRET))
        """
    )
    assert u.client_auth == "basic"
    assert u.secret_source == "env"


def test_basic_header_and_secret_in_body_counts_as_body():
    u = only_usage(
        """
        def token():
            data = {"grant_type": "client_credentials"}
            data["client_secret"] = SECRET
            return requests.post(TOKEN_URL, data=data, auth=(CID, SECRET))
        """
    )
    assert u.client_auth == "body"


def test_httpx_client_level_auth_and_async_aiohttp():
    facts = analyse(
        """
        def sync():
            with httpx.Client(auth=httpx.BasicAuth(CID, SECRET)) as c:
                return c.post(TOKEN_URL, data={"grant_type": "client_credentials"})

        async def get_token():
            async with aiohttp.ClientSession() as s:
                async with s.post(TOKEN_URL, data={"grant_type": "client_credentials"},
                                  auth=aiohttp.BasicAuth(CID, SECRET)) as resp:
                    return await resp.json()
        """
    )
    assert [(u.library, u.client_auth) for u in facts.usages] == [
        ("httpx", "basic"),
        ("aiohttp", "basic"),
    ]


def test_requests_session_auth_attribute():
    u = only_usage(
        """
        def token():
            s = requests.Session()
            s.auth = (CID, SECRET)
            return s.post(TOKEN_URL, data={"grant_type": "client_credentials"})
        """
    )
    assert u.client_auth == "basic"


def test_urllib_request_is_reported_once():
    facts = analyse(
        """
        def token(basic):
            body = urllib.parse.urlencode({"grant_type": "client_credentials"}).encode()
            req = urllib.request.Request(TOKEN_URL, data=body,
                                         headers={"Authorization": "Basic " + basic})
            return json.load(urllib.request.urlopen(req))
        """
    )
    assert len(facts.usages) == 1
    u = facts.usages[0]
    assert (u.library, u.flow, u.client_auth) == ("urllib", "client_credentials", "basic")


@pytest.mark.parametrize(
    "send",
    [
        # the Request built inline, everything in it
        """urllib.request.urlopen(urllib.request.Request(TOKEN_URL, data=body,
                                             headers={"Authorization": "Basic " + basic}))""",
        # the body given to urlopen, the header to the Request
        """urllib.request.urlopen(
            urllib.request.Request(TOKEN_URL, headers={"Authorization": "Basic " + basic}),
            data=body)""",
    ],
)
def test_urllib_request_built_inline_is_reported_once(send: str) -> None:
    facts = analyse(
        f"""
        def token(basic):
            body = urllib.parse.urlencode({{"grant_type": "client_credentials"}}).encode()
            return json.load({send})
        """
    )
    assert len(facts.usages) == 1
    u = facts.usages[0]
    assert (u.library, u.flow, u.client_auth) == ("urllib", "client_credentials", "basic")


@pytest.mark.parametrize(
    ("grant", "flow", "operation"),
    [
        ("refresh_token", "refresh_token", "refresh"),
        ("authorization_code", "authorization_code", "token_request"),
        ("password", "password", "token_request"),
        ("urn:ietf:params:oauth:grant-type:device_code", "device_code", "token_request"),
        ("urn:ietf:params:oauth:grant-type:jwt-bearer", "jwt_bearer", "token_request"),
    ],
)
def test_grant_types(grant, flow, operation):
    u = only_usage(
        f'requests.post(TOKEN_URL, data={{"grant_type": "{grant}"}}, auth=(CID, SECRET))'
    )
    assert (u.flow, u.operation, u.grant_type) == (flow, operation, grant)


def test_pkce_code_exchange():
    u = only_usage(
        """
        def exchange(code, verifier):
            return httpx.post(TOKEN_URL, data={"grant_type": "authorization_code", "code": code,
                              "code_verifier": verifier, "client_id": CID})
        """
    )
    assert u.flow == "authorization_code_pkce"
    assert u.client_auth == "none"


def test_hand_built_authorization_urls():
    facts = analyse(
        """
        def login():
            return f"https://auth.treddy.com/authorize?response_type=token&client_id={CID}"

        def login2(state):
            q = urllib.parse.urlencode({"response_type": "code", "client_id": CID, "state": state})
            return "https://auth.treddy.com/authorize?" + q
        """
    )
    flows = sorted((u.operation, u.flow) for u in facts.usages)
    assert flows == [("authorization_url", "authorization_code"), ("authorization_url", "implicit")]


def test_literal_secret_is_recorded_redacted_at_its_definition():
    facts = analyze_text(
        textwrap.dedent(
            """
            import requests
            SECRET = "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"

            def token():
                return requests.post("https://auth.treddy.com/oauth/token",
                                     data={"grant_type": "client_credentials",
                                           "client_id": "cid", "client_secret": SECRET})
            """
        ),
        "x.py",
    )
    assert len(facts.secrets) == 1
    s = facts.secrets[0]
    assert s.role == "client_secret"
    assert s.span.line == 3
    assert "9f8e7d6c" not in (s.credential.redacted or "")
    u = facts.usages[0]
    assert u.secret.source == "literal" and u.secret.literal_span.line == 3


def test_verify_false_is_a_transport_fact():
    facts = analyse(
        'requests.post(TOKEN_URL, data={"grant_type": "client_credentials"}, auth=(CID, SECRET),'
        " verify=False)"
    )
    assert facts.usages[0].verify_disabled
    assert [t.kind for t in facts.transport] == ["verify_disabled"]


@pytest.mark.parametrize(
    "body",
    [
        # ordinary API calls are not OAuth token requests
        'requests.get("https://api.treddy.com/v1/deals", headers={"Authorization": "Bearer " + tok})',
        'requests.post("https://example.com/upload", data={"token": "abc", "name": "x"})',
        # a TOKEN_URL constant alone is not a usage
        "print(TOKEN_URL)",
        # a dict that mentions grant_type but is never sent stays silent
        'CONFIG = {"grant_type": "client_credentials"}',
    ],
)
def test_silent_on_lookalikes(body):
    facts = analyse(body)
    assert facts.usages == []
    assert facts.secrets == []


def test_literal_bearer_token_in_api_call_is_a_secret():
    facts = analyse(
        'requests.get("https://api.treddy.com/v1/deals",'
        ' headers={"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZW1vIn0.c2lnbmF0dXJl"})'
    )
    assert [s.role for s in facts.secrets] == ["access_token"]


def test_insecure_transport_override():
    facts = analyze_text('import os\nos.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"\n', "app.py")
    assert [t.kind for t in facts.transport] == ["insecure_transport_override"]
    facts = analyze_text(
        'import os\nprint(os.environ.get("OAUTHLIB_INSECURE_TRANSPORT"))\n', "a.py"
    )
    assert facts.transport == []


def test_session_created_in_base_class_init():
    u = only_usage(
        """
        class Base:
            def __init__(self):
                self._session = requests.Session()

        class Client(Base):
            def token(self, cid, secret):
                return self._session.post(TOKEN_URL, data={"grant_type": "client_credentials"},
                                          auth=(cid, secret))
        """
    )
    assert (u.library, u.client_auth, u.secret_source) == ("requests", "basic", "parameter")


def test_session_from_property():
    u = only_usage(
        """
        class Client:
            @property
            def http(self):
                return httpx.Client(auth=(CID, SECRET))

            def token(self):
                return self.http.post(TOKEN_URL, data={"grant_type": "client_credentials"})
        """
    )
    assert (u.library, u.client_auth) == ("httpx", "basic")


def test_unresolved_client_object_with_literal_grant_type():
    """A session attribute set in several places: the payload still proves a token request."""
    u = only_usage(
        """
        class Auth:
            def __init__(self, session=None):
                if session is not None:
                    self._session = session
                else:
                    self._session = requests.Session()

            def token(self):
                return self._session.post(TOKEN_URL, data={"grant_type": "client_credentials",
                                                           "client_id": CID})
        """
    )
    assert u.library == "requests"
    assert u.flow == "client_credentials"
    # the unresolved session may carry its own auth: not "none"
    assert u.client_auth == "unknown"


def test_unresolved_client_object_without_grant_type_is_silent():
    facts = analyse(
        """
        def upload(session):
            return session.post("https://api.example.com/files", data={"name": "x"})
        """
    )
    assert facts.usages == []


def test_urls_in_the_inventory_never_carry_credentials():
    facts = analyse(
        """
        def token():
            return requests.post("https://cid:tr_sk_live_userinfo_0a1b2c3d4e@auth.treddy.com/oauth/token"
                                 "?grant_type=client_credentials&client_secret=tr_sk_live_query_9f8e7d6c")
        """
    )
    (u,) = facts.usages
    assert "tr_sk_live" not in u.token_url
    assert u.token_url.startswith("https://cid:")
    assert "client_secret=" in u.token_url
    assert u.client_auth == "query"
    # the literal secret's span is narrowed to the secret itself inside the URL
    secret = [s for s in facts.secrets if s.role == "client_secret"][0]
    assert secret.credential.literal_span.end_column - secret.credential.literal_span.column == len(
        "tr_sk_live_query_9f8e7d6c"
    )


def test_prose_mentioning_response_type_is_not_an_authorization_url():
    facts = analyse(
        """
        def note(rt):
            return f"response_type={rt} in an authorization URL built by hand"
        """
    )
    assert facts.usages == []


@pytest.mark.parametrize(
    ("header", "secret_roles"),
    [
        # a literal credential: reported
        ('"Basic cGFydG5lci1jbGllbnQ6dHJfc2tfbGl2ZV8wMDAw"', ["basic_header"]),
        ('"Bearer ya29.a0AfH6SMBx3k9vQ7Lw2pZ"', ["access_token"]),
        # a template whose hole is only known as None on one branch (urllib.request does this):
        # "Basic None" is nobody's credential
        ('"Basic %s" % auth', []),
        ('"Bearer %s" % auth', []),
        ('"Basic " + str(auth)', []),
    ],
)
def test_only_a_literal_header_that_carries_a_credential_is_a_secret(
    header: str, secret_roles: list[str]
) -> None:
    facts = analyse(
        f"""
        def open_with(user_passwd, host, proxy):
            if proxy:
                auth = base64.b64encode(user_passwd.encode()).decode("ascii")
            else:
                auth = None
            headers = {{}}
            if auth:
                headers["Authorization"] = {header}
            return urllib.request.urlopen(urllib.request.Request(host, headers=headers))
        """
    )
    assert [s.role for s in facts.secrets] == secret_roles


def test_basic_header_from_a_method_wrapping_a_module_helper_keeps_the_secret_source() -> None:
    # spotipy's shape: __init__ stores the credentials, a method hands them to a module helper
    u = only_usage(
        """
        def _make_authorization_headers(client_id, client_secret):
            auth_header = base64.b64encode(str(client_id + ":" + client_secret).encode("ascii"))
            return {"Authorization": f"Basic {auth_header.decode('ascii')}"}

        class Credentials:
            def __init__(self, client_id=None, client_secret=None):
                self.client_id = client_id
                self.client_secret = client_secret

            def _make_authorization_headers(self):
                return _make_authorization_headers(self.client_id, self.client_secret)

            def get_token(self):
                headers = self._make_authorization_headers()
                return requests.post(TOKEN_URL, data={"grant_type": "client_credentials"},
                                     headers=headers)
        """
    )
    assert u.client_auth == "basic"
    assert u.secret_source == "parameter"
