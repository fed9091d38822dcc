"""requests-oauthlib / google-auth-oauthlib detector: idioms R1-R11 of the reference and friends."""

from __future__ import annotations

import textwrap

import pytest

from advisor.analysis.analyzer import analyze_text
from advisor.model import FileFacts, Usage

HEADER = """\
import os
from oauthlib.oauth2 import (
    BackendApplicationClient, LegacyApplicationClient, MobileApplicationClient, WebApplicationClient,
)
from requests_oauthlib import OAuth2Session

CID = "treddy-client-7f3a"
SECRET = "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
TOKEN_URL = "https://auth.treddy.com/oauth/token"
AUTH_URL = "https://auth.treddy.com/oauth/authorize"
CB = "https://app.example.com/callback"
"""


def facts(code: str, header: bool = True) -> FileFacts:
    text = (HEADER if header else "") + textwrap.dedent(code)
    f = analyze_text(text, "app/client.py")
    assert isinstance(f, FileFacts), f
    return f


def usages(code: str, header: bool = True) -> list[Usage]:
    return facts(code, header).usages


def one(code: str, header: bool = True, **expected: object) -> Usage:
    found = usages(code, header)
    assert len(found) == 1, [(u.operation, u.flow, u.span.line) for u in found]
    u = found[0]
    for k, v in expected.items():
        assert getattr(u, k) == v, (k, getattr(u, k), v)
    return u


CC = dict(
    library="requests-oauthlib",
    operation="token_request",
    flow="client_credentials",
    grant_type="client_credentials",
    token_url="https://auth.treddy.com/oauth/token",
)


# -- client credentials: fetch_token client auth (decision table 2.3) ----------------------


def test_r1_backend_client_default_is_basic() -> None:
    u = one(
        """
        sess = OAuth2Session(client=BackendApplicationClient(client_id=CID))
        tok = sess.fetch_token(token_url=TOKEN_URL, client_secret=SECRET)
        """,
        client_auth="basic",
        scopes=[],
        auto_refresh=False,
        **CC,
    )
    assert u.secret_source == "literal"
    assert u.client_id is not None and u.client_id.source == "literal"
    assert u.span.line == 14  # the fetch_token call, not the constructor


def test_r2_client_id_kwarg_redundant_scope_from_client_object() -> None:
    one(
        """
        backend = BackendApplicationClient(CID, scope=["deals:read"])
        tok = OAuth2Session(client=backend).fetch_token(TOKEN_URL, client_id=CID, client_secret=SECRET)
        """,
        client_auth="basic",
        scopes=["deals:read"],
        **CC,
    )


def test_r3_include_client_id_puts_secret_in_body() -> None:
    u = one(
        """
        tok = OAuth2Session(client=BackendApplicationClient(CID)).fetch_token(
            TOKEN_URL, client_secret=SECRET, include_client_id=True)
        """,
        client_auth="body",
        **CC,
    )
    assert u.fix_hints == {"include_client_id": True}
    assert u.secret_source == "literal"


def test_include_client_id_false_stays_basic() -> None:
    one(
        """
        OAuth2Session(client=BackendApplicationClient(CID)).fetch_token(
            TOKEN_URL, client_secret=SECRET, include_client_id=False)
        """,
        client_auth="basic",
        **CC,
    )


def test_include_client_id_without_secret_sends_only_the_id() -> None:
    one(
        """
        OAuth2Session(client=BackendApplicationClient(CID)).fetch_token(
            TOKEN_URL, include_client_id=True)
        """,
        client_auth="none",
        **CC,
    )


def test_include_client_id_unknown_value_is_unknown() -> None:
    one(
        """
        def get(flag):
            return OAuth2Session(client=BackendApplicationClient(CID)).fetch_token(
                TOKEN_URL, client_secret=SECRET, include_client_id=flag)
        """,
        client_auth="unknown",
        **CC,
    )


def test_r4_explicit_auth_tuple() -> None:
    f = facts(
        """
        tok = OAuth2Session(client=BackendApplicationClient(CID)).fetch_token(TOKEN_URL, auth=(CID, SECRET))
        """
    )
    assert len(f.usages) == 1
    u = f.usages[0]
    assert (u.flow, u.client_auth, u.secret_source) == ("client_credentials", "basic", "literal")
    assert [s.role for s in f.secrets] == ["credential_pair"]


