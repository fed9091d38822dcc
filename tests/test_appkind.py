"""Application-kind evidence: imports, project files, and the precedence of infer_kind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from advisor.analysis.appkind import evidence_in_text, infer_kind, scan_app_kind
from advisor.model import AppEvidence


def kinds(text: str) -> set[str]:
    return {e.kind for e in evidence_in_text("app.py", text)}


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("from flask import Flask\n", "web_server"),
        ("import django.conf\n", "web_server"),
        ("from fastapi import FastAPI, Depends\n", "web_server"),
        ("from aiohttp import web\n", "web_server"),
        ("from aiohttp.web import Application\n", "web_server"),
        ("import tornado.web\n", "web_server"),
        ("import click\n", "cli_daemon"),
        ("import argparse\n", "cli_daemon"),
        ("from apscheduler.schedulers.blocking import BlockingScheduler\n", "cli_daemon"),
        ("from celery import Celery\n", "cli_daemon"),
        ('if __name__ == "__main__":\n    main()\n', "cli_daemon"),
        ("import tkinter as tk\n", "distributed_app"),
        ("from PySide6.QtWidgets import QApplication\n", "distributed_app"),
        ("import wx\n", "distributed_app"),
        ("from kivy.app import App\n", "distributed_app"),
        ("import toga\n", "distributed_app"),
        ("import rumps\n", "distributed_app"),
        ("from js import document, fetch\n", "distributed_app"),
        ("from pyscript import display\n", "distributed_app"),
        ("from browser import document, ajax\n", "distributed_app"),
        ("import os, sys, tkinter\n", "distributed_app"),
        ("from PyQt5 import (\n    QtCore,\n    QtWidgets,\n)\n", "distributed_app"),
    ],
)
def test_imports_give_the_kind(source: str, kind: str) -> None:
    assert kinds(source) == {kind}


@pytest.mark.parametrize(
    "source",
    [
        "import aiohttp\n",  # the HTTP client half says nothing about the app
        "from aiohttp import ClientSession\n",
        "import requests\nimport os\n",
        "from .flask import helpers\n",  # the project's own module named flask
        "from myapp.tkinter_utils import x\n",
        "flask_app = 'import flask'\n",  # not at the start of a line
        "# import tkinter\n",
        "def main():\n    pass\n",
    ],
)
def test_no_evidence(source: str) -> None:
    assert kinds(source) == set()


def test_line_numbers_point_at_the_import() -> None:
    text = '"""Doc."""\n\nimport os\nfrom flask import Flask\n'
    [e] = evidence_in_text("web/app.py", text)
    assert (e.path, e.line, e.kind) == ("web/app.py", 4, "web_server")
    assert "flask" in e.evidence


def test_project_files(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["requests>=2"]\n'
        '[project.optional-dependencies]\nbuild = ["PyInstaller>=6"]\n'
    )
    (tmp_path / "Procfile").write_text("web: gunicorn app:app\nworker: python jobs.py\n")
    (tmp_path / "buildozer.spec").write_text("[app]\ntitle = Deals\n")
    (tmp_path / "requirements-dev.txt").write_text("# flask is not used\npytest\ncelery==5\n")
    (tmp_path / "main.py").write_text("print('hi')\n")
    ev = scan_app_kind([tmp_path / "main.py"], [tmp_path])
    found = {(Path(e.path).name, e.kind) for e in ev}
    assert ("pyproject.toml", "distributed_app") in found
    assert ("Procfile", "web_server") in found
    assert ("Procfile", "cli_daemon") in found
    assert ("buildozer.spec", "distributed_app") in found
    assert ("requirements-dev.txt", "cli_daemon") in found
    # the commented-out flask and plain pytest are not evidence
    assert not any("flask" in e.evidence.lower() for e in ev)
    assert not any(Path(e.path).name == "main.py" for e in ev)


def test_spec_file_needs_pyinstaller_shape(tmp_path: Path) -> None:
    (tmp_path / "notes.spec").write_text("just some notes\n")
    (tmp_path / "app.spec").write_text("a = Analysis(['app.py'])\nexe = EXE(a.scripts)\n")
    ev = scan_app_kind([], [tmp_path])
    assert [Path(e.path).name for e in ev] == ["app.spec"]


def test_unreadable_and_binary_files_do_not_crash(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_bytes(b"\xff\xfe\x00import tkinter\n")
    missing = tmp_path / "missing.py"
    ev = scan_app_kind([bad, missing], [tmp_path])
    assert all(isinstance(e, AppEvidence) for e in ev)


def ev(kind: str, path: str = "app.py", line: int = 1) -> AppEvidence:
    return AppEvidence(path, line, kind, f"{kind} evidence")  # type: ignore[arg-type]


def test_infer_kind_precedence() -> None:
    assert infer_kind([])[0] is None
    assert infer_kind([ev("cli_daemon")])[0] == "cli_daemon"
    assert infer_kind([ev("cli_daemon"), ev("web_server")])[0] == "web_server"
    kind, reasons = infer_kind([ev("web_server"), ev("distributed_app"), ev("cli_daemon")])
    assert kind == "distributed_app"
    assert any("cannot keep a secret" in r for r in reasons)


def test_test_files_count_only_when_nothing_else_does() -> None:
    mixed = [ev("distributed_app", "tests/test_gui.py"), ev("web_server", "app/server.py")]
    assert infer_kind(mixed)[0] == "web_server"
    kind, reasons = infer_kind([ev("distributed_app", "tests/test_gui.py")])
    assert kind == "distributed_app"
    assert any("test files" in r for r in reasons)


def test_examples_kinds() -> None:
    root = Path(__file__).resolve().parent.parent / "examples"
    expected = {
        "web_authcode_flask": "web_server",
        "desktop_embedded_secret": "distributed_app",
        "daemon_client_credentials": "cli_daemon",
    }
    for name, kind in expected.items():
        d = root / name
        files = sorted(d.rglob("*.py"))
        assert infer_kind(scan_app_kind(files, [d]))[0] == kind, name


GUI_WITHOUT_OAUTH_WORDS = "import tkinter\n\nroot = tkinter.Tk()\nroot.mainloop()\n"
EMBEDDED_CLIENT = """import requests

