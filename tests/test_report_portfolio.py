"""Portfolio mode: one page from the `check --format json` results of many repositories."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli.main import main

REPO = Path(__file__).resolve().parent.parent


def check_json(target: Path, out: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["check", str(target), "--format", "json", "--no-cache", "--isolated", "-o", str(out)],
    )
    assert result.exit_code in (0, 1), result.output
    json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    d = tmp_path_factory.mktemp("results")
    paths = []
    for name in ("web_authcode_flask", "desktop_embedded_secret", "bad_small"):
        out = d / f"{name}.json"
        check_json(REPO / "examples" / name, out)
        paths.append(out)
    return paths


def report(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(main, ["report", *args])
    return r.exit_code, r.output


def test_portfolio_html_compares_repositories(results: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "portfolio.html"
    code, output = report(*map(str, results), "-o", str(out))
    assert code == 0, output
    html = out.read_text(encoding="utf-8")
    assert "<title>Treddy OAuth portfolio report</title>" in html
    table = html.split('id="portfolio-table"', 1)[1].split("</table>", 1)[0]
    for name in ("web_authcode_flask", "desktop_embedded_secret", "bad_small"):
        assert f">{name}<" in table
    # the web app uses an unsupported flow; the rule matrix shows which rule hit where
    web_row = table.split(">web_authcode_flask<", 1)[1].split("</tr>", 1)[0]
    assert "not compliant" in web_row and "Authorization code" in web_row
    assert 'id="rule-matrix"' in html and "TRD101" in html
    assert "tr_sk_live_9f8e7d6c5b4a" not in html


def test_portfolio_counts_match_the_results(results: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "portfolio.md"
    code, _ = report(*map(str, results), "-o", str(out))
    assert code == 0
    md = out.read_text(encoding="utf-8")
    for path in results:
        doc = json.loads(path.read_text(encoding="utf-8"))
        errors = doc["summary"]["by_severity"]["error"]
        name = path.stem.replace("_", "\\_")
        row = next(line for line in md.splitlines() if line.startswith(f"| {name} |"))
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        assert cells[1] == ("**not compliant**" if errors else "compliant"), row
        assert cells[2] == str(errors), row
        assert cells[3] == str(doc["summary"]["by_severity"]["warning"]), row


def test_portfolio_without_findings_is_compliant(tmp_path: Path) -> None:
    out = tmp_path / "clean.json"
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "m.py").write_text("print('no oauth here')\n")
    check_json(tmp_path / "clean", out)
    page = tmp_path / "p.html"
    code, _ = report(str(out), "-o", str(page))
    assert code == 0
    assert "<strong>1 of 1</strong> compliant" in page.read_text(encoding="utf-8")


def test_portfolio_escapes_content_of_results(tmp_path: Path) -> None:
    doc = {
        "schema_version": 1,
        "summary": {"files_scanned": 1},
        "usages": [
            {
                "path": "<script>alert(1)</script>.py",
                "line": 1,
                "library": "requests",
                "flow": "client_credentials",
                "client_auth": "body",
                "token_url": "<b>x</b>",
            }
        ],
        "findings": [
            {
                "rule": "TRD201",
                "severity": "error",
                "path": "<img src=x>.py",
                "line": 2,
                "message": "<iframe>",
            }
        ],
        "errors": [],
    }
    f = tmp_path / "<evil>.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    page = tmp_path / "p.html"
    code, _ = report(str(f), "-o", str(page))
    assert code == 0
    html = page.read_text(encoding="utf-8")

    class Tags(HTMLParser):
        seen: set[str] = set()

        def handle_starttag(self, tag: str, attrs: object) -> None:
            self.seen.add(tag)

    p = Tags()
    p.feed(html)
    assert not p.seen & {"script", "img", "iframe", "b"}
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not a JSON document"),
        ('{"a": 1}', "no schema_version"),
        ('{"schema_version": 99, "summary": {}, "usages": [], "findings": []}', "not supported"),
        ('{"schema_version": 1, "summary": {}, "usages": {}, "findings": []}', "'usages'"),
    ],
)
def test_bad_result_files_are_usage_errors(tmp_path: Path, content: str, message: str) -> None:
    f = tmp_path / "r.json"
    f.write_text(content, encoding="utf-8")
    code, output = report(str(f))
    assert code == 2
    assert message in output
    assert "Traceback" not in output


def test_code_and_results_cannot_be_mixed(results: list[Path]) -> None:
    code, output = report(str(results[0]), str(REPO / "examples" / "bad_small"))
    assert code == 2
    assert "not both" in output