def test_auth_with_include_client_id_is_double_auth_body() -> None:
    one(
        """
        from requests.auth import HTTPBasicAuth
        OAuth2Session(client=BackendApplicationClient(CID)).fetch_token(
            TOKEN_URL, auth=HTTPBasicAuth(CID, SECRET), client_secret=SECRET, include_client_id=True)
        """,
        client_auth="body",
        **CC,
    )


def test_r5_client_object_without_id_sends_no_client_auth() -> None:
    u = one(
        """
        tok = OAuth2Session(CID, client=BackendApplicationClient(None)).fetch_token(
            TOKEN_URL, client_secret=SECRET)
        """,
        client_auth="none",
        **CC,
    )
    assert any("dropped" in e for e in u.evidence)


def test_empty_client_id_is_falsy_too() -> None:
    one(
        """
        OAuth2Session(client=BackendApplicationClient("")).fetch_token(TOKEN_URL, client_secret=SECRET)
        """,
        client_auth="none",
        **CC,
    )


def test_session_client_id_ignored_when_client_given() -> None:
    # the object's own (missing) client_id counts, not OAuth2Session(client_id=...)
    one(
        """
        OAuth2Session(client_id=CID, client=BackendApplicationClient(client_id=None)).fetch_token(
            TOKEN_URL, client_secret=SECRET)
        """,
        client_auth="none",
        **CC,
    )


def test_raw_body_string_with_secret_is_body_auth() -> None:
    one(
        """
        OAuth2Session(client=BackendApplicationClient(CID)).fetch_token(
            TOKEN_URL, body="client_secret=" + SECRET)
        """,
        client_auth="body",
        **CC,
    )


@pytest.mark.parametrize("extra", ['method="GET"', "force_querystring=True", 'method="get"'])
def test_query_string_with_body_credentials(extra: str) -> None:
    one(
        f"""
        OAuth2Session(client=BackendApplicationClient(CID)).fetch_token(
            TOKEN_URL, client_secret=SECRET, include_client_id=True, {extra})
        """,
        client_auth="query",
        **CC,
    )


def test_get_without_body_credentials_stays_basic() -> None:
    one(
        """
        OAuth2Session(client=BackendApplicationClient(CID)).fetch_token(
            TOKEN_URL, client_secret=SECRET, method="GET")
        """,
        client_auth="basic",
        **CC,
    )


def test_compliance_hook_makes_client_auth_unknown() -> None:
    u = one(
        """
        def fix(url, headers, body):
            return url, headers, body
        s = OAuth2Session(client=BackendApplicationClient(CID))
        s.register_compliance_hook("access_token_request", fix)
        s.fetch_token(TOKEN_URL, client_secret=SECRET)
        """,
        client_auth="unknown",
        **CC,
    )
    assert any("compliance hook" in e for e in u.evidence)


def test_other_compliance_hook_does_not_matter() -> None:
    one(
        """
        s = OAuth2Session(client=BackendApplicationClient(CID))
        s.register_compliance_hook("protected_request", lambda u, h, b: (u, h, b))
        s.fetch_token(TOKEN_URL, client_secret=SECRET)
        """,
        client_auth="basic",
        **CC,
    )


def test_secret_from_environment() -> None:
    u = one(
        """
        client = BackendApplicationClient(client_id=os.environ["TREDDY_CLIENT_ID"])
        s = OAuth2Session(client=client)
        s.fetch_token(TOKEN_URL, client_secret=os.environ["TREDDY_CLIENT_SECRET"])
        """,
        client_auth="basic",
        **CC,
    )
    assert u.secret is not None and u.secret.source == "env"
    assert u.secret.detail == "TREDDY_CLIENT_SECRET"
    assert u.client_id is not None and u.client_id.source == "env"


# -- scopes (2.4) -------------------------------------------------------------------------


def test_session_scope_is_not_sent_for_backend_client() -> None:
    one(
        """
        s = OAuth2Session(client=BackendApplicationClient(CID), scope=["deals:read"])
        s.fetch_token(TOKEN_URL, client_secret=SECRET)
        """,
        scopes=[],
        **CC,
    )


def test_fetch_token_scope_kwarg() -> None:
    one(
        """
        s = OAuth2Session(client=BackendApplicationClient(CID, scope=["a"]))
        s.fetch_token(TOKEN_URL, client_secret=SECRET, scope="deals:read deals:write")
        """,
        scopes=["deals:read", "deals:write"],
        **CC,
    )


