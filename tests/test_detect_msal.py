"""msal application detection (reference section 5, idioms M1-M4)."""

from __future__ import annotations

import textwrap

import pytest

from advisor.analysis.analyzer import analyze_text

HEADER = """
import os
import msal

CID = os.environ["AZURE_CLIENT_ID"]
SECRET = os.environ["AZURE_CLIENT_SECRET"]
AUTHORITY = "https://login.microsoftonline.com/contoso.onmicrosoft.com"
CB = "https://app.example.com/callback"
"""
ENTRA_TOKEN = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
CCA = (
    "app = msal.ConfidentialClientApplication(CID, client_credential=SECRET, authority=AUTHORITY)\n"
)


def analyse(body: str, header: str = HEADER):
    facts = analyze_text(header + textwrap.dedent(body), "daemon.py")
    assert hasattr(facts, "usages"), facts
    return facts


def only(body: str, header: str = HEADER):
    us = [u for u in analyse(body, header).usages if u.library == "msal"]
    assert len(us) == 1, [u.to_json() for u in us]
    return us[0]


def test_m1_client_credentials_string_secret_is_body_never_basic():
    u = only(
        CCA + 'res = app.acquire_token_for_client(scopes=["https://api.treddy.example/.default"])'
    )
    assert (u.operation, u.flow, u.grant_type, u.client_auth, u.auto_refresh) == (
        "token_request",
        "client_credentials",
        "client_credentials",
        "body",
        False,
    )
    assert u.scopes == ["https://api.treddy.example/.default"]
    assert u.token_url == ENTRA_TOKEN
    assert u.secret.source == "env" and u.secret.detail == "AZURE_CLIENT_SECRET"
    assert any("never Basic" in e for e in u.evidence)
    assert any("no refresh" in e for e in u.evidence)


def test_m2_certificate_dict_is_private_key_jwt():
    body = """
    app = msal.ConfidentialClientApplication(CID, {"private_key": PEM, "thumbprint": THUMB},
                                             authority=AUTHORITY)
    res = app.acquire_token_for_client(["api://x/.default"])
    """
    u = only(body)
    assert (u.flow, u.client_auth) == ("client_credentials", "private_key_jwt")


def test_client_assertion_dict_is_private_key_jwt():
    body = """
    app = msal.ConfidentialClientApplication(CID, client_credential={"client_assertion": get_jwt},
                                             authority=AUTHORITY)
    app.acquire_token_for_client(["api://x/.default"])
    """
    assert only(body).client_auth == "private_key_jwt"


def test_m3_auth_code_flow_is_pkce_body():
    body = CCA + textwrap.dedent(
        """
        flow = app.initiate_auth_code_flow(["User.Read"], redirect_uri=CB)
        res = app.acquire_token_by_auth_code_flow(flow, request_args)
        """
    )
    init, exchange = analyse(body).usages
    assert (init.operation, init.flow, init.client_auth) == (
        "authorization_url",
        "authorization_code_pkce",
        "body",
    )
    assert init.authorization_url == ENTRA_TOKEN.replace("/token", "/authorize")
    assert init.scopes == ["User.Read"]
    assert (exchange.operation, exchange.flow, exchange.grant_type) == (
        "token_request",
        "authorization_code_pkce",
        "authorization_code",
    )
    assert init.client_key == exchange.client_key


def test_m4_public_interactive_is_pkce_none():
    body = """
    pca = msal.PublicClientApplication(CID, authority=AUTHORITY)
    res = pca.acquire_token_interactive(["User.Read"])
    """
    u = only(body)
    assert (u.operation, u.flow, u.client_auth, u.secret) == (
        "token_request",
        "authorization_code_pkce",
        "none",
        None,
    )


@pytest.mark.parametrize(
    ("call", "operation", "flow", "grant"),
    [
        (
            'app.acquire_token_by_authorization_code(code, ["User.Read"], redirect_uri=CB)',
            "token_request",
            "authorization_code",
            "authorization_code",
        ),
        (
            'app.get_authorization_request_url(["User.Read"], response_type="token")',
            "authorization_url",
            "implicit",
            None,
        ),
        (
            'app.get_authorization_request_url(["User.Read"])',
            "authorization_url",
            "authorization_code",
            None,
        ),
        (
            'app.acquire_token_silent(["User.Read"], account=accounts[0])',
            "refresh",
            "refresh_token",
            "refresh_token",
        ),
        (
            'app.acquire_token_by_refresh_token(rt, ["User.Read"])',
            "refresh",
            "refresh_token",
            "refresh_token",
        ),
        (
            'app.acquire_token_by_username_password(user, pwd, ["User.Read"])',
            "token_request",
            "password",
            "password",
        ),
        (
            'app.acquire_token_on_behalf_of(incoming_jwt, ["api://down/.default"])',
            "token_request",
            "jwt_bearer",
            "urn:ietf:params:oauth:grant-type:jwt-bearer",
        ),
    ],
)
def test_method_decides_the_grant(call, operation, flow, grant):
    u = only(CCA + call)
    assert (u.operation, u.flow, u.grant_type, u.client_auth) == (operation, flow, grant, "body")


def test_silent_with_account_none_is_app_cache_lookup_not_refresh():
    body = CCA + textwrap.dedent(
        """
        result = app.acquire_token_silent(["api://x/.default"], account=None)
        if not result:
            result = app.acquire_token_for_client(scopes=["api://x/.default"])
        """
    )
    (u,) = analyse(body).usages
    assert (u.operation, u.flow) == ("token_request", "client_credentials")


