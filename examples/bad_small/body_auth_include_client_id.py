"""Client credentials with requests-oauthlib, but include_client_id=True moves the client id and
secret from the Basic header into the request body, which Treddy does not accept."""

import os

from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session

TOKEN_URL = "https://auth.treddy.com/oauth/token"


def treddy_session() -> OAuth2Session:
    client = BackendApplicationClient(
        client_id=os.environ["TREDDY_CLIENT_ID"], scope=["deals:read"]
    )
    session = OAuth2Session(client=client)
    session.fetch_token(
        TOKEN_URL,
        client_secret=os.environ["TREDDY_CLIENT_SECRET"],
        include_client_id=True,
    )
    return session