def test_scope_set_on_client_object_later() -> None:
    one(
        """
        c = BackendApplicationClient(CID)
        c.scope = ["deals:read"]
        OAuth2Session(client=c).fetch_token(TOKEN_URL, client_secret=SECRET)
        """,
        scopes=["deals:read"],
        **CC,
    )


# -- grant by client class; arguments never change it (2.2) ------------------------------


def test_code_argument_does_not_change_backend_grant() -> None:
    one(
        """
        OAuth2Session(client=BackendApplicationClient(CID)).fetch_token(TOKEN_URL, "some-code")
        """,
        client_auth="basic",
        **CC,
    )


def test_default_client_with_secret_only_is_not_client_credentials() -> None:
    u = one(
        """
        OAuth2Session(CID).fetch_token(TOKEN_URL, client_secret=SECRET)
        """,
        flow="authorization_code",
        grant_type="authorization_code",
        client_auth="basic",
    )
    assert any("ValueError" in e for e in u.evidence)


def test_second_positional_is_client_not_secret() -> None:
    # OAuth2Session(CID, SECRET): the string is taken as the client object
    u = one(
        """
        OAuth2Session(CID, SECRET).fetch_token(TOKEN_URL, code="abc")
        """,
        flow="unknown",
        client_auth="unknown",
    )
    assert u.grant_type is None


def test_client_followed_through_variables() -> None:
    one(
        """
        def make_client():
            return BackendApplicationClient(client_id=CID)

        class Api:
            def __init__(self):
                client = make_client()
                self.session = OAuth2Session(client=client)

            def token(self):
                return self.session.fetch_token(TOKEN_URL, client_secret=SECRET)
        """,
        client_auth="basic",
        **CC,
    )


def test_client_passed_as_parameter_is_unknown() -> None:
    one(
        """
        def get(client):
            return OAuth2Session(client=client).fetch_token(TOKEN_URL, client_secret=SECRET)
        """,
        flow="unknown",
        client_auth="unknown",
        grant_type=None,
        scopes=None,
    )


def test_device_and_service_clients() -> None:
    found = usages(
        """
        from oauthlib.oauth2 import DeviceClient
        from oauthlib.oauth2 import ServiceApplicationClient
        OAuth2Session(client=DeviceClient(CID)).fetch_token(TOKEN_URL, device_code="dc")
        OAuth2Session(client=ServiceApplicationClient(CID, private_key="k")).fetch_token(TOKEN_URL)
        """
    )
    assert [(u.flow, u.grant_type, u.client_auth) for u in found] == [
        ("device_code", "urn:ietf:params:oauth:grant-type:device_code", "basic"),
        ("jwt_bearer", "urn:ietf:params:oauth:grant-type:jwt-bearer", "basic"),
    ]


# -- user flows ---------------------------------------------------------------------------


def test_r6_authorization_code() -> None:
    found = usages(
        """
        def login(callback_url):
            web = OAuth2Session(CID, redirect_uri=CB, scope=["profile"])
            url, state = web.authorization_url(AUTH_URL)
            tok = web.fetch_token(TOKEN_URL, authorization_response=callback_url, client_secret=SECRET)
        """
    )
    assert [(u.operation, u.flow, u.client_auth) for u in found] == [
        ("authorization_url", "authorization_code", "none"),
        ("token_request", "authorization_code", "basic"),
    ]
    assert found[0].authorization_url == "https://auth.treddy.com/oauth/authorize"
    assert found[0].scopes == ["profile"]
    assert found[1].grant_type == "authorization_code"
    assert found[0].client_key == found[1].client_key is not None


def test_r7_pkce_session_basic_with_empty_password() -> None:
    found = usages(
        """
        def login(code):
            pk = OAuth2Session(CID, redirect_uri=CB, pkce="S256")
            url, state = pk.authorization_url(AUTH_URL)
            tok = pk.fetch_token(TOKEN_URL, code=code)
        """
    )
    assert [(u.operation, u.flow, u.client_auth, u.secret_source) for u in found] == [
        ("authorization_url", "authorization_code_pkce", "none", "absent"),
        ("token_request", "authorization_code_pkce", "basic", "absent"),
    ]
    assert any("empty password" in e for e in found[1].evidence)


