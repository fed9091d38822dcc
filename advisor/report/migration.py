"""Migration steps for the report: client-credentials code for the libraries a codebase uses.

Every snippet does the same thing in the idiom of its library: a client-credentials token
request with the client id and secret in the HTTP Basic header, the secret read from the
environment (where a secret manager or the deployment puts it), and no refresh: when the token
expires, a new one is requested. Values taken from the scanned code (token URL, scopes) enter the
snippets only as Python literals built with ``repr``.
"""

from __future__ import annotations

from dataclasses import dataclass

# Library names of advisor.model.Library -> the snippet that replaces their token request.
SNIPPET_FOR_LIBRARY = {
    "requests-oauthlib": "requests-oauthlib",
    "oauthlib": "requests-oauthlib",
    "google-auth-oauthlib": "requests-oauthlib",
    "authlib": "authlib",
    "msal": "msal",
    "requests": "requests",
    "httpx": "httpx",
    "httpx-oauth": "httpx",
    "aiohttp": "aiohttp",
    "urllib": "requests",
}
DEFAULT_SNIPPETS = ("requests",)


@dataclass
class Snippet:
    key: str
    title: str
    note: str
    code: str


def _header(token_url: str | None) -> str:
    url = repr(token_url) if token_url else 'os.environ["TREDDY_TOKEN_URL"]'
    return (
        "import os\n\n"
        f"TOKEN_URL = {url}\n"
        "# Injected by the deployment from a secret manager (Vault, AWS Secrets Manager, ...);\n"
        "# never written in code or committed.\n"
        'CLIENT_ID = os.environ["TREDDY_CLIENT_ID"]\n'
        'CLIENT_SECRET = os.environ["TREDDY_CLIENT_SECRET"]\n'
    )


def _requests_oauthlib(url: str | None, scope: str) -> Snippet:
    code = _header(url) + (
        "\nfrom oauthlib.oauth2 import BackendApplicationClient\n"
        "from requests_oauthlib import OAuth2Session\n\n\n"
        "def treddy_session() -> OAuth2Session:\n"
        '    """A session holding a fresh client-credentials token; call again when it expires."""\n'
        f"    client = BackendApplicationClient(client_id=CLIENT_ID, scope={scope})\n"
        "    session = OAuth2Session(client=client)\n"
        "    # client_secret= without include_client_id=True: requests-oauthlib sends the id and\n"
        "    # secret in the Basic header. No auto_refresh_url / token_updater: there is no refresh.\n"
        "    session.fetch_token(TOKEN_URL, client_secret=CLIENT_SECRET)\n"
        "    return session\n"
    )
    return Snippet(
        "requests-oauthlib",
        "requests-oauthlib",
        "BackendApplicationClient is the client-credentials grant. Drop include_client_id=True, "
        "auto_refresh_url=, token_updater= and any refresh_token() call.",
        code,
    )


def _authlib(url: str | None, scope: str) -> Snippet:
    code = _header(url) + (
        "\nfrom authlib.integrations.requests_client import OAuth2Session\n\n"
        "session = OAuth2Session(\n"
        "    CLIENT_ID,\n"
        "    CLIENT_SECRET,\n"
        f"    scope={scope},\n"
        '    token_endpoint_auth_method="client_secret_basic",\n'
        "    token_endpoint=TOKEN_URL,\n"
        '    grant_type="client_credentials",\n'
        ")\n"
        "# Pass no client_secret= here: it would add the secret to the body as well.\n"
        "session.fetch_token()\n"
        "# With grant_type set, Authlib requests a new client-credentials token when this one\n"
        "# expires; that is a new grant, not a refresh.\n"
    )
    return Snippet(
        "authlib",
        "Authlib",
        "Set token_endpoint_auth_method to client_secret_basic (never client_secret_post) and "
        "use the client-credentials grant; remove authorize_redirect / authorize_access_token.",
        code,
    )


