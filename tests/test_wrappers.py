"""Token requests sent through the project's own wrappers, classes and helpers.

Each case is an invented sketch of an idiom seen repeatedly in real integrations: the request
is sent several calls below the place that decides its grant, often in another module or a base
class. The usage is reported where the grant is decided, one per call site.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from advisor.analysis.analyzer import analyze_text
from advisor.engine import analyze_paths


def write(root: Path, rel: str, code: str) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(code))


def usages_of(code: str, path: str = "integration.py"):
    facts = analyze_text(textwrap.dedent(code), path)
    assert hasattr(facts, "usages"), facts
    return facts.usages


def scan(tmp_path: Path, monkeypatch, files: dict[str, str]):
    for rel, code in files.items():
        write(tmp_path, rel, code)
    monkeypatch.chdir(tmp_path)
    return analyze_paths(["."])


def test_grant_passed_as_argument_through_two_helpers():
    us = usages_of(
        """
        import requests

        TOKEN_URL = "https://auth.treddy.com/oauth/token"

        class Client:
            def __init__(self, cid, secret):
                self.session = requests.Session()
                self.cid, self.secret = cid, secret

            def _request(self, method, url, data):
                return self.session.request(method, url, data=data, auth=(self.cid, self.secret))

            def _fetch(self, grant_type, extra):
                body = {"grant_type": grant_type, **extra}
                return self._request("POST", TOKEN_URL, body)

            def token(self):
                return self._fetch("client_credentials", {"scope": "deals:read"})

            def refresh(self, rt):
                return self._fetch("refresh_token", {"refresh_token": rt})
        """
    )
    decided = [u for u in us if u.grant_type]
    assert [(u.context, u.flow, u.client_auth) for u in decided] == [
        ("Client.token", "client_credentials", "basic"),
        ("Client.refresh", "refresh_token", "basic"),
    ]
    assert all(u.token_url == "https://auth.treddy.com/oauth/token" for u in decided)
    # the generic request inside the helper is not a second usage with a decided grant
    assert all(u.span.line > 17 for u in decided)


def test_parameter_default_decides_the_grant_at_each_call():
    us = usages_of(
        """
        import requests

        def get_token(url, cid, secret, grant_type="client_credentials"):
            return requests.post(url, data={"grant_type": grant_type}, auth=(cid, secret))

        def app_token(cid, secret):
            return get_token("https://auth.treddy.com/oauth/token", cid, secret)

        def password_token(cid, secret, user, pw):
            return get_token("https://auth.treddy.com/oauth/token", cid, secret, "password")
        """
    )
    decided = {u.context: u.flow for u in us if u.grant_type}
    assert decided == {"app_token": "client_credentials", "password_token": "password"}


def test_wrapper_inherited_from_a_base_class_in_another_module(tmp_path, monkeypatch):
    result = scan(
        tmp_path,
        monkeypatch,
        {
            "sdk/__init__.py": "",
            "sdk/transport.py": """
                import requests

                class BaseApi:
                    def __init__(self, host):
                        self.host = host
                        self.http = requests.Session()

                    def authenticated_post(self, path, data):
                        return self.http.post(self.host + path, data=data)
                """,
            "sdk/auth.py": """
                from sdk.transport import BaseApi

                class GetToken(BaseApi):
                    def client_credentials(self, client_id, client_secret):
                        return self.authenticated_post(
                            "/oauth/token",
                            {
                                "grant_type": "client_credentials",
                                "client_id": client_id,
                                "client_secret": client_secret,
                            },
                        )
                """,
        },
    )
    [u] = [u for u in result.usages if u.path == "sdk/auth.py"]
    assert (u.flow, u.client_auth, u.library) == ("client_credentials", "body", "requests")
    assert u.context == "GetToken.client_credentials"


def test_helper_function_imported_from_another_module(tmp_path, monkeypatch):
    result = scan(
        tmp_path,
        monkeypatch,
        {
            "app/__init__.py": "",
            "app/http.py": """
                import httpx

                def raw_post(url, payload, headers=None):
                    with httpx.Client() as client:
                        return client.post(url, data=payload, headers=headers)
                """,
            "app/auth.py": """
                import base64
                from app.http import raw_post

                def token(cid, secret):
                    basic = base64.b64encode(f"{cid}:{secret}".encode()).decode()
                    return raw_post(
                        "https://auth.treddy.com/oauth/token",
                        {"grant_type": "client_credentials"},
                        {"Authorization": "Basic " + basic},
                    )
                """,
        },
    )
    [u] = [u for u in result.usages if u.path == "app/auth.py"]
    assert (u.flow, u.client_auth) == ("client_credentials", "basic")


def test_injected_request_callable_and_generated_sdk_transport():
    us = usages_of(
        """
        class TokenApi:
            def __init__(self, api_client, send):
                self.api = api_client
                self.send = send

            def exchange(self, code, redirect_uri):
                body = {"grant_type": "authorization_code", "code": code,
                        "redirect_uri": redirect_uri}
                return self.api.call_api("https://auth.treddy.com/oauth/token", "POST",
                                         post_params=body)

            def app(self, cid, secret):
                return self.send(method="POST", url="https://auth.treddy.com/oauth/token",
                                 body={"grant_type": "client_credentials", "client_id": cid,
                                       "client_secret": secret})
        """
    )
    assert sorted((u.context, u.flow) for u in us) == [
        ("TokenApi.app", "client_credentials"),
        ("TokenApi.exchange", "authorization_code"),
    ]
    app = next(u for u in us if u.context == "TokenApi.app")
    assert app.client_auth == "body"


def test_kwargs_forwarded_through_helpers():
    us = usages_of(
        """
        import requests

        def _send(url, **kwargs):
            return requests.post(url, **kwargs)

        def _token(url, **kwargs):
            return _send(url, **kwargs)

        def refresh(rt, cid):
            return _token("https://auth.treddy.com/oauth/token",
                          data={"grant_type": "refresh_token", "refresh_token": rt,
                                "client_id": cid})
        """
    )
    [u] = [u for u in us if u.grant_type]
    assert (u.context, u.operation, u.client_auth) == ("refresh", "refresh", "none")


def test_receiver_typed_by_annotation_and_get_with_query():
    us = usages_of(
        """
        import requests

        def app_token(session: requests.Session, cid, secret):
            return session.get("https://auth.treddy.com/oauth/token",
                               params={"grant_type": "client_credentials"},
                               auth=(cid, secret))
        """
    )
    [u] = us
    assert (u.library, u.flow, u.client_auth) == ("requests", "client_credentials", "basic")


def test_code_exchange_without_grant_type_and_device_authorization():
    us = usages_of(
        """
        import requests

        def exchange(code, cid, secret):
            return requests.post("https://legacy.example.com/oauth/access_token",
                                 data={"client_id": cid, "client_secret": secret,
                                       "code": code, "redirect_uri": "https://app/cb"})

        def device_start(cid):
            return requests.post("https://auth.treddy.com/oauth/device/code",
                                 data={"client_id": cid, "scope": "deals:read"})
        """
    )
    assert sorted((u.context, u.flow, u.client_auth) for u in us) == [
        ("device_start", "device_code", "none"),
        ("exchange", "authorization_code", "body"),
    ]
    assert all(u.grant_type is None for u in us)


def test_camel_case_fields():
    [u] = usages_of(
        """
        import requests

        def token(cid, secret):
            return requests.post("https://auth.treddy.com/oauth/token",
                                 json={"grantType": "client_credentials", "clientId": cid,
                                       "clientSecret": secret})
        """
    )
    assert (u.flow, u.client_auth) == ("client_credentials", "body")


def test_sorted_items_of_a_body_keep_its_fields():
    [u] = [
        u
        for u in usages_of(
            """
            class Api:
                def __init__(self, transport):
                    self._t = transport

                def token(self, cid, secret):
                    fields = {"grant_type": "client_credentials", "scope": "deals:read"}
                    return self._t.request("post", "https://auth.treddy.com/oauth/token",
                                           auth=(cid, secret), data=sorted(fields.items()))
            """
        )
    ]
    assert (u.flow, u.client_auth) == ("client_credentials", "basic")


# --- clean: what must stay silent --------------------------------------------------------


def test_wrapper_that_never_sends_protocol_fields_is_silent():
    us = usages_of(
        """
        import requests

        class Api:
            def __init__(self, token):
                self.s = requests.Session()
                self.s.headers["Authorization"] = "Bearer " + token

            def _get(self, path, params=None):
                return self.s.get("https://api.treddy.com" + path, params=params)

            def deals(self):
                return self._get("/v1/deals", {"limit": 50})

            def grant_types(self):
                return self._get("/v1/meta", {"kind": "grant_type"})
        """
    )
    assert us == []


def test_a_grant_decided_inside_the_helper_is_reported_once():
    us = usages_of(
        """
        import requests

        def _token(cid, secret):
            return requests.post("https://auth.treddy.com/oauth/token",
                                 data={"grant_type": "client_credentials"}, auth=(cid, secret))

        def a(cid, secret):
            return _token(cid, secret)

        def b(cid, secret):
            return _token(cid, secret)
        """
    )
    assert [u.context for u in us] == ["_token"]


def test_oauth1_and_server_side_token_views_stay_silent():
    us = usages_of(
        """
        import requests
        from requests_oauthlib import OAuth1

        def call(url, key, secret):
            return requests.post(url, auth=OAuth1(key, secret), data={"status": "hi"})

        def issue_token(request):
            grant = request.POST["grant_type"]
            return {"access_token": "x", "token_type": "bearer", "grant": grant}
        """
    )
    assert us == []


def test_request_object_of_another_http_library_built_by_a_helper():
    us = usages_of(
        """
        from azure.core.rest import HttpRequest

        class AadClient:
            def _post(self, data, **kwargs):
                url = self._token_url(**kwargs)
                return HttpRequest("POST", url, data=data,
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})

            def client_secret_request(self, scopes, secret):
                data = {"client_id": self.cid, "client_secret": secret,
                        "grant_type": "client_credentials", "scope": " ".join(scopes)}
                request = self._post(data)
                return request
        """
    )
    [u] = us
    assert (u.context, u.flow, u.client_auth, u.library) == (
        "AadClient.client_secret_request",
        "client_credentials",
        "body",
        "azure",
    )


def test_data_builders_that_only_log_or_serialise_are_silent():
    us = usages_of(
        """
        import json, logging
        log = logging.getLogger(__name__)

        def describe(cid):
            body = {"grant_type": "client_credentials", "client_id": cid}
            log.info("token request %s", body)
            return json.dumps(body)
        """
    )
    assert us == []


def test_authorization_url_from_a_params_dict_urlencoded_into_an_fstring_or_percent():
    us = usages_of(
        """
        from urllib.parse import urlencode

        class Client:
            client_id_parameter = "client_id"

            def redirect(self, authorization_url, scope, extra):
                params = {self.client_id_parameter: self.key, "redirect_uri": self.cb,
                          "scope": scope, "response_type": "code"}
                params.update(extra)
                return f"{authorization_url}?{urlencode(params)}"

            def redirect2(self, authorization_url, cid):
                params = {"client_id": cid, "response_type": "token"}
                return "%s?%s" % (authorization_url, urlencode(params))
        """
    )
    assert sorted((u.context, u.operation, u.flow) for u in us) == [
        ("Client.redirect", "authorization_url", "authorization_code"),
        ("Client.redirect2", "authorization_url", "implicit"),
    ]


def test_urlencoded_query_without_response_type_is_not_an_authorization_url():
    us = usages_of(
        """
        from urllib.parse import urlencode

        def search(base, q):
            return f"{base}?{urlencode({'q': q, 'client_id': 'web'})}"
        """
    )
    assert us == []


def test_client_of_a_namespace_package_module_sends_with_the_callers_grant(tmp_path, monkeypatch):
    result = scan(
        tmp_path,
        monkeypatch,
        {
            # google/ has no __init__.py (PEP 420), as in google-auth
            "google/oauth2/__init__.py": "",
            "google/oauth2/sts.py": """
                import urllib

                class Client:
                    def __init__(self, token_url):
                        self._token_url = token_url

                    def _make_request(self, request, body, url=None):
                        url = url or self._token_url
                        return request(url=url, method="POST",
                                       body=urllib.parse.urlencode(body).encode("utf-8"))

                    def exchange_token(self, request, grant_type, subject_token):
                        return self._make_request(
                            request, {"grant_type": grant_type, "subject_token": subject_token}
                        )
                """,
            "google/auth/__init__.py": "",
            "google/auth/external.py": """
                from google.oauth2 import sts

                GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"

                class Credentials:
                    def __init__(self, token_url):
                        self._sts = sts.Client(token_url)

                    def refresh(self, request):
                        return self._sts.exchange_token(request=request, grant_type=GRANT,
                                                        subject_token="t")
                """,
        },
    )
    [u] = [u for u in result.usages if u.path == "google/auth/external.py"]
    assert (u.flow, u.context) == ("token_exchange", "Credentials.refresh")


def test_protocol_fields_handed_to_a_sender_that_cannot_be_seen():
    us = usages_of(
        """
        def fresh_operation(name):
            return {"name": name, "form_data": {}}

        class Token:
            def __init__(self, base):
                self._base = base

            def get_access_token(self, client_id, code, redirect_uri, _hash):
                _op = fresh_operation("get_access_token")
                _op["form_data"] = {}
                _op["form_data"]["grant_type"] = "authorization_code"
                _op["form_data"]["client_id"] = client_id
                _op["form_data"]["code"] = code
                prepped = self._base.prepare_request(_op)
                return self._base.request(prepped, "AccessToken", _op)
        """
    )
    assert [(u.context, u.flow) for u in us] == [("Token.get_access_token", "authorization_code")]


def test_protocol_fields_only_logged_or_returned_are_not_a_request():
    us = usages_of(
        """
        import logging
        log = logging.getLogger(__name__)

        def token_params(cid):
            params = {"grant_type": "client_credentials", "client_id": cid}
            log.debug("params %s", params)
            return params
        """
    )
    assert us == []


def test_options_object_handed_to_a_transport_of_another_module(tmp_path, monkeypatch):
    result = scan(
        tmp_path,
        monkeypatch,
        {
            "sdk/__init__.py": "",
            "sdk/net.py": """
                import requests

                class FetchOptions:
                    def __init__(self, url, method="GET", data=None):
                        self.url, self.method, self.data = url, method, data

                class NetworkClient:
                    def __init__(self):
                        self.session = requests.Session()

                    def fetch(self, options):
                        return self.session.request(options.method, options.url,
                                                    data=options.data)
                """,
            "sdk/auth.py": """
                from sdk.net import FetchOptions, NetworkClient

                class CCGAuth:
                    def __init__(self, client_id, client_secret):
                        self.client_id, self.client_secret = client_id, client_secret
                        self.net = NetworkClient()

                    def token(self):
                        return self.net.fetch(FetchOptions(
                            url="https://api.box.example/oauth2/token", method="POST",
                            data={"grant_type": "client_credentials",
                                  "client_id": self.client_id,
                                  "client_secret": self.client_secret}))
                """,
        },
    )
    [u] = [u for u in result.usages if u.path == "sdk/auth.py"]
    assert (u.flow, u.client_auth, u.context) == ("client_credentials", "body", "CCGAuth.token")


def test_template_method_the_subclass_supplies_the_body(tmp_path, monkeypatch):
    result = scan(
        tmp_path,
        monkeypatch,
        {
            "social/__init__.py": "",
            "social/base.py": """
                import requests

                class BaseOAuth2:
                    ACCESS_TOKEN_URL = ""

                    def auth_complete_params(self, state=None):
                        return {"grant_type": "authorization_code", "code": self.code,
                                "client_id": self.key, "client_secret": self.secret}

                    def auth_headers(self):
                        return {"Accept": "application/json"}

                    def get_user(self, data):
                        return data

                    def request_access_token(self, url, data=None, headers=None):
                        return requests.post(url, data=data, headers=headers)

                    def auth_complete(self, state):
                        params = self.auth_complete_params(state)
                        return self.request_access_token(self.ACCESS_TOKEN_URL, data=params,
                                                         headers=self.auth_headers())
                """,
            "social/zoom.py": """
                from social.base import BaseOAuth2

                class ZoomOAuth2(BaseOAuth2):
                    ACCESS_TOKEN_URL = "https://zoom.us/oauth/token"

                    def auth_complete_params(self, state=None):
                        return {
                            "grant_type": "authorization_code",
                            "code": self.code,
                        }

                    def auth_headers(self):
                        return {"Authorization": "Basic " + self.basic}
                """,
            "social/plain.py": """
                from social.base import BaseOAuth2

                class PlainOAuth2(BaseOAuth2):
                    # changes nothing the token request sends
                    def get_user(self, data):
                        return {"id": data["id"]}
                """,
        },
    )
    zoom = [u for u in result.usages if u.path == "social/zoom.py"]
    assert [(u.context, u.flow, u.client_auth) for u in zoom] == [
        ("ZoomOAuth2.auth_complete_params", "authorization_code", "basic")
    ]
    assert [u for u in result.usages if u.path == "social/plain.py"] == []
    base = [u for u in result.usages if u.path == "social/base.py"]
    assert [(u.context, u.client_auth) for u in base] == [("BaseOAuth2.auth_complete", "body")]


def test_grant_given_as_keywords_to_a_generated_sdk_method():
    us = usages_of(
        """
        class ClientTokenManager:
            def __init__(self, grant_type, client_id, client_secret, client):
                self.grant_type, self.client_id = grant_type, client_id
                self.client_secret, self.client = client_secret, client

            def fetch_access_token(self):
                token = self.client.oauth.v2.token.create(
                    grant_type=self.grant_type,
                    client_id=self.client_id,
                    client_secret=self.client_secret,
                )
                return token.access_token
        """
    )
    [u] = us
    assert (u.context, u.flow, u.client_auth) == (
        "ClientTokenManager.fetch_access_token",
        "unknown",
        "body",
    )


def test_setdefault_grant_and_device_endpoint_and_auth_params_to_a_url_helper():
    us = usages_of(
        """
        import aiohttp
        from .helper import build_url

        class OAuth2Client:
            async def get_access_token(self, code, **payload):
                payload.setdefault("grant_type", "authorization_code")
                payload.update({"client_id": self.client_id, "client_secret": self.secret,
                                "code": code})
                return await self._request("POST", self.access_token_url, data=payload)

            async def device(self, session):
                return await session.post(self.base + "/oauth2/device",
                                          data={"client_id": self.client_id, "scope": "chat"})

            def auth_url(self, redirect_uri):
                params = {"client_id": self.client_id, "redirect_uri": redirect_uri,
                          "response_type": "code", "scope": "chat"}
                return build_url(self.base + "/authorize", params)
        """
    )
    got = sorted((u.context, u.operation, u.flow) for u in us)
    assert got == [
        ("OAuth2Client.auth_url", "authorization_url", "authorization_code"),
        ("OAuth2Client.device", "token_request", "device_code"),
        ("OAuth2Client.get_access_token", "token_request", "authorization_code"),
    ]


def test_generated_endpoint_whose_grant_is_its_own_parameter_is_left_to_its_callers():
    us = usages_of(
        """
        class TokenList:
            def create(self, grant_type, client_id, client_secret=None):
                data = {"grant_type": grant_type, "client_id": client_id,
                        "client_secret": client_secret}
                return self._version.create(method="POST", uri=self._uri, data=data)
        """
    )
    assert us == []


def test_authorization_params_built_by_a_helper_method_and_conditional_bodies():
    us = usages_of(
        """
        import requests
        from .utils import url_add_parameters

        class BaseOAuth2:
            RESPONSE_TYPE = "code"
            REFRESH_TOKEN_METHOD = "POST"

            def auth_params(self, state=None):
                params = {"client_id": self.key, "redirect_uri": self.redirect_uri}
                if self.RESPONSE_TYPE:
                    params["response_type"] = self.RESPONSE_TYPE
                return params

            def auth_url(self):
                params = self.auth_params("s")
                params.update(self.extra())
                return url_add_parameters(self.authorization_url(), params)

            def refresh_token(self, token):
                params = {"grant_type": "refresh_token", "refresh_token": token}
                is_get = self.REFRESH_TOKEN_METHOD == "GET"
                return requests.request(self.REFRESH_TOKEN_METHOD, self.url,
                                        data=params if not is_get else None)
        """
    )
    got = sorted((u.context, u.operation, u.flow) for u in us)
    assert got == [
        ("BaseOAuth2.auth_url", "authorization_url", "authorization_code"),
        ("BaseOAuth2.refresh_token", "refresh", "refresh_token"),
    ]


def test_an_authorization_url_opened_elsewhere_is_reported_once_where_it_is_built():
    us = usages_of(
        """
        import webbrowser
        from urllib.parse import urlencode

        class SpotifyOAuth:
            def get_authorize_url(self):
                payload = {"client_id": self.client_id, "response_type": "code",
                           "redirect_uri": self.redirect_uri}
                return f"{self.OAUTH_AUTHORIZE_URL}?{urlencode(payload)}"

            def _open_auth_url(self):
                auth_url = self.get_authorize_url()
                webbrowser.open(auth_url)
        """
    )
    assert [(u.context, u.operation) for u in us] == [
        ("SpotifyOAuth.get_authorize_url", "authorization_url")
    ]


def test_sender_chosen_at_runtime_and_grant_from_a_class_constant_mapping():
    us = usages_of(
        """
        import requests

        class Client:
            GRANTS = {"app": "client_credentials", "refresh": "refresh_token"}

            def __init__(self, cid, secret, post=None):
                self.http = requests.Session()
                self._post = post
                self.cid, self.secret = cid, secret

            def app_token(self, url):
                body = {"grant_type": self.GRANTS["app"]}
                return (self._post or self.http.post)(url, data=body, auth=(self.cid, self.secret))

            def send(self, method, url, **kw):
                return getattr(self.http, method.lower())(url, **kw)

            def refresh(self, url, rt):
                return self.send("POST", url, data={"grant_type": self.GRANTS["refresh"],
                                                    "refresh_token": rt})
        """
    )
    got = sorted((u.context, u.flow) for u in us)
    assert got == [("Client.app_token", "client_credentials"), ("Client.refresh", "refresh_token")]


def test_grant_from_an_enum_member_of_another_module(tmp_path, monkeypatch):
    result = scan(
        tmp_path,
        monkeypatch,
        {
            "sdk/__init__.py": "",
            "sdk/enums.py": """
                from enum import Enum

                class GrantType(str, Enum):
                    CLIENT_CREDENTIALS = "client_credentials"
                    REFRESH_TOKEN = "refresh_token"
                """,
            "sdk/auth.py": """
                import httpx
                from sdk.enums import GrantType

                def token(url, cid, secret):
                    return httpx.post(url, data={"grant_type": GrantType.CLIENT_CREDENTIALS},
                                      auth=(cid, secret))
                """,
        },
    )
    [u] = [u for u in result.usages if u.path == "sdk/auth.py"]
    assert (u.flow, u.client_auth) == ("client_credentials", "basic")


def test_auth_from_a_method_returning_basic_auth_and_an_empty_client_id():
    us = usages_of(
        """
        import requests
        from requests.auth import HTTPBasicAuth

        class Api:
            def _creds(self):
                return HTTPBasicAuth(self.cid, self.secret)

            def token(self, url):
                return requests.post(url, data={"grant_type": "client_credentials"},
                                     auth=self._creds())

            def token2(self, url):
                return requests.post(url, data={"grant_type": "client_credentials"},
                                     auth=("", self.secret))
        """
    )
    assert sorted((u.context, u.client_auth) for u in us) == [
        ("Api.token", "basic"),
        ("Api.token2", "basic"),
    ]


def test_client_class_chosen_by_a_conditional():
    us = usages_of(
        """
        import httpx

        def token(url, cid, secret, use_async=False):
            klass = httpx.AsyncClient if use_async else httpx.Client
            client = klass()
            return client.post(url, data={"grant_type": "client_credentials"},
                               auth=(cid, secret))
        """
    )
    [u] = us
    assert (u.flow, u.client_auth) == ("client_credentials", "basic")


def test_token_kind_constants_and_enums_are_silent():
    us = usages_of(
        """
        import enum

        class TokenType(enum.Enum):
            ACCESS_TOKEN = "access_token"
            REFRESH_TOKEN = "refresh_token"

        GRANT_TYPES = ("authorization_code", "client_credentials", "refresh_token")
        LAZY = {"refresh_token": "sdk.tokens.refresh"}

        def describe(kind):
            return {"grant_type": kind.value, "label": "Grant"}
        """
    )
    assert us == []


def test_a_servers_tests_posting_to_its_own_token_view_are_silent():
    us = usages_of(
        """
        from django.test import TestCase
        from django.urls import reverse
        from fastapi.testclient import TestClient
        from rest_framework.test import APITestCase

        from app import app

        class TokenViewTest(TestCase):
            def test_client_credentials(self):
                resp = self.client.post(reverse("oauth2_provider:token"),
                                        data={"grant_type": "client_credentials",
                                              "client_id": "abc", "client_secret": "x"})
                self.assertEqual(resp.status_code, 200)

        class ApiTokenTest(APITestCase):
            def test_password(self):
                self.client.post("/o/token/", {"grant_type": "password", "username": "u"})

        def test_fastapi_token():
            client = TestClient(app)
            client.post("/token", data={"grant_type": "client_credentials"})

        def test_flask_token(flask_app):
            with flask_app.test_client() as c:
                c.post("/oauth/token", data={"grant_type": "refresh_token"})
        """,
        "tests/test_token_views.py",
    )
    assert us == []


def test_an_override_that_extends_its_base_with_super():
    us = usages_of(
        """
        import requests

        class BaseOAuth2:
            def refresh_token_params(self, token):
                return {"grant_type": "refresh_token", "refresh_token": token}

            def refresh_token(self, token):
                return requests.post(self.url, data=self.refresh_token_params(token))

        class AzureAD(BaseOAuth2):
            def refresh_token_params(self, token):
                params = super().refresh_token_params(token)
                params["client_secret"] = self.secret
                return params
        """
    )
    got = sorted((u.context, u.flow, u.client_auth) for u in us)
    assert got == [
        ("AzureAD.refresh_token_params", "refresh_token", "body"),
        ("BaseOAuth2.refresh_token", "refresh_token", "none"),
    ]
