"""The architect report: content, Markdown, escaping of scanned content, links, migration code."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli.main import main
from advisor.report.migration import snippets
from advisor.report.report import Links, md_code, md_escape, md_fence, text_blocks

REPO = Path(__file__).resolve().parent.parent
SECRET = "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["report", *args], catch_exceptions=False)
    return result.exit_code, result.output


class Tags(HTMLParser):
    """Element names, attributes and text of a document, as a browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Tags:
    p = Tags()
    p.feed(html)
    return p


@pytest.fixture(scope="module")
def examples_html(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("rep") / "report.html"
    import os

    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        code, _ = run("examples", "--no-cache", "-o", str(out))
    finally:
        os.chdir(cwd)
    assert code == 0
    return out.read_text(encoding="utf-8")


def test_report_on_examples_has_every_section(examples_html: str) -> None:
    doc = parse(examples_html)
    ids = {a.get("id") for _, a in doc.tags}
    for section in ("overview", "inventory", "flows", "kind", "findings", "migration", "checklist"):
        assert section in ids, section
    assert "inventory-table" in ids and "flow-table" in ids
    text = " ".join(doc.text)
    assert "Not compliant with Treddy" in text
    # the inventory names the files and the flows the detectors found
    for path in ("web_authcode_flask/app.py", "desktop_embedded_secret/treddy_desktop.py"):
        assert path in text.replace("/\u200b", "/")
    assert "authorization code" in text and "client credentials" in text
    # the recommended path and what it cannot do
    assert "Recommended path:" in text
    assert "cannot access user data" in text
    assert "Approved integration partner" in text and "Developer portal access" in text


def test_report_is_self_contained(examples_html: str) -> None:
    doc = parse(examples_html)
    assert not [t for t, _ in doc.tags if t in ("script", "link", "img", "iframe", "object")]
    assert "@import" not in examples_html and "url(" not in examples_html
    for _, attrs in doc.tags:
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            assert not value.startswith(("http:", "https:", "//", "javascript:")), value
    assert "@media print" in examples_html


def test_secret_is_masked_everywhere(examples_html: str) -> None:
    assert SECRET not in examples_html
    assert SECRET[:12] not in examples_html


def test_flow_table_comes_from_the_policy_file(tmp_path: Path) -> None:
    policy = (REPO / "rules" / "treddy.toml").read_text(encoding="utf-8")
    policy = policy.replace('label = "Authorization code"', 'label = "Auth code (pilot)"', 1)
    policy = policy.replace(
        '[flows.authorization_code]\nlabel = "Auth code (pilot)"\nuser_resources = true\n'
        "requires_secret = true\nrefresh = true\nsupported = false",
        '[flows.authorization_code]\nlabel = "Auth code (pilot)"\nuser_resources = true\n'
        "requires_secret = true\nrefresh = true\nsupported = true",
    )
    assert "supported = true" in policy.split("[flows.authorization_code_pkce]")[0]
    pfile = tmp_path / "pilot.toml"
    pfile.write_text(policy, encoding="utf-8")
    out = tmp_path / "r.html"
    code, _ = run(
        str(REPO / "examples" / "web_authcode_flask"),
        "--no-cache",
        "--isolated",
        "--policy",
        str(pfile),
        "-o",
        str(out),
    )
    assert code == 0
    html = out.read_text(encoding="utf-8")
    row = re.search(r"<tr class=\"used\">\s*<td>Auth code \(pilot\).*?</tr>", html, re.S)
    assert row, "the renamed, used flow is a highlighted row"
    assert '<span class="yes">Yes</span>' in row.group(0)
    assert "Compliant with Treddy" in html


def test_markdown_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    out = tmp_path / "report.md"
    code, _ = run("examples", "--no-cache", "-o", str(out))
    assert code == 0
    md = out.read_text(encoding="utf-8")
    assert md.startswith("## Treddy OAuth integration report")
    assert "| Where | Library | Operation | Flow | Client auth |" in md
    assert "| Client credentials | No | Yes | No | Yes |" in md
    assert "### Migration steps" in md and "```python" in md
    assert "- [ ] **Approved integration partner.**" in md
    assert SECRET not in md
    # every table row has as many cells as its header
    for block in re.findall(r"(?:^\|.*\|\n)+", md, re.M):
        rows = block.strip().split("\n")
        widths = {len(re.findall(r"(?<!\\)\|", r)) for r in rows}
        assert len(widths) == 1, rows


def test_format_defaults_to_markdown_for_md_files(tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    code, _ = run(str(REPO / "examples" / "bad_small"), "--no-cache", "--isolated", "-o", str(out))
    assert code == 0
    assert out.read_text(encoding="utf-8").startswith("## ")


HOSTILE_NAME = "<img src=x onerror=alert(1)>.py"
HOSTILE_CODE = """import requests

# </pre><script>alert("code")</script>
def token():
    return requests.post(
        "https://auth.treddy.com/oauth/token",
        data={"grant_type": "client_credentials", "client_id": "<b>id</b>",
              "client_secret": "tr_sk_live_0a1b2c3d4e5f60718293a4b5c6d7e8f9"},  # <script>x</script>
        verify=False,
    )
"""


@pytest.fixture()
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / HOSTILE_NAME).write_text(HOSTILE_CODE, encoding="utf-8")
    (src / "javascript:alert(2).py").write_text(HOSTILE_CODE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return src


def test_html_escapes_file_names_and_code(hostile: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    code, _ = run("src", "--no-cache", "--isolated", "-o", str(out))
    assert code == 0
    html = out.read_text(encoding="utf-8")
    doc = parse(html)
    tags = {t for t, _ in doc.tags}
    assert "script" not in tags and "img" not in tags and "b" not in tags
    assert not any("onerror" in attrs for _, attrs in doc.tags)
    text = "".join(doc.text)
    assert "<img src=x onerror=alert(1)>" in text.replace("/", "")  # shown as text
    assert "onerror=alert(1)" in text
    assert '<script>alert("code")</script>' in text.replace("\u200b", "")
    for _, attrs in doc.tags:
        href = attrs.get("href") or ""
        assert not href.lower().startswith("javascript:"), href
    assert "0a1b2c3d4e5f" not in html


def test_markdown_escapes_file_names_and_code(hostile: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    code, _ = run("src", "--no-cache", "--isolated", "-o", str(out))
    assert code == 0
    md = out.read_text(encoding="utf-8")
    outside_code = re.sub(r"^(\s*)(`{3,})python\n.*?^\1\2$", "", md, flags=re.S | re.M)
    assert "<img" not in outside_code and "<script" not in outside_code
    assert "&lt;img src=x onerror=alert(1)&gt;" in md
    assert "](javascript:" not in md
    assert "0a1b2c3d4e5f" not in md


def test_link_base_and_relative_links(tmp_path: Path) -> None:
    links = Links(base="https://github.com/acme/partner/blob/main")
    assert (
        links.href("src/a b.py", 7) == "https://github.com/acme/partner/blob/main/src/a%20b.py#L7"
    )
    rel = Links(out_dir=Path.cwd())
    assert rel.href("javascript:alert(1).py", 3) == "./javascript%3Aalert%281%29.py#L3"
    assert Links().href("a.py", 1) is None


def test_link_base_must_be_http(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["report", str(REPO / "examples" / "bad_small"), "--link-base", "javascript:alert(1)//"],
    )
    assert result.exit_code == 2
    assert "http" in result.output


def test_markdown_helpers() -> None:
    assert md_escape("a|b <x> *y* `z`") == r"a\|b &lt;x&gt; \*y\* \`z\`"
    assert md_code("a`b|c") == r"``a`b\|c``"
    assert md_fence("x ```` y") == "`````"
    assert md_fence("plain") == "```"


def test_rule_docs_become_text_and_code_blocks() -> None:
    blocks = text_blocks("Use `auth=`, **not** the body.\n\n```python\nx = 1\n```\nAfter.")
    assert blocks[0]["pieces"] == [(False, "Use "), (True, "auth="), (False, ", not the body.")]
    assert blocks[1] == {"code": "x = 1"}
    assert blocks[2]["text"] == "After."


@pytest.mark.parametrize(
    "libraries",
    [["requests-oauthlib"], ["authlib"], ["msal"], ["requests"], ["httpx"], ["aiohttp"], []],
)
def test_migration_snippets_are_valid_python(libraries: list[str]) -> None:
    hostile_url = "https://auth.treddy.com/token?x=\"')\n#"
    for url in (None, hostile_url):
        for s in snippets(libraries, url, ["deals:read", "a'b"]):
            compile(s.code, f"<{s.key}>", "exec")
            assert "client_credentials" in s.code or "BackendApplicationClient" in s.code
            assert "TREDDY_CLIENT_SECRET" in s.code
            assert "refresh_token(" not in s.code


def test_migration_is_written_for_the_libraries_in_use(tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    code, _ = run(
        str(REPO / "examples" / "bad_small" / "authlib_client_secret_post.py"),
        "--no-cache",
        "--isolated",
        "-o",
        str(out),
    )
    assert code == 0
    md = out.read_text(encoding="utf-8")
    migration = md.split("### Migration steps", 1)[1]
    assert "<summary>Authlib</summary>" in migration
    assert "client_secret_basic" in migration
    assert "<summary>requests-oauthlib</summary>" not in migration


def test_report_of_code_without_oauth(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("print('hello')\n")
    out = tmp_path / "r.html"
    code, _ = run(str(tmp_path), "--no-cache", "--isolated", "-o", str(out))
    assert code == 0
    html = out.read_text(encoding="utf-8")
    assert "No OAuth client usage was found" in html
    assert "could not be determined" in html  # no kind evidence: every decision rule shown


@pytest.mark.parametrize(
    "library", ["requests-oauthlib", "authlib", "requests", "httpx", "aiohttp"]
)
def test_migration_snippets_pass_the_check(library: str, tmp_path: Path) -> None:
    """The code the report tells a team to paste is itself compliant, by the tool's own rules."""
    from advisor.config import Config
    from advisor.engine import CheckRequest, run_check
    from advisor.policy.policy import load_catalogue, load_policy

    [snippet] = snippets([library], "https://auth.treddy.com/oauth/token", ["deals:read"])
    (tmp_path / "treddy_client.py").write_text(snippet.code, encoding="utf-8")
    result = run_check(
        CheckRequest(
            paths=[str(tmp_path)],
            config=Config(),
            policy=load_policy(None),
            rules=load_catalogue(),
            use_cache=False,
            jobs=1,
        )
    )
    token_requests = [u for u in result.usages if u.operation == "token_request"]
    assert token_requests, library
    for u in token_requests:
        assert (u.flow, u.client_auth, u.secret_source) == ("client_credentials", "basic", "env")
    assert [f.rule for f in result.findings] == []


def test_same_input_same_report(tmp_path: Path) -> None:
    target = str(REPO / "examples" / "bad_small")
    outs = []
    for name in ("a.html", "b.html"):
        out = tmp_path / name
        code, _ = run(target, "--no-cache", "--isolated", "-o", str(out))
        assert code == 0
        outs.append(out.read_text(encoding="utf-8"))
    assert outs[0] == outs[1]
