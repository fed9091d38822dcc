"""Authlib client credentials with client_secret_post: the secret travels in the form body
instead of the Basic header Treddy requires."""

import os

from authlib.integrations.requests_client import OAuth2Session

TOKEN_URL = "https://auth.treddy.com/oauth/token"


def fetch_treddy_token() -> dict:
    session = OAuth2Session(
        os.environ["TREDDY_CLIENT_ID"],
        os.environ["TREDDY_CLIENT_SECRET"],
        scope="deals:read",
        token_endpoint_auth_method="client_secret_post",
    )
    return session.fetch_token(TOKEN_URL, grant_type="client_credentials")
