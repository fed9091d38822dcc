"""`treddy-advisor rules` and `treddy-advisor rule CODE`: the rule catalogue on the command line."""

from __future__ import annotations

import json

import click

from advisor.model import RuleDoc

_COLUMNS = (
    ("code", "CODE"),
    ("name", "NAME"),
    ("category", "CATEGORY"),
    ("severity", "SEVERITY"),
    ("fix", "FIX"),
    ("summary", "SUMMARY"),
)


def all_rules() -> list[RuleDoc]:
    """The policy's catalogue plus the tool's own rules (unused suppressions)."""
    from advisor.policy.policy import load_catalogue
    from advisor.policy.suppressions import UNUSED_RULE_DOC

    return sorted([*load_catalogue(), UNUSED_RULE_DOC], key=lambda d: d.code)


def find_rule(key: str) -> RuleDoc | None:
    """A rule by code (any case) or by kebab-case name."""
    key = key.strip().lower()
    return next((d for d in all_rules() if key in (d.code.lower(), d.name)), None)


def _row(doc: RuleDoc) -> dict[str, str]:
    return {
        "code": doc.code,
        "name": doc.name,
        "category": doc.category,
        "severity": doc.severity,
        "fix": doc.fix_safety or "-",
        "summary": doc.summary,
    }


def rule_json(doc: RuleDoc) -> dict[str, object]:
    return {
        "code": doc.code,
        "name": doc.name,
        "category": doc.category,
        "severity": doc.severity,
        "message": doc.message,
        "summary": doc.summary,
        "fixable": doc.fix_safety is not None,
        "fix_safety": doc.fix_safety,
        "explanation": doc.docs_markdown,
    }


def rules_table(docs: list[RuleDoc]) -> str:
    rows = [_row(d) for d in docs]
    # The summary is the last column and is not padded, so long sentences do not widen the rest.
    keys = [k for k, _ in _COLUMNS]
    widths = {k: max([len(h)] + [len(r[k]) for r in rows]) for k, h in _COLUMNS}
    lines = []
    for cells in [dict(_COLUMNS), *rows]:
        parts = [cells[k].ljust(widths[k]) for k in keys[:-1]] + [cells[keys[-1]]]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines) + "\n"


@click.command("rules")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
def rules_command(fmt: str) -> None:
    """List every rule: code, name, category, default severity, autofix."""
    docs = all_rules()
    if fmt == "json":
        click.echo(json.dumps([rule_json(d) for d in docs], indent=2))
    else:
        click.echo(rules_table(docs), nl=False)


@click.command("rule")
@click.argument("code")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
    help="Output format.",
)
def rule_command(code: str, fmt: str) -> None:
    """Explain one rule (by code, e.g. TRD201, or by name, e.g. client-secret-in-body)."""
    doc = find_rule(code)
    if doc is None:
        known = ", ".join(d.code for d in all_rules())
        raise click.BadParameter(f"unknown rule {code!r}; known rules: {known}", param_hint="CODE")
    if fmt == "json":
        click.echo(json.dumps(rule_json(doc), indent=2))
    else:
        click.echo(doc.docs_markdown, nl=False)
