"""The JSON contract (``schema_version`` 1, documented in docs/json-schema.md)."""

from __future__ import annotations

import json
from typing import Any

from advisor import __version__
from advisor.model import SCHEMA_VERSION, ScanResult
from advisor.reporters.common import TOOL_NAME, sorted_findings, summary


def json_document(result: ScanResult) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "summary": summary(result),
        "usages": [
            u.to_json()
            for u in sorted(result.usages, key=lambda u: (u.path, u.span.line, u.span.column))
        ],
        "findings": [f.to_json() for f in sorted_findings(result)],
        "errors": [e.to_json() for e in sorted(result.errors, key=lambda e: e.path)],
    }


def render_json(result: ScanResult) -> str:
    # ensure_ascii=False keeps paths and messages readable; key order is the contract's.
    return json.dumps(json_document(result), indent=2, ensure_ascii=False) + "\n"
