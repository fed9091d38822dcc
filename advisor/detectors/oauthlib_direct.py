"""oauthlib client classes used directly: ``prepare_*`` calls that build token requests and URLs.

oauthlib only builds strings; it never sends anything and never builds an ``Authorization``
header. The grant comes from the client class (its ``grant_type``); a ``client_secret=``
keyword always lands in the body (or, for ``DeviceClient.prepare_request_uri``, in the query).
Whether the client authenticates with Basic therefore depends on the request that sends the
prepared body: when the result flows (directly or through a variable) into a requests / httpx /
aiohttp / urllib call in the same function, that call's ``auth=``, headers and ``verify`` are
read here. The raw-HTTP detector stays silent on such a request (its body has no literal
``grant_type``), so the oauthlib usage is the only report of it.

One usage per ``prepare_*`` call site (library "oauthlib"); a client object constructed
without any ``prepare_*`` call is not reported (it is usually handed to requests-oauthlib, whose
detector reads it through :func:`client_info`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from advisor.analysis.context import ModuleContext
from advisor.analysis.values import CallV, Const, DictV, Text, Unknown, V, form_fields, known_str
from advisor.detectors.common import (
    AuthEvidence,
    auth_from_headers,
    auth_from_url,
    auth_from_value,
    bind,
    client_key,
    fields_from_body,
    flow_for_grant,
    is_false,
    scopes_of,
    transport_fact,
    url_text,
    usage,
)

ROOTS = ("oauthlib",)
LIB = "oauthlib"

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"

# class name -> (grant_type sent by prepare_request_body, flow)
CLIENT_CLASSES: dict[str, tuple[str | None, str]] = {
    "WebApplicationClient": ("authorization_code", "authorization_code"),
    "BackendApplicationClient": ("client_credentials", "client_credentials"),
    "MobileApplicationClient": (None, "implicit"),
    "LegacyApplicationClient": ("password", "password"),
    "DeviceClient": (DEVICE_GRANT, "device_code"),
    "ServiceApplicationClient": (JWT_GRANT, "jwt_bearer"),
    "Client": (None, "unknown"),
}

# Positional parameters of prepare_request_body per class (oauthlib 4.0.1).
BODY_PARAMS: dict[str, list[str]] = {
    "WebApplicationClient": ["code", "redirect_uri", "body", "include_client_id", "code_verifier"],
    "BackendApplicationClient": ["body", "scope", "include_client_id"],
    "LegacyApplicationClient": ["username", "password", "body", "scope", "include_client_id"],
    "DeviceClient": ["device_code", "body", "scope", "include_client_id"],
    "ServiceApplicationClient": [
        "private_key",
        "subject",
        "issuer",
        "audience",
        "expires_at",
        "issued_at",
        "extra_claims",
        "body",
        "scope",
        "include_client_id",
    ],
}
URI_PARAMS: dict[str, list[str]] = {
    "WebApplicationClient": [
        "uri",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
    ],
    "MobileApplicationClient": ["uri", "redirect_uri", "scope", "state"],
    "DeviceClient": ["uri", "scope"],
}
TOKEN_REQUEST_PARAMS = ["token_url", "authorization_response", "redirect_url", "state", "body"]
REFRESH_BODY_PARAMS = ["body", "refresh_token", "scope"]
REFRESH_REQUEST_PARAMS = ["token_url", "refresh_token", "body", "scope"]
AUTH_REQUEST_PARAMS = ["authorization_url", "state", "redirect_url", "scope"]
MODULE_TOKEN_PARAMS = ["grant_type", "body", "include_client_id", "code_verifier"]
MODULE_GRANT_URI_PARAMS = ["uri", "client_id", "response_type", "redirect_uri", "scope", "state"]

PARAMETERS_MODULES = ("oauthlib.oauth2.rfc6749.parameters", "oauthlib.oauth2.parameters")

# method -> (kind, index of the body in the returned tuple, or None when the result is the body)
PREPARE_METHODS: dict[str, tuple[str, int | None]] = {
    "prepare_request_body": ("token", None),
    "prepare_token_request": ("token", 2),
    "prepare_refresh_body": ("refresh", None),
    "prepare_refresh_token_request": ("refresh", 2),
    "prepare_request_uri": ("uri", None),
    "prepare_authorization_request": ("uri", 0),
}


# -- client objects (shared with the requests-oauthlib detector) ---------------------------


def oauthlib_class(v: V | None) -> str | None:
    """Name of the oauthlib client class ``v`` was built from (also through a subclass)."""
    if not isinstance(v, CallV) or v.receiver is not None or not v.qualname:
        return None
    mod, _, name = v.qualname.rpartition(".")
    if mod.startswith("oauthlib.oauth2") and name in CLIENT_CLASSES:
        return name
    return None


@dataclass
class ClientInfo:
    """What an oauthlib client object tells: class, grant, its own client_id and scope."""

    cls: str | None  # None: the object cannot be seen into
    grant: str | None
    flow: str
    client_id: V | None  # None: absent
    scope: V | None
    kw: dict[str, V] = field(default_factory=dict)
    value: V | None = None

    @property
    def known(self) -> bool:
        return self.cls is not None

    @property
    def id_falsy(self) -> bool:
        """The object certainly has no client_id (None or "")."""
        return is_falsy(self.client_id)


def is_falsy(v: V | None) -> bool:
    if v is None:
        return True
    if isinstance(v, Const):
        return not v.value
    return isinstance(v, Text) and v.known == ""


def client_info(v: V | None) -> ClientInfo:
    cls = oauthlib_class(v)
    if cls is None or not isinstance(v, CallV):
        return ClientInfo(None, None, "unknown", None, None, value=v)
    grant, flow = CLIENT_CLASSES[cls]
    kw = {k: val for k, val in v.kw.items() if not k.startswith("@")}
    cid: V | None = v.pos[0] if v.pos else kw.get("client_id")
    if "@client_id" in v.kw:
        cid = v.kw["@client_id"]
    scope = v.kw.get("@scope", kw.get("scope"))
    if cid is None and v.star_unknown:
        cid = Const(object())  # passed through **kwargs: present, value unseen
    return ClientInfo(cls, grant, flow, cid, scope, kw, v)


# -- detection ----------------------------------------------------------------------------


def detect(ctx: ModuleContext) -> None:
    for call in ctx.index.calls:
        func = call.func
        name = func.attr.value if isinstance(func, cst.Attribute) else None
        if name in PREPARE_METHODS:
            v = ctx.value(call)
            if isinstance(v, CallV) and v.method == name:
                info = client_info(v.receiver)
                if not info.known:
                    info = _annotated_client(ctx, call)
                if info.known:
                    _prepare(ctx, call, v, info, name)
                continue
        q = ctx.qualname(func)
        if q is None:
            continue
        mod, _, fn = q.rpartition(".")
        if mod in PARAMETERS_MODULES and fn == "prepare_token_request":
            _module_token_request(ctx, call, ctx.value(call))
        elif mod in PARAMETERS_MODULES and fn == "prepare_grant_uri":
            _module_grant_uri(ctx, call, ctx.value(call))


def _annotated_client(ctx: ModuleContext, call: cst.Call) -> ClientInfo:
    """``self.client.prepare_*()`` where ``client`` is a property declared to return an oauthlib
    client class (``def client(self) -> WebApplicationClient``): the class is declared, its
    constructor arguments are not known."""
    unknown = ClientInfo(None, None, "unknown", None, None)
    func = call.func
    if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute)):
        return unknown
    owner = func.value
    if not (isinstance(owner.value, cst.Name) and owner.value.value == "self"):
        return unknown
    cls = ctx.ev.enclosing_class(call)
    info = ctx.index.class_of_node.get(id(cls)) if cls is not None else None
    method = info.methods.get(owner.attr.value) if info is not None else None
    if method is None or method.returns is None:
        return unknown
    q = ctx.qualname(method.returns.annotation)
    name = oauthlib_class(CallV(q, None)) if q else None
    if name is None:
        return unknown
    grant, flow = CLIENT_CLASSES[name]
    key_v = CallV(q, None, local_class=f"{cls.name.value}.{owner.attr.value}")  # type: ignore[union-attr]
    return ClientInfo(name, grant, flow, Unknown("declared client"), None, value=key_v)


def _prepare(ctx: ModuleContext, call: cst.Call, v: CallV, info: ClientInfo, method: str) -> None:
    kind, body_index = PREPARE_METHODS[method]
    if kind == "uri":
        _request_uri(ctx, call, v, info, method)
        return
    if kind == "token":
        if info.cls not in BODY_PARAMS:
            return  # Mobile / base Client raise NotImplementedError: nothing is built
        if method == "prepare_token_request":
            args = bind(v, TOKEN_REQUEST_PARAMS)
        else:
            args = bind(v, BODY_PARAMS[info.cls or ""])
        grant, flow = info.grant, info.flow
        include_default = info.cls == "WebApplicationClient"
        operation = "token_request"
    else:
        params = (
            REFRESH_REQUEST_PARAMS
            if method == "prepare_refresh_token_request"
            else (REFRESH_BODY_PARAMS)
        )
        args = bind(v, params)
        grant, flow = "refresh_token", "refresh_token"
        include_default = True
        operation = "refresh"

    evidence = [f"{info.cls}.{method} builds a grant_type={grant} body"]
    if flow == "authorization_code" and (
        args.get("code_verifier") is not None or info.kw.get("code_verifier") is not None
    ):
        flow = "authorization_code_pkce"
        evidence.append("code_verifier in the token request (PKCE)")

    ev = AuthEvidence()
    _body_credentials(ctx, call, ev, args, info, include_default, kind, method, evidence)
    rt = args.get("refresh_token")
    if rt is not None:
        ctx.record_secret(rt, "refresh_token", f"refresh_token= of {method}", call)

    consumers = _consumers(ctx, call, body_index)
    sends = [_send(ctx, c, ev, body_known=not v.star_unknown) for c in consumers]
    verify = any(x.verify_disabled for x in sends)
    token_url = url_text(args.get("token_url"))
    if sends:
        for x in sends:
            evidence.append(f"sent with {x.library} at line {x.span.line}")
        methods = {x.client_auth for x in sends}
        client_auth = methods.pop() if len(methods) == 1 else "unknown"
        first = sends[0]
        if token_url is None and body_index is None:
            token_url = first.token_url
        ev = first.ev
    elif ev.body_secret is not None:
        client_auth = "body"
    else:
        client_auth = "unknown"
        evidence.append(
            "oauthlib builds no Authorization header; the sending request is not visible"
        )
    evidence.extend(ev.notes)

    scope_v = args.get("scope")
    if scope_v is None and kind == "token" and info.cls != "WebApplicationClient":
        scope_v = info.scope  # Backend/Legacy/Device fall back to the object's scope
    scopes = None if v.star_unknown else scopes_of(scope_v)
    u = usage(
        ctx,
        call,
        LIB,
        operation,
        flow=flow,
        grant_type=grant,
        client_auth=client_auth,
        token_url=token_url,
        scopes=scopes,
        client_id=ctx.credential(ev.client_id) if ev.client_id is not None else None,
        secret=ctx.credential(ev.secret) if ev.secret is not None else None,
        verify_disabled=verify,
        client_key=client_key(ctx, info.value),
        evidence=evidence,
    )
    if ev.body_secret is not None:
        u.fix_hints["move_body_credentials_to_auth"] = True
    # Each send is a token request of its own on the wire (library of the HTTP client).
    for x, (_lib, _a, _s, ccall) in zip(sends, consumers, strict=True):
        x_ev = x.ev
        usage(
            ctx,
            ccall,
            x.library,
            operation,
            flow=flow,
            grant_type=grant,
            client_auth=x.client_auth,
            token_url=x.token_url or token_url,
            scopes=scopes,
            client_id=ctx.credential(x_ev.client_id) if x_ev.client_id is not None else None,
            secret=ctx.credential(x_ev.secret)
            if x_ev.secret is not None
            else (ctx.credential(Unknown("unseen")) if x.client_auth == "unknown" else None),
            verify_disabled=x.verify_disabled,
            client_key=u.client_key,
            evidence=[f"sends the body prepared by oauthlib {info.cls}.{method}", *x_ev.notes],
        )
        if x.verify_disabled:
            transport_fact(ctx, ccall, "TLS verification disabled on an oauthlib token request")


def _body_credentials(
    ctx: ModuleContext,
    call: cst.Call,
    ev: AuthEvidence,
    args: dict[str, V],
    info: ClientInfo,
    include_default: bool,
    kind: str,
    method: str,
    evidence: list[str],
) -> None:
    secret = args.get("client_secret")
    if secret is not None and not (isinstance(secret, Const) and secret.value is None):
        ev.body_secret = secret
        ev.notes.append(f"client_secret= of {method} goes into the body")
        ctx.record_secret(secret, "client_secret", f"client_secret= of oauthlib {method}", call)
    include = args.get("include_client_id")
    included = include_default if include is None else not is_false(include)
    if kind == "refresh":
        cid = args.get("client_id")
    else:
        cid = args.get("client_id") if info.cls == "WebApplicationClient" else None
        cid = cid if cid is not None else info.client_id
    if included and cid is not None and not is_falsy(cid):
        ev.body_client_id = cid
        evidence.append("client_id in the body")
    raw = args.get("body")
    fields = form_fields(raw) if isinstance(raw, Text) else None
    if fields is not None:
        fields_from_body(ev, fields, "body", ctx, call)


Consumer = tuple[str, dict[str, V], CallV | None, cst.Call]


def _consumer(ctx: ModuleContext, call: cst.Call, body_index: int | None) -> Consumer | None:
    """The first HTTP call in the same function that sends what ``call`` prepared."""
    found = _consumers(ctx, call, body_index)
    return found[0] if found else None


def _consumers(ctx: ModuleContext, call: cst.Call, body_index: int | None) -> list[Consumer]:
    """The HTTP calls in the same function that send what ``call`` prepared."""
    from advisor.detectors.raw_http import _classify_call

    parent = ctx.index.parent.get(id(call))
    if body_index is None and isinstance(parent, cst.Arg):
        outer = ctx.index.parent.get(id(parent))
        if isinstance(outer, cst.Call):
            found = _classify_call(ctx.value(outer))
            if found is not None:
                return [(*found, outer)]
        return []
    names = _bound_names(ctx, call, body_index)
    out: list[Consumer] = []
    if not names:
        return out
    fn = ctx.ev.enclosing_function(call)
    start = ctx.index.seq.get(id(call), 0)
    for c in ctx.index.calls:
        if ctx.index.seq.get(id(c), 0) <= start or ctx.ev.enclosing_function(c) is not fn:
            continue
        used = {
            a.value.value
            for a in c.args
            if isinstance(a.value, cst.Name)
            and a.value.value in names
            and (a.keyword is None or a.keyword.value not in ("auth", "headers"))
        }
        if not used or not any(_still_bound(ctx, fn, n, call, c) for n in used):
            continue
        found = _classify_call(ctx.value(c))
        if found is not None:
            out.append((*found, c))
    return out


@dataclass
class _Send:
    library: str
    span: object
    ev: AuthEvidence
    client_auth: str
    token_url: str | None
    verify_disabled: bool


def _send(
    ctx: ModuleContext, consumer: Consumer, body: AuthEvidence, body_known: bool = True
) -> _Send:
    """Client authentication of one request sending a prepared body (body facts + request)."""
    lib, cargs, session, ccall = consumer
    ev = AuthEvidence(
        body_secret=body.body_secret,
        body_client_id=body.body_client_id,
        notes=list(body.notes),
    )
    auth_from_value(ev, cargs.get("auth"), ctx, ccall, "auth=")
    if session is not None and not ev.basic and not ev.unknown_auth:
        auth_from_value(
            ev, session.kw.get("auth", session.kw.get("@auth")), ctx, ccall, "session auth"
        )
    auth_from_headers(ev, cargs.get("headers"), ctx, ccall)
    auth_from_url(ev, cargs.get("url"), ctx, ccall)
    return _Send(
        lib,
        ctx.span(ccall),
        ev,
        ev.method(body_known=body_known),
        url_text(cargs.get("url")),
        _verify_off(lib, cargs, session),
    )


def _still_bound(
    ctx: ModuleContext, fn: cst.FunctionDef | None, name: str, call: cst.Call, at: cst.Call
) -> bool:
    """``name`` still holds what ``call`` returned when ``at`` runs (no rebinding between)."""
    info = ctx.index.scopes.get(id(fn if fn is not None else ctx.module))
    if info is None:
        return False
    seq_at = ctx.index.seq.get(id(at), 0)
    before = [b for b in info.bindings.get(name, ()) if b.seq < seq_at]
    return bool(before) and before[-1].value is call


def _bound_names(ctx: ModuleContext, call: cst.Call, body_index: int | None) -> set[str]:
    parent = ctx.index.parent.get(id(call))
    if not isinstance(parent, (cst.Assign, cst.AnnAssign)):
        return set()
    targets = (
        [t.target for t in parent.targets] if isinstance(parent, cst.Assign) else [parent.target]
    )
    out: set[str] = set()
    for t in targets:
        if body_index is None and isinstance(t, cst.Name):
            out.add(t.value)
        elif body_index is not None and isinstance(t, (cst.Tuple, cst.List)):
            els = t.elements
            if body_index < len(els) and isinstance(els[body_index].value, cst.Name):
                out.add(els[body_index].value.value)
    return out


def _verify_off(lib: str, args: dict[str, V], session: CallV | None) -> bool:
    keys = ("ssl", "verify_ssl") if lib == "aiohttp" else ("verify",)
    for k in keys:
        if is_false(args.get(k)):
            return True
        if session is not None and (
            is_false(session.kw.get(k)) or is_false(session.kw.get("@" + k))
        ):
            return True
    return False


def _request_uri(
    ctx: ModuleContext, call: cst.Call, v: CallV, info: ClientInfo, method: str
) -> None:
    cls = info.cls or ""
    if method == "prepare_authorization_request":
        args = bind(v, AUTH_REQUEST_PARAMS)
        url_v = args.get("authorization_url")
    else:
        if cls not in URI_PARAMS:
            return  # Backend/Legacy raise NotImplementedError
        args = bind(v, URI_PARAMS[cls])
        url_v = args.get("uri")
    evidence: list[str] = []
    ev = AuthEvidence()
    if cls == "DeviceClient":
        flow = "device_code"
        evidence.append("DeviceClient device authorization URL")
        secret = args.get("client_secret", info.kw.get("client_secret"))
        if secret is not None and not (isinstance(secret, Const) and secret.value is None):
            ev.query_secret = secret
            evidence.append("DeviceClient puts client_secret in the query string")
            ctx.record_secret(
                secret, "client_secret", "client_secret of oauthlib DeviceClient", call
            )
        client_auth = ev.method(body_known=True)
    elif cls == "MobileApplicationClient":
        flow = "implicit"
        evidence.append("MobileApplicationClient: response_type=token")
        client_auth = "none"
    elif cls == "WebApplicationClient":
        challenge = args.get("code_challenge", info.kw.get("code_challenge"))
        if challenge is not None and not is_falsy(challenge):
            flow = "authorization_code_pkce"
            evidence.append("WebApplicationClient: response_type=code with code_challenge (PKCE)")
        else:
            flow = "authorization_code"
            evidence.append("WebApplicationClient: response_type=code")
        client_auth = "none"
    else:
        flow = info.flow
        evidence.append(f"{cls}.{method}")
        client_auth = "none"
    scope_v = args.get("scope", info.scope)
    usage(
        ctx,
        call,
        LIB,
        "authorization_url",
        flow=flow,
        client_auth=client_auth,
        authorization_url=url_text(url_v),
        scopes=None if v.star_unknown else scopes_of(scope_v),
        client_id=ctx.credential(info.client_id) if info.client_id is not None else None,
        secret=ctx.credential(ev.secret) if ev.secret is not None else None,
        client_key=client_key(ctx, info.value),
        evidence=evidence,
    )


def _module_token_request(ctx: ModuleContext, call: cst.Call, v: V) -> None:
    if not isinstance(v, CallV):
        return
    args = bind(v, MODULE_TOKEN_PARAMS)
    grant = known_str(args.get("grant_type"))
    flow = flow_for_grant(grant)
    info = ClientInfo(None, grant, flow, None, None)
    evidence = [f"oauthlib prepare_token_request(grant_type={grant or '?'})"]
    if flow == "authorization_code" and args.get("code_verifier") is not None:
        flow = "authorization_code_pkce"
    ev = AuthEvidence()
    kind = "refresh" if flow == "refresh_token" else "token"
    _body_credentials(ctx, call, ev, args, info, True, "refresh", "prepare_token_request", evidence)
    if args.get("refresh_token") is not None:
        ctx.record_secret(
            args["refresh_token"], "refresh_token", "refresh_token= of prepare_token_request", call
        )
    consumer = _consumer(ctx, call, None)
    verify = False
    token_url = None
    if consumer is not None:
        lib, cargs, session, ccall = consumer
        evidence.append(f"sent with {lib} at line {ctx.span(ccall).line}")
        auth_from_value(ev, cargs.get("auth"), ctx, ccall, "auth=")
        auth_from_headers(ev, cargs.get("headers"), ctx, ccall)
        verify = _verify_off(lib, cargs, session)
        token_url = url_text(cargs.get("url"))
        client_auth = ev.method(body_known=True)
    else:
        client_auth = "body" if ev.body_secret is not None else "unknown"
    evidence.extend(ev.notes)
    usage(
        ctx,
        call,
        LIB,
        "refresh" if kind == "refresh" else "token_request",
        flow=flow,
        grant_type=grant,
        client_auth=client_auth,
        token_url=token_url,
        scopes=None if v.star_unknown else scopes_of(args.get("scope")),
        client_id=ctx.credential(ev.client_id) if ev.client_id is not None else None,
        secret=ctx.credential(ev.secret) if ev.secret is not None else None,
        verify_disabled=verify,
        evidence=evidence,
    )


def _module_grant_uri(ctx: ModuleContext, call: cst.Call, v: V) -> None:
    if not isinstance(v, CallV):
        return
    args = bind(v, MODULE_GRANT_URI_PARAMS)
    rt = known_str(args.get("response_type"))
    if rt is None:
        flow = "unknown"
    elif "token" in rt.split():
        flow = "implicit"
    elif "code" in rt.split():
        flow = "authorization_code_pkce" if args.get("code_challenge") else "authorization_code"
    else:
        flow = "other"
    usage(
        ctx,
        call,
        LIB,
        "authorization_url",
        flow=flow,
        client_auth="none",
        authorization_url=url_text(args.get("uri")),
        scopes=None if v.star_unknown else scopes_of(args.get("scope")),
        client_id=ctx.credential(args["client_id"]) if "client_id" in args else None,
        evidence=[f"oauthlib prepare_grant_uri(response_type={rt or '?'})"],
    )


__all__ = ["ROOTS", "detect", "client_info", "oauthlib_class", "ClientInfo", "DictV"]
