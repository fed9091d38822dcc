"""The JSON contract: shape, key order, counts, stability, and its documentation."""

from __future__ import annotations

import json
import re
from pathlib import Path

import advisor
from advisor.model import (
    Credential,
    Edit,
    FileError,
    Finding,
    Related,
    ScanResult,
    Span,
    Usage,
    redact,
    secret_hash,
)
from advisor.reporters import render

DOC = Path(__file__).resolve().parents[1] / "docs" / "json-schema.md"
SECRET = "tr_sk_test_0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def _finding(rule: str, severity: str, path: str, line: int, **kw: object) -> Finding:
    return Finding(
        rule=rule,
        name=f"name-{rule}",
        category="client_auth",
        severity=severity,
        confidence="high",
        path=path,
        span=Span(line, 4, line, 30),
        message=f"{rule} at {line}",
        fingerprint=f"fp-{rule}-{path}",
        **kw,  # type: ignore[arg-type]
    )


def sample() -> ScanResult:
    secret = Credential(
        "literal",
        "CLIENT_SECRET",
        "pkg/settings.py",
        Span(3, 16, 3, 61),
        redact(SECRET),
        secret_hash(SECRET),
    )
    return ScanResult(
        files_scanned=12,
        files_parsed=4,
        usages=[
            Usage(
                "pkg/z.py",
                Span(9, 4, 11, 5),
                "httpx",
                "token_request",
                flow="client_credentials",
                grant_type="client_credentials",
                client_auth="basic",
                token_url="https://api.treddy.example/oauth/token",
                scopes=["read:items"],
                client_id=Credential("env", "TREDDY_CLIENT_ID"),
                secret=secret,
                evidence=["grant_type in data=", "auth=(id, secret)"],
            ),
            Usage("pkg/a.py", Span(2, 0, 2, 40), "msal", "client_setup"),
        ],
        findings=[
            _finding("TRD301", "warning", "pkg/z.py", 9),
            _finding(
                "TRD201",
                "error",
                "pkg/z.py",
                3,
                fixable=True,
                edits=[Edit("pkg/z.py", Span(3, 30, 3, 45), "auth=(client_id, client_secret)")],
                related=[Related("pkg/settings.py", Span(3, 16, 3, 61), "secret literal")],
            ),
            _finding("TRD201", "error", "pkg/a.py", 20),
            _finding("TRD900", "info", "pkg/a.py", 1),
        ],
        errors=[
            FileError("pkg/zz.py", "invalid syntax", "syntax"),
            FileError("pkg/bin.py", "file contains NUL bytes", "decode"),
        ],
        suppressed=3,
        baselined=5,
    )


def render_json(res: ScanResult) -> dict:
    return json.loads(render(res, "json", rules=[]))


def test_top_level_shape_and_tool() -> None:
    doc = render_json(sample())
    assert list(doc) == ["schema_version", "tool", "summary", "usages", "findings", "errors"]
    assert doc["schema_version"] == 1
    assert doc["tool"] == {"name": "treddy-advisor", "version": advisor.__version__}


def test_summary_counts() -> None:
    assert render_json(sample())["summary"] == {
        "files_scanned": 12,
        "files_parsed": 4,
        "usages": 2,
        "findings": 4,
        "by_severity": {"error": 2, "warning": 1, "info": 1},
        "by_rule": {"TRD201": 2, "TRD301": 1, "TRD900": 1},
        "fixable": 1,
        "errors": 2,
        "suppressed": 3,
        "baselined": 5,
    }


def test_items_are_the_model_serialisations_in_a_stable_order() -> None:
    res = sample()
    doc = render_json(res)
    assert [(f["path"], f["line"]) for f in doc["findings"]] == [
        ("pkg/a.py", 1),
        ("pkg/a.py", 20),
        ("pkg/z.py", 3),
        ("pkg/z.py", 9),
    ]
    by_line = {f.span.line: f.to_json() for f in res.findings}
    assert doc["findings"][2] == by_line[3]
    assert [u["path"] for u in doc["usages"]] == ["pkg/a.py", "pkg/z.py"]
    assert doc["usages"][1] == res.usages[0].to_json()
    assert list(doc["usages"][1])[:4] == ["path", "line", "end_line", "column"]
    assert doc["errors"] == [
        {"path": "pkg/bin.py", "reason": "file contains NUL bytes", "kind": "decode"}
        | {"line": None, "column": None},
        {"path": "pkg/zz.py", "reason": "invalid syntax", "kind": "syntax"}
        | {"line": None, "column": None},
    ]


def test_output_does_not_depend_on_input_order() -> None:
    a, b = sample(), sample()
    b.findings.reverse()
    b.usages.reverse()
    b.errors.reverse()
    assert render(a, "json", rules=[]) == render(b, "json", rules=[])


def test_clean_result_is_a_complete_document() -> None:
    doc = render_json(ScanResult(files_scanned=3, files_parsed=0))
    assert doc["usages"] == doc["findings"] == doc["errors"] == []
    assert doc["summary"]["by_severity"] == {"error": 0, "warning": 0, "info": 0}
    assert doc["summary"]["by_rule"] == {}


def test_literal_secret_only_in_redacted_form() -> None:
    out = render(sample(), "json", rules=[])
    assert SECRET not in out
    assert json.loads(out)["usages"][1]["secret_redacted"] == redact(SECRET)


def _documented_keys(section: str) -> set[str]:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(
        rf"^## {re.escape(section)}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL
    )
    assert match, f"docs/json-schema.md has no '## {section}' section"
    return set(re.findall(r"^\| `([a-z_]+)` \|", match.group(1), re.MULTILINE))


def test_schema_document_lists_every_key() -> None:
    doc = render_json(sample())
    assert _documented_keys("Top level") == set(doc)
    assert _documented_keys("summary") == set(doc["summary"])
    assert _documented_keys("usages") == set(doc["usages"][1])
    assert _documented_keys("findings") == set(doc["findings"][0])
    assert _documented_keys("errors") == set(doc["errors"][0])
    fixed = doc["findings"][2]
    assert _documented_keys("findings[].related") == set(fixed["related"][0])
    assert _documented_keys("findings[].edits") == set(fixed["edits"][0])
