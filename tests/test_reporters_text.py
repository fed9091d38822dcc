"""The human-readable text format: ruff-like lines, a summary, optional code frames."""

from __future__ import annotations

import re
from pathlib import Path

from advisor.model import FileError, Finding, RuleDoc, ScanResult, Span, Usage
from advisor.reporters import render

RULES: list[RuleDoc] = []
ANSI = re.compile(r"\x1b\[[0-9;]*m")

SOURCE = """from requests_oauthlib import OAuth2Session

session = OAuth2Session(client_id, redirect_uri=CALLBACK)
url, state = session.authorization_url(AUTHORIZE_URL)
\ttoken = session.fetch_token(TOKEN_URL, client_secret=secret, include_client_id=True)
"""
LINES = SOURCE.splitlines()


def finding(rule: str, severity: str, line: int, col: int, end_col: int, **kw: object) -> Finding:
    defaults: dict = {
        "name": "rule-" + rule.lower(),
        "category": "flow",
        "confidence": "high",
        "path": "svc/client.py",
        "message": f"message of {rule}",
    }
    defaults.update(kw)
    return Finding(
        rule=rule,
        severity=severity,
        span=Span(line, col, line, end_col),
        **defaults,  # type: ignore[arg-type]
    )


def usage(line: int) -> Usage:
    return Usage("svc/client.py", Span(line, 0, line, 10), "requests-oauthlib", "client_setup")


def result() -> ScanResult:
    return ScanResult(
        files_scanned=7,
        files_parsed=3,
        usages=[usage(3), usage(4)],
        findings=[
            finding("TRD202", "warning", 5, 8, 85, message="client id also sent in the body"),
            finding(
                "TRD101",
                "error",
                4,
                13,
                38,
                message="authorization code flow is not supported by Treddy",
                fixable=True,
            ),
            finding("TRD101", "error", 2, 0, 5, path="app/a.py"),
            finding("TRD900", "info", 3, 10, 23, fixable=True),
        ],
        errors=[FileError("broken.py", "invalid syntax at line 3", "syntax")],
        suppressed=2,
    )


def render_text(res: ScanResult, **kw: object) -> str:
    return render(res, "text", rules=RULES, **kw)  # type: ignore[arg-type]


def test_one_line_per_finding_sorted_with_one_based_columns() -> None:
    out = render_text(result())
    lines = out.splitlines()
    assert lines[:4] == [
        "app/a.py:2:1: TRD101 message of TRD101",
        "svc/client.py:3:11: TRD900 [*] message of TRD900",
        "svc/client.py:4:14: TRD101 [*] authorization code flow is not supported by Treddy",
        "svc/client.py:5:9: TRD202 client id also sent in the body",
    ]
    assert "broken.py: error: invalid syntax at line 3" in lines


def test_summary_counts_severities_files_usages_fixable_and_errors() -> None:
    out = render_text(result())
    assert (
        "Found 4 findings (2 errors, 1 warning, 1 info); 7 files scanned, 2 OAuth usages found "
        "(2 suppressed)." in out
    )
    assert "2 fixable with --fix." in out
    assert "1 file could not be analysed" in out


def test_clean_run_says_so() -> None:
    out = render_text(ScanResult(files_scanned=1, usages=[usage(3)], baselined=3))
    assert out == ("All checks passed! 1 file scanned, 1 OAuth usage found (3 in baseline).\n")
    assert "fixable" not in out


def test_colour_only_when_asked() -> None:
    plain = render_text(result())
    coloured = render_text(result(), color=True)
    assert not ANSI.search(plain)
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured) == plain


def test_show_source_prints_the_line_and_a_caret_under_the_span() -> None:
    res = ScanResult(files_scanned=1, findings=[result().findings[1]])
    out = render_text(res, show_source=True, source_lines=lambda p: LINES)
    lines = out.splitlines()
    code = lines.index("4 | url, state = session.authorization_url(AUTHORIZE_URL)")
    caret = lines[code + 1]
    assert caret.index("^") - len("4 | ") == 13
    assert caret.count("^") == 38 - 13


def test_caret_follows_tabs_in_the_code() -> None:
    res = ScanResult(findings=[result().findings[0]])
    out = render_text(res, show_source=True, source_lines=lambda p: LINES)
    code, caret = out.splitlines()[1:3]
    assert code.startswith("5 | \ttoken")
    assert caret.startswith("  | \t" + " " * 7 + "^")
    assert "help:" not in out


def test_multi_line_span_shows_its_lines() -> None:
    f = finding("TRD101", "error", 3, 10, 0)
    f.span = Span(3, 10, 4, 20)
    out = render_text(ScanResult(findings=[f]), show_source=True, source_lines=lambda p: LINES)
    assert "3 | session = OAuth2Session" in out
    assert "4 | url, state" in out


def test_line_numbers_follow_python_not_str_splitlines(tmp_path: Path) -> None:
    # A form feed is whitespace to Python but a line break to str.splitlines().
    (tmp_path / "ff.py").write_text("import os\x0c\nx = 1\ny = 2\n", encoding="utf-8")
    res = ScanResult(findings=[finding("TRD101", "error", 3, 0, 5, path="ff.py")])
    out = render_text(res, show_source=True, root=tmp_path)
    assert "3 | y = 2" in out


def test_show_source_reads_files_under_root_and_survives_missing_ones(tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "client.py").write_text(SOURCE, encoding="utf-8")
    res = ScanResult(
        findings=[result().findings[1], finding("TRD101", "error", 1, 0, 3, path="gone.py")]
    )
    out = render_text(res, show_source=True, root=tmp_path)
    assert "4 | url, state = session.authorization_url(AUTHORIZE_URL)" in out
    assert "gone.py:1:1: TRD101" in out
