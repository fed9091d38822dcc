"""A single-page login link on the implicit grant: the access token comes back in the URL
fragment. Treddy does not support the implicit grant and advises against it."""

CLIENT_ID = "tr_cid_3b9d0e6f1a2c4857"
REDIRECT_URI = "https://partner.example.com/treddy/landing"


def login_link(state: str) -> str:
    return (
        "https://auth.treddy.com/oauth/authorize"
        f"?response_type=token&client_id={CLIENT_ID}"
        f"&redirect_uri={REDIRECT_URI}&scope=deals:read&state={state}"
    )
