"""The provider's policy as data, and the findings it produces.

``rules/treddy.toml`` (shipped as ``advisor.rules``) holds Treddy's flow table, its client
authentication requirement, the decision rules per kind of application and the endpoint
patterns; ``rules/catalogue.toml`` holds every rule's identity and documentation. This module
loads and validates both, and :func:`evaluate` turns detector facts into findings. It knows
Treddy only through the policy file and no library at all: a change to Treddy's table is a
change to the TOML file, not to this code.
"""

from __future__ import annotations

import hashlib
import ipaddress
import string
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import lru_cache
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from advisor.model import (
    CLIENT_AUTHS,
    FLOWS,
    AppEvidence,
    Credential,
    Finding,
    Related,
    RuleDoc,
    ScanResult,
    SecretFact,
    Span,
    TransportFact,
    Usage,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

POLICY_SCHEMA = 1
APP_KINDS = ("web_server", "cli_daemon", "distributed_app")
SEVERITIES = ("error", "warning", "info")
CATEGORIES = ("flow", "client_auth", "secret", "transport")
FIX_SAFETIES = ("safe", "unsafe")
CONFIDENCES = ("high", "medium", "low")

# Flows that name a mechanism rather than a grant the provider's table could list.
_NOT_A_GRANT = frozenset({"unknown", "refresh_token"})
_RULES_PACKAGE = "advisor.rules"


class PolicyError(Exception):
    """A policy or catalogue file that cannot be used; the message says what and where."""


# --------------------------------------------------------------------------- the policy


@dataclass(frozen=True)
class FlowRow:
    """One row of the provider's flow table."""

    flow: str
    label: str
    user_resources: bool
    requires_secret: bool
    refresh: bool
    supported: bool
    discouraged: bool = False


@dataclass(frozen=True)
class DecisionRule:
    """What the generic guidance picks for a kind of application, and what the policy means."""

    app_kind: str
    label: str
    when: str
    flow: str
    supported: bool
    recommendation: str
    use_instead: str | None = None


@dataclass(frozen=True)
class Policy:
    provider: str
    flows: dict[str, FlowRow]
    client_auth_required: str
    decision_rules: tuple[DecisionRule, ...]
    hosts: tuple[str, ...]
    url_patterns: tuple[str, ...]
    neutral_hosts: tuple[str, ...]
    user_endpoint_patterns: tuple[str, ...]
    known_scopes: tuple[str, ...]
    digest: str
    source: str

    def row(self, flow: str) -> FlowRow | None:
        return self.flows.get(flow)

    def is_supported(self, flow: str) -> bool:
        """Flows the table does not list are unsupported."""
        row = self.flows.get(flow)
        return bool(row and row.supported)

    def can_refresh(self, flow: str) -> bool | None:
        """The table's refresh column; None when the flow is not in the table."""
        row = self.flows.get(flow)
        return row.refresh if row else None

    def requires_secret(self, flow: str) -> bool | None:
        row = self.flows.get(flow)
        return row.requires_secret if row else None

    def flow_label(self, flow: str) -> str:
        row = self.flows.get(flow)
        if row:
            return row.label
        return _GENERIC_FLOW_LABELS.get(flow, flow.replace("_", " ").capitalize())

    @property
    def supported_flows(self) -> list[str]:
        return [name for name, row in self.flows.items() if row.supported]

    @property
    def any_supported_flow_refreshes(self) -> bool:
        return any(row.refresh for row in self.flows.values() if row.supported)

    def decision_rule(self, app_kind: str) -> DecisionRule | None:
        return next((r for r in self.decision_rules if r.app_kind == app_kind), None)

    def provider_matches(self, url: str | None) -> bool | None:
        """True: the URL is the provider's; False: clearly another host; None: cannot tell."""
        host = _host_of(url)
        if host is None:
            return None
        assert url is not None
        if any(fnmatchcase(host, p) for p in self.hosts):
            return True
        low = url.strip().lower()
        if any(fnmatchcase(low, p) for p in self.url_patterns):
            return True
        if any(fnmatchcase(host, p) for p in self.neutral_hosts) or _is_loopback(host):
            return None
        return False

    def is_user_endpoint(self, url: str | None) -> bool:
        path = _path_of(url)
        if not path:
            return False
        return any(fnmatchcase(path, p) for p in self.user_endpoint_patterns)


_GENERIC_FLOW_LABELS = {
    "password": "Resource owner password grant",
    "device_code": "Device code grant",
    "jwt_bearer": "JWT bearer grant",
    "token_exchange": "Token exchange grant",
    "refresh_token": "Refresh token grant",
    "other": "A non-standard grant",
    "unknown": "An unidentified grant",
}


def _host_of(url: str | None) -> str | None:
    """The host of an absolute URL, or None when the URL is missing, relative or unresolved."""
    if not url or not isinstance(url, str):
        return None
    text = url.strip()
    if "://" not in text:
        return None
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    # Detectors keep unresolved parts of f-strings and format strings as placeholders.
    if not host or any(c in host for c in "{}<>$%"):
        return None
    return host.lower().rstrip(".")


def _path_of(url: str | None) -> str | None:
    if not url or not isinstance(url, str):
        return None
    text = url.strip()
    try:
        path = urlsplit(text).path if "://" in text else text.split("?", 1)[0].split("#", 1)[0]
    except ValueError:
        return None
    path = path.lower().rstrip("/")
    if path and not path.startswith("/"):
        path = "/" + path
    return path or None


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# --------------------------------------------------------------------------- loading


def load_policy(path: str | Path | None = None) -> Policy:
    """Load and validate a policy file; None loads the shipped ``rules/treddy.toml``."""
    if path is None:
        resource = resources.files(_RULES_PACKAGE).joinpath("treddy.toml")
        data = resource.read_bytes()
        source = "advisor.rules/treddy.toml"
    else:
        source = str(path)
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise PolicyError(f"{source}: cannot read policy file: {exc.strerror or exc}") from exc
    return parse_policy(data, source=source)


def parse_policy(data: bytes | str, *, source: str = "<policy>") -> Policy:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise PolicyError(f"{source}: not UTF-8 text ({exc.reason})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{source}: invalid TOML: {exc}") from exc
    v = _Validator(source)
    v.keys(doc, "", required={"provider", "flows", "client_authentication"},
           optional={"schema", "decision_rules", "user_endpoints", "scopes"})
    schema = doc.get("schema", POLICY_SCHEMA)
    if schema != POLICY_SCHEMA:
        raise PolicyError(f"{source}: schema = {schema!r} is not supported (expected {POLICY_SCHEMA})")

    prov = v.table(doc, "provider")
    v.keys(prov, "provider", required={"name", "hosts"},
           optional={"url_patterns", "neutral_hosts"})
    name = v.string(prov, "name", "provider")
    hosts = v.strings(prov, "hosts", "provider")
    url_patterns = v.strings(prov, "url_patterns", "provider", default=[])
    neutral = v.strings(prov, "neutral_hosts", "provider", default=[])

    flows_doc = v.table(doc, "flows")
    flows: dict[str, FlowRow] = {}
    for flow, row in flows_doc.items():
        where = f"flows.{flow}"
        if flow not in FLOWS or flow in _NOT_A_GRANT:
            known = ", ".join(f for f in FLOWS if f not in _NOT_A_GRANT)
            raise PolicyError(f"{source}: [{where}]: unknown flow {flow!r} (known: {known})")
        if not isinstance(row, dict):
            raise PolicyError(f"{source}: {where} must be a table")
        v.keys(row, where, required={"user_resources", "requires_secret", "refresh", "supported"},
               optional={"label", "discouraged"})
        flows[flow] = FlowRow(
            flow=flow,
            label=v.string(row, "label", where, default=_GENERIC_FLOW_LABELS.get(
                flow, flow.replace("_", " ").capitalize())),
            user_resources=v.boolean(row, "user_resources", where),
            requires_secret=v.boolean(row, "requires_secret", where),
            refresh=v.boolean(row, "refresh", where),
            supported=v.boolean(row, "supported", where),
            discouraged=v.boolean(row, "discouraged", where, default=False),
        )

    auth = v.table(doc, "client_authentication")
    v.keys(auth, "client_authentication", required={"required"}, optional=set())
    required = v.string(auth, "required", "client_authentication")
    if required not in CLIENT_AUTHS or required == "unknown":
        choices = ", ".join(a for a in CLIENT_AUTHS if a != "unknown")
        raise PolicyError(f"{source}: client_authentication.required = {required!r} "
                          f"(expected one of {choices})")

    rules_doc = doc.get("decision_rules", [])
    if not isinstance(rules_doc, list):
        raise PolicyError(f"{source}: decision_rules must be an array of tables ([[decision_rules]])")
    decisions: list[DecisionRule] = []
    for i, rule in enumerate(rules_doc):
        where = f"decision_rules[{i}]"
        if not isinstance(rule, dict):
            raise PolicyError(f"{source}: {where} must be a table")
        v.keys(rule, where, required={"app_kind", "flow", "recommendation"},
               optional={"label", "when", "use_instead"})
        kind = v.string(rule, "app_kind", where)
        if kind not in APP_KINDS:
            raise PolicyError(f"{source}: {where}.app_kind = {kind!r} "
                              f"(expected one of {', '.join(APP_KINDS)})")
        if any(d.app_kind == kind for d in decisions):
            raise PolicyError(f"{source}: {where}: app_kind {kind!r} appears twice")
        flow = v.flow_name(rule, "flow", where)
        use_instead = v.flow_name(rule, "use_instead", where, optional=True)
        decisions.append(DecisionRule(
            app_kind=kind,
            label=v.string(rule, "label", where, default=kind.replace("_", " ")),
            when=v.string(rule, "when", where, default=""),
            flow=flow,
            supported=bool(flows.get(flow) and flows[flow].supported),
            recommendation=v.string(rule, "recommendation", where),
            use_instead=use_instead,
        ))

    user = doc.get("user_endpoints", {})
    if not isinstance(user, dict):
        raise PolicyError(f"{source}: user_endpoints must be a table")
    v.keys(user, "user_endpoints", required=set(), optional={"patterns"})
    scopes = doc.get("scopes", {})
    if not isinstance(scopes, dict):
        raise PolicyError(f"{source}: scopes must be a table")
    v.keys(scopes, "scopes", required=set(), optional={"known"})

    return Policy(
        provider=name,
        flows=flows,
        client_auth_required=required,
        decision_rules=tuple(decisions),
        hosts=tuple(h.lower() for h in hosts),
        url_patterns=tuple(p.lower() for p in url_patterns),
        neutral_hosts=tuple(h.lower() for h in neutral),
        user_endpoint_patterns=tuple(
            _normalise_path_pattern(p)
            for p in v.strings(user, "patterns", "user_endpoints", default=[])
        ),
        known_scopes=tuple(v.strings(scopes, "known", "scopes", default=[])),
        digest=hashlib.sha256(raw).hexdigest(),
        source=source,
    )


def _normalise_path_pattern(pattern: str) -> str:
    p = pattern.strip().lower().rstrip("/")
    return p if p.startswith(("/", "*")) else "/" + p


_MISSING: Any = object()


class _Validator:
    """Type and key checks with messages that name the file and the offending key."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, msg: str) -> PolicyError:
        return PolicyError(f"{self.source}: {msg}")

    def keys(self, table: dict[str, Any], where: str, *, required: set[str],
             optional: set[str]) -> None:
        prefix = f"[{where}] " if where else ""
        unknown = sorted(set(table) - required - optional)
        if unknown:
            allowed = ", ".join(sorted(required | optional))
            raise self.fail(f"{prefix}unknown key(s) {', '.join(unknown)} (allowed: {allowed})")
        missing = sorted(required - set(table))
        if missing:
            raise self.fail(f"{prefix}missing key(s) {', '.join(missing)}")

    def table(self, doc: dict[str, Any], key: str) -> dict[str, Any]:
        value = doc[key]
        if not isinstance(value, dict):
            raise self.fail(f"{key} must be a table ([{key}])")
        return value

    def _get(self, table: dict[str, Any], key: str, where: str, default: Any) -> Any:
        if key in table:
            return table[key]
        if default is _MISSING:
            raise self.fail(f"[{where}] missing key {key}")
        return default

    def string(self, table: dict[str, Any], key: str, where: str,
               default: Any = _MISSING) -> str:
        value = self._get(table, key, where, default)
        if not isinstance(value, str) or (not value.strip() and default is _MISSING):
            raise self.fail(f"{where}.{key} must be a non-empty string, got {value!r}")
        return value.strip()

    def boolean(self, table: dict[str, Any], key: str, where: str,
                default: Any = _MISSING) -> bool:
        value = self._get(table, key, where, default)
        if not isinstance(value, bool):
            raise self.fail(f"{where}.{key} must be true or false, got {value!r}")
        return value

    def strings(self, table: dict[str, Any], key: str, where: str,
                default: Any = _MISSING) -> list[str]:
        value = self._get(table, key, where, default)
        if not isinstance(value, list) or not all(isinstance(x, str) and x.strip() for x in value):
            raise self.fail(f"{where}.{key} must be a list of non-empty strings, got {value!r}")
        return [x.strip() for x in value]

    def flow_name(self, table: dict[str, Any], key: str, where: str,
                  optional: bool = False) -> str | None:
        if optional and key not in table:
            return None
        value = self.string(table, key, where)
        if value not in FLOWS or value in _NOT_A_GRANT:
            raise self.fail(f"{where}.{key} = {value!r} is not a known flow")
        return value


# --------------------------------------------------------------------------- the catalogue

_RULE_KEYS = {"code", "name", "category", "severity", "message", "hint", "summary", "why",
              "example", "fix"}


@dataclass(frozen=True)
class _Catalogue:
    docs: tuple[RuleDoc, ...]
    hints: dict[str, str]

    def by_code(self) -> dict[str, RuleDoc]:
        return {d.code: d for d in self.docs}


def parse_catalogue(data: bytes | str, *, source: str = "<catalogue>") -> _Catalogue:
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{source}: invalid TOML: {exc}") from exc
    v = _Validator(source)
    v.keys(doc, "", required={"rule"}, optional=set())
    entries = doc["rule"]
    if not isinstance(entries, list):
        raise PolicyError(f"{source}: rules must be given as [[rule]] tables")
    docs: list[RuleDoc] = []
    hints: dict[str, str] = {}
    for i, entry in enumerate(entries):
        where = f"rule[{i}]"
        if not isinstance(entry, dict):
            raise PolicyError(f"{source}: {where} must be a table")
        v.keys(entry, where, required=_RULE_KEYS, optional={"fix_safety"})
        values = {k: v.string(entry, k, where) for k in _RULE_KEYS}
        code, where = values["code"], f"rule {values['code']}"
        if code in hints:
            raise PolicyError(f"{source}: {where} appears twice")
        for key, allowed in (("category", CATEGORIES), ("severity", SEVERITIES)):
            if values[key] not in allowed:
                raise PolicyError(f"{source}: {where}: {key} = {values[key]!r} "
                                  f"(expected one of {', '.join(allowed)})")
        safety = entry.get("fix_safety")
        if safety is not None and safety not in FIX_SAFETIES:
            raise PolicyError(f"{source}: {where}: fix_safety = {safety!r} "
                              f"(expected one of {', '.join(FIX_SAFETIES)})")
        if "\n" in values["message"]:
            raise PolicyError(f"{source}: {where}: message must be one line")
        try:
            list(string.Formatter().parse(values["message"]))
        except ValueError as exc:
            raise PolicyError(f"{source}: {where}: bad message template: {exc}") from exc
        hints[code] = values.pop("hint")
        docs.append(RuleDoc(fix_safety=safety, **values))
    return _Catalogue(docs=tuple(docs), hints=hints)


@lru_cache(maxsize=1)
def _shipped_catalogue() -> _Catalogue:
    resource = resources.files(_RULES_PACKAGE).joinpath("catalogue.toml")
    return parse_catalogue(resource.read_bytes(), source="advisor.rules/catalogue.toml")


def load_catalogue() -> list[RuleDoc]:
    """Every rule of the shipped catalogue, in code order."""
    return sorted(_shipped_catalogue().docs, key=lambda d: d.code)


def rule_doc(code: str) -> RuleDoc | None:
    """A rule by code (``TRD201``, any case) or by name (``client-secret-in-body``)."""
    key = code.strip()
    for doc in _shipped_catalogue().docs:
        if doc.code.lower() == key.lower() or doc.name == key.lower():
            return doc
    return None


def message_fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