def test_manual_pkce_with_code_challenge_kwarg() -> None:
    found = usages(
        """
        web = OAuth2Session(CID, redirect_uri=CB)
        url, state = web.authorization_url(AUTH_URL, code_challenge="E9Melhoa2Ow", code_challenge_method="S256")
        web.fetch_token(TOKEN_URL, code="c", code_verifier="dBjftJeZ4CVP")
        """
    )
    assert [u.flow for u in found] == ["authorization_code_pkce", "authorization_code_pkce"]


def test_r8_implicit() -> None:
    found = usages(
        """
        def login(redirect_with_fragment):
            imp = OAuth2Session(client=MobileApplicationClient(CID), redirect_uri=CB)
            url, state = imp.authorization_url(AUTH_URL)
            tok = imp.token_from_fragment(redirect_with_fragment)
        """
    )
    assert [(u.operation, u.flow, u.client_auth) for u in found] == [
        ("authorization_url", "implicit", "none"),
        ("token_request", "implicit", "none"),
    ]
    assert found[1].token_url is None


def test_r9_password() -> None:
    u = one(
        """
        def login(user, pwd):
            return OAuth2Session(client=LegacyApplicationClient(CID)).fetch_token(
                TOKEN_URL, username=user, password=pwd, client_secret=SECRET)
        """,
        flow="password",
        grant_type="password",
        client_auth="basic",
    )
    assert u.secret_source == "literal"


# -- refresh ------------------------------------------------------------------------------


def test_r10_backend_client_with_auto_refresh() -> None:
    f = facts(
        """
        def api(saved, store):
            sess = OAuth2Session(client=BackendApplicationClient(CID), token=saved,
                                 auto_refresh_url=TOKEN_URL,
                                 auto_refresh_kwargs={"client_id": CID, "client_secret": SECRET},
                                 token_updater=store)
            return sess.get("https://api.treddy.com/v1/deals")
        """
    )
    assert len(f.usages) == 1
    u = f.usages[0]
    assert (u.operation, u.flow, u.client_auth, u.auto_refresh) == (
        "client_setup",
        "client_credentials",
        "body",
        True,
    )
    assert u.token_url == "https://auth.treddy.com/oauth/token"
    assert u.api_urls == ["https://api.treddy.com/v1/deals"]
    assert u.fix_hints["auto_refresh_args"] == ["auto_refresh_url", "auto_refresh_kwargs"]
    assert [s.role for s in f.secrets] == ["client_secret"]


def test_auto_refresh_marks_the_fetch_usage() -> None:
    u = one(
        """
        s = OAuth2Session(client=BackendApplicationClient(CID), auto_refresh_url=TOKEN_URL)
        s.fetch_token(TOKEN_URL, client_secret=SECRET)
        s.get("https://api.treddy.com/v1/deals")
        """,
        client_auth="basic",
        auto_refresh=True,
        api_urls=["https://api.treddy.com/v1/deals"],
        **CC,
    )
    assert u.fix_hints["auto_refresh_args"] == ["auto_refresh_url"]


def test_setup_without_auto_refresh_creds_is_unknown_auth() -> None:
    one(
        """
        def api(saved):
            s = OAuth2Session(client=BackendApplicationClient(CID), token=saved)
            return s.get("https://api.treddy.com/v1/deals")
        """,
        operation="client_setup",
        flow="client_credentials",
        client_auth="unknown",
        auto_refresh=False,
        api_urls=["https://api.treddy.com/v1/deals"],
    )


def test_r11_explicit_refresh_kwargs_in_body() -> None:
    found = usages(
        """
        sess = OAuth2Session(client=BackendApplicationClient(CID))
        sess.fetch_token(TOKEN_URL, client_secret=SECRET)
        new = sess.refresh_token(TOKEN_URL, client_id=CID, client_secret=SECRET)
        """
    )
    assert [(u.operation, u.flow, u.grant_type, u.client_auth) for u in found] == [
        ("token_request", "client_credentials", "client_credentials", "basic"),
        ("refresh", "refresh_token", "refresh_token", "body"),
    ]
    assert found[0].client_key == found[1].client_key


def test_refresh_without_credentials_has_no_client_auth() -> None:
    found = usages(
        """
        def renew(tok):
            s = OAuth2Session(client=BackendApplicationClient(CID), token=tok)
            return s.refresh_token(TOKEN_URL)
        """
    )
    assert [(u.operation, u.flow, u.client_auth) for u in found] == [
        ("client_setup", "client_credentials", "unknown"),
        ("refresh", "refresh_token", "none"),
    ]


