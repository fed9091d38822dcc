"""Facts and findings: the data that flows between the pipeline stages.

Detectors produce facts (``Usage``, ``SecretFact``, ``TransportFact``, ``AppEvidence``) that describe
what the code does in library terms; the policy turns facts into ``Finding`` objects; reporters
render ``ScanResult``. Nothing here knows about Treddy or about a particular library.

Every value that could hold a secret is kept as a ``Redacted`` string: the clear text never
leaves the detector that saw it.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

SCHEMA_VERSION = 1


class InputError(Exception):
    """A problem with what the user supplied (configuration, policy, baseline): exit code 2."""


Library = Literal[
    "requests-oauthlib",
    "oauthlib",
    "authlib",
    "msal",
    "requests",
    "httpx",
    "aiohttp",
    "urllib",
    "google-auth-oauthlib",
    "httpx-oauth",
]
Operation = Literal["token_request", "authorization_url", "refresh", "client_setup"]
Flow = Literal[
    "client_credentials",
    "authorization_code",
    "authorization_code_pkce",
    "implicit",
    "password",
    "device_code",
    "refresh_token",
    "jwt_bearer",
    "token_exchange",
    "other",
    "unknown",
]
ClientAuth = Literal["basic", "body", "query", "none", "private_key_jwt", "unknown"]
Source = Literal["literal", "env", "config", "parameter", "unknown", "absent"]
SecretRole = Literal[
    "client_secret", "access_token", "refresh_token", "basic_header", "credential_pair"
]

FLOWS: tuple[str, ...] = Flow.__args__  # type: ignore[attr-defined]
CLIENT_AUTHS: tuple[str, ...] = ClientAuth.__args__  # type: ignore[attr-defined]
SOURCES: tuple[str, ...] = Source.__args__  # type: ignore[attr-defined]

# Salt for fingerprints of secret values: a baseline or cache must not let anyone confirm a
# guessed secret with a plain hash lookup table.
_SECRET_SALT = b"treddy-advisor/v1/secret-fingerprint"


def redact(value: str) -> str:
    """A display form of a secret that never shows more than 4 characters of it."""
    n = len(value)
    if n == 0:
        return '""'
    if n < 12:
        return f"<redacted: {n} chars>"
    return f"{value[:2]}…<redacted: {n} chars>"


def secret_hash(value: str) -> str:
    return hashlib.blake2b(
        value.encode("utf-8", "surrogatepass"), key=_SECRET_SALT[:64], digest_size=12
    ).hexdigest()


@dataclass(frozen=True)
class Span:
    """A source range; lines are 1-based, columns 0-based (as libcst reports them)."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass
class Related:
    """Another place that explains a finding, e.g. the literal that a call uses."""

    path: str
    span: Span
    message: str


@dataclass
class Credential:
    """Where a credential (client id, secret, token) comes from, without its value.

    ``source`` is one of ``Source``; ``detail`` names the env var, config key or parameter;
    ``literal_span``/``literal_path`` point at the literal when the value is written in code.
    ``redacted`` and ``value_hash`` exist only for literals; ``placeholder`` marks obvious
    dummies such as ``"YOUR_CLIENT_SECRET"``.
    """

    source: str = "unknown"
    detail: str | None = None
    literal_path: str | None = None
    literal_span: Span | None = None
    redacted: str | None = None
    value_hash: str | None = None
    placeholder: bool = False
    empty: bool = False


@dataclass
class Usage:
    """One OAuth client interaction (or its setup) found in the code."""

    path: str
    span: Span
    library: str
    operation: str
    flow: str = "unknown"
    grant_type: str | None = None
    client_auth: str = "unknown"
    token_url: str | None = None
    authorization_url: str | None = None
    # None: the analysis could not tell; []: the request asks for no scope at all.
    scopes: list[str] | None = None
    client_id: Credential | None = None
    secret: Credential | None = None
    # True when the token can be refreshed by the library without an explicit call.
    auto_refresh: bool = False
    # Requests that would use the token (API calls through the same client), as URLs.
    api_urls: list[str] = field(default_factory=list)
    verify_disabled: bool = False
    # Groups usages of the same client object/integration within a file.
    client_key: str | None = None
    # Name of the enclosing function or class, used for messages and stable fingerprints.
    context: str | None = None
    evidence: list[str] = field(default_factory=list)
    # Machine-readable fix opportunities proposed by the detector (used by the autofixer).
    fix_hints: dict[str, Any] = field(default_factory=dict)

    @property
    def secret_source(self) -> str:
        return self.secret.source if self.secret else "absent"

    def to_json(self) -> dict[str, Any]:
        d = {
            "path": self.path,
            "line": self.span.line,
            "end_line": self.span.end_line,
            "column": self.span.column,
            "end_column": self.span.end_column,
            "library": self.library,
            "operation": self.operation,
            "flow": self.flow,
            "grant_type": self.grant_type,
            "client_auth": self.client_auth,
            "token_url": self.token_url,
            "authorization_url": self.authorization_url,
            "scopes": self.scopes,
            "secret_source": self.secret_source,
            "client_id_source": self.client_id.source if self.client_id else "absent",
            "auto_refresh": self.auto_refresh,
            "verify_disabled": self.verify_disabled,
            "api_urls": self.api_urls,
            "client_key": self.client_key,
            "context": self.context,
            "evidence": "; ".join(self.evidence),
        }
        if self.secret and self.secret.source == "literal":
            d["secret_redacted"] = self.secret.redacted
        return d


