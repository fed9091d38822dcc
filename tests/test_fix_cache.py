"""Fixability and edits are cached: a warm run with findings does not re-run the codemods."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

import advisor.fix.command as command
from advisor.cli.main import main

CODE = """import requests

def token(cid, secret):
    return requests.post("https://auth.treddy.com/oauth/token",
                         data={"grant_type": "client_credentials", "scope": "deals:read"},
                         auth=(cid, secret), verify=False)
"""


def run(*args: str):
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


def test_second_run_reads_fixability_from_the_cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(CODE)
    first = json.loads(run("app.py", "--format", "json").stdout)
    assert [(f["rule"], f["fixable"], len(f["edits"])) for f in first["findings"]] == [
        ("TRD402", True, 1)
    ]

    calls: list[int] = []
    real = command.annotate

    def counting(result, checker):  # type: ignore[no-untyped-def]
        calls.append(len(result.findings))
        return real(result, checker)

    monkeypatch.setattr(command, "annotate", counting)
    second = json.loads(run("app.py", "--format", "json").stdout)
    assert calls == []
    assert second["findings"] == first["findings"]

    # an edit to the file invalidates the entry
    (tmp_path / "app.py").write_text(CODE.replace("deals:read", "deals:write"))
    run("app.py", "--format", "json")
    assert calls == [1]

    # --no-cache never reads it
    run("app.py", "--format", "json", "--no-cache")
    assert calls == [1, 1]
