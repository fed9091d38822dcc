"""GitLab Code Quality report (the Code Climate issue subset that GitLab reads)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from advisor.model import ScanResult
from advisor.reporters.common import TOOL_NAME, sorted_findings, unique_fingerprints

_SEVERITIES = {"error": "critical", "warning": "major", "info": "info"}


def gitlab_issues(result: ScanResult) -> list[dict[str, Any]]:
    issues = []
    for f, fp, occurrence in unique_fingerprints(sorted_findings(result)):
        # GitLab needs a unique fingerprint per issue; the first copy keeps the finding's own.
        fingerprint = (
            fp
            if occurrence == 1
            else hashlib.blake2b(f"{fp}:{occurrence}".encode(), digest_size=16).hexdigest()
        )
        issues.append(
            {
                "type": "issue",
                "engine_name": TOOL_NAME,
                "check_name": f.rule,
                "description": f"{f.rule} {f.message}",
                "categories": ["Security"],
                "severity": _SEVERITIES.get(f.severity, "minor"),
                "fingerprint": fingerprint,
                "location": {
                    "path": f.path,
                    "lines": {
                        "begin": max(1, f.span.line),
                        "end": max(f.span.line, f.span.end_line),
                    },
                },
            }
        )
    return issues


def render_gitlab(result: ScanResult) -> str:
    return json.dumps(gitlab_issues(result), indent=2, ensure_ascii=False) + "\n"
