"""`treddy-advisor check --fix / --unsafe-fixes / --diff` end to end (CliRunner)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from advisor.cli.main import main

SECRET = "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"

# TRD201 (client_id/secret in the body) and TRD402 (verify=False): safe fixes;
# TRD301 (the literal secret): an unsafe fix.
VIOLATING = f'''\
import requests

TOKEN_URL = "https://auth.treddy.com/oauth/token"
CLIENT_ID = "treddy-client-1234"
CLIENT_SECRET = "{SECRET}"


def get_token():
    body = {{
        "grant_type": "client_credentials",
        "scope": "deals:read",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }}
    r = requests.post(
        TOKEN_URL,
        data=body,
        verify=False,  # staging has a self-signed certificate
    )
    return r.json()["access_token"]
'''

SAFE_FIXED = """\
import requests

TOKEN_URL = "https://auth.treddy.com/oauth/token"
CLIENT_ID = "treddy-client-1234"
CLIENT_SECRET = "{secret}"


def get_token():
    body = {{
        "grant_type": "client_credentials",
        "scope": "deals:read",
    }}
    r = requests.post(
        TOKEN_URL,
        data=body,
        auth=(CLIENT_ID, CLIENT_SECRET),
    )
    return r.json()["access_token"]
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.treddy-advisor]\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "token.py").write_text(VIOLATING)
    return tmp_path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, ["check", "--no-cache", *args], catch_exceptions=False)


def source(project: Path) -> str:
    return (project / "app" / "token.py").read_text()


def test_diff_prints_the_fix_writes_nothing_and_exits_1(project: Path) -> None:
    result = invoke("--diff", "app")
    assert result.exit_code == 1
    assert source(project) == VIOLATING
    out = result.stdout
    assert out.startswith("--- a/app/token.py\n+++ b/app/token.py\n")
    assert '-        "client_secret": CLIENT_SECRET,\n' in out
    assert "+        auth=(CLIENT_ID, CLIENT_SECRET),\n" in out
    assert "-        verify=False,  # staging has a self-signed certificate\n" in out
    # the unsafe fix is not in the diff, and the summary says it exists
    assert "os.environ" not in out
    assert "Would fix 2 findings." in result.stderr
    assert "1 unsafe fix can be enabled with --unsafe-fixes" in result.stderr


def test_diff_never_prints_the_secret(project: Path) -> None:
    result = invoke("--diff", "--unsafe-fixes", "app")
    assert result.exit_code == 1
    assert SECRET not in result.output
    assert '+CLIENT_SECRET = os.environ["TREDDY_CLIENT_SECRET"]\n' in result.stdout


def test_diff_exits_0_when_nothing_to_fix(project: Path) -> None:
    (project / "app" / "token.py").write_text(SAFE_FIXED.format(secret="x"))
    result = invoke("--diff", "app")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "No fixes available." in result.stderr


def test_fix_applies_safe_fixes_only(project: Path) -> None:
    result = invoke("--fix", "app")
    assert source(project) == SAFE_FIXED.format(secret=SECRET)
    ast.parse(source(project))
    out = result.output
    assert "Fixed 2 findings in 1 file" in out
    assert "1 unsafe fix can be enabled with --unsafe-fixes" in out
    # what remains is reported: the hard-coded secret (now a Basic credential pair)
    assert "TRD201" not in out and "TRD402" not in out
    assert "TRD30" in out
    assert result.exit_code == 1
    assert SECRET not in out


def test_fix_with_unsafe_fixes_then_second_run_changes_nothing(project: Path) -> None:
    first = invoke("--fix", "--unsafe-fixes", "app")
    fixed = source(project)
    assert 'CLIENT_SECRET = os.environ["TREDDY_CLIENT_SECRET"]' in fixed
    assert fixed.startswith("import requests\nimport os\n")
    assert SECRET not in fixed
    assert "Fixed 3 findings in 1 file (0 remaining)." in first.output
    assert "TREDDY_CLIENT_SECRET  (app/token.py)" in first.output
    assert first.exit_code == 0

    second = invoke("--fix", "--unsafe-fixes", "app")
    assert source(project) == fixed
    assert "No fixes applied (0 remaining)." in second.output
    assert second.exit_code == 0


def test_text_summary_counts_safe_and_unsafe_fixes(project: Path) -> None:
    result = invoke("app")
    assert result.exit_code == 1
    assert "[*] 2 fixable with --fix (1 more with --fix --unsafe-fixes)." in result.output


def test_json_lists_fixability_and_edits(project: Path) -> None:
    result = invoke("--format", "json", "app")
    doc = json.loads(result.stdout)
    by_rule = {f["rule"]: f for f in doc["findings"]}
    assert (by_rule["TRD402"]["fixable"], by_rule["TRD402"]["fix_safety"]) == (True, "safe")
    # the whole `verify=False,  # ...` line goes
    assert by_rule["TRD402"]["edits"] == [
        {
            "path": "app/token.py",
            "line": 18,
            "column": 0,
            "end_line": 19,
            "end_column": 0,
            "replacement": "",
        }
    ]
    moved = by_rule["TRD201"]["edits"]
    assert [(e["line"], e["end_line"], e["replacement"]) for e in moved] == [
        (12, 14, ""),
        (18, 18, "        auth=(CLIENT_ID, CLIENT_SECRET),\n"),
    ]
    secret = by_rule["TRD301"]
    assert (secret["fixable"], secret["fix_safety"]) == (True, "unsafe")
    assert [(e["line"], e["column"], e["replacement"]) for e in secret["edits"]] == [
        (2, 0, "import os\n"),
        (5, 16, 'os.environ["TREDDY_CLIENT_SECRET"]'),
    ]
    assert "TREDDY_CLIENT_SECRET" in secret["fix"]
    assert SECRET not in result.stdout


def test_fix_json_output_keeps_stdout_a_json_document(project: Path) -> None:
    result = invoke("--fix", "--format", "json", "app")
    doc = json.loads(result.stdout)
    assert {f["rule"] for f in doc["findings"]} & {"TRD201", "TRD402"} == set()
    assert "Fixed 2 findings" in result.stderr


def test_fix_respects_suppressions(project: Path) -> None:
    text = VIOLATING.replace(
        "verify=False,  # staging has a self-signed certificate", "verify=False,  # noqa: TRD402"
    )
    (project / "app" / "token.py").write_text(text)
    invoke("--fix", "app")
    assert "verify=False,  # noqa: TRD402" in source(project)
    assert "auth=(CLIENT_ID, CLIENT_SECRET)" in source(project)


def test_fix_leaves_a_file_with_a_syntax_error_alone(project: Path) -> None:
    broken = VIOLATING + "\ndef oops(:\n"
    (project / "app" / "broken.py").write_text(broken)
    result = invoke("--fix", "app")
    assert (project / "app" / "broken.py").read_text() == broken
    assert source(project) == SAFE_FIXED.format(secret=SECRET)
    assert result.exit_code == 1
