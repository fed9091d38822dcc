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
import posixpath
import string
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from advisor.model import (
    CLIENT_AUTHS,
    FLOWS,
    AppEvidence,
    Credential,
    Finding,
    InputError,
    Related,
    RuleDoc,
    ScanResult,
    Span,
    TransportFact,
    Usage,
)
from advisor.policy.urls import (
    display_url,
    domain_after_placeholder,
    host_of,
    is_loopback,
    is_plain_http,
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


class PolicyError(InputError):
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
        host = host_of(url)
        if host is None:
            return self._partial_host_matches(domain_after_placeholder(url))
        assert url is not None
        if any(fnmatchcase(host, p) for p in self.hosts):
            return True
        low = url.strip().lower()
        if any(fnmatchcase(low, p) for p in self.url_patterns):
            return True
        if any(fnmatchcase(host, p) for p in self.neutral_hosts) or is_loopback(host):
            return None
        return False

    def _partial_host_matches(self, domain: str | None) -> bool | None:
        """``provider_matches`` for a host whose leftmost labels are unresolved
        (``{tenant}.salesforce.com``): the domain it ends in can still tell."""
        if domain is None or self.url_patterns:
            return None  # a gateway pattern is about the whole URL: it cannot be ruled out
        some_host = f"unresolved.{domain}"
        if any(fnmatchcase(some_host, p) for p in self.hosts):
            return True
        if any(fnmatchcase(some_host, p) for p in self.neutral_hosts):
            return None
        if any(p == domain or p.endswith("." + domain) for p in self.hosts):
            return None  # api.{region}.treddy.com-like: a provider host may be behind it
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


# --------------------------------------------------------------------------- loading


def _shipped_bytes(name: str) -> bytes:
    """A file of the shipped ``advisor.rules`` package.

    Read straight from disk where it lies in the ``advisor`` package (an installed wheel) or in the
    source checkout's ``rules/``; ``importlib.resources`` (zip imports, editable finders) only
    otherwise, because importing it costs a tenth of a pre-commit run's budget.
    """
    here = Path(__file__).resolve().parent.parent  # the advisor package
    for candidate in (here / "rules" / name, here.parent / "rules" / name):
        try:
            return candidate.read_bytes()
        except OSError:
            continue
    from importlib import resources

    return resources.files(_RULES_PACKAGE).joinpath(name).read_bytes()


def load_policy(path: str | Path | None = None) -> Policy:
    """Load and validate a policy file; None loads the shipped ``rules/treddy.toml``."""
    if path is None:
        data = _shipped_bytes("treddy.toml")
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
    v.keys(
        doc,
        "",
        required={"provider", "flows", "client_authentication"},
        optional={"schema", "decision_rules", "user_endpoints", "scopes"},
    )
    schema = doc.get("schema", POLICY_SCHEMA)
    if schema != POLICY_SCHEMA:
        raise PolicyError(
            f"{source}: schema = {schema!r} is not supported (expected {POLICY_SCHEMA})"
        )

    prov = v.table(doc, "provider")
    v.keys(prov, "provider", required={"name", "hosts"}, optional={"url_patterns", "neutral_hosts"})
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
        v.keys(
            row,
            where,
            required={"user_resources", "requires_secret", "refresh", "supported"},
            optional={"label", "discouraged"},
        )
        flows[flow] = FlowRow(
            flow=flow,
            label=v.string(
                row,
                "label",
                where,
                default=_GENERIC_FLOW_LABELS.get(flow, flow.replace("_", " ").capitalize()),
            ),
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
        raise PolicyError(
            f"{source}: client_authentication.required = {required!r} (expected one of {choices})"
        )

    rules_doc = doc.get("decision_rules", [])
    if not isinstance(rules_doc, list):
        raise PolicyError(
            f"{source}: decision_rules must be an array of tables ([[decision_rules]])"
        )
    decisions: list[DecisionRule] = []
    for i, rule in enumerate(rules_doc):
        where = f"decision_rules[{i}]"
        if not isinstance(rule, dict):
            raise PolicyError(f"{source}: {where} must be a table")
        v.keys(
            rule,
            where,
            required={"app_kind", "flow", "recommendation"},
            optional={"label", "when", "use_instead"},
        )
        kind = v.string(rule, "app_kind", where)
        if kind not in APP_KINDS:
            raise PolicyError(
                f"{source}: {where}.app_kind = {kind!r} (expected one of {', '.join(APP_KINDS)})"
            )
        if any(d.app_kind == kind for d in decisions):
            raise PolicyError(f"{source}: {where}: app_kind {kind!r} appears twice")
        flow = v.flow_name(rule, "flow", where)
        use_instead = v.flow_name(rule, "use_instead", where, optional=True)
        decisions.append(
            DecisionRule(
                app_kind=kind,
                label=v.string(rule, "label", where, default=kind.replace("_", " ")),
                when=v.string(rule, "when", where, default=""),
                flow=flow,
                supported=bool(flows.get(flow) and flows[flow].supported),
                recommendation=v.string(rule, "recommendation", where),
                use_instead=use_instead,
            )
        )

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

    def keys(
        self, table: dict[str, Any], where: str, *, required: set[str], optional: set[str]
    ) -> None:
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

    def string(self, table: dict[str, Any], key: str, where: str, default: Any = _MISSING) -> str:
        value = self._get(table, key, where, default)
        if not isinstance(value, str) or (not value.strip() and default is _MISSING):
            raise self.fail(f"{where}.{key} must be a non-empty string, got {value!r}")
        return value.strip()

    def boolean(self, table: dict[str, Any], key: str, where: str, default: Any = _MISSING) -> bool:
        value = self._get(table, key, where, default)
        if not isinstance(value, bool):
            raise self.fail(f"{where}.{key} must be true or false, got {value!r}")
        return value

    def strings(
        self, table: dict[str, Any], key: str, where: str, default: Any = _MISSING
    ) -> list[str]:
        value = self._get(table, key, where, default)
        if not isinstance(value, list) or not all(isinstance(x, str) and x.strip() for x in value):
            raise self.fail(f"{where}.{key} must be a list of non-empty strings, got {value!r}")
        return [x.strip() for x in value]

    def flow_name(
        self, table: dict[str, Any], key: str, where: str, optional: bool = False
    ) -> str | None:
        if optional and key not in table:
            return None
        value = self.string(table, key, where)
        if value not in FLOWS or value in _NOT_A_GRANT:
            raise self.fail(f"{where}.{key} = {value!r} is not a known flow")
        return value


# --------------------------------------------------------------------------- the catalogue

_RULE_KEYS = {
    "code",
    "name",
    "category",
    "severity",
    "message",
    "hint",
    "summary",
    "why",
    "example",
    "fix",
}


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
                raise PolicyError(
                    f"{source}: {where}: {key} = {values[key]!r} "
                    f"(expected one of {', '.join(allowed)})"
                )
        safety = entry.get("fix_safety")
        if safety is not None and safety not in FIX_SAFETIES:
            raise PolicyError(
                f"{source}: {where}: fix_safety = {safety!r} "
                f"(expected one of {', '.join(FIX_SAFETIES)})"
            )
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
    return parse_catalogue(_shipped_bytes("catalogue.toml"), source="advisor.rules/catalogue.toml")


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


# --------------------------------------------------------------------------- evaluation

_FINGERPRINT_SALT = b"treddy-advisor/v1/finding"
_TOKEN_OPS = frozenset({"token_request", "refresh", "client_setup"})
# Grants whose token request carries no scope: it was asked for in the authorization request.
_SCOPE_FROM_AUTHORIZATION = frozenset({"authorization_code", "authorization_code_pkce"})
_ROLE_RULES = {
    "client_secret": "TRD301",
    "access_token": "TRD302",
    "refresh_token": "TRD302",
    "basic_header": "TRD303",
    "credential_pair": "TRD303",
}
_ROLE_LABELS = {
    "client_secret": "Client secret",
    "access_token": "Access token",
    "refresh_token": "Refresh token",
    "basic_header": "Basic auth header value",
    "credential_pair": "Client ID and secret pair",
}
_SECRET_SOURCE_LABELS = {
    "literal": "hard-coded",
    "env": "read from the environment",
    "config": "read from configuration",
    "parameter": "passed in as a parameter",
    "unknown": "of unknown origin",
}
_LOWER = {"high": "medium", "medium": "low", "low": "low"}


@dataclass
class _Draft:
    """A finding before deduplication and fingerprinting."""

    rule: str
    path: str
    span: Span
    confidence: str
    fields: dict[str, str]
    key: tuple[str, ...]  # stable facts for the fingerprint (no line numbers)
    context: str | None = None
    related: list[Related] = field(default_factory=list)
    group: tuple[str, str] | None = None
    from_setup: bool = False


def evaluate(result: ScanResult, policy: Policy, *, all_providers: bool = False) -> list[Finding]:
    """Turn the facts of a scan into findings, sorted by (path, line, column, rule).

    Flow and client-authentication rules apply to usages aimed at the policy's provider, and
    with one level less confidence to usages whose endpoint cannot be resolved; usages clearly
    aimed at another provider are left alone unless ``all_providers``. Secret and transport
    rules apply everywhere.
    """
    drafts = _Evaluation(result, policy, all_providers).run()
    return _finish(drafts, policy)


class _Evaluation:
    def __init__(self, result: ScanResult, policy: Policy, all_providers: bool) -> None:
        self.result = result
        self.policy = policy
        self.all_providers = all_providers
        self.drafts: list[_Draft] = []
        self.groups: dict[tuple[str, str], list[Usage]] = defaultdict(list)
        for i, usage in enumerate(result.usages):
            self.groups[self._group_key(usage, i)].append(usage)
        self._group_of = {id(u): self._group_key(u, i) for i, u in enumerate(result.usages)}

    @staticmethod
    def _group_key(usage: Usage, index: int) -> tuple[str, str]:
        # Usages without a client key stand alone.
        return (usage.path, usage.client_key if usage.client_key else f"#{index}")

    def run(self) -> list[_Draft]:
        for usage in self.result.usages:
            confidence = self._scope_confidence(usage)
            if confidence is not None:
                self._flow_rules(usage, confidence)
                self._client_auth_rules(usage, confidence)
        self._auto_refresh_rules()
        self._user_endpoint_rules()
        self._secret_rules()
        self._distributed_app_rules()
        self._insecure_url_rules()
        self._transport_rules()
        return self.drafts

    # ---- helpers

    def group_of(self, usage: Usage) -> tuple[str, str]:
        return self._group_of[id(usage)]

    def siblings(self, usage: Usage) -> list[Usage]:
        return self.groups[self.group_of(usage)]

    def origin_flows(self, usage: Usage) -> set[str]:
        """The grants of the client a usage belongs to (its own flow if it names one)."""
        flows = {u.flow for u in self.siblings(usage)} | {usage.flow}
        return flows - _NOT_A_GRANT

    def _scope_confidence(self, usage: Usage) -> str | None:
        """Confidence for provider-specific rules; None when the usage targets another provider."""
        verdict = self._provider_verdict([usage])
        if verdict is None:
            verdict = self._provider_verdict(self.siblings(usage))
        if verdict is True:
            return "high"
        if verdict is False:
            return "high" if self.all_providers else None
        return "medium"

    def _provider_verdict(self, usages: list[Usage]) -> bool | None:
        verdicts = [
            self.policy.provider_matches(url)
            for u in usages
            for url in (u.token_url, u.authorization_url)
            if url
        ]
        if any(v is True for v in verdicts):
            return True
        if verdicts and all(v is False for v in verdicts):
            return False
        return None

    def add(
        self,
        rule: str,
        path: str,
        span: Span,
        confidence: str,
        *,
        key: tuple[str, ...],
        fields: dict[str, str] | None = None,
        context: str | None = None,
        related: list[Related] | None = None,
        usage: Usage | None = None,
    ) -> None:
        self.drafts.append(
            _Draft(
                rule=rule,
                path=path,
                span=span,
                confidence=confidence,
                fields={"provider": self.policy.provider, **(fields or {})},
                key=key,
                context=context,
                related=related or [],
                group=self.group_of(usage) if usage is not None else None,
                from_setup=usage is not None and usage.operation == "client_setup",
            )
        )

    def add_for_usage(
        self,
        rule: str,
        usage: Usage,
        confidence: str,
        fields: dict[str, str] | None = None,
        extra_key: tuple[str, ...] = (),
        related: list[Related] | None = None,
    ) -> None:
        self.add(
            rule,
            usage.path,
            usage.span,
            confidence,
            key=(*_usage_key(usage), *extra_key),
            fields=fields,
            context=usage.context,
            related=related,
            usage=usage,
        )

    # ---- flow rules

    def _flow_rules(self, usage: Usage, confidence: str) -> None:
        policy, flow = self.policy, usage.flow
        row = policy.row(flow)
        if flow not in _NOT_A_GRANT:
            if row is not None and row.discouraged:
                self.add_for_usage("TRD102", usage, confidence)
            elif not policy.is_supported(flow):
                self.add_for_usage(
                    "TRD101",
                    usage,
                    confidence,
                    fields={
                        "flow_label": policy.flow_label(flow),
                        "alternative": _supported_phrase(policy),
                    },
                )
        if usage.operation == "refresh" or flow == "refresh_token":
            self._refresh_rule(usage, "Explicit token refresh", confidence)
        if usage.scopes == [] and self._asks_for_scope(usage):
            self.add_for_usage("TRD105", usage, confidence)

    @staticmethod
    def _asks_for_scope(usage: Usage) -> bool:
        if usage.flow == "refresh_token" or usage.operation == "refresh":
            return False
        return not (usage.operation == "token_request" and usage.flow in _SCOPE_FROM_AUTHORIZATION)

    def _refresh_verdict(self, usage: Usage, confidence: str) -> tuple[str, str] | None:
        """(origin label, confidence) when a refresh of this usage's token cannot be legitimate."""
        policy = self.policy
        listed = [f for f in sorted(self.origin_flows(usage)) if policy.row(f) is not None]
        if listed:
            if any(policy.can_refresh(f) for f in listed):
                return None
            return " / ".join(policy.flow_label(f) for f in listed), confidence
        if policy.any_supported_flow_refreshes:
            return None
        # Origin unseen, but nothing the provider supports issues refresh tokens.
        return policy.provider, _LOWER[confidence]

    def _refresh_rule(self, usage: Usage, kind: str, confidence: str) -> None:
        verdict = self._refresh_verdict(usage, confidence)
        if verdict is not None:
            origin, conf = verdict
            self.add_for_usage(
                "TRD103",
                usage,
                conf,
                extra_key=(kind,),
                fields={"refresh_kind": kind, "origin_label": origin},
            )

    def _auto_refresh_rules(self) -> None:
        # One finding per client, where auto refresh is first configured.
        for usages in self.groups.values():
            first = next(
                (
                    u
                    for u in usages
                    if u.auto_refresh and u.operation != "refresh" and u.flow != "refresh_token"
                ),
                None,
            )
            if first is None:
                continue
            confidence = self._scope_confidence(first)
            if confidence is None:
                continue
            verdict = self._refresh_verdict(first, confidence)
            if verdict is not None:
                origin, conf = verdict
                kind = "Automatic token refresh"
                self.add(
                    "TRD103",
                    first.path,
                    first.span,
                    conf,
                    key=(*_usage_key(first), kind),
                    fields={"refresh_kind": kind, "origin_label": origin},
                    context=first.context,
                )

    def _user_endpoint_rules(self) -> None:
        for usages in self.groups.values():
            head = usages[0]
            if "client_credentials" not in self.origin_flows(head):
                continue
            confidence = self._scope_confidence(head)
            if confidence is None:
                continue
            seen: set[str] = set()
            for usage in usages:
                for url in usage.api_urls:
                    if not isinstance(url, str) or url in seen:
                        continue
                    if not self.policy.is_user_endpoint(url):
                        continue
                    seen.add(url)
                    shown = display_url(url)
                    self.add(
                        "TRD104",
                        usage.path,
                        usage.span,
                        confidence,
                        key=(*_usage_key(usage), shown),
                        fields={"url": shown},
                        context=usage.context,
                    )

    # ---- client authentication rules

    def _client_auth_rules(self, usage: Usage, confidence: str) -> None:
        if usage.operation not in _TOKEN_OPS:
            return
        required, auth = self.policy.client_auth_required, usage.client_auth
        # a usage that names its own grant is judged by it (one client object may serve
        # several flows); a refresh or an unknown grant by its client's grants
        flows = {usage.flow} if usage.flow not in _NOT_A_GRANT else self.origin_flows(usage)
        if (
            usage.flow != "refresh_token"
            and flows
            and not any(self.policy.is_supported(f) for f in flows)
        ):
            # An unsupported grant is TRD101/TRD102 already; its fix (client credentials with
            # Basic auth) replaces the whole exchange, so its client auth is not a second finding.
            return
        related = _secret_related(usage)
        if auth == "body" and required != "body":
            self.add_for_usage("TRD201", usage, confidence, related=related)
        elif auth == "query" and required != "query":
            self.add_for_usage("TRD202", usage, confidence, related=related)
        elif auth == "none" and required != "none":
            # Only flows the policy supports: an unsupported flow is already TRD101/TRD102, and
            # its fix (switch to client credentials) brings Basic auth with it.
            needs = [
                f
                for f in sorted(self.origin_flows(usage))
                if self.policy.requires_secret(f) and self.policy.is_supported(f)
            ]
            if needs and usage.flow != "refresh_token":
                self.add_for_usage(
                    "TRD203",
                    usage,
                    confidence,
                    fields={"flow_label": self.policy.flow_label(needs[0])},
                )

    # ---- secret rules

    def _secret_rules(self) -> None:
        covered: set[tuple[str, Any]] = set()
        users: dict[tuple[str, Span], list[Usage]] = defaultdict(list)
        for usage in self.result.usages:
            cred = usage.secret
            if cred is not None and cred.literal_span is not None:
                users[(cred.literal_path or usage.path, cred.literal_span)].append(usage)
        for fact in self.result.secrets:
            covered.add((fact.path, fact.span))
            if fact.credential.literal_span is not None:
                covered.add(
                    (fact.credential.literal_path or fact.path, fact.credential.literal_span)
                )
            if fact.credential.value_hash:
                covered.add((fact.path, fact.credential.value_hash))
            rule = _ROLE_RULES.get(fact.role)
            if rule is None or _is_placeholder(fact.credential):
                continue
            confidence = "low" if fact.in_test_file or is_test_path(fact.path) else "high"
            self.add(
                rule,
                fact.path,
                fact.span,
                confidence,
                key=(fact.role, fact.credential.value_hash or ""),
                fields=_secret_fields(fact.role, fact.credential, fact.evidence),
                context=fact.context,
                related=[
                    Related(u.path, u.span, "the OAuth call that sends it")
                    for u in users.get(
                        (
                            fact.credential.literal_path or fact.path,
                            fact.credential.literal_span or fact.span,
                        ),
                        [],
                    )
                ],
            )
        # A literal secret a usage reports that no secret fact covers is still reported.
        for usage in self.result.usages:
            cred = usage.secret
            if cred is None or cred.source != "literal" or _is_placeholder(cred):
                continue
            path = cred.literal_path or usage.path
            span = cred.literal_span or usage.span
            if (path, span) in covered or (path, cred.value_hash) in covered:
                continue
            covered.add((path, span))
            if cred.value_hash:
                covered.add((path, cred.value_hash))
            related = (
                []
                if span == usage.span
                else [Related(usage.path, usage.span, "the OAuth call that sends it")]
            )
            self.add(
                "TRD301",
                path,
                span,
                "low" if is_test_path(path) else "high",
                key=("client_secret", cred.value_hash or ""),
                fields=_secret_fields(
                    "client_secret", cred, f"client secret of a {usage.library} call"
                ),
                context=usage.context,
                related=related,
            )

    def _distributed_app_rules(self) -> None:
        evidence = self.result.app_evidence
        shipped = [e for e in evidence if e.kind == "distributed_app"]
        if not shipped:
            return

        def covers(e: AppEvidence, path: str) -> bool:
            # Evidence speaks for its own directory tree: a tkinter app in one folder says
            # nothing about a daemon in a sibling folder scanned in the same run.
            base = posixpath.dirname(e.path)
            return not base or path == e.path or path.startswith(base + "/")

        def confidence_for(path: str) -> tuple[str, AppEvidence] | None:
            here = [e for e in shipped if covers(e, path)]
            if not here:
                return None
            near = next((e for e in here if e.path == path), None)
            if is_test_path(path):
                return "low", near or here[0]
            if near is not None:
                return "high", near
            mixed = any(e.kind != "distributed_app" and covers(e, path) for e in evidence)
            return ("low" if mixed else "medium"), here[0]

        used_literals: set[tuple[str, Any]] = set()
        for usages in self.groups.values():
            usage = next(
                (
                    u
                    for u in usages
                    if u.secret is not None
                    and u.secret.source != "absent"
                    and not _is_placeholder(u.secret)
                ),
                None,
            )
            if usage is None:
                continue
            assert usage.secret is not None
            for u in usages:
                if u.secret is not None and u.secret.literal_span is not None:
                    used_literals.add((u.secret.literal_path or u.path, u.secret.literal_span))
            verdict = confidence_for(usage.path)
            if verdict is None:
                continue
            conf, app = verdict
            self.add(
                "TRD304",
                usage.path,
                usage.span,
                conf,
                key=(*_usage_key(usage), usage.secret.source),
                fields=_app_fields(usage.secret.source, app),
                context=usage.context,
                related=[*_secret_related(usage), _app_related(app)],
            )
        for fact in self.result.secrets:
            if fact.role != "client_secret" or _is_placeholder(fact.credential):
                continue
            spot = (
                fact.credential.literal_path or fact.path,
                fact.credential.literal_span or fact.span,
            )
            if spot in used_literals or (fact.path, fact.span) in used_literals:
                continue
            verdict = confidence_for(fact.path)
            if verdict is None:
                continue
            conf, app = verdict
            if fact.in_test_file:
                conf = "low"
            self.add(
                "TRD304",
                fact.path,
                fact.span,
                conf,
                key=("client_secret", fact.credential.value_hash or ""),
                fields=_app_fields("literal", app),
                context=fact.context,
                related=[_app_related(app)],
            )

    # ---- transport rules

    def _insecure_url_rules(self) -> None:
        # One finding per (file, URL): at the literal when a detector located it, else at the
        # first call that uses it; the other calls become related locations.
        sites: dict[tuple[str, str], list[tuple[Span, str, str | None, str]]] = defaultdict(list)
        for fact in self.result.transport:
            if fact.kind == "insecure_url" and fact.url and is_plain_http(fact.url):
                sites[(fact.path, fact.url)].append((fact.span, "", fact.context, "fact"))
        for usage in self.result.usages:
            for url, kind in (
                (usage.token_url, "Token"),
                (usage.authorization_url, "Authorization"),
            ):
                if url and is_plain_http(url):
                    sites[(usage.path, url)].append((usage.span, kind, usage.context, "usage"))
        for (path, url), found in sites.items():
            found.sort(key=lambda s: (s[3] != "fact", s[0].line, s[0].column))
            anchor = found[0]
            kinds = sorted({k for _, k, _, _ in found if k})
            endpoint_kind = " / ".join(kinds) if kinds else "OAuth"
            related = [
                Related(path, span, "the OAuth call that uses it")
                for span, _, _, origin in found[1:]
                if origin == "usage"
            ]
            shown = display_url(url)
            self.add(
                "TRD401",
                path,
                anchor[0],
                "low" if is_test_path(path) else "high",
                key=(shown,),
                fields={"endpoint_kind": endpoint_kind, "url": shown},
                context=anchor[2],
                related=related,
            )

    def _transport_rules(self) -> None:
        verify_spots: dict[str, list[Span]] = defaultdict(list)
        for fact in self.result.transport:
            if fact.kind == "insecure_url":
                continue
            rule = "TRD402" if fact.kind == "verify_disabled" else "TRD403"
            if fact.kind == "verify_disabled":
                verify_spots[fact.path].append(fact.span)
            self.add(
                rule,
                fact.path,
                fact.span,
                self._transport_confidence(fact),
                key=(fact.kind, fact.evidence),
                fields={"evidence": fact.evidence},
                context=fact.context,
            )
        for usage in self.result.usages:
            if not usage.verify_disabled:
                continue
            if any(_within(s, usage.span) for s in verify_spots[usage.path]):
                continue
            evidence = (
                f"TLS verification disabled on a {usage.library} "
                f"{usage.operation.replace('_', ' ')}"
            )
            self.add(
                "TRD402",
                usage.path,
                usage.span,
                "low" if is_test_path(usage.path) else "high",
                key=("verify_disabled", *_usage_key(usage)),
                fields={"evidence": evidence},
                context=usage.context,
            )

    @staticmethod
    def _transport_confidence(fact: TransportFact) -> str:
        return "low" if is_test_path(fact.path) else "high"


def _supported_phrase(policy: Policy) -> str:
    flows = [policy.flow_label(f).lower() for f in policy.supported_flows]
    if not flows:
        return "it supports none of the flows in its table"
    return "use " + " or ".join(flows) + " instead"


def _usage_key(usage: Usage) -> tuple[str, ...]:
    return (
        usage.library,
        usage.operation,
        usage.flow,
        usage.client_auth,
        display_url(usage.token_url or ""),
        display_url(usage.authorization_url or ""),
    )


def _is_placeholder(cred: Credential) -> bool:
    return cred.placeholder or cred.empty


def _secret_related(usage: Usage) -> list[Related]:
    cred = usage.secret
    if cred is None or cred.source != "literal" or cred.literal_span is None:
        return []
    return [
        Related(
            cred.literal_path or usage.path,
            cred.literal_span,
            f"the client secret {cred.redacted or '(redacted)'} this call sends",
        )
    ]


def _secret_fields(role: str, cred: Credential, evidence: str) -> dict[str, str]:
    return {
        "redacted": cred.redacted or "(redacted)",
        "role_label": _ROLE_LABELS.get(role, "Credential"),
        "evidence": evidence,
    }


def _app_fields(source: str, app: AppEvidence) -> dict[str, str]:
    return {
        "secret_source": _SECRET_SOURCE_LABELS.get(source, source),
        "app_label": "desktop, mobile or browser app",
        "app_evidence": app.evidence,
    }


def _app_related(app: AppEvidence) -> Related:
    return Related(
        app.path, Span(app.line, 0, app.line, 0), f"evidence of a distributed app: {app.evidence}"
    )


def _within(inner: Span, outer: Span) -> bool:
    """Whether inner starts inside outer (a keyword argument inside a call)."""
    start = (inner.line, inner.column)
    return (outer.line, outer.column) <= start <= (outer.end_line, outer.end_column)


def is_test_path(path: str) -> bool:
    parts = path.replace("\\", "/").lower().split("/")
    name = parts[-1]
    return (
        any(p in ("test", "tests", "testing") for p in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def _finish(drafts: list[_Draft], policy: Policy) -> list[Finding]:
    if not drafts:
        return []  # without parsing the catalogue: most pre-commit runs end here
    catalogue = _shipped_catalogue()
    docs = catalogue.by_code()
    # A client's setup call is reported only when none of its other calls shows the same issue.
    covered = {(d.rule, d.group) for d in drafts if d.group is not None and not d.from_setup}
    kept = [d for d in drafts if not (d.from_setup and (d.rule, d.group) in covered)]
    kept.sort(key=lambda d: (d.path, d.span.line, d.span.column, d.rule))
    occurrences: dict[tuple[Any, ...], int] = defaultdict(int)
    findings = []
    for d in kept:
        doc = docs[d.rule]
        ident = (d.rule, d.path.replace("\\", "/"), d.context or "", *d.key)
        index = occurrences[ident]
        occurrences[ident] += 1
        findings.append(
            Finding(
                rule=d.rule,
                name=doc.name,
                category=doc.category,
                severity=doc.severity,
                confidence=d.confidence,
                path=d.path,
                span=d.span,
                message=_render(doc, d.fields),
                fix_hint=catalogue.hints[d.rule],
                fixable=doc.fix_safety is not None,
                fix_safety=doc.fix_safety,
                related=d.related,
                fingerprint=_fingerprint(ident, index),
                context=d.context,
            )
        )
    return findings


def _render(doc: RuleDoc, fields: dict[str, str]) -> str:
    try:
        return doc.message.format_map(fields)
    except (KeyError, IndexError, ValueError):
        return doc.summary


def _fingerprint(ident: tuple[Any, ...], index: int) -> str:
    text = "\x1f".join(str(p) for p in (*ident, index))
    return hashlib.blake2b(
        text.encode("utf-8", "surrogatepass"), key=_FINGERPRINT_SALT, digest_size=16
    ).hexdigest()