@dataclass
class SecretFact:
    """A credential written as a literal in code, found by its role (not its name)."""

    path: str
    span: Span
    role: str
    credential: Credential
    # What made it a secret: "client_secret= of OAuth2Session", "Authorization header", ...
    evidence: str
    context: str | None = None
    in_test_file: bool = False


@dataclass
class TransportFact:
    """Transport weakening: TLS verification off, or an insecure-transport override."""

    path: str
    span: Span
    kind: Literal["verify_disabled", "insecure_transport_override", "insecure_url"]
    evidence: str
    url: str | None = None
    context: str | None = None


@dataclass
class AppEvidence:
    """A hint about what kind of application this is (web server, CLI/daemon, distributed app)."""

    path: str
    line: int
    kind: Literal["web_server", "cli_daemon", "distributed_app"]
    evidence: str


@dataclass
class FileFacts:
    path: str
    usages: list[Usage] = field(default_factory=list)
    secrets: list[SecretFact] = field(default_factory=list)
    transport: list[TransportFact] = field(default_factory=list)
    app_evidence: list[AppEvidence] = field(default_factory=list)
    # Suppression comments found in the file: line -> set of codes ("*" = all).
    suppressions: dict[int, list[str]] = field(default_factory=dict)
    skipped: str | None = None  # why the file was not parsed (prefilter), if it was not
    # Other project files whose constants this file's facts were computed from: path -> digest.
    # A cached result is only valid while these are unchanged.
    depends_on: dict[str, str] = field(default_factory=dict)


@dataclass
class Edit:
    """A text replacement (1-based lines, 0-based columns) an editor can apply."""

    path: str
    span: Span
    replacement: str


@dataclass
class Finding:
    rule: str
    name: str
    category: str
    severity: str
    confidence: str
    path: str
    span: Span
    message: str
    fix_hint: str = ""
    fixable: bool = False
    fix_safety: str | None = None  # "safe" | "unsafe"
    related: list[Related] = field(default_factory=list)
    fingerprint: str = ""
    context: str | None = None
    edits: list[Edit] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "name": self.name,
            "category": self.category,
            "severity": self.severity,
            "confidence": self.confidence,
            "path": self.path,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "message": self.message,
            "fix": self.fix_hint,
            "fixable": self.fixable,
            "fix_safety": self.fix_safety,
            "related": [
                {
                    "path": r.path,
                    "line": r.span.line,
                    "column": r.span.column,
                    "end_line": r.span.end_line,
                    "end_column": r.span.end_column,
                    "message": r.message,
                }
                for r in self.related
            ],
            "edits": [
                {
                    "path": e.path,
                    "line": e.span.line,
                    "column": e.span.column,
                    "end_line": e.span.end_line,
                    "end_column": e.span.end_column,
                    "replacement": e.replacement,
                }
                for e in self.edits
            ],
            "fingerprint": self.fingerprint,
            "context": self.context,
        }


@dataclass
class RuleDoc:
    """A rule of the catalogue (rules/): identity, defaults and documentation."""

    code: str  # "TRD201"
    name: str  # "client-secret-in-body"
    category: str  # "flow", "client_auth", "secret", "transport"
    severity: str  # "error", "warning", "info"
    message: str  # one line, may contain {placeholders} filled by the policy
    summary: str  # one sentence: what it flags
    why: str  # rationale in Treddy's terms (Markdown)
    example: str  # flagged code
    fix: str  # compliant version / how to fix (Markdown + code)
    fix_safety: str | None = None  # "safe", "unsafe" or None when no autofix exists

    @property
    def docs_markdown(self) -> str:
        return (
            f"# {self.code} {self.name}\n\n{self.summary}\n\n## Why\n\n{self.why}\n\n"
            f"## Example\n\n```python\n{self.example.strip()}\n```\n\n## Fix\n\n{self.fix}\n"
        )


@dataclass
class FileError:
    path: str
    reason: str
    kind: str = "error"  # "syntax", "decode", "io", "limit", "internal"
    # Where the problem is, when it has a place (syntax and decoding errors): 1-based line,
    # 0-based column, as for findings.
    line: int | None = None
    column: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ScanResult:
    files_scanned: int = 0
    files_parsed: int = 0
    usages: list[Usage] = field(default_factory=list)
    secrets: list[SecretFact] = field(default_factory=list)
    transport: list[TransportFact] = field(default_factory=list)
    app_evidence: list[AppEvidence] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    suppressed: int = 0
    baselined: int = 0