def test_refresh_with_auth_is_basic_and_auto_refresh_kwargs_are_merged() -> None:
    found = usages(
        """
        s = OAuth2Session(CID, token={"access_token": "x"}, auto_refresh_kwargs={"client_secret": SECRET})
        s.refresh_token(TOKEN_URL, auth=(CID, SECRET))
        """
    )
    assert [(u.operation, u.client_auth) for u in found] == [("refresh", "body")]


def test_refresh_only_session_reports_no_setup() -> None:
    found = usages(
        """
        def renew(tok, rt):
            s = OAuth2Session(CID, token=tok)
            return s.refresh_token(TOKEN_URL, refresh_token=rt, auth=(CID, os.getenv("S")))
        """
    )
    assert [(u.operation, u.client_auth) for u in found] == [("refresh", "basic")]


# -- transport, api calls, secrets ---------------------------------------------------------


def test_verify_false_on_fetch_token() -> None:
    f = facts(
        """
        OAuth2Session(client=BackendApplicationClient(CID)).fetch_token(
            TOKEN_URL, client_secret=SECRET, verify=False)
        """
    )
    assert [u.verify_disabled for u in f.usages] == [True]
    assert [t.kind for t in f.transport] == ["verify_disabled"]


def test_session_verify_attribute() -> None:
    f = facts(
        """
        s = OAuth2Session(client=BackendApplicationClient(CID))
        s.verify = False
        s.fetch_token(TOKEN_URL, client_secret=SECRET)
        """
    )
    assert [u.verify_disabled for u in f.usages] == [True]
    assert [(t.kind, t.span.line) for t in f.transport] == [("verify_disabled", 15)]


def test_verify_true_is_clean() -> None:
    f = facts(
        """
        OAuth2Session(client=BackendApplicationClient(CID)).fetch_token(
            TOKEN_URL, client_secret=SECRET, verify=True)
        """
    )
    assert [u.verify_disabled for u in f.usages] == [False]
    assert f.transport == []


def test_api_calls_through_session_are_collected() -> None:
    u = one(
        """
        s = OAuth2Session(client=BackendApplicationClient(CID))
        s.fetch_token(TOKEN_URL, client_secret=SECRET)
        s.get("https://api.treddy.com/v1/me")
        s.request("GET", "https://api.treddy.com/v1/deals", params={"page": 1})
        s.post("https://api.treddy.com/v1/deals", json={})
        """,
        **CC,
    )
    assert u.api_urls == ["https://api.treddy.com/v1/me", "https://api.treddy.com/v1/deals"]


def test_literal_token_dict_is_a_secret() -> None:
    f = facts(
        """
        s = OAuth2Session(CID, token={"access_token": "eyJhbGciOiJSUzI1NiJ9.abc.def",
                                      "refresh_token": "rt_4f9a8b7c6d5e4f3a2b1c", "token_type": "Bearer"})
        """
    )
    assert sorted(s.role for s in f.secrets) == ["access_token", "refresh_token"]


def test_bearer_auth_object_reports_only_the_token() -> None:
    f = facts(
        """
        import requests
        from requests_oauthlib import OAuth2
        auth = OAuth2(client_id=CID, token={"access_token": "eyJhbGciOiJSUzI1NiJ9.abc.def"})
        requests.get("https://api.treddy.com/v1/deals", auth=auth)
        """
    )
    assert f.usages == []
    assert [s.role for s in f.secrets] == ["access_token"]


def test_secret_not_printed_in_evidence() -> None:
    f = facts(
        """
        OAuth2Session(client=BackendApplicationClient(CID)).fetch_token(TOKEN_URL, client_secret=SECRET)
        """
    )
    blob = repr(f.usages) + repr(f.secrets)
    assert "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0" not in blob


# -- imports and subclasses -----------------------------------------------------------------


