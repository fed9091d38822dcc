"""The advisor report for architects: what the code does with OAuth, what the policy allows, and
what must change. HTML (self-contained, printable) or Markdown (for a pull-request comment).

:func:`build_report` turns a scan result, the policy and the rule catalogue into a plain view
model (dicts and lists); the Jinja templates in ``advisor/report/templates`` only lay it out. The HTML
environment autoescapes everything, so a file name or a code line holding markup shows as text;
the Markdown environment escapes through the ``md``/``code`` filters instead. Source excerpts go
through the same secret masking as every other reporter (``advisor.redaction``).
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from advisor import __version__
from advisor.analysis.appkind import KIND_LABELS, infer_kind
from advisor.model import RuleDoc, ScanResult, Span
from advisor.reporters.common import SEVERITIES, SourceLines, SourceView, severity_rank
from advisor.reporters.json_doc import json_document

FORMATS = ("html", "markdown")

# Treddy's page: "To enable OAuth 2.0 in your App, you must first be approved as an integration
# partner and have gained access to the Developer portal." and "client credentials sent in basic
# auth header ... You can follow the Developer portal guide to learn how to generate them."
PARTNER_CHECKLIST = (
    (
        "Approved integration partner",
        "{provider} must have approved you as an integration "
        "partner before OAuth 2.0 can be enabled for your app.",
    ),
    ("Developer portal access", "Your team has access to {provider}'s Developer portal."),
    (
        "Client credentials generated in the Developer portal",
        "The client ID and client secret "
        "come from the Developer portal (its guide explains how to generate them), one pair per "
        "environment.",
    ),
    (
        "Client secret stored safely",
        "The secret lives in a secret manager or the deployment's "
        "environment, only on a backend you control; never in code, in a repository, or in an app "
        "shipped to users.",
    ),
)

LIBRARY_LABELS = {
    "requests-oauthlib": "requests-oauthlib",
    "oauthlib": "oauthlib",
    "authlib": "Authlib",
    "msal": "MSAL",
    "requests": "requests",
    "httpx": "httpx",
    "aiohttp": "aiohttp",
    "urllib": "urllib",
    "google-auth-oauthlib": "google-auth-oauthlib",
    "httpx-oauth": "httpx-oauth",
}
SOURCE_LABELS = {
    "literal": "written in the code",
    "env": "environment variable",
    "config": "configuration",
    "parameter": "function parameter",
    "unknown": "unknown",
    "absent": "none",
}
CLIENT_AUTH_LABELS = {
    "basic": "HTTP Basic header",
    "body": "request body",
    "query": "URL query",
    "none": "none",
    "private_key_jwt": "signed JWT",
    "unknown": "unknown",
}


# --------------------------------------------------------------------------- links


@dataclass
class Links:
    """Where file:line links point: a web base URL (``--link-base``) or the report's directory."""

    base: str | None = None
    out_dir: Path | None = None

    def href(self, path: str, line: int | None = None) -> str | None:
        anchor = f"#L{line}" if line else ""
        if self.base:
            return self.base.rstrip("/") + "/" + quote(path.lstrip("/")) + anchor
        if self.out_dir is None:
            return None
        try:
            rel = os.path.relpath(Path(path).resolve(), self.out_dir.resolve())
        except ValueError:
            return None
        # quote() turns ':' into %3A, so a file named "javascript:..." stays a relative path.
        rel = quote(rel.replace(os.sep, "/"))
        return (rel if rel.startswith("../") else "./" + rel) + anchor


