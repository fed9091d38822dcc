"""Shared vocabulary of the detectors: grants, argument binding, client-auth evidence."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

from advisor.analysis.context import ModuleContext
from advisor.analysis.values import (
    CallV,
    Const,
    DictV,
    SeqV,
    Text,
    Unknown,
    V,
    basic_parts,
    form_fields,
    known_str,
)
from advisor.model import Credential, TransportFact, Usage, redact

GRANT_FLOWS = {
    "client_credentials": "client_credentials",
    "authorization_code": "authorization_code",
    "password": "password",
    "refresh_token": "refresh_token",
    "urn:ietf:params:oauth:grant-type:device_code": "device_code",
    "device_code": "device_code",
    "urn:ietf:params:oauth:grant-type:jwt-bearer": "jwt_bearer",
    "urn:ietf:params:oauth:grant-type:token-exchange": "token_exchange",
    # sent as a grant_type by Google Distributed Cloud clients (a token-type URN)
    "urn:ietf:params:oauth:token-type:token-exchange": "token_exchange",
    "urn:ietf:params:oauth:grant-type:saml2-bearer": "other",
    "implicit": "implicit",
}

BASIC_AUTH_CLASSES = {
    "requests.auth.HTTPBasicAuth",
    "requests.HTTPBasicAuth",
    "httpx.BasicAuth",
    "httpx._auth.BasicAuth",
    "aiohttp.BasicAuth",
    "aiohttp.helpers.BasicAuth",
}


def flow_for_grant(grant: str | None) -> str:
    if grant is None:
        return "unknown"
    return GRANT_FLOWS.get(grant, "other")


def bind(v: CallV, params: list[str]) -> dict[str, V]:
    """Map a call's positional and keyword arguments to parameter names."""
    out: dict[str, V] = {}
    for name, val in zip(params, v.pos, strict=False):
        out[name] = val
    for k, val in v.kw.items():
        if not k.startswith("@"):
            out[k] = val
    return out


def usage(
    ctx: ModuleContext, node: cst.CSTNode, library: str, operation: str, **fields: object
) -> Usage:
    u = Usage(
        path=ctx.path,
        span=ctx.span(node),
        library=library,
        operation=operation,
        context=ctx.context_name(node),
    )
    for k, val in fields.items():
        setattr(u, k, val)
    ctx.facts.usages.append(u)
    return u


def client_key(ctx: ModuleContext, v: V | None) -> str | None:
    """A stable key for the object a method is called on (its constructor call)."""
    if isinstance(v, CallV) and v.call is not None:
        sp = ctx.locate(v.call)
        if sp:
            return f"{sp[0]}:{sp[1].line}:{sp[1].column}"
    if isinstance(v, CallV) and v.local_class:
        return f"{ctx.path}:class {v.local_class}"
    return None


def url_text(v: V | None) -> str | None:
    """A URL for the inventory: the full string when known, else its known shape.

    Credentials in the URL (userinfo, ``client_secret=`` and token parameters) are redacted:
    the inventory is printed, cached and reported, and must never carry a secret.
    """
    if isinstance(v, Text):
        if v.known is not None:
            return safe_url(v.known)
        shown = v.display()
        if any(isinstance(p, str) and p.strip() for p in v.parts):
            return safe_url(shown)
    return None


_SECRET_PARAMS = re.compile(
    r"([?&](?:client_secret|client_assertion|access_token|refresh_token|id_token|password|"
    r"code_verifier|api_key|apikey|key|token)=)([^&#]*)",
    re.IGNORECASE,
)
# What a literal header must carry to hold a credential: "Basic " + base64("id:secret"), "Bearer "
# + a token. "Basic %s" % auth, with auth known only as None on one branch, holds none.
_BASE64_TOKEN = re.compile(r"[A-Za-z0-9+/]{8,}={0,2}")
_TOKEN_SHAPED = re.compile(r"[A-Za-z0-9+/=._~-]{8,}")
_USERINFO = re.compile(r"^([a-z][a-z0-9+.-]*://)([^/@:]*):([^/@]*)@", re.IGNORECASE)


def safe_url(url: str) -> str:
    url = _USERINFO.sub(lambda m: f"{m.group(1)}{m.group(2)}:{_mask(m.group(3))}@", url)
    return _SECRET_PARAMS.sub(lambda m: m.group(1) + _mask(m.group(2)), url)


def _mask(value: str) -> str:
    return value if value in ("", "{…}") else redact(value)


def scopes_of(v: V | None, absent_means_none: bool = True) -> list[str] | None:
    """Scopes from a string or a list value; None when unknown, [] when absent."""
    if v is None or (isinstance(v, Const) and v.value is None):
        return [] if absent_means_none else None
    s = known_str(v)
    if s is not None:
        return [p for p in s.replace(",", " ").split() if p]
    if isinstance(v, SeqV):
        out = []
        for item in v.items:
            t = known_str(item)
            if t is None:
                return None
            out.append(t)
        return out
    return None


@dataclass
class AuthEvidence:
    """How the client authenticates on one request, collected from every channel."""

    basic: bool = False
    basic_id: V | None = None
    basic_secret: V | None = None
    unknown_auth: bool = False
    body_secret: V | None = None
    query_secret: V | None = None
    body_client_id: V | None = None
    assertion: bool = False
    notes: list[str] = field(default_factory=list)

    def method(self, body_known: bool) -> str:
        if self.query_secret is not None:
            return "query"
        if self.body_secret is not None:
            return "body"
        if self.assertion:
            return "private_key_jwt"
        if self.basic:
            return "basic"
        if self.unknown_auth or not body_known:
            return "unknown"
        return "none"

    @property
    def secret(self) -> V | None:
        for v in (self.query_secret, self.body_secret, self.basic_secret):
            if v is not None:
                return v
        return None

    @property
    def client_id(self) -> V | None:
        return self.basic_id if self.basic_id is not None else self.body_client_id