def test_device_flow():
    body = """
    pca = msal.PublicClientApplication(CID)
    flow = pca.initiate_device_flow(scopes=["User.Read"])
    res = pca.acquire_token_by_device_flow(flow)
    """
    init, poll = analyse(body).usages
    assert (init.flow, poll.flow, poll.client_auth) == ("device_code", "device_code", "none")
    # default authority
    assert poll.token_url == "https://login.microsoftonline.com/common/oauth2/v2.0/token"


def test_literal_secret_and_refresh_token_recorded():
    body = """
    app = msal.ConfidentialClientApplication(CID, "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0",
                                             authority=AUTHORITY)
    app.acquire_token_by_refresh_token("rt_live_0a1b2c3d4e5f6a7b8c9d0e1f", ["x"])
    """
    facts = analyse(body)
    assert sorted(s.role for s in facts.secrets) == ["client_secret", "refresh_token"]
    assert facts.usages[0].secret.source == "literal"


def test_non_entra_authority_leaves_token_url_unknown():
    body = """
    app = msal.ConfidentialClientApplication(CID, client_credential=SECRET,
                                             authority=os.environ["AUTHORITY"])
    app.acquire_token_for_client(["x"])
    """
    u = only(body)
    assert u.token_url is None
    assert any("discovered at runtime" in e for e in u.evidence)


def test_verify_false_and_setup_without_calls():
    body = """
    app = msal.ConfidentialClientApplication(CID, client_credential=SECRET, verify=False)
    """
    facts = analyse(body)
    (u,) = facts.usages
    assert (u.operation, u.client_auth, u.verify_disabled) == ("client_setup", "body", True)
    assert [t.kind for t in facts.transport] == ["verify_disabled"]


def test_unknown_credential_shape_is_still_sent_in_the_body():
    """A string goes as client_secret, a certificate dict as client_assertion: both in the body.

    msal has no code path that sends Basic, so the shape does not change the verdict.
    """
    body = """
    def make(cred):
        app = msal.ConfidentialClientApplication(CID, client_credential=cred, authority=AUTHORITY)
        return app.acquire_token_for_client(["x"])
    """
    u = only(body)
    assert u.client_auth == "body"
    assert "never in a Basic header" in " ".join(u.evidence)
    assert u.secret.source == "parameter"


def test_public_app_without_credential_is_none():
    u = only('msal.PublicClientApplication(CID).acquire_token_interactive(["User.Read"])')
    assert u.client_auth == "none"


def test_alias_import():
    header = HEADER + "from msal import ConfidentialClientApplication as App\n"
    u = only('App(CID, SECRET, authority=AUTHORITY).acquire_token_for_client(["x"])', header)
    assert (u.flow, u.client_auth) == ("client_credentials", "body")


def test_token_cache_objects_are_silent():
    body = """
    cache = msal.SerializableTokenCache()
    cache.deserialize(open("cache.bin").read())
    """
    assert analyse(body).usages == []


def test_public_or_confidential_depending_on_the_path_is_unknown_auth():
    body = """
    class Connection:
        def __init__(self, kind, secret):
            self.kind = kind
            self.secret = secret
            self._client = None

        @property
        def client(self):
            if self._client is None:
                if self.kind == "public":
                    client = msal.PublicClientApplication(CID)
                else:
                    client = msal.ConfidentialClientApplication(CID, client_credential=self.secret)
                self._client = client
            return self._client

        def login(self, user, pwd):
            return self.client.acquire_token_by_username_password(user, pwd, scopes=["a"])
    """
    found = [u for u in analyse(body).usages if u.operation == "token_request"]
    assert [(u.flow, u.client_auth) for u in found] == [("password", "unknown")]


def test_confidential_only_method_tells_the_class_on_a_two_path_client():
    body = """
    def get(kind, secret):
        if kind == "public":
            app = msal.PublicClientApplication(CID)
        else:
            app = msal.ConfidentialClientApplication(CID, client_credential=secret)
        return app.acquire_token_for_client(["api://x/.default"])
    """
    found = [u for u in analyse(body).usages if u.operation == "token_request"]
    assert [(u.flow, u.client_auth) for u in found] == [("client_credentials", "body")]


def test_application_built_elsewhere_is_read_by_its_method_names():
    facts = analyze_text(
        textwrap.dedent(
            """
            class Credential:
                def __init__(self, app_factory):
                    self._apps = {}
                    self._factory = app_factory

                def _get_app(self, tenant):
                    if tenant not in self._apps:
                        self._apps[tenant] = self._factory(tenant)
                    return self._apps[tenant]

                def app_token(self, scopes):
                    return self._get_app("t").acquire_token_for_client(scopes)

                def device(self, app, scopes):
                    flow = app.initiate_device_flow(scopes)
                    return app.acquire_token_by_device_flow(flow)
            """
        ),
        "credential.py",
    )
    got = sorted((u.context, u.flow, u.client_auth, u.token_url) for u in facts.usages)
    assert got == [
        ("Credential.app_token", "client_credentials", "body", None),
        ("Credential.device", "device_code", "none", None),
        ("Credential.device", "device_code", "none", None),
    ]
    assert all(u.library == "msal" for u in facts.usages)


def test_msal_method_names_on_strings_and_known_other_classes_are_not_msal():
    facts = analyze_text(
        textwrap.dedent(
            """
            import requests
            s = requests.Session()
            s.acquire_token_for_client(["x"])
            "abc".acquire_token_silent(["x"], None)
            """
        ),
        "other.py",
    )
    assert facts.usages == []