def test_aliased_imports() -> None:
    code = """
    import requests_oauthlib as ro
    from oauthlib import oauth2
    from requests_oauthlib import OAuth2Session as S

    a = ro.OAuth2Session(client=oauth2.BackendApplicationClient("cid"))
    a.fetch_token("https://auth.treddy.com/oauth/token", client_secret=os.getenv("S"))
    b = S(client=oauth2.BackendApplicationClient("cid"))
    b.fetch_token("https://auth.treddy.com/oauth/token", include_client_id=True, client_secret="x")
    """
    found = usages("import os\n" + textwrap.dedent(code), header=False)
    assert [(u.flow, u.client_auth) for u in found] == [
        ("client_credentials", "basic"),
        ("client_credentials", "body"),
    ]
    assert found[0].client_key != found[1].client_key


def test_module_path_import_of_session_and_client() -> None:
    code = """
    from oauthlib.oauth2.rfc6749.clients.backend_application import BackendApplicationClient
    from requests_oauthlib.oauth2_session import OAuth2Session
    OAuth2Session(client=BackendApplicationClient("cid")).fetch_token("https://t/token")
    """
    one(code, header=False, flow="client_credentials", client_auth="basic")


def test_subclass_with_super_init() -> None:
    found = usages(
        """
        class TreddySession(OAuth2Session):
            def __init__(self, client_id):
                super().__init__(client=BackendApplicationClient(client_id=client_id))

            def login(self):
                return self.fetch_token(TOKEN_URL, client_secret=SECRET, include_client_id=True)

        s = TreddySession(CID)
        s.get("https://api.treddy.com/v1/deals")
        """
    )
    assert [(u.operation, u.flow, u.client_auth) for u in found] == [
        ("token_request", "client_credentials", "body")
    ]
    assert found[0].api_urls == ["https://api.treddy.com/v1/deals"]
    assert found[0].client_key == "app/client.py:class TreddySession"


def test_subclass_without_init_uses_constructor_args() -> None:
    one(
        """
        class Api(OAuth2Session):
            pass

        Api(client=BackendApplicationClient(CID)).fetch_token(TOKEN_URL, client_secret=SECRET)
        """,
        client_auth="basic",
        **CC,
    )


def test_with_statement() -> None:
    one(
        """
        with OAuth2Session(client=BackendApplicationClient(CID)) as s:
            s.fetch_token(TOKEN_URL, client_secret=SECRET)
        """,
        client_auth="basic",
        **CC,
    )


# -- setups and negatives -----------------------------------------------------------------


def test_auth_code_setup_without_operations() -> None:
    one(
        """
        def make():
            return OAuth2Session(CID, redirect_uri=CB, scope=["profile"])
        """,
        operation="client_setup",
        flow="authorization_code",
        client_auth="unknown",
        scopes=["profile"],
    )


def test_bare_bearer_session_is_not_a_usage() -> None:
    assert (
        usages(
            """
        def call(token):
            s = OAuth2Session(token=token)
            return s.get("https://api.example.com/me")
        """
        )
        == []
    )


def test_oauth1_is_silent() -> None:
    code = """
    from requests_oauthlib import OAuth1, OAuth1Session
    import requests
    oauth = OAuth1Session("ck", client_secret="cs_8d7f6e5a4b3c2d1e", callback_uri="https://x/cb")
    req = oauth.fetch_request_token("https://api.twitter.com/oauth/request_token")
    url = oauth.authorization_url("https://api.twitter.com/oauth/authorize")
    oauth.fetch_access_token("https://api.twitter.com/oauth/access_token", verifier="v")
    requests.get("https://api.twitter.com/1.1/x.json", auth=OAuth1("ck", "cs", "t", "ts"))
    """
    assert usages(code, header=False) == []


def test_unrelated_token_variables_are_silent() -> None:
    code = """
    import requests_oauthlib
    token = {"access_token": None}
    def fetch_token(x):
        return x
    fetch_token(token)
    class Thing:
        def fetch_token(self, url, client_secret=None):
            return url
    Thing().fetch_token("https://t/token", client_secret="abc")
    """
    f = facts(code, header=False)
    assert f.usages == []
    # (name-based secret detectors may flag the literal; this detector must not)
    assert not [x for x in f.secrets if "OAuth2Session" in x.evidence]


# -- google-auth-oauthlib -------------------------------------------------------------------


GOOGLE = "from google_auth_oauthlib.flow import Flow, InstalledAppFlow\n"