def auth_from_value(
    ev: AuthEvidence, auth: V | None, ctx: ModuleContext, where: cst.CSTNode, source: str
) -> None:
    """Read an ``auth=`` argument (tuple, HTTPBasicAuth, auth object)."""
    if auth is None or (isinstance(auth, Const) and auth.value is None):
        return
    if isinstance(auth, SeqV) and len(auth.items) == 2:
        _basic(ev, auth.items[0], auth.items[1], ctx, where, f"{source} tuple")
        return
    if isinstance(auth, CallV) and auth.qualname in BASIC_AUTH_CLASSES:
        user = auth.pos[0] if auth.pos else auth.kw.get("username", auth.kw.get("login"))
        pw = auth.pos[1] if len(auth.pos) > 1 else auth.kw.get("password", Text(("",)))
        _basic(ev, user, pw, ctx, where, f"{source} {auth.qualname.rsplit('.', 1)[-1]}")
        return
    ev.unknown_auth = True
    ev.notes.append(f"{source} is an auth object the analysis cannot see into")


def _basic(
    ev: AuthEvidence, user: V | None, pw: V | None, ctx: ModuleContext, where: cst.CSTNode, how: str
) -> None:
    ev.basic = True
    ev.basic_id = user
    ev.basic_secret = pw
    ev.notes.append(f"Basic auth via {how}")
    if user is not None and pw is not None:
        both_literal = ctx.credential(user).source == "literal"
        role = "credential_pair" if both_literal else "client_secret"
        ctx.record_secret(pw, role, f"password of Basic credentials ({how})", where)


def auth_from_headers(
    ev: AuthEvidence, headers: V | None, ctx: ModuleContext, where: cst.CSTNode
) -> None:
    if not isinstance(headers, DictV):
        return
    for k, val in headers.items.items():
        if k.lower() != "authorization":
            continue
        text = known_str(val)
        if text is not None:
            scheme, _, credentials = text.strip().partition(" ")
            if scheme.lower() == "basic":
                ev.basic = True
                ev.notes.append("literal Basic Authorization header")
                if _BASE64_TOKEN.fullmatch(credentials.strip()):
                    ctx.record_secret(
                        val, "basic_header", "literal Basic Authorization header", where
                    )
            elif scheme.lower() == "bearer" and _TOKEN_SHAPED.fullmatch(credentials.strip()):
                ctx.record_secret(val, "access_token", "literal Bearer Authorization header", where)
            continue
        parts = basic_parts(val)
        if parts is not None:
            ev.basic = True
            ev.basic_id, ev.basic_secret = parts
            ev.notes.append("Basic Authorization header built in code")
            ctx.record_secret(parts[1], "client_secret", "secret in a Basic header", where)
        elif isinstance(val, Text) and val.prefix.strip().lower().startswith("basic"):
            ev.basic = True
            # the credentials are behind the holes: their source is the holes' source
            ev.basic_secret = val
            ev.notes.append("Basic Authorization header")
        elif isinstance(val, Text) and val.prefix.strip().lower().startswith("bearer"):
            pass
        else:
            ev.unknown_auth = True
            ev.notes.append("Authorization header with a value the analysis cannot see")


def auth_from_url(ev: AuthEvidence, url: V | None, ctx: ModuleContext, where: cst.CSTNode) -> None:
    if not isinstance(url, Text):
        return
    prefix = url.prefix
    shown = url.display()
    scheme_end = shown.find("://")
    if scheme_end < 0:
        return
    hostpart = shown[scheme_end + 3 :].split("/", 1)[0]
    if "@" in hostpart and ":" in hostpart.split("@", 1)[0]:
        ev.basic = True
        ev.notes.append("credentials in the URL userinfo")
        if url.known is not None:
            ctx.record_secret(url, "credential_pair", "credentials in the URL userinfo", where)
    del prefix


def fields_from_body(
    ev: AuthEvidence, fields: DictV, channel: str, ctx: ModuleContext, where: cst.CSTNode
) -> None:
    for k, val in fields.items.items():
        if k == "client_secret":
            if channel == "query":
                ev.query_secret = val
            else:
                ev.body_secret = val
            ev.notes.append(f"client_secret in the {channel}")
            ctx.record_secret(val, "client_secret", f"client_secret field in the {channel}", where)
        elif k == "client_id":
            ev.body_client_id = val
        elif k == "client_assertion":
            ev.assertion = True
        elif k == "refresh_token":
            ctx.record_secret(val, "refresh_token", f"refresh_token field in the {channel}", where)


def query_fields(url: V | None) -> DictV | None:
    if not isinstance(url, Text):
        return None
    shown_parts: list[str | V] = []
    seen_q = False
    for p in url.parts:
        if seen_q:
            shown_parts.append(p)
        elif isinstance(p, str) and "?" in p:
            seen_q = True
            shown_parts.append(p.split("?", 1)[1].split("#", 1)[0])
    if not seen_q:
        return None
    return form_fields(Text(tuple(shown_parts), url.nodes))


def transport_fact(
    ctx: ModuleContext, node: cst.CSTNode, evidence: str, url: str | None = None
) -> None:
    ctx.facts.transport.append(
        TransportFact(
            path=ctx.path,
            span=ctx.span(node),
            kind="verify_disabled",
            evidence=evidence,
            url=url,
            context=ctx.context_name(node),
        )
    )


def is_false(v: V | None) -> bool:
    return isinstance(v, Const) and v.value is False


def cred(ctx: ModuleContext, v: V | None) -> Credential | None:
    return None if v is None else ctx.credential(v)


__all__ = ["Unknown"]
