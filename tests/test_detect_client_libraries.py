"""oauth2client and requests-oauth2client (advisor/detectors/client_libraries.py)."""

from __future__ import annotations

import textwrap

from advisor.analysis.analyzer import analyze_text


def usages(code: str, path: str = "integration.py"):
    facts = analyze_text(textwrap.dedent(code), path)
    assert hasattr(facts, "usages"), facts
    return facts.usages


def test_oauth2client_web_server_flow():
    us = usages(
        """
        import os
        from oauth2client.client import OAuth2WebServerFlow

        flow = OAuth2WebServerFlow(client_id="web-app", client_secret=os.environ["GSECRET"],
                                   scope="drive", redirect_uri="https://app.example/cb")

        def start():
            return flow.step1_get_authorize_url()

        def finish(code):
            return flow.step2_exchange(code)
        """
    )
    got = [(u.library, u.operation, u.flow, u.client_auth, u.secret_source) for u in us]
    assert got == [
        ("oauth2client", "authorization_url", "authorization_code", "none", "env"),
        ("oauth2client", "token_request", "authorization_code", "body", "env"),
    ]


def test_oauth2client_flow_built_elsewhere():
    us = usages(
        """
        from oauth2client.client import FlowExchangeError

        class GoogleAuth:
            def Authenticate(self, code):
                try:
                    return self.flow.step2_exchange(code)
                except FlowExchangeError:
                    raise
        """
    )
    [u] = us
    assert (u.library, u.flow, u.client_auth) == ("oauth2client", "authorization_code", "body")


def test_requests_oauth2client_grants_and_client_auth():
    us = usages(
        """
        import os
        from requests_oauth2client import OAuth2Client, ClientSecretBasic, PrivateKeyJwt

        post = OAuth2Client(token_endpoint="https://auth.treddy.com/oauth/token",
                            client_id="app", client_secret=os.environ["TREDDY_SECRET"])
        basic = OAuth2Client("https://auth.treddy.com/oauth/token",
                             auth=ClientSecretBasic("app", os.environ["TREDDY_SECRET"]))
        pair = OAuth2Client("https://auth.treddy.com/oauth/token", auth=("app", "s3cr"))

        def a():
            return post.client_credentials(scope="deals:read")

        def b(rt):
            return basic.refresh_token(rt)

        def c(code):
            return pair.authorization_code(code)
        """
    )
    got = [(u.context, u.flow, u.client_auth) for u in us]
    assert got == [
        ("a", "client_credentials", "body"),
        ("b", "refresh_token", "basic"),
        ("c", "authorization_code", "body"),
    ]
    assert us[0].token_url == "https://auth.treddy.com/oauth/token"


def test_generic_method_names_on_unknown_objects_are_not_read_as_these_libraries():
    us = usages(
        """
        from requests_oauth2client import OAuth2Client

        def grant(thing):
            return thing.client_credentials(scope="x")
        """
    )
    assert us == []