def safe_base_url(url: str) -> str:
    """Accept only http(s) URLs as the link base."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"link base must be an http(s) URL, not {url!r}")
    return url


# --------------------------------------------------------------------------- inventory


def _title_endpoint(u: dict[str, Any]) -> str:
    url = u.get("token_url") or u.get("authorization_url")
    if not url:
        return "endpoint not resolved"
    parts = urlsplit(url) if "://" in url else None
    if parts and parts.hostname:
        return f"{parts.hostname}{parts.path}"
    return url


def integrations(usages: Iterable[dict[str, Any]], links: Links) -> list[dict[str, Any]]:
    """Usages (JSON form) grouped by integration: one client object, or one endpoint per file.

    Usages of the same client object (``client_key``) belong together, so that the authorization
    URL and the token request of one login flow form one integration.
    """
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for u in usages:
        if u.get("client_key"):
            key = (u["path"], "client", u["client_key"])
        else:
            key = (u["path"], "endpoint", _title_endpoint(u), u.get("library", ""))
        groups[key].append(u)
    out = []
    for items in groups.values():
        items.sort(key=lambda u: (u.get("line", 0), u.get("column", 0)))
        first = items[0]
        endpoint = next(
            (_title_endpoint(u) for u in items if u.get("token_url")), _title_endpoint(first)
        )
        libraries = sorted({LIBRARY_LABELS.get(u["library"], u["library"]) for u in items})
        flows = sorted({u.get("flow", "unknown") for u in items})
        out.append(
            {
                "title": f"{' + '.join(libraries)} → {endpoint}",
                "path": first["path"],
                "context": first.get("context"),
                "libraries": libraries,
                "flows": flows,
                "usages": [_usage_row(u, links) for u in items],
            }
        )
    out.sort(key=lambda g: (g["path"], g["usages"][0]["line"]))
    return out


def _usage_row(u: dict[str, Any], links: Links) -> dict[str, Any]:
    scopes = u.get("scopes")
    secret = u.get("secret_source", "absent")
    secret_label = SOURCE_LABELS.get(secret, secret)
    if secret == "literal" and u.get("secret_redacted"):
        secret_label += f" ({u['secret_redacted']})"
    return {
        "path": u["path"],
        "line": u.get("line", 0),
        "href": links.href(u["path"], u.get("line")),
        "library": LIBRARY_LABELS.get(u.get("library", ""), u.get("library", "")),
        "operation": str(u.get("operation", "")).replace("_", " "),
        "flow": u.get("flow", "unknown"),
        "client_auth": u.get("client_auth", "unknown"),
        "client_auth_label": CLIENT_AUTH_LABELS.get(u.get("client_auth", ""), "unknown"),
        "token_url": (
            u.get("authorization_url") or u.get("token_url")
            if u.get("operation") == "authorization_url"
            else u.get("token_url") or u.get("authorization_url")
        )
        or "",
        "scopes": "unknown" if scopes is None else (" ".join(scopes) if scopes else "none"),
        "secret_source": secret,
        "secret_label": secret_label,
        "auto_refresh": bool(u.get("auto_refresh")),
        "verify_disabled": bool(u.get("verify_disabled")),
    }


# --------------------------------------------------------------------------- policy views


def flow_table(policy: Any, used: Counter[str]) -> list[dict[str, Any]]:
    """The provider's flow table, rows in the policy's order, plus flows used but not listed."""
    rows = []
    for name, row in policy.flows.items():
        rows.append(
            {
                "flow": name,
                "label": row.label,
                "user_resources": row.user_resources,
                "requires_secret": row.requires_secret,
                "refresh": row.refresh,
                "supported": row.supported,
                "discouraged": row.discouraged,
                "listed": True,
                "used": used.get(name, 0),
            }
        )
    for name, n in sorted(used.items()):
        if name in policy.flows or name in ("unknown", "refresh_token"):
            continue
        rows.append(
            {
                "flow": name,
                "label": policy.flow_label(name),
                "user_resources": None,
                "requires_secret": None,
                "refresh": None,
                "supported": False,
                "discouraged": False,
                "listed": False,
                "used": n,
            }
        )
    return rows


def _limits(policy: Any, flow: str) -> list[str]:
    """What a flow cannot do, in plain words, from its row in the table."""
    row = policy.row(flow)
    if row is None:
        return []
    out = []
    if not row.user_resources:
        out.append(
            f"{row.label} cannot access user data: the token identifies your application, not "
            "a user, so endpoints that need user information (e.g. user profile data) are not "
            "available, and nothing can be done on behalf of a user."
        )
    if not row.refresh:
        out.append(
            "Tokens cannot be refreshed: when one expires, request a new one with the same grant."
        )
    if row.requires_secret:
        out.append(
            "It needs the client secret, so it must run on a backend that can keep the secret."
        )
    return out


def decision(policy: Any, kind: str | None, reasons: list[str]) -> dict[str, Any]:
    """The decision-rule path: kind -> generic flow -> supported? -> recommended path."""
    paths = []
    kinds = [kind] if kind else [r.app_kind for r in policy.decision_rules]
    for k in kinds:
        rule = policy.decision_rule(k)
        if rule is None:
            continue
        recommended = rule.use_instead or rule.flow
        paths.append(
            {
                "kind": k,
                "kind_label": rule.label or KIND_LABELS.get(k, k),
                "when": rule.when,
                "generic_flow": rule.flow,
                "generic_label": policy.flow_label(rule.flow),
                "generic_supported": policy.is_supported(rule.flow),
                "recommended_flow": recommended,
                "recommended_label": policy.flow_label(recommended),
                "recommended_supported": policy.is_supported(recommended),
                "recommendation": rule.recommendation,
                "limits": _limits(policy, recommended),
            }
        )
    return {
        "kind": kind,
        "kind_label": KIND_LABELS.get(kind, "Unknown") if kind else "Not determined",
        "reasons": reasons,
        "paths": paths,
        "client_auth": CLIENT_AUTH_LABELS.get(
            policy.client_auth_required, policy.client_auth_required
        ),
    }


# --------------------------------------------------------------------------- findings


def text_blocks(markdown: str) -> list[dict[str, Any]]:
    """Rule documentation (Markdown) as paragraphs and code blocks, for safe rendering.

    Paragraphs become lists of (is_code, text) pieces split on backticks; emphasis markers are
    dropped. Nothing is ever passed to the template as markup.
    """
    blocks: list[dict[str, Any]] = []
    parts = re.split(r"^```[\w-]*[ \t]*\n(.*?)^```[ \t]*$", markdown.strip(), flags=re.M | re.S)
    for i, part in enumerate(parts):
        if i % 2 == 1:
            blocks.append({"code": part.rstrip("\n")})
            continue
        for para in re.split(r"\n\s*\n", part):
            text = " ".join(para.split()).replace("**", "")
            if not text:
                continue
            blocks.append({"pieces": inline_pieces(text), "text": text})
    return blocks


def findings_by_rule(
    result: ScanResult, rules: list[RuleDoc], view: SourceView | None, links: Links
) -> list[dict[str, Any]]:
    docs = {r.code: r for r in rules}
    groups: dict[str, list[Any]] = defaultdict(list)
    for f in result.findings:
        groups[f.rule].append(f)
    out = []
    for code, items in groups.items():
        items.sort(key=lambda f: (f.path, f.span.line, f.span.column))
        doc = docs.get(code)
        severity = min((f.severity for f in items), key=severity_rank)
        out.append(
            {
                "code": code,
                "name": items[0].name,
                "severity": severity,
                "category": items[0].category,
                "summary": doc.summary if doc else "",
                "fix_blocks": text_blocks(doc.fix) if doc and doc.fix else [],
                "findings": [_finding_view(f, view, links) for f in items],
            }
        )
    out.sort(key=lambda g: (severity_rank(g["severity"]), g["code"]))
    return out


def _finding_view(f: Any, view: SourceView | None, links: Links) -> dict[str, Any]:
    excerpt = []
    if view is not None:
        first = max(1, f.span.line - 2)
        last = max(f.span.end_line, f.span.line) + 2
        window = Span(first, 0, last, 0)
        for line in view.lines(f.path, window, limit=min(last - first + 1, 14)):
            excerpt.append(
                {
                    "number": line.number,
                    "text": line.text,
                    "hit": f.span.line <= line.number <= max(f.span.end_line, f.span.line),
                }
            )
    return {
        "path": f.path,
        "line": f.span.line,
        "column": f.span.column + 1,
        "href": links.href(f.path, f.span.line),
        "message": f.message,
        "confidence": f.confidence,
        "severity": f.severity,
        "fix_hint": f.fix_hint,
        "excerpt": excerpt,
        "related": [
            {
                "path": r.path,
                "line": r.span.line,
                "href": links.href(r.path, r.span.line),
                "message": r.message,
            }
            for r in f.related
        ],
    }


# --------------------------------------------------------------------------- migration


def migration(result: ScanResult, policy: Any, kind: str | None) -> dict[str, Any]:
    from advisor.report.migration import snippets

    usages = result.usages
    libraries = sorted({u.library for u in usages})
    provider_urls = [
        u.token_url for u in usages if u.token_url and policy.provider_matches(u.token_url)
    ]
    token_url = provider_urls[0] if provider_urls else None
    scopes = sorted({s for u in usages for s in (u.scopes or [])})
    categories = {f.category for f in result.findings}
    rules = {f.rule for f in result.findings}
    flows = {u.flow for u in usages}
    steps = []
    if "secret" in categories or any(u.secret_source == "literal" for u in usages):
        steps.append(
            "Remove every client secret written in the code, rotate it in the Developer portal "
            "(it is compromised once committed or shipped), and read the new one from the "
            "environment or a secret manager."
        )
    if kind == "distributed_app":
        steps.append(
            "Move the calls to the provider out of the distributed app into a backend you "
            "control: the backend keeps the secret and runs the client-credentials grant; the "
            "app talks to your backend with its own user authentication."
        )
    if flows & {
        "authorization_code",
        "authorization_code_pkce",
        "implicit",
        "password",
        "device_code",
    }:
        steps.append(
            "Remove the user login flow (authorization URL, callback, code exchange): the "
            "provider does not support it. Use the application's own client credentials, and "
            "call only endpoints that need no user information."
        )
    if "client_auth" in categories or any(u.client_auth not in ("basic",) for u in usages):
        steps.append(
            "Send the client ID and secret in the HTTP Basic header of the token request, and "
            "nowhere else (not in the form body, not in the URL)."
        )
    if any(u.auto_refresh or u.flow == "refresh_token" for u in usages) or "TRD103" in rules:
        steps.append(
            "Remove token refresh (refresh_token calls, auto_refresh_url, token updaters): "
            "when a token expires, request a new one with the client-credentials grant."
        )
    if "transport" in categories:
        steps.append(
            "Keep TLS verification on and use https:// URLs for the token and API endpoints."
        )
    steps.append("Replace the token request with the code below for the library you use.")
    return {
        "steps": steps,
        "snippets": [s.__dict__ for s in snippets(libraries, token_url, scopes)],
    }


# --------------------------------------------------------------------------- the report


@dataclass
class ReportOptions:
    title: str = "Treddy OAuth integration report"
    links: Links = field(default_factory=Links)
    source_lines: SourceLines | None = None
    root: Path | None = None
    scanned: list[str] = field(default_factory=list)


def verdict(by_severity: dict[str, int]) -> str:
    return "not compliant" if by_severity.get("error", 0) else "compliant"


def build_report(
    result: ScanResult, policy: Any, rules: list[RuleDoc], options: ReportOptions | None = None
) -> dict[str, Any]:
    options = options or ReportOptions()
    doc = json_document(result)
    view = SourceView(result, options.source_lines, options.root)
    kind, reasons = infer_kind(result.app_evidence)
    used = Counter(u.flow for u in result.usages)
    by_severity = {s: doc["summary"]["by_severity"].get(s, 0) for s in SEVERITIES}
    inventory = integrations(doc["usages"], options.links)
    evidence = sorted(result.app_evidence, key=lambda e: (e.kind, e.path, e.line))
    return {
        "title": options.title,
        "tool": {"name": "treddy-advisor", "version": __version__},
        "provider": policy.provider,
        "policy_source": policy.source,
        "scanned": options.scanned,
        "verdict": verdict(by_severity),
        "summary": doc["summary"],
        "by_severity": by_severity,
        "severities": SEVERITIES,
        "integrations": inventory,
        "flow_table": flow_table(policy, used),
        "supported_flows": [policy.flow_label(f) for f in policy.supported_flows],
        "decision": decision(policy, kind, reasons),
        "evidence": [
            {
                "kind": e.kind,
                "kind_label": KIND_LABELS.get(e.kind, e.kind),
                "evidence": e.evidence,
                "path": e.path,
                "line": e.line,
                "href": options.links.href(e.path, e.line),
            }
            for e in evidence
        ],
        "finding_groups": findings_by_rule(result, rules, view, options.links),
        "migration": migration(result, policy, kind),
        "checklist": [
            {"item": item, "detail": detail.format(provider=policy.provider)}
            for item, detail in PARTNER_CHECKLIST
        ],
        "errors": doc["errors"],
    }


# --------------------------------------------------------------------------- rendering


def md_escape(value: Any) -> str:
    """Text for a Markdown paragraph or table cell: no markup, no HTML, one line."""
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]|#!{}~])", r"\\\1", text)


def md_code(value: Any) -> str:
    """Inline code that no backtick or pipe inside can break out of (also in a table cell)."""
    text = " ".join(str(value).split()).replace("|", "\\|")
    runs = [len(r) for r in re.findall(r"`+", text)]
    ticks = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def md_fence(value: Any) -> str:
    """A fence longer than any backtick run in a code block."""
    runs = [len(r) for r in re.findall(r"`{3,}", str(value))]
    return "`" * max(3, max(runs, default=0) + 1)


def md_href(value: Any) -> str:
    """A link target for Markdown: no spaces or parentheses that would end it early."""
    return str(value).replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def breakable(value: Any) -> Any:
    """Escaped text with line-break opportunities after '/' (long paths in narrow cells)."""
    from markupsafe import Markup, escape

    return Markup("/<wbr>").join(escape(part) for part in str(value).split("/"))


def inline_pieces(text: str) -> list[tuple[bool, str]]:
    """(is_code, text) pieces of a one-line Markdown text with `code` spans."""
    return [(i % 2 == 1, t) for i, t in enumerate(str(text).split("`")) if t]


def md_inline(value: Any) -> str:
    """One line of Markdown that keeps `code` spans as code and escapes everything else."""
    return "".join(md_code(t) if is_code else md_escape(t) for is_code, t in inline_pieces(value))


def _environment(fmt: str) -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("advisor.report", "templates"),
        autoescape=(fmt == "html"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    env.filters["code"] = md_code
    env.filters["fence"] = md_fence
    env.filters["mdhref"] = md_href
    env.filters["mdinline"] = md_inline
    env.filters["pieces"] = inline_pieces
    env.filters["breakable"] = breakable
    env.filters["yesno"] = lambda v: "—" if v is None else ("Yes" if v else "No")
    return env


def render_report(model: dict[str, Any], fmt: str = "html") -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    name = "report.html" if fmt == "html" else "report.md"
    return _environment(fmt).get_template(name).render(**model)


def render_portfolio(model: dict[str, Any], fmt: str = "html") -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    name = "portfolio.html" if fmt == "html" else "portfolio.md"
    return _environment(fmt).get_template(name).render(**model)
