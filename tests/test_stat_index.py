"""A warm run reads no unchanged file: digests and light facts come from the stat index."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from timestamps import age

import advisor.files.source
from advisor.cli.main import main

OAUTH = """import requests

def token(cid, secret):
    return requests.post("https://auth.treddy.com/oauth/token",
                         data={"grant_type": "client_credentials", "client_id": cid,
                               "client_secret": secret})
"""
PLAIN = "import tkinter\n\nROOT = tkinter.Tk()  # a desktop app: evidence, no OAuth words\n"


def run(*args: str):
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


def test_unchanged_files_are_not_read_again(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name, code in (("client.py", OAUTH), ("gui.py", PLAIN)):
        (tmp_path / name).write_text(code)
        age(tmp_path / name)
    first = json.loads(run(".", "--format", "json").stdout)

    reads: list[str] = []
    real = advisor.files.source.read_source

    def counting(path, *a, **k):  # type: ignore[no-untyped-def]
        reads.append(Path(path).name)
        return real(path, *a, **k)

    monkeypatch.setattr(advisor.files.source, "read_source", counting)
    second = json.loads(run(".", "--format", "json").stdout)
    assert reads == []
    assert second["findings"] == first["findings"]
    assert second["usages"] == first["usages"]
    assert [f["rule"] for f in second["findings"]] == ["TRD105", "TRD201", "TRD304"]

    # a change in size or time is seen: that file (only) is read again
    (tmp_path / "client.py").write_text(OAUTH.replace("client_secret", "client_assertion"))
    age(tmp_path / "client.py")
    third = json.loads(run(".", "--format", "json").stdout)
    assert reads == ["client.py"]
    assert "TRD201" not in [f["rule"] for f in third["findings"]]


def test_light_entries_rebuild_exactly_what_was_recorded() -> None:
    import dataclasses

    from advisor.model import AppEvidence, FileFacts
    from advisor.speed.cache import _light_facts, decode

    facts = FileFacts(
        path="gui/app.py",
        skipped="no OAuth vocabulary",
        app_evidence=[AppEvidence("gui/app.py", 1, "distributed_app", "imports tkinter")],
        suppressions={3: ["TRD301"], 7: ["*"]},
    )
    doc = json.loads(json.dumps(dataclasses.asdict(facts)))
    compact = {k: v for k, v in doc.items() if v or v == 0}
    assert _light_facts(compact) == facts == decode(FileFacts, doc)
    assert _light_facts({"path": "a.py", "skipped": "no OAuth vocabulary"}) == FileFacts(
        "a.py", skipped="no OAuth vocabulary"
    )
