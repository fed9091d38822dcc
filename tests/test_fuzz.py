"""Property tests: generated source never makes reading, parsing or analysing raise.

Example counts stay modest (CI has two cores); ``deadline=None`` because a parse can take a few
hundred milliseconds on a loaded machine.
"""

from __future__ import annotations

import libcst as cst
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.analysis.parsing import guarded, measure, parse_module
from advisor.files.source import decode_source
from advisor.model import FileError, FileFacts

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

SNIPPETS = [
    """\
import os
from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session

client = BackendApplicationClient(client_id=os.environ["TREDDY_CLIENT_ID"])
session = OAuth2Session(client=client)
token = session.fetch_token(
    token_url="https://api.treddy.example/oauth/token",
    client_id=os.environ["TREDDY_CLIENT_ID"],
    client_secret=os.environ["TREDDY_CLIENT_SECRET"],
)
""",
    """\
import base64
import requests

CLIENT_SECRET = "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
creds = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
resp = requests.post(
    TOKEN_URL,
    headers={"Authorization": f"Basic {creds}"},
    data={"grant_type": "client_credentials", "scope": "reports:read"},
    verify=False,
)
""",
    """\
from authlib.integrations.httpx_client import AsyncOAuth2Client

async def fetch(settings):
    async with AsyncOAuth2Client(settings.client_id, settings.client_secret,
                                 token_endpoint_auth_method="client_secret_post") as c:
        return await c.fetch_token(settings.token_url, grant_type="client_credentials")
""",
    """\
import msal

app = msal.ConfidentialClientApplication(
    "client-id", authority="https://login.treddy.example", client_credential=SECRET
)
result = app.acquire_token_for_client(scopes=["https://api.treddy.example/.default"])
""",
    """\
from requests_oauthlib import OAuth2Session

oauth = OAuth2Session(client_id, redirect_uri=REDIRECT, scope=["profile"], pkce="S256")
url, state = oauth.authorization_url("https://auth.treddy.example/authorize")
token = oauth.fetch_token(TOKEN_URL, authorization_response=resp, client_secret=secret)
""",
]

TOKENS = [
    "import", "from", "requests", "httpx", "OAuth2Session", "fetch_token", "(", ")", "[", "]",
    "{", "}", ",", ":", "=", "==", ".", "+", "-", "*", "**", "@", "lambda", "async", "await",
    "def", "class", "return", "yield", "if", "else", "elif", "for", "in", "not", "and", "or",
    "with", "as", "try", "except", "finally", "match", "case", "f'", "'", '"', '"""', "\\",
    "#", "\n", "\n    ", "\t", ";", "0x", "1e", "'grant_type'", "'client_credentials'", "auth",
    "data", "headers", "'Basic '", "client_secret", "os.environ", "x", "_", "é", "\u200b",
    "\r", "\x0c", "print", ">>", "<>", "`",
]  # fmt: skip

# Characters that exercise the tokenizer: brackets, quotes, escapes, line ends, odd whitespace
text_chars = st.characters(codec="utf-8", exclude_categories=("Cs",))
token_soup = st.lists(st.sampled_from(TOKENS), max_size=80).map(" ".join)


@st.composite
def mutated_snippets(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SNIPPETS))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["delete", "insert", "duplicate", "truncate", "swap"]))
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 40)))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "insert":
            text = text[:i] + draw(st.sampled_from(TOKENS)) + text[i:]
        elif op == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        elif op == "truncate":
            text = text[:i]
        else:
            lines = text.splitlines(keepends=True)
            if len(lines) > 1:
                a = draw(st.integers(0, len(lines) - 1))
                b = draw(st.integers(0, len(lines) - 1))
                lines[a], lines[b] = lines[b], lines[a]
                text = "".join(lines)
    return text


sources = st.one_of(st.text(text_chars, max_size=300), token_soup, mutated_snippets())


def check_parse(text: str) -> None:
    outcome = parse_module(text, "fuzz.py")
    assert isinstance(outcome, (cst.Module, FileError))
    if isinstance(outcome, FileError):
        assert outcome.kind in {"syntax", "limit"}, outcome.reason
        assert outcome.path == "fuzz.py"


@FUZZ
@given(sources)
def test_parse_module_never_raises(text: str) -> None:
    check_parse(text)


@FUZZ
@given(st.binary(max_size=300))
def test_decoding_arbitrary_bytes_never_raises(data: bytes) -> None:
    outcome = decode_source(data, "fuzz.py")
    assert isinstance(outcome, (str, FileError))
    if isinstance(outcome, FileError):
        assert outcome.kind == "decode"
    else:
        check_parse(outcome)


@FUZZ
@given(sources)
def test_measure_is_total(text: str) -> None:
    c = measure(text)
    assert c.bracket_depth >= 0 and c.expression_depth >= 0


@settings(max_examples=40, deadline=None, derandomize=True)
@given(mutated_snippets())
def test_guarded_analysis_of_mutated_oauth_code_never_crashes(text: str) -> None:
    from advisor.analysis.analyzer import analyze_text

    outcome = guarded("fuzz.py", analyze_text, text, "fuzz.py")
    assert isinstance(outcome, (FileFacts, FileError))
    if isinstance(outcome, FileError):
        # an "internal" error is a detector crash that guarded contained: still a bug
        assert outcome.kind in {"syntax", "limit"}, outcome.reason


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.one_of(token_soup, st.text(text_chars, max_size=200)))
def test_analyzer_on_token_soup_never_crashes(text: str) -> None:
    from advisor.analysis.analyzer import analyze_text

    outcome = analyze_text(text, "soup.py")
    assert isinstance(outcome, (FileFacts, FileError))
    if isinstance(outcome, FileError):
        assert outcome.kind in {"syntax", "limit"}, outcome.reason
