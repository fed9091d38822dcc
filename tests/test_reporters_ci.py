"""CI formats: GitHub workflow commands, GitLab Code Quality, JUnit XML."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.model import FileError, Finding, ScanResult, Span
from advisor.reporters import FORMATS, render
from advisor.reporters.github import escape_data, escape_property


def _finding(rule: str, severity: str, line: int, **kw: object) -> Finding:
    values: dict = {
        "name": "rule-name",
        "category": "flow",
        "confidence": "high",
        "path": "src/app.py",
        "message": f"message {rule}",
        "fingerprint": f"fp-{rule}",
    }
    values.update(kw)
    return Finding(
        rule=rule,
        severity=severity,
        span=Span(line, 4, line + 1, 9) if line < 10 else Span(line, 4, line, 22),
        **values,
    )


def sample() -> ScanResult:
    return ScanResult(
        files_scanned=4,
        findings=[
            _finding("TRD201", "warning", 12, fix_hint="use auth=(id, secret)"),
            _finding("TRD101", "error", 3),
            _finding("TRD900", "info", 7, path="lib/other.py"),
        ],
        errors=[FileError("src/broken.py", "invalid syntax", "syntax")],
    )


def out(res: ScanResult, fmt: str) -> str:
    return render(res, fmt, rules=[])


# --- GitHub ------------------------------------------------------------------------------


def test_github_one_command_per_finding_with_severity_and_position() -> None:
    lines = out(sample(), "github").splitlines()
    assert lines[0] == (
        "::notice file=lib/other.py,line=7,endLine=8,title=treddy-advisor (TRD900)::message TRD900"
    )
    assert lines[1].startswith("::error file=src/app.py,line=3,endLine=4,title=")
    assert lines[2].startswith(
        "::warning file=src/app.py,line=12,col=5,endColumn=23,title=treddy-advisor (TRD201)::"
    )
    assert lines[2].endswith("::message TRD201%0AFix: use auth=(id, secret)")
    assert lines[3] == (
        "::warning file=src/broken.py,title=treddy-advisor (file not analysed)::invalid syntax"
    )
    assert len(lines) == 4


def test_github_escaping_rules() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"


def _unescape(value: str) -> str:
    for code, char in (("%2C", ","), ("%3A", ":"), ("%0A", "\n"), ("%0D", "\r"), ("%25", "%")):
        value = value.replace(code, char)
    return value


@given(st.text())
def test_github_property_escaping_is_reversible_and_leaves_no_delimiter(value: str) -> None:
    escaped = escape_property(value)
    assert not set(escaped) & set(",:\r\n")
    assert _unescape(escaped) == value


def test_github_escapes_paths_and_messages_so_commands_cannot_be_injected() -> None:
    f = _finding(
        "TRD101",
        "error",
        1,
        path="weird,name:v2.py",
        message="50% of\n::error::forged",
    )
    (line,) = out(ScanResult(findings=[f]), "github").splitlines()
    assert "file=weird%2Cname%3Av2.py," in line
    assert line.endswith("::50%25 of%0A::error::forged")
    assert line.count("\n") == 0


def test_github_clean_run_prints_nothing() -> None:
    assert out(ScanResult(files_scanned=3), "github") == ""


# --- GitLab ------------------------------------------------------------------------------


def test_gitlab_code_quality_fields() -> None:
    issues = json.loads(out(sample(), "gitlab"))
    assert [i["check_name"] for i in issues] == ["TRD900", "TRD101", "TRD201"]
    first = issues[1]
    assert first["description"] == "TRD101 message TRD101"
    assert first["severity"] == "critical"
    assert first["fingerprint"] == "fp-TRD101"
    assert first["location"] == {"path": "src/app.py", "lines": {"begin": 3, "end": 4}}
    assert issues[2]["location"]["lines"] == {"begin": 12, "end": 12}
    assert [i["severity"] for i in issues] == ["info", "critical", "major"]


def test_gitlab_fingerprints_unique_and_independent_of_lines() -> None:
    res = sample()
    res.findings.append(_finding("TRD101", "error", 40))
    issues = json.loads(out(res, "gitlab"))
    fps = [i["fingerprint"] for i in issues]
    assert len(set(fps)) == len(fps)

    moved = sample()
    moved.findings.append(_finding("TRD101", "error", 40))
    for f in moved.findings:
        f.span = dataclasses.replace(f.span, line=f.span.line + 5, end_line=f.span.end_line + 5)
    assert sorted(fps) == sorted(i["fingerprint"] for i in json.loads(out(moved, "gitlab")))


def test_gitlab_clean_run_is_an_empty_list() -> None:
    assert json.loads(out(ScanResult(), "gitlab")) == []


# --- JUnit -------------------------------------------------------------------------------


def test_junit_suite_per_file_and_failure_per_finding() -> None:
    root = ET.fromstring(out(sample(), "junit"))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "3", "1")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert sorted(suites) == ["lib/other.py", "src/app.py", "src/broken.py"]
    app = suites["src/app.py"]
    assert (app.get("tests"), app.get("failures")) == ("2", "2")
    cases = app.findall("testcase")
    assert [c.get("name") for c in cases] == ["TRD101 src/app.py:3:5", "TRD201 src/app.py:12:5"]
    failure = cases[1].find("failure")
    assert failure is not None
    assert failure.get("message") == "message TRD201"
    assert failure.get("type") == "TRD201"
    assert "fix: use auth=(id, secret)" in (failure.text or "")
    broken = suites["src/broken.py"].find("testcase/error")
    assert broken is not None and broken.get("message") == "invalid syntax"


def test_junit_passing_case_when_clean() -> None:
    root = ET.fromstring(out(ScanResult(files_scanned=5), "junit"))
    (suite,) = root.findall("testsuite")
    (case,) = suite.findall("testcase")
    assert list(case) == []  # no failure, no error: a passing test
    assert root.get("failures") == "0"
    assert "5 files" in (case.get("name") or "")


def test_junit_escapes_markup_and_drops_characters_xml_cannot_hold() -> None:
    f = _finding("TRD101", "error", 1, message='<b>&"quoted"\x1b[31m', path="a&b<c>.py")
    text = out(ScanResult(findings=[f]), "junit")
    root = ET.fromstring(text)  # would raise on unescaped markup or control characters
    case = root.find("testsuite/testcase")
    assert case is not None
    assert root.find("testsuite").get("name") == "a&b<c>.py"  # type: ignore[union-attr]
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == '<b>&"quoted"\ufffd[31m'
    assert "\x1b" not in text


# --- all formats -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_ends_with_a_newline(fmt: str) -> None:
    text = out(sample(), fmt)
    assert text.endswith("\n")


def test_unknown_format_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown format 'xml'.*sarif"):
        render(ScanResult(), "xml", rules=[])


def test_cli_offers_exactly_the_formats_render_knows() -> None:
    from advisor.cli import main as cli

    assert tuple(cli.FORMATS) == FORMATS
