"""The HTML report in a real browser (Debian's chromium, headless): screenshot and DOM.

Skipped only when chromium is missing on a developer machine; in CI (``CI`` set, and .ci/run
installs chromium) a missing browser is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli.main import main

REPO = Path(__file__).resolve().parent.parent
HOSTILE_NAME = "<img src=x onerror=alert(1)>.py"
HOSTILE_CODE = """import requests

SECRET = "tr_sk_live_5e4d3c2b1a09f8e7d6c5b4a392817060"


def token():  # </code></pre><script>document.title = "owned"</script>
    return requests.post(
        "https://auth.treddy.com/oauth/token",
        data={"grant_type": "client_credentials", "client_secret": SECRET},
    )
"""
WIDTH, HEIGHT = 1280, 2400


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed, and CI is set: .ci/run must install it")
    pytest.skip("chromium is not installed (apt-get install chromium)")


def browser(exe: str, profile: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    cmd = [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, timeout=90, check=False)


class Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._in_title = False
        self.title = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        self.text.append(data)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    exe = chromium()
    base = tmp_path_factory.mktemp("browser")
    project = base / "partner"
    shutil.copytree(REPO / "examples", project)
    (project / "bad_small" / HOSTILE_NAME).write_text(HOSTILE_CODE, encoding="utf-8")
    out = base / "report.html"
    cwd = os.getcwd()
    os.chdir(base)
    try:
        result = CliRunner().invoke(
            main, ["report", "partner", "--no-cache", "--isolated", "-o", str(out)]
        )
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    assert exe
    return out


def test_screenshot(rendered: Path, tmp_path: Path) -> None:
    exe = chromium()
    shot = tmp_path / "report.png"
    proc = browser(
        exe,
        tmp_path / "profile",
        f"--screenshot={shot}",
        f"--window-size={WIDTH},{HEIGHT}",
        rendered.as_uri(),
    )
    assert shot.exists(), proc.stderr.decode(errors="replace")[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (WIDTH, HEIGHT)
    # A blank or nearly blank page compresses to a few kilobytes; the report is text-heavy.
    assert len(data) > 60_000, len(data)


def test_dom(rendered: Path, tmp_path: Path) -> None:
    exe = chromium()
    proc = browser(exe, tmp_path / "profile", "--dump-dom", rendered.as_uri())
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    dom = Dom()
    dom.feed(proc.stdout.decode("utf-8"))
    # The title is the report's own: the hostile script did not run (it would set "owned").
    assert dom.title == "Treddy OAuth integration report"
    ids = {attrs.get("id") for _, attrs in dom.elements}
    assert {"inventory-table", "flow-table", "verdict", "app-kind"} <= ids
    assert any(str(i).startswith("recommendation-") for i in ids)
    rows = [t for t, a in dom.elements if t == "tr"]
    assert len(rows) > 10
    # Nothing in the DOM was created from scanned content.
    tags = [t for t, _ in dom.elements]
    assert "script" not in tags and "img" not in tags and "iframe" not in tags
    assert not any(name.startswith("on") for _, attrs in dom.elements for name in attrs), (
        "an event handler attribute came from scanned content"
    )
    text = "".join(dom.text).replace("\u200b", "")
    assert "onerror=alert(1)" in text  # the hostile file name, shown as text
    assert '<script>document.title = "owned"</script>' in text
    assert "Recommendation." in text and "Client credentials" in text
    assert "tr_sk_live_5e4d3c2b1a09" not in text
