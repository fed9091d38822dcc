"""SARIF 2.1.0: valid against the official schema and ready for GitHub code scanning."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

import advisor
from advisor.model import (
    Credential,
    Edit,
    FileError,
    Finding,
    Related,
    RuleDoc,
    ScanResult,
    SecretFact,
    Span,
    redact,
    secret_hash,
)
from advisor.reporters import render

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "shared/schemas/sarif-schema-2.1.0.json"
SECRET = "tr_sk_live_5e4d3c2b1a09f8e7d6c5b4a392817060"

RULES = [
    RuleDoc(
        code="TRD101",
        name="authorization-code-flow",
        category="flow",
        severity="error",
        message="{flow} is not supported",
        summary="Flags OAuth flows other than client credentials.",
        why="Treddy issues tokens **only** for the client credentials grant.",
        example='session.authorization_url("https://api.treddy.example/authorize")',
        fix="Use `BackendApplicationClient` and `fetch_token(..., auth=...)`.",
    ),
    RuleDoc(
        code="TRD201",
        name="client-secret-in-body",
        category="client_auth",
        severity="warning",
        message="secret in body",
        summary="Flags client secrets sent in the request body.",
        why="Treddy reads client credentials from the HTTP Basic header only.",
        example='requests.post(URL, data={"client_secret": s})',
        fix="Pass `auth=(client_id, client_secret)`.",
        fix_safety="safe",
    ),
    RuleDoc(
        code="TRD401",
        name="hardcoded-secret",
        category="secret",
        severity="info",
        message="secret in code",
        summary="Flags client secrets written in the code.",
        why="A secret in the code ends up in every clone.",
        example='CLIENT_SECRET = "..."',
        fix="Read it from the environment.",
    ),
]

LINES = [
    "import requests",
    f'CLIENT_SECRET = "{SECRET}"',
    "resp = requests.post(TOKEN_URL, data={'client_secret': CLIENT_SECRET})",
    "url = session.authorization_url(AUTH_URL)",
]
SECRET_SPAN = Span(2, 16, 2, 16 + len(SECRET) + 2)


def _finding(rule: str, line: int, col: int, end: int, **kw: object) -> Finding:
    doc = next((r for r in RULES if r.code == rule), RULES[0])
    values: dict = {
        "name": doc.name,
        "category": doc.category,
        "severity": doc.severity,
        "confidence": "high",
        "path": "src/app.py",
        "span": Span(line, col, line, end),
        "message": f"{doc.summary} (line {line})",
        "fingerprint": f"fp-{rule}",
    }
    values.update(kw)
    return Finding(rule=rule, **values)


def sample() -> ScanResult:
    cred = Credential(
        "literal", "CLIENT_SECRET", "src/app.py", SECRET_SPAN, redact(SECRET), secret_hash(SECRET)
    )
    return ScanResult(
        files_scanned=3,
        files_parsed=2,
        secrets=[SecretFact("src/app.py", SECRET_SPAN, "client_secret", cred, "assigned")],
        findings=[
            _finding("TRD101", 4, 6, 41),
            _finding(
                "TRD201",
                3,
                7,
                71,
                fixable=True,
                fix_hint="send the secret with HTTP Basic",
                related=[Related("src/app.py", SECRET_SPAN, "secret defined here")],
                edits=[Edit("src/app.py", Span(3, 32, 3, 70), "auth=(CLIENT_ID, CLIENT_SECRET)")],
            ),
            _finding("TRD401", 2, 0, SECRET_SPAN.end_column),
        ],
        errors=[FileError("src/bad file.py", "invalid syntax at line 2", "syntax")],
    )


def sarif(res: ScanResult, **kw: object) -> dict:
    kw.setdefault("rules", RULES)
    return json.loads(render(res, "sarif", **kw))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def validator():
    if not SCHEMA_PATH.exists():
        pytest.skip(f"SARIF schema not found at {SCHEMA_PATH} (shared/ is not next to the repo)")
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def _assert_valid(validator, doc: dict) -> None:
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


@pytest.mark.parametrize(
    "res",
    [
        pytest.param(ScanResult(), id="empty"),
        pytest.param(sample(), id="findings-errors-fixes"),
        pytest.param(
            ScanResult(findings=[_finding("TRD999", 1, 0, 1, path="/abs/outside.py")]),
            id="absolute-path-unknown-rule",
        ),
    ],
)
@pytest.mark.parametrize("show_source", [False, True])
def test_validates_against_the_official_schema(
    validator, res: ScanResult, show_source: bool
) -> None:
    doc = sarif(res, show_source=show_source, source_lines=lambda p: LINES)
    _assert_valid(validator, doc)


def test_validator_rejects_a_broken_log(validator) -> None:
    doc = sarif(sample())
    doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert list(validator.iter_errors(doc))


def test_tool_and_every_rule_with_its_documentation() -> None:
    driver = sarif(ScanResult())["runs"][0]["tool"]["driver"]
    assert driver["name"] == "treddy-advisor"
    assert driver["version"] == advisor.__version__
    assert [r["id"] for r in driver["rules"]] == ["TRD101", "TRD201", "TRD401"]
    first = driver["rules"][0]
    assert first["name"] == "authorization-code-flow"
    assert first["shortDescription"]["text"] == RULES[0].summary
    assert RULES[0].summary in first["fullDescription"]["text"]
    assert "only for the client credentials grant" in first["fullDescription"]["text"]
    assert first["help"]["markdown"] == RULES[0].docs_markdown
    assert "```" not in first["help"]["text"]
    assert "BackendApplicationClient" in first["help"]["text"]
    assert first["properties"]["category"] == "flow"
    assert "flow" in first["properties"]["tags"]
    levels = [r["defaultConfiguration"]["level"] for r in driver["rules"]]
    assert levels == ["error", "warning", "note"]
    ranks = [float(r["properties"]["security-severity"]) for r in driver["rules"]]
    assert ranks[0] >= 7.0 > ranks[1] >= 4.0 > ranks[2]


def test_results_point_at_their_rules_with_one_based_columns() -> None:
    run = sarif(sample())["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    body = by_rule["TRD201"]
    assert body["level"] == "warning"
    assert body["message"]["text"].startswith("Flags client secrets sent in the request body")
    region = body["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 3, "startColumn": 8, "endLine": 3, "endColumn": 72}
    assert run["columnKind"] == "unicodeCodePoints"
    related = body["relatedLocations"][0]
    assert related["message"]["text"] == "secret defined here"
    assert related["physicalLocation"]["region"]["startColumn"] == SECRET_SPAN.column + 1


def test_uris_are_relative_to_srcroot(tmp_path: Path) -> None:
    run = sarif(sample(), root=tmp_path)["runs"][0]
    loc = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc == {"uri": "src/app.py", "uriBaseId": "%SRCROOT%"}
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == tmp_path.resolve().as_uri() + "/"
    notified = run["invocations"][0]["toolExecutionNotifications"][0]
    error_loc = notified["locations"][0]["physicalLocation"]["artifactLocation"]
    assert error_loc["uri"] == "src/bad%20file.py"


def test_absolute_paths_stay_absolute_file_uris() -> None:
    res = ScanResult(findings=[_finding("TRD101", 1, 0, 1, path="/abs/outside.py")])
    loc = sarif(res)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "file:///abs/outside.py"}


def test_unknown_rule_code_still_gets_a_descriptor() -> None:
    res = ScanResult(findings=[_finding("TRD101", 1, 0, 1, path="a.py")])
    res.findings[0].rule = "TRD777"
    run = sarif(res)["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert ids[-1] == "TRD777"
    assert run["results"][0]["ruleIndex"] == len(ids) - 1


def test_fingerprints_ignore_line_numbers_and_number_duplicates() -> None:
    def fingerprints(res: ScanResult) -> list[str]:
        return [
            r["partialFingerprints"]["treddyAdvisor/v1"] for r in sarif(res)["runs"][0]["results"]
        ]

    before = sample()
    after = sample()
    for f in after.findings:  # ten lines inserted above everything
        f.span = dataclasses.replace(f.span, line=f.span.line + 10, end_line=f.span.end_line + 10)
    assert sorted(fingerprints(before)) == sorted(fingerprints(after))

    twice = sample()
    twice.findings.append(_finding("TRD101", 9, 6, 41))
    fps = fingerprints(twice)
    assert len(set(fps)) == len(fps) == 4
    assert {"fp-TRD101:1", "fp-TRD101:2"} <= set(fps)


def test_file_errors_become_notifications_not_a_failed_run() -> None:
    invocation = sarif(sample())["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is True
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert "invalid syntax at line 2" in note["message"]["text"]


def test_fixes_carry_the_edits() -> None:
    body = next(r for r in sarif(sample())["runs"][0]["results"] if r["ruleId"] == "TRD201")
    (fix,) = body["fixes"]
    (change,) = fix["artifactChanges"]
    (replacement,) = change["replacements"]
    assert replacement["deletedRegion"] == {
        "startLine": 3,
        "startColumn": 33,
        "endLine": 3,
        "endColumn": 71,
    }
    assert replacement["insertedContent"]["text"] == "auth=(CLIENT_ID, CLIENT_SECRET)"


def test_no_snippet_without_show_source() -> None:
    out = render(sample(), "sarif", rules=RULES, source_lines=lambda p: LINES)
    assert '"snippet"' not in out
    assert "resp = requests.post" not in out


def test_snippets_with_show_source_are_redacted() -> None:
    run = sarif(sample(), show_source=True, source_lines=lambda p: LINES)["runs"][0]
    by_rule = {r["ruleId"]: r["locations"][0]["physicalLocation"] for r in run["results"]}
    assert by_rule["TRD101"]["region"]["snippet"]["text"] == "session.authorization_url(AUTH_URL)"
    assert by_rule["TRD101"]["contextRegion"]["snippet"]["text"] == LINES[3]
    hardcoded = by_rule["TRD401"]["region"]["snippet"]["text"]
    assert hardcoded == 'CLIENT_SECRET = "' + "*" * len(SECRET) + '"'
    assert SECRET[8:20] not in json.dumps(run)


def test_syntax_and_decoding_errors_carry_their_region(tmp_path, monkeypatch, validator) -> None:
    # A file that cannot be analysed is a notification at the place where it breaks.
    from click.testing import CliRunner

    from advisor.cli.main import main

    (tmp_path / "broken.py").write_text("import requests\nCLIENT_ID = 1\ndef f(:\n    pass\n")
    (tmp_path / "latin.py").write_bytes(b"x = 1\ny = '\xe9t\xe9'\n")
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(main, ["check", ".", "--format", "sarif", "--no-cache"]).stdout
    doc = json.loads(out)
    _assert_valid(validator, doc)
    notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    regions = {
        n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: n["locations"][0][
            "physicalLocation"
        ].get("region")
        for n in notes
    }
    assert regions == {
        "broken.py": {"startLine": 3, "startColumn": 7},
        "latin.py": {"startLine": 2, "startColumn": 6},
    }
    text = CliRunner().invoke(main, ["check", ".", "--no-cache"]).stdout
    assert "broken.py:3:7: error: syntax error at line 3, column 7" in text
