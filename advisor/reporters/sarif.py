"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

Choices that matter to consumers:
- URIs are relative to ``%SRCROOT%`` so that alerts map onto the checkout wherever it lives;
- every rule of the catalogue is listed (not only the ones hit) so that a consumer can show the
  help of any rule, and results point at it by ``ruleIndex``;
- ``partialFingerprints`` come from the finding's line-independent fingerprint, numbered for
  identical findings, so dismissed alerts stay dismissed when code moves;
- columns are counted in code points like the analyser (``columnKind``), 1-based as SARIF wants;
- a snippet is added only with ``show_source`` and only after masking known secrets.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from advisor import __version__
from advisor.model import FileError, Finding, RuleDoc, ScanResult, Span
from advisor.reporters.common import (
    TOOL_NAME,
    RuleCatalog,
    SourceLine,
    SourceView,
    sorted_findings,
    unique_fingerprints,
)

SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "treddyAdvisor/v1"
_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
# GitHub code scanning ranks alerts of "security" rules by this CVSS-like score
# (>= 7 high, >= 4 medium, below that low).
_SECURITY_SEVERITY = {"error": "7.5", "warning": "5.0", "info": "2.0"}


def _level(severity: str) -> str:
    return _LEVELS.get(severity, "warning")


def _plain(markdown: str) -> str:
    """A readable plain-text version of the rule docs' Markdown (code fences dropped)."""
    text = re.sub(r"^```\w*\s*$", "", markdown, flags=re.MULTILINE)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"\1 (\2)", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _artifact_location(path: str) -> dict[str, Any]:
    p = Path(path)
    if p.is_absolute():
        return {"uri": p.as_uri()}
    return {"uri": quote(path.replace("\\", "/"), safe="/"), "uriBaseId": SRCROOT}


def _region(span: Span) -> dict[str, Any]:
    line = max(1, span.line)
    region = {
        "startLine": line,
        "startColumn": max(0, span.column) + 1,
        "endLine": max(line, span.end_line),
        "endColumn": max(0, span.end_column) + 1,
    }
    if region["endLine"] == line and region["endColumn"] < region["startColumn"]:
        region["endColumn"] = region["startColumn"]
    return region


def _location(path: str, span: Span, lines: list[SourceLine] | None = None) -> dict[str, Any]:
    """A physical location; ``lines`` (already redacted) add the region and context snippets."""
    region = _region(span)
    physical: dict[str, Any] = {"artifactLocation": _artifact_location(path), "region": region}
    if lines:
        texts = [line.text for line in lines]
        if lines[-1].number == span.end_line:
            # Masking keeps lengths, so slicing the redacted lines gives the region's text.
            if len(texts) == 1:
                exact = texts[0][span.column : span.end_column]
            else:
                exact = "\n".join(
                    [texts[0][span.column :], *texts[1:-1], texts[-1][: span.end_column]]
                )
            region["snippet"] = {"text": exact}
        physical["contextRegion"] = {
            "startLine": lines[0].number,
            "endLine": lines[-1].number,
            "snippet": {"text": "\n".join(texts)},
        }
    return {"physicalLocation": physical}


def _rule_descriptor(rule: RuleDoc) -> dict[str, Any]:
    # A code missing from the catalogue has no docs: a short help beats empty sections.
    docs = (
        rule.docs_markdown
        if rule.why or rule.example
        else f"# {rule.code} {rule.name}\n\n{rule.summary}\n"
    )
    full = rule.summary if not rule.why else f"{rule.summary} {_plain(rule.why)}"
    descriptor: dict[str, Any] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary or rule.name},
        "fullDescription": {"text": full or rule.name},
        "help": {"text": _plain(docs), "markdown": docs},
        "defaultConfiguration": {"level": _level(rule.severity)},
        "properties": {
            "category": rule.category,
            "tags": ["security", "oauth", rule.category],
            "security-severity": _SECURITY_SEVERITY.get(rule.severity, "5.0"),
        },
    }
    if rule.fix_safety:
        descriptor["properties"]["fix_safety"] = rule.fix_safety
    return descriptor


def _fixes(f: Finding, view: SourceView) -> list[dict[str, Any]]:
    if not f.edits:
        return []
    changes: dict[str, list[dict[str, Any]]] = {}
    for edit in f.edits:
        changes.setdefault(edit.path, []).append(
            {
                "deletedRegion": _region(edit.span),
                "insertedContent": {"text": view.mask.text(edit.replacement)},
            }
        )
    return [
        {
            "description": {"text": f.fix_hint or f"Fix {f.rule}"},
            "artifactChanges": [
                {"artifactLocation": _artifact_location(path), "replacements": reps}
                for path, reps in changes.items()
            ],
        }
    ]


def _result(
    f: Finding,
    fingerprint: str,
    occurrence: int,
    catalog: RuleCatalog,
    view: SourceView,
    show_source: bool,
) -> dict[str, Any]:
    lines = view.lines(f.path, f.span) if show_source else None
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": catalog.index[f.rule],
        "level": _level(f.severity),
        "message": {"text": f.message},
        "locations": [_location(f.path, f.span, lines)],
        "partialFingerprints": {FINGERPRINT_KEY: f"{fingerprint}:{occurrence}"},
        "properties": {
            "name": f.name,
            "category": f.category,
            "severity": f.severity,
            "confidence": f.confidence,
            "fixable": f.fixable,
        },
    }
    if f.related:
        result["relatedLocations"] = [
            {"id": i, **_location(r.path, r.span), "message": {"text": r.message}}
            for i, r in enumerate(f.related, start=1)
        ]
    fixes = _fixes(f, view)
    if fixes:
        result["fixes"] = fixes
    return result


def sarif_log(
    result: ScanResult,
    *,
    rules: list[RuleDoc],
    show_source: bool,
    root: Path | None,
    view: SourceView,
) -> dict[str, Any]:
    findings = sorted_findings(result)
    catalog = RuleCatalog(rules, findings)
    notifications = [
        {
            "level": "error",
            "message": {"text": f"{e.path}: {e.reason}"},
            "locations": [{"physicalLocation": _error_location(e)}],
            "descriptor": {"id": f"file-{e.kind}"},
        }
        for e in sorted(result.errors, key=lambda e: e.path)
    ]
    base = (root or Path.cwd()).resolve()
    base_uri = base.as_uri().rstrip("/") + "/"
    run = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule_descriptor(r) for r in catalog.rules],
            }
        },
        "invocations": [
            {
                # One unreadable file does not make the run fail; it is reported, not fatal.
                "executionSuccessful": True,
                "toolExecutionNotifications": notifications,
            }
        ],
        "originalUriBaseIds": {SRCROOT: {"uri": base_uri}},
        "columnKind": "unicodeCodePoints",
        "results": [
            _result(f, fp, n, catalog, view, show_source)
            for f, fp, n in unique_fingerprints(findings)
        ],
        "properties": {
            "filesScanned": result.files_scanned,
            "filesParsed": result.files_parsed,
            "usages": len(result.usages),
            "suppressed": result.suppressed,
            "baselined": result.baselined,
        },
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render_sarif(result: ScanResult, **kw: Any) -> str:
    return json.dumps(sarif_log(result, **kw), indent=2, ensure_ascii=False) + "\n"


def _error_location(e: FileError) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": _artifact_location(e.path)}
    if e.line is not None:
        region: dict[str, int] = {"startLine": e.line}
        if e.column is not None:
            region["startColumn"] = e.column + 1  # SARIF columns are 1-based
        location["region"] = region
    return location