def _msal(url: str | None, scope: str) -> Snippet:
    snippet = _requests(url, scope)
    return Snippet(
        "msal",
        "msal",
        "MSAL always sends the client secret in the request body (or a signed assertion), never "
        "in a Basic header, so it cannot talk to Treddy's token endpoint. Replace the MSAL call "
        "for Treddy with a plain token request:",
        snippet.code,
    )


def _requests(url: str | None, scope: str) -> Snippet:
    code = _header(url) + (
        "\nimport time\n\nimport requests\n\n"
        "_token: dict = {}\n\n\n"
        "def treddy_token() -> str:\n"
        '    """A client-credentials token; a new one is requested shortly before expiry."""\n'
        '    if not _token or time.monotonic() > _token["expires_at"] - 60:\n'
        "        resp = requests.post(\n"
        "            TOKEN_URL,\n"
        f'            data={{"grant_type": "client_credentials", "scope": " ".join({scope})}},\n'
        "            auth=(CLIENT_ID, CLIENT_SECRET),  # HTTP Basic header\n"
        "            timeout=10,\n"
        "        )\n"
        "        resp.raise_for_status()\n"
        "        body = resp.json()\n"
        '        _token["access_token"] = body["access_token"]\n'
        '        _token["expires_at"] = time.monotonic() + body.get("expires_in", 300)\n'
        '    return _token["access_token"]\n'
    )
    return Snippet(
        "requests",
        "requests",
        "auth=(id, secret) sends the HTTP Basic header; keep client_id and client_secret out of "
        "data=, and keep verify= at its default.",
        code,
    )


def _httpx(url: str | None, scope: str) -> Snippet:
    code = _header(url) + (
        "\nimport httpx\n\n\n"
        "def treddy_token() -> dict:\n"
        '    """Request a new client-credentials token (there is no refresh)."""\n'
        "    resp = httpx.post(\n"
        "        TOKEN_URL,\n"
        f'        data={{"grant_type": "client_credentials", "scope": " ".join({scope})}},\n'
        "        auth=httpx.BasicAuth(CLIENT_ID, CLIENT_SECRET),\n"
        "        timeout=10,\n"
        "    )\n"
        "    resp.raise_for_status()\n"
        "    return resp.json()  # access_token, expires_in: request again when it expires\n"
    )
    return Snippet(
        "httpx",
        "httpx",
        "httpx.BasicAuth (or auth=(id, secret)) sends the HTTP Basic header; the same arguments "
        "work on an httpx.Client or AsyncClient.",
        code,
    )


def _aiohttp(url: str | None, scope: str) -> Snippet:
    code = _header(url) + (
        "\nimport aiohttp\n\n\n"
        "async def treddy_token() -> dict:\n"
        '    """Request a new client-credentials token (there is no refresh)."""\n'
        "    async with aiohttp.ClientSession() as session:\n"
        "        async with session.post(\n"
        "            TOKEN_URL,\n"
        f'            data={{"grant_type": "client_credentials", "scope": " ".join({scope})}},\n'
        "            auth=aiohttp.BasicAuth(CLIENT_ID, CLIENT_SECRET),\n"
        "        ) as resp:\n"
        "            resp.raise_for_status()\n"
        "            return await resp.json()\n"
    )
    return Snippet("aiohttp", "aiohttp", "aiohttp.BasicAuth sends the HTTP Basic header.", code)


_BUILDERS = {
    "requests-oauthlib": _requests_oauthlib,
    "authlib": _authlib,
    "msal": _msal,
    "requests": _requests,
    "httpx": _httpx,
    "aiohttp": _aiohttp,
}


def snippets(libraries: list[str], token_url: str | None, scopes: list[str]) -> list[Snippet]:
    """One snippet per library family the codebase uses (requests when it uses none we know)."""
    keys: list[str] = []
    for lib in libraries:
        key = SNIPPET_FOR_LIBRARY.get(lib)
        if key and key not in keys:
            keys.append(key)
    if not keys:
        keys = list(DEFAULT_SNIPPETS)
    scope = repr(sorted(set(scopes))) if scopes else '["<scope>"]'
    return [_BUILDERS[k](token_url, scope) for k in keys]
