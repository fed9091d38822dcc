"""Portfolio mode: one page comparing many repositories from their ``check --format json`` results.

Architects who review many partners run ``treddy-advisor check --format json`` in each repository
(or in CI) and feed the documents to ``treddy-advisor report results/*.json``. Only the JSON
contract (docs/json-schema.md, schema version 1) is used, so the page needs no access to the code.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from advisor import __version__
from advisor.report.report import Links, integrations, verdict
from advisor.reporters.common import SEVERITIES, severity_rank

SUPPORTED_SCHEMA = 1


class PortfolioError(Exception):
    """A results file that is not a usable ``check --format json`` document."""


def load_result(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PortfolioError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PortfolioError(f"{path}: not a JSON document: {exc}") from exc
    if not isinstance(doc, dict) or "schema_version" not in doc:
        raise PortfolioError(f"{path}: not a treddy-advisor JSON result (no schema_version)")
    if doc["schema_version"] != SUPPORTED_SCHEMA:
        raise PortfolioError(
            f"{path}: schema_version {doc['schema_version']!r} is not supported "
            f"(expected {SUPPORTED_SCHEMA})"
        )
    for key, kind in (("summary", dict), ("usages", list), ("findings", list)):
        if not isinstance(doc.get(key), kind):
            raise PortfolioError(f"{path}: '{key}' is missing or not a {kind.__name__}")
    return doc


def _name(path: Path, taken: set[str]) -> str:
    name = path.stem
    if name in taken:
        name = f"{path.parent.name}/{path.stem}"
    taken.add(name)
    return name


def _repo_view(name: str, source: str, doc: dict[str, Any], policy: Any) -> dict[str, Any]:
    usages = [u for u in doc["usages"] if isinstance(u, dict) and "path" in u]
    findings = [f for f in doc["findings"] if isinstance(f, dict)]
    by_sev = Counter(str(f.get("severity", "")) for f in findings)
    by_severity = {s: by_sev.get(s, 0) for s in SEVERITIES}
    by_rule = Counter(str(f.get("rule", "?")) for f in findings)
    flows = Counter(str(u.get("flow", "unknown")) for u in usages)
    unsupported = sorted(
        f for f in flows if f not in ("unknown", "refresh_token") and not policy.is_supported(f)
    )
    kind = None
    evidence = doc.get("app_evidence")
    if isinstance(evidence, list):
        from advisor.analysis.appkind import infer_kind
        from advisor.model import AppEvidence

        items = [
            AppEvidence(
                str(e.get("path", "")), int(e.get("line", 0)), e["kind"], str(e.get("evidence", ""))
            )
            for e in evidence
            if isinstance(e, dict)
            and e.get("kind") in ("web_server", "cli_daemon", "distributed_app")
        ]
        kind = infer_kind(items)[0]
    return {
        "name": name,
        "source": source,
        "verdict": verdict(by_severity),
        "by_severity": by_severity,
        "findings_total": len(findings),
        "by_rule": dict(sorted(by_rule.items())),
        "usages": len(usages),
        "integrations": integrations(usages, Links()),
        "flows": sorted(flows),
        "unsupported_flows": [policy.flow_label(f) for f in unsupported],
        "client_auth": sorted({str(u.get("client_auth", "unknown")) for u in usages}),
        "literal_secrets": sum(1 for u in usages if u.get("secret_source") == "literal")
        + by_rule.get("TRD301", 0),
        "app_kind": kind,
        "files_scanned": doc["summary"].get("files_scanned", 0),
        "errors": len(doc.get("errors") or []),
        "findings": sorted(
            (
                {
                    "rule": str(f.get("rule", "?")),
                    "name": str(f.get("name", "")),
                    "severity": str(f.get("severity", "")),
                    "path": str(f.get("path", "")),
                    "line": f.get("line", 0),
                    "message": str(f.get("message", "")),
                }
                for f in findings
            ),
            key=lambda f: (severity_rank(f["severity"]), f["rule"], f["path"], f["line"]),
        ),
    }


def build_portfolio(
    paths: list[Path], policy: Any, title: str = "Treddy OAuth portfolio report"
) -> dict[str, Any]:
    taken: set[str] = set()
    repos = []
    for path in paths:
        doc = load_result(path)
        repos.append(_repo_view(_name(path, taken), str(path), doc, policy))
    # Worst first: not compliant, then by number of errors.
    repos.sort(
        key=lambda r: (r["verdict"] != "not compliant", -r["by_severity"]["error"], r["name"])
    )
    rules = sorted({code for r in repos for code in r["by_rule"]})
    return {
        "title": title,
        "tool": {"name": "treddy-advisor", "version": __version__},
        "provider": policy.provider,
        "policy_source": policy.source,
        "severities": SEVERITIES,
        "repos": repos,
        "rules": rules,
        "compliant": sum(1 for r in repos if r["verdict"] == "compliant"),
        "supported_flows": [policy.flow_label(f) for f in policy.supported_flows],
    }
