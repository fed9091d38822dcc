"""The rule catalogue in rules/catalogue.toml and the `rules` / `rule CODE` commands."""

from __future__ import annotations

import ast
import json
import re

import pytest
from click.testing import CliRunner

from advisor.cli.main import main
from advisor.policy.policy import (
    PolicyError,
    load_catalogue,
    message_fields,
    parse_catalogue,
    rule_doc,
)

# The rules the issue asks for, at least.
REQUIRED = {
    "TRD101": ("unsupported-grant", "flow"),
    "TRD102": ("implicit-grant", "flow"),
    "TRD103": ("refresh-not-supported", "flow"),
    "TRD104": ("user-endpoint-with-client-credentials", "flow"),
    "TRD105": ("missing-scope", "flow"),
    "TRD201": ("client-secret-in-body", "client_auth"),
    "TRD202": ("client-secret-in-query", "client_auth"),
    "TRD203": ("missing-client-authentication", "client_auth"),
    "TRD301": ("hardcoded-client-secret", "secret"),
    "TRD302": ("hardcoded-token", "secret"),
    "TRD303": ("hardcoded-basic-credentials", "secret"),
    "TRD304": ("secret-in-distributed-app", "secret"),
    "TRD401": ("insecure-token-endpoint", "transport"),
    "TRD402": ("tls-verification-disabled", "transport"),
    "TRD403": ("insecure-transport-override", "transport"),
}
CATALOGUE = load_catalogue()


def test_catalogue_has_every_required_rule():
    assert {d.code: (d.name, d.category) for d in CATALOGUE} == REQUIRED


@pytest.mark.parametrize("doc", CATALOGUE, ids=lambda d: d.code)
def test_rule_is_documented(doc):
    assert re.fullmatch(r"TRD\d{3}", doc.code)
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", doc.name)
    assert doc.severity in ("error", "warning", "info")
    assert "\n" not in doc.message
    assert doc.summary.endswith(".")
    assert len(doc.why.split()) >= 30, "explain why in Treddy's terms"
    assert doc.fix_safety in (None, "safe", "unsafe")
    # The flagged example and every code block of the fix are valid Python.
    ast.parse(doc.example)
    blocks = re.findall(r"```python\n(.*?)```", doc.fix, flags=re.S)
    for block in blocks:
        ast.parse(block)
    md = doc.docs_markdown
    assert md.startswith(f"# {doc.code} {doc.name}")
    assert "## Why" in md and "## Example" in md and "## Fix" in md


def test_provider_rules_speak_treddys_terms():
    for doc in CATALOGUE:
        if doc.category in ("flow", "client_auth"):
            assert "Treddy" in doc.why, doc.code


def test_examples_use_obviously_fake_secrets():
    for doc in CATALOGUE:
        text = doc.example + doc.fix
        for secret in re.findall(r'"(tr_sk_[A-Za-z0-9_]+)"', text):
            assert secret.startswith(("tr_sk_live_9f8e", "tr_sk_test_")), doc.code


def test_rule_doc_by_code_or_name():
    assert rule_doc("TRD201").name == "client-secret-in-body"
    assert rule_doc("trd201").code == "TRD201"
    assert rule_doc("client-secret-in-body").code == "TRD201"
    assert rule_doc("TRD999") is None


def test_message_placeholders_are_names_not_positions():
    for doc in CATALOGUE:
        fields = message_fields(doc.message)
        assert all(f.isidentifier() for f in fields), doc.code


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[rule]]\ncode = 'TRD1'\n", "missing key(s)"),
        ("rules = []\n", "unknown key(s) rules"),
        ("[[rule]\n", "invalid TOML"),
    ],
)
def test_bad_catalogue_raises_policy_error(text, message):
    with pytest.raises(PolicyError, match=re.escape(message)):
        parse_catalogue(text)


def _entry(**overrides: str) -> str:
    fields = {
        "code": "TRD999",
        "name": "x",
        "category": "flow",
        "severity": "error",
        "message": "m",
        "hint": "h",
        "summary": "s.",
        "why": "w",
        "example": "x = 1",
        "fix": "f",
        **overrides,
    }
    return "[[rule]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in fields.items())


def test_catalogue_values_are_checked():
    assert parse_catalogue(_entry()).docs[0].code == "TRD999"
    with pytest.raises(PolicyError, match="severity = 'fatal'"):
        parse_catalogue(_entry(severity="fatal"))
    with pytest.raises(PolicyError, match="category"):
        parse_catalogue(_entry(category="style"))
    with pytest.raises(PolicyError, match="fix_safety"):
        parse_catalogue(_entry(fix_safety="maybe"))
    with pytest.raises(PolicyError, match="one line"):
        parse_catalogue(_entry(message="a\nb"))
    with pytest.raises(PolicyError, match="appears twice"):
        parse_catalogue(_entry() + _entry())


# ---- CLI


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_rules_command_lists_every_rule():
    result = invoke("rules")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:5] == ["CODE", "NAME", "CATEGORY", "SEVERITY", "FIX"]
    listed = [line.split()[0] for line in lines[1:]]
    assert set(REQUIRED) <= set(listed)
    assert listed == sorted(listed)
    row = next(line for line in lines if line.startswith("TRD201"))
    assert row.split()[1:5] == ["client-secret-in-body", "client_auth", "error", "safe"]


def test_rules_command_json():
    result = invoke("rules", "--format", "json")
    assert result.exit_code == 0, result.output
    rules = {r["code"]: r for r in json.loads(result.output)}
    assert set(REQUIRED) <= set(rules)
    r = rules["TRD105"]
    assert (r["name"], r["category"], r["severity"], r["fixable"]) == (
        "missing-scope",
        "flow",
        "warning",
        False,
    )
    assert r["explanation"].startswith("# TRD105 missing-scope")


@pytest.mark.parametrize("key", ["TRD201", "trd201", "client-secret-in-body"])
def test_rule_command_prints_markdown(key):
    result = invoke("rule", key)
    assert result.exit_code == 0, result.output
    assert result.output == rule_doc("TRD201").docs_markdown
    assert "```python" in result.output


def test_rule_command_json():
    result = invoke("rule", "TRD403", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output)["name"] == "insecure-transport-override"


def test_rule_command_unknown_code_exits_2():
    result = invoke("rule", "TRD999")
    assert result.exit_code == 2
    assert "unknown rule 'TRD999'" in result.output
    assert "TRD101" in result.output
