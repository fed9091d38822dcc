"""Literals under names that can only mean an OAuth credential, and the look-alikes that are not."""

from __future__ import annotations

import textwrap

import pytest

from advisor.analysis.analyzer import analyze_text


def secrets_of(code: str, path: str = "app.py"):
    facts = analyze_text(textwrap.dedent(code), path)
    return [(s.span.line, s.role) for s in facts.secrets]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # keyword of any factory (flask-dance style blueprints, SDK constructors)
        (
            'make_blueprint(client_id="abc", client_secret="9f8e7d6c5b4a39281706f5e4d3c2")\n',
            [(1, "client_secret")],
        ),
        ('TREDDY_CLIENT_SECRET = "tr_sk_live_9f8e7d6c5b4a39281706"\n', [(1, "client_secret")]),
        ('CONF = {"client_secret": "tr_sk_live_9f8e7d6c5b4a39281706"}\n', [(1, "client_secret")]),
        (
            'token = {"access_token": "ya29.a0AfH6SMBx3k9vQ7Lw2", "refresh_token": "1//0gJx8r7Qm"}\n',
            [(1, "access_token"), (1, "refresh_token")],
        ),
        # Authlib's Flask registry reads {NAME}_CLIENT_SECRET from the app's config
        (
            'app.config["TREDDY_CLIENT_SECRET"] = "tr_sk_live_9f8e7d6c5b4a39281706"\n',
            [(1, "client_secret")],
        ),
        (
            'os.environ["TREDDY_CLIENT_SECRET"] = "tr_sk_live_9f8e7d6c5b4a39281706"\n',
            [(1, "client_secret")],
        ),
        (
            "class Client:\n"
            "    def __init__(self):\n"
            '        self.client_secret = "tr_sk_live_9f8e7d6c5b4a39281706"\n',
            [(3, "client_secret")],
        ),
        ('settings.REFRESH_TOKEN = "1//0gJx8r7QmXk2vLw9pZ"\n', [(1, "refresh_token")]),
    ],
)
def test_flagged(code, expected):
    assert secrets_of(code) == expected


@pytest.mark.parametrize(
    "code",
    [
        'ACCESS_TOKEN_URL = "https://auth.treddy.com/oauth/token"\n',
        'TOKEN_URL = "https://auth.treddy.com/oauth/token"\n',
        'client_secret = "YOUR_CLIENT_SECRET"\n',
        'make_blueprint(client_id="abc", client_secret="<secret>")\n',
        'SECRET_KEY = "django-insecure-9f8e7d6c5b4a39281706"\n',
        'password = "hunter2-but-longer"\n',
        'access_token = "https://example.com/token"\n',
        'msg = {"access_token": "the access token we got back"}\n',
        'client_secret = os.environ["TREDDY_CLIENT_SECRET"]\n',
        'app.config["TREDDY_CLIENT_SECRET"] = os.environ["TREDDY_CLIENT_SECRET"]\n',
        'app.config["SECRET_KEY"] = "dev-9f8e7d6c5b4a39281706"\n',
        'app.config["TREDDY_ACCESS_TOKEN_URL"] = "https://auth.treddy.com/oauth/token"\n',
        'self.client_secret = "YOUR_CLIENT_SECRET"\n',
        'os.environ["TREDDY_CLIENT_SECRET"] = "<paste it here>"\n',
        # flask-dance: where the secret is to be read from, not the secret
        'bp.from_config["client_secret"] = "GITHUB_OAUTH_CLIENT_SECRET"\n',
        'CLIENT_SECRET = "TREDDY_CLIENT_SECRET"  # the variable to read\n',
    ],
)
def test_lookalikes_silent(code):
    assert secrets_of("import os\n" + code) == []


def test_literal_reported_once_when_a_role_detector_saw_it_too():
    code = """
    import requests
    client_secret = "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
    requests.post("https://auth.treddy.com/oauth/token",
                  data={"grant_type": "client_credentials"}, auth=("cid", client_secret))
    """
    assert len(secrets_of(code)) == 1


def test_in_test_file_is_marked():
    facts = analyze_text(
        'bp = make_blueprint(client_secret="9f8e7d6c5b4a39281706f5e4")\n', "tests/test_login.py"
    )
    assert [s.in_test_file for s in facts.secrets] == [True]


@pytest.mark.parametrize(
    "code",
    [
        # protocol tables and rule maps: names mapped to keywords or codes, not secrets
        'GRANTS = {"refresh_token": "refresh_token", "client_secret": "client_secret_post"}\n',
        'RULES = {"client_secret": "TRD301", "access_token": "TRD302"}\n',
    ],
)
def test_protocol_words_and_short_codes_are_not_secrets(code):
    assert secrets_of(code) == []
