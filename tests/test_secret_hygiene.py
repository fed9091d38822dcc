"""Planted secrets never appear in full in any output, cache or baseline (issue 7)."""

from __future__ import annotations

import base64
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli.main import main

S_ARG = "tr_sk_live_arg_9f8e7d6c5b4a39281706"
S_DICT = "tr_sk_live_dict_4c1d2e3f4a5b6c7d8e9f"
S_CONST = "tr_sk_live_const_0a1b2c3d4e5f6a7b8c9d"
S_BASIC = "tr_sk_live_basic_5e6f7a8b9c0d1e2f3a4b"
S_FSTR = "tr_sk_live_fstr_7a8b9c0d1e2f3a4b5c6d"
S_URL = "tr_sk_live_url_2f3a4b5c6d7e8f9a0b1c"
T_BEARER = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIn0.c2lnbmF0dXJlLXBsYW50ZWQ"
S_SYNTAX = "tr_sk_live_syntax_3b4c5d6e7f8a9b0c1d2e"
BASIC_B64 = base64.b64encode(f"cid:{S_BASIC}".encode()).decode()

PLANTED = [S_ARG, S_DICT, S_CONST, S_BASIC, S_FSTR, S_URL, T_BEARER, S_SYNTAX, BASIC_B64]

FILES = {
    "partner/__init__.py": "",
    "partner/settings.py": f'PARTNER_KEY = "{S_CONST}"\n',
    "partner/client.py": f'''
        import requests
        from oauthlib.oauth2 import BackendApplicationClient
        from requests_oauthlib import OAuth2Session

        from partner.settings import PARTNER_KEY

        TOKEN_URL = "https://auth.treddy.com/oauth/token"


        def literal_argument():
            s = OAuth2Session(client=BackendApplicationClient(client_id="cid"))
            return s.fetch_token(TOKEN_URL, client_secret="{S_ARG}", include_client_id=True)


        def dict_value():
            return requests.post(TOKEN_URL, data={{"grant_type": "client_credentials",
                                                  "client_id": "cid",
                                                  "client_secret": "{S_DICT}"}})


        def constant_from_another_module():
            return requests.post(TOKEN_URL, data={{"grant_type": "client_credentials"}},
                                 auth=("cid", PARTNER_KEY))


        def basic_header_literal():
            return requests.post(TOKEN_URL, data={{"grant_type": "client_credentials"}},
                                 headers={{"Authorization": "Basic {BASIC_B64}"}})


        def f_string_body(cid):
            return requests.post(TOKEN_URL,
                                 data=f"grant_type=client_credentials&client_id={{cid}}&client_secret={S_FSTR}")


        def secret_in_the_url():
            return requests.post(TOKEN_URL + "?grant_type=client_credentials&client_id=cid"
                                 "&client_secret={S_URL}", verify=False)


        def bearer_literal():
            return requests.get("https://api.treddy.com/v1/deals",
                                headers={{"Authorization": "Bearer {T_BEARER}"}})
    ''',
    "partner/broken.py": f'client_secret = "{S_SYNTAX}"\ndef oops(:\n',
}


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for rel, code in FILES.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(code))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def assert_clean(text: str, where: str) -> None:
    for secret in PLANTED:
        assert secret not in text, f"{where} leaks {secret[:12]}…"


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "gitlab", "junit"])
def test_no_format_prints_a_planted_secret(project: Path, fmt: str) -> None:
    result = invoke("check", "partner", "--format", fmt, "--show-source")
    assert result.exit_code == 1, result.output
    assert_clean(result.stdout, f"--format {fmt}")
    assert_clean(result.stderr, f"--format {fmt} (stderr)")


def test_the_planted_secrets_are_all_found(project: Path) -> None:
    import json

    doc = json.loads(invoke("check", "partner", "--format", "json").stdout)
    rules = {f["rule"] for f in doc["findings"]}
    assert {"TRD301", "TRD302", "TRD303", "TRD201", "TRD202", "TRD402"} <= rules
    assert [e["path"] for e in doc["errors"]] == ["partner/broken.py"]


def test_reports_cache_baseline_and_fix_diff_do_not_leak(project: Path) -> None:
    invoke("check", "partner", "--write-baseline", "baseline.json")
    invoke("check", "partner", "--baseline", "baseline.json")
    invoke("report", "partner", "-o", "report.html")
    invoke("report", "partner", "-o", "report.md", "--format", "markdown")
    diff = invoke("check", "partner", "--diff", "--unsafe-fixes")
    assert_clean(diff.stdout + diff.stderr, "--diff")
    written = [
        project / "baseline.json",
        project / "report.html",
        project / "report.md",
        *sorted((project / ".treddy_advisor_cache").rglob("*")),
    ]
    assert (project / "report.html").stat().st_size > 1000
    checked = 0
    for path in written:
        if path.is_file():
            assert_clean(path.read_text(errors="replace"), str(path.relative_to(project)))
            checked += 1
    assert checked >= 5