CLIENT_ID = "tr_cid_4f1c2b9e7d"
CLIENT_SECRET = "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"


def token():
    return requests.post(
        "https://auth.treddy.com/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(CLIENT_ID, CLIENT_SECRET),
    ).json()["access_token"]
"""


@pytest.mark.parametrize("cache", [True, False], ids=["cache", "no-cache"])
def test_evidence_comes_from_files_without_oauth_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: bool
) -> None:
    # The prefilter lets gui.py go without a parse, but its tkinter import still makes the
    # project a distributed app, so the secret shipped in client.py is TRD304.
    from click.testing import CliRunner

    from advisor.analysis.analyzer import analyze_text
    from advisor.cli.main import main

    facts = analyze_text(GUI_WITHOUT_OAUTH_WORDS, "gui.py")
    assert facts.skipped and [e.kind for e in facts.app_evidence] == ["distributed_app"]

    (tmp_path / "gui.py").write_text(GUI_WITHOUT_OAUTH_WORDS)
    (tmp_path / "client.py").write_text(EMBEDDED_CLIENT)
    monkeypatch.chdir(tmp_path)
    args = ["check", ".", "--format", "json", *([] if cache else ["--no-cache"])]
    for _ in range(2):  # the second run answers gui.py from the cache when it is on
        out = CliRunner().invoke(main, args, catch_exceptions=False).stdout
        rules = {f["rule"] for f in json.loads(out)["findings"]}
        assert "TRD304" in rules


def test_one_piece_of_evidence_per_framework_and_file() -> None:
    text = (
        "from django.conf import settings\n"
        "from django.http import JsonResponse\n"
        "import django.urls\n"
        "import tkinter\n"
    )
    found = evidence_in_text("views.py", text)
    assert [(e.line, e.kind) for e in found] == [(1, "web_server"), (4, "distributed_app")]