def test_installed_app_flow_run_local_server() -> None:
    code = """
    flow = InstalledAppFlow.from_client_secrets_file("client_secret.json", scopes=["openid"])
    creds = flow.run_local_server(port=0)
    """
    u = one(
        GOOGLE + textwrap.dedent(code),
        header=False,
        library="google-auth-oauthlib",
        operation="token_request",
        flow="authorization_code_pkce",
        grant_type="authorization_code",
        client_auth="basic",
        scopes=["openid"],
    )
    assert u.secret is not None and u.secret.source == "config"


def test_flow_from_client_config_authorization_url_and_fetch() -> None:
    code = """
    CONFIG = {"web": {"client_id": "123.apps.googleusercontent.com",
                      "client_secret": "GOCSPX-4f3e2d1c0b9a8f7e6d5c4b3a",
                      "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                      "token_uri": "https://oauth2.googleapis.com/token"}}
    def login(response_url):
        flow = Flow.from_client_config(CONFIG, scopes=["email"], redirect_uri="https://x/cb")
        url, state = flow.authorization_url(access_type="offline")
        flow.fetch_token(authorization_response=response_url)
    """
    f = facts(GOOGLE + textwrap.dedent(code), header=False)
    assert [(u.operation, u.flow, u.client_auth) for u in f.usages] == [
        ("authorization_url", "authorization_code_pkce", "none"),
        ("token_request", "authorization_code_pkce", "basic"),
    ]
    assert f.usages[0].authorization_url == "https://accounts.google.com/o/oauth2/auth"
    assert f.usages[1].token_url == "https://oauth2.googleapis.com/token"
    assert f.usages[1].secret_source == "literal"
    assert [s.role for s in f.secrets] == ["client_secret"]


def test_flow_without_code_verifier_is_plain_auth_code() -> None:
    code = """
    flow = Flow.from_client_secrets_file("cs.json", scopes=["email"], autogenerate_code_verifier=False)
    flow.fetch_token(code="abc")
    """
    one(GOOGLE + textwrap.dedent(code), header=False, flow="authorization_code")


def test_subclass_override_calling_super_fetch_token() -> None:
    found = usages(
        """
        from requests.auth import HTTPBasicAuth

        class UserHandler(OAuth2Session):
            def __init__(self, *, client_id, redirect_uri, scope):
                super().__init__(client_id, redirect_uri=redirect_uri, scope=scope)

            def get_authorization_url(self):
                url, state = self.authorization_url(
                    AUTH_URL, code_challenge=self._client.create_code_challenge(
                        self._client.create_code_verifier(128), "S256"),
                    code_challenge_method="S256")
                return url

            def fetch_token(self, authorization_response):
                return super().fetch_token(
                    TOKEN_URL, authorization_response=authorization_response,
                    auth=HTTPBasicAuth(CID, os.environ["S"]), include_client_id=True,
                    code_verifier=self._client.code_verifier)

        h = UserHandler(client_id=CID, redirect_uri=CB, scope=["tweet.read"])
        h.fetch_token("https://app.example.com/callback?code=abc")
        """
    )
    # the outside call runs the override (one-argument signature), not the library method
    assert [(u.operation, u.flow, u.client_auth, u.span.line) for u in found] == [
        ("authorization_url", "authorization_code_pkce", "none", 20),
        ("token_request", "authorization_code_pkce", "basic", 27),
    ]
    assert found[1].token_url == "https://auth.treddy.com/oauth/token"
    assert found[0].client_key == found[1].client_key


def test_fetch_token_on_a_session_built_elsewhere():
    facts = analyze_text(
        textwrap.dedent(
            """
            class Protocol:
                def create_oauth2_session(self):
                    session = self.raw_session(self.endpoint, oauth2_client=self.client)
                    if not session.token:
                        return session.fetch_token(
                            token_url=self.credentials.token_url,
                            client_id=self.credentials.client_id,
                            client_secret=self.credentials.client_secret,
                        )
                    return session
            """
        ),
        "protocol.py",
    )
    [u] = facts.usages
    assert (u.library, u.operation, u.context) == (
        "requests-oauthlib",
        "token_request",
        "Protocol.create_oauth2_session",
    )
    assert u.flow == "unknown"


def test_fetch_token_with_authlib_names_is_not_requests_oauthlib():
    facts = analyze_text(
        textwrap.dedent(
            """
            def get(client):
                return client.fetch_token(url="https://idp.example/token", grant_type="x")
            """
        ),
        "other.py",
    )
    assert [u.library for u in facts.usages] != ["requests-oauthlib"]
