"""Client credentials with a Basic header (fine), but TLS verification is switched off on the
token request, so the client secret can be read by anyone on the network path."""

import os

import requests

TOKEN_URL = "https://auth.treddy.com/oauth/token"


def get_token() -> str:
    resp = requests.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials", "scope": "deals:read"},
        auth=(os.environ["TREDDY_CLIENT_ID"], os.environ["TREDDY_CLIENT_SECRET"]),
        verify=False,
        timeout=10,
    )
    resp.raise_for_status()
    return resp.json()["access_token"]
