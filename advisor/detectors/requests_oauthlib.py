"""requests-oauthlib ``OAuth2Session`` (and google-auth-oauthlib flows, which wrap it).

What decides what (requests-oauthlib 2.0.0, see the shared reference, section 2):

- The grant is the class of the oauthlib ``client=`` object (no ``client=``: a
  ``WebApplicationClient``, i.e. authorization code); ``fetch_token`` arguments never change it.
  The second positional argument of ``OAuth2Session`` is ``client``, and ``client_id=`` is
  ignored when ``client=`` is given: the object's own ``client_id`` counts.
- ``fetch_token`` client authentication follows the decision table of section 2.3: ``auth=``,
  then ``include_client_id=True`` (body), then a Basic header built from the client object's
  ``client_id`` and ``client_secret`` (empty password without one); a client object without a
  ``client_id`` sends no client authentication at all and drops ``client_secret``. A raw
  ``body=`` string with ``client_secret`` is body auth; ``force_querystring=True`` or
  ``method="GET"`` moves body credentials to the query. A registered ``access_token_request``
  compliance hook makes the method unknown.
- ``refresh_token`` is always a ``refresh_token`` grant without automatic client auth; its
  ``client_id``/``client_secret`` keywords and the session's ``auto_refresh_kwargs`` go into the
  body.

Usages emitted, one per operation site, all with the session's ``client_key``:

- each ``fetch_token`` (token_request), ``refresh_token`` (refresh), ``authorization_url``
  (authorization_url) and ``token_from_fragment`` (token_request, implicit) call;
- the constructor (client_setup) when the session has none of the non-refresh operations above
  in the file but its setup fixes something: an explicit oauthlib client class, auto refresh,
  or a client id / redirect URI / scope / PKCE for the default web client. A setup's
  ``client_auth`` is ``body`` when ``auto_refresh_kwargs`` carry a ``client_secret`` (the only
  token request the setup itself configures is then that refresh), else ``unknown``.
- ``auto_refresh_url=`` sets ``auto_refresh=True`` on every non-refresh usage of the session
  (the policy reports it once per client) with ``fix_hints["auto_refresh_args"]``; no separate
  refresh usage is emitted for the automatic refresh.
- API calls through the session (``get``/``post``/.../``request``) add their URLs to
  ``api_urls`` of the session's first usage.

``requests_oauthlib.OAuth2(...)`` is a bearer-only auth object: no usage; literal tokens in
its ``token=`` dict (like those of ``OAuth2Session(token=...)``) become secret facts.
OAuth 1 classes (``OAuth1Session``, ``OAuth1``) are not OAuth 2 clients and stay silent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from advisor.analysis.context import ModuleContext
from advisor.analysis.values import (
    CallV,
    Config,
    Const,
    DictV,
    Text,
    Unknown,
    V,
    form_fields,
    known_str,
)
from advisor.detectors.common import (
    AuthEvidence,
    auth_from_value,
    bind,
    client_key,
    fields_from_body,
    is_false,
    scopes_of,
    transport_fact,
    url_text,
    usage,
)
from advisor.detectors.oauthlib_direct import ClientInfo, client_info, is_falsy
from advisor.model import Usage

ROOTS = ("requests_oauthlib", "google_auth_oauthlib")
LIB = "requests-oauthlib"
GOOGLE_LIB = "google-auth-oauthlib"

SESSION_CLASSES = {
    "requests_oauthlib.OAuth2Session",
    "requests_oauthlib.oauth2_session.OAuth2Session",
}
BEARER_AUTH_CLASSES = {"requests_oauthlib.OAuth2", "requests_oauthlib.oauth2_auth.OAuth2"}

SESSION_PARAMS = [
    "client_id",
    "client",
    "auto_refresh_url",
    "auto_refresh_kwargs",
    "scope",
    "redirect_uri",
    "token",
    "state",
    "token_updater",
    "pkce",
]
FETCH_PARAMS = [
    "token_url",
    "code",
    "authorization_response",
    "body",
    "auth",
    "username",
    "password",
    "method",
    "force_querystring",
    "timeout",
    "headers",
    "verify",
    "proxies",
    "include_client_id",
    "client_secret",
    "cert",
]
REFRESH_PARAMS = ["token_url", "refresh_token", "body", "auth", "timeout", "headers", "verify"]
REFRESH_NAMED = {*REFRESH_PARAMS, "proxies"}
AUTH_URL_PARAMS = ["url", "state"]
API_METHODS: dict[str, list[str]] = {
    "get": ["url"],
    "post": ["url", "data", "json"],
    "put": ["url", "data"],
    "patch": ["url", "data"],
    "delete": ["url"],
    "head": ["url"],
    "options": ["url"],
    "request": ["method", "url", "data", "headers", "withhold_token", "client_id"],
}
OPERATIONS = ("fetch_token", "refresh_token", "authorization_url", "token_from_fragment")

# google-auth-oauthlib
FLOW_CLASSES = {
    "google_auth_oauthlib.flow.Flow",
    "google_auth_oauthlib.flow.InstalledAppFlow",
}
FLOW_FACTORIES = {"from_client_secrets_file", "from_client_config"}
FLOW_OPERATIONS = ("authorization_url", "fetch_token", "run_local_server", "run_console")
USER_CREDENTIALS_FUNCS = {
    "google_auth_oauthlib.get_user_credentials",
    "google_auth_oauthlib.interactive.get_user_credentials",
}


@dataclass
class Session:
    """One OAuth2Session object (by client key) and everything done with it in the file."""

    value: CallV
    key: str | None
    node: cst.CSTNode
    args: dict[str, V]
    client: ClientInfo
    explicit_client: bool
    attrs: dict[str, V] = field(default_factory=dict)
    ops: list[tuple[cst.Call, CallV]] = field(default_factory=list)
    api_urls: list[str] = field(default_factory=list)
    hooks: set[str] = field(default_factory=set)
    usages: list[Usage] = field(default_factory=list)

    def arg(self, name: str) -> V | None:
        v = self.attrs.get(name, self.args.get(name))
        if isinstance(v, Const) and v.value is None:
            return None
        return v

    @property
    def pkce(self) -> str | None:
        v = self.arg("pkce")
        if v is None:
            return None
        return known_str(v) or "unknown"

    @property
    def auto_refresh(self) -> bool:
        return self.arg("auto_refresh_url") is not None

    @property
    def verify_off(self) -> bool:
        return is_false(self.attrs.get("verify"))


def is_session(v: V | None) -> bool:
    return isinstance(v, CallV) and v.receiver is None and v.qualname in SESSION_CLASSES


def detect(ctx: ModuleContext) -> None:
    sessions: dict[str, Session] = {}
    flows: dict[str, _Flow] = {}
    for call in ctx.index.calls:
        v = _super_method_call(ctx, call) or ctx.value(call)
        if not isinstance(v, CallV):
            continue
        if is_session(v):
            _session(ctx, sessions, v, call)
            continue
        if v.receiver is None and v.qualname in BEARER_AUTH_CLASSES:
            _token_secrets(ctx, bind(v, ["client_id", "client", "token"]).get("token"), call)
            continue
        if v.receiver is None and v.qualname in USER_CREDENTIALS_FUNCS:
            _user_credentials(ctx, call, v)
            continue
        if _flow_object(v) is not None and v.method is None:
            _flow(ctx, flows, v)
            continue
        recv = _super_receiver(ctx, call, v.receiver)
        if v.method is None or recv is None:
            continue
        if not is_session(recv) and _untyped_session_call(ctx, recv, v):
            s = _untyped_session(ctx, sessions, call)
            _session_call(ctx, s, call, v)
            continue
        if is_session(recv):
            if _overridden(ctx, recv, v.method) and not _is_super_call(call):
                continue  # the project's override runs, not the library method
            s = _session(ctx, sessions, recv, None)
            for k, val in recv.kw.items():
                if k.startswith("@"):
                    s.attrs[k[1:]] = val
            _session_call(ctx, s, call, v)
        elif _flow_object(recv) is not None and v.method in FLOW_OPERATIONS:
            _flow(ctx, flows, recv).ops.append((call, v))
    for s in sessions.values():
        _emit_session(ctx, s)
    for f in flows.values():
        _emit_flow(ctx, f)


# -- sessions -------------------------------------------------------------------------------


def _is_super_call(call: cst.Call) -> bool:
    f = call.func
    return (
        isinstance(f, cst.Attribute)
        and isinstance(f.value, cst.Call)
        and isinstance(f.value.func, cst.Name)
        and f.value.func.value == "super"
    )


def _super_method_call(ctx: ModuleContext, call: cst.Call) -> CallV | None:
    """``super().fetch_token(...)``: the library method on the instance, never an override."""
    if not _is_super_call(call):
        return None
    cls = ctx.ev.enclosing_class(call)
    if cls is None:
        return None
    assert isinstance(call.func, cst.Attribute)
    pos, kw, star = ctx.ev.eval_args(call, {}, 0)
    recv = ctx.ev.self_value(cls, 0)
    return CallV(None, call, pos, kw, receiver=recv, method=call.func.attr.value, star_unknown=star)


def _super_receiver(ctx: ModuleContext, call: cst.Call, recv: V | None) -> V | None:
    """``super().fetch_token(...)`` inside a subclass: the receiver is the instance itself."""
    if not (isinstance(recv, CallV) and recv.qualname == "builtins.super"):
        return recv
    if not _is_super_call(call):
        return recv
    cls = ctx.ev.enclosing_class(call)
    if cls is None:
        return recv
    return ctx.ev.self_value(cls, 0)


def _overridden(ctx: ModuleContext, recv: CallV, method: str) -> bool:
    """The project subclass (or one of its project bases) defines ``method`` itself."""
    if not recv.local_class or not isinstance(recv.node, cst.ClassDef):
        return False
    seen: set[int] = set()
    todo = [recv.node]
    while todo:
        cls = todo.pop()
        if id(cls) in seen:
            continue
        seen.add(id(cls))
        info = ctx.index.class_of_node.get(id(cls))
        if info is None:
            continue
        if method in info.methods:
            return True
        for base in cls.bases:
            if isinstance(base.value, cst.Name) and base.value.value in ctx.index.classes:
                todo.append(ctx.index.classes[base.value.value].node)
    return False


def _session_key(ctx: ModuleContext, v: CallV) -> str | None:
    if v.local_class:
        # inside the subclass ``self`` and outside instances are the same client
        return f"{ctx.path}:class {v.local_class}"
    return client_key(ctx, v)


def _session(
    ctx: ModuleContext, sessions: dict[str, Session], v: CallV, call: cst.Call | None
) -> Session:
    key = _session_key(ctx, v)
    skey = key or f"#{id(v)}"
    if skey in sessions:
        return sessions[skey]
    ctor = v
    if v.local_class and isinstance(v.node, cst.ClassDef):
        info = ctx.index.class_of_node.get(id(v.node))
        if info is not None and "__init__" in info.methods:
            # the library sees what the subclass passes to super().__init__
            ctor = ctx.ev.self_value(v.node, 0)  # type: ignore[assignment]
    args = bind(ctor, SESSION_PARAMS)
    client_v = args.get("client")
    explicit = client_v is not None and not (isinstance(client_v, Const) and client_v.value is None)
    if explicit:
        cinfo = client_info(client_v)
    else:
        cinfo = ClientInfo(
            "WebApplicationClient",
            "authorization_code",
            "authorization_code",
            args.get("client_id"),
            None,
        )
    node: cst.CSTNode = ctor.call or v.call or call or v.node or ctx.module  # type: ignore[assignment]
    s = Session(ctor, key, node, args, cinfo, explicit)
    if ctor.star_unknown and not explicit:
        s.client = ClientInfo(None, None, "unknown", None, None)
    sessions[skey] = s
    _token_secrets(ctx, args.get("token"), node)
    kwargs = args.get("auto_refresh_kwargs")
    if isinstance(kwargs, DictV) and "client_secret" in kwargs.items:
        ctx.record_secret(
            kwargs.items["client_secret"],
            "client_secret",
            "client_secret in auto_refresh_kwargs of OAuth2Session",
            node,
        )
    return s


def _untyped_session_call(ctx: ModuleContext, recv: V, v: CallV) -> bool:
    """``session.fetch_token(token_url=...)`` on a session built where it cannot be seen.

    ``token_url`` is requests-oauthlib's name for the endpoint (Authlib's is ``url``): with it,
    or with requests-oauthlib imported and Authlib not, the call is OAuth2Session's.
    """
    if v.method not in ("fetch_token", "refresh_token"):
        return False
    if isinstance(recv, CallV):
        q = recv.qualname or ""
        if q and not q.startswith("<local>."):
            return False
    elif isinstance(recv, (Text, DictV, Const)):
        return False
    if "token_url" in v.kw:
        return True
    return ctx.imports.imports_any(ROOTS) and not ctx.imports.imports_any(("authlib",))


def _untyped_session(ctx: ModuleContext, sessions: dict[str, Session], call: cst.Call) -> Session:
    key = f"{ctx.path}:untyped session"
    s = sessions.get(key)
    if s is None:
        ctor = CallV("requests_oauthlib.OAuth2Session", None, star_unknown=True)
        s = Session(ctor, key, call, {}, ClientInfo(None, None, "unknown", None, None), False)
        sessions[key] = s
    return s


def _token_secrets(ctx: ModuleContext, token: V | None, at: cst.CSTNode) -> None:
    if not isinstance(token, DictV):
        return
    for role in ("access_token", "refresh_token"):
        if role in token.items:
            ctx.record_secret(token.items[role], role, f"{role} in a literal OAuth2 token", at)


def _session_call(ctx: ModuleContext, s: Session, call: cst.Call, v: CallV) -> None:
    m = v.method or ""
    if m in OPERATIONS:
        s.ops.append((call, v))
    elif m == "register_compliance_hook" and v.pos:
        hook = known_str(v.pos[0])
        s.hooks.add(hook or "?")
    elif m in API_METHODS:
        a = bind(v, API_METHODS[m])
        url = url_text(a.get("url"))
        if url and url not in s.api_urls:
            s.api_urls.append(url)
        secret = a.get("client_secret")
        if secret is not None:
            ctx.record_secret(secret, "client_secret", f"client_secret= of OAuth2Session.{m}", call)


def _emit_session(ctx: ModuleContext, s: Session) -> None:
    if all(v.method == "refresh_token" for _, v in s.ops) and _setup_matters(s):
        s.usages.append(_setup(ctx, s))
    for call, v in s.ops:
        m = v.method
        if m == "fetch_token":
            s.usages.append(_fetch(ctx, s, call, v))
        elif m == "refresh_token":
            s.usages.append(_refresh(ctx, s, call, v))
        elif m == "authorization_url":
            s.usages.append(_authorization_url(ctx, s, call, v))
        elif m == "token_from_fragment":
            s.usages.append(_fragment(ctx, s, call))
    grant_ops = [u for u in s.usages if u.operation != "refresh"]
    if not s.usages:
        return
    if s.auto_refresh:
        hint = [n for n in ("auto_refresh_url", "auto_refresh_kwargs") if s.arg(n) is not None]
        for u in grant_ops:
            u.auto_refresh = True
            u.fix_hints["auto_refresh_args"] = hint
            u.evidence.append(_auto_refresh_note(s))
    target = grant_ops[0] if grant_ops else s.usages[0]
    target.api_urls.extend(url for url in s.api_urls if url not in target.api_urls)
    if s.verify_off:
        for u in s.usages:
            u.verify_disabled = True
        at = s.ops[0][0] if s.ops else s.node
        transport_fact(
            ctx,
            at,
            "TLS verification disabled on an OAuth2Session (session.verify = False)",
            s.usages[0].token_url,
        )


def _setup_matters(s: Session) -> bool:
    if s.explicit_client or s.auto_refresh:
        return True
    if any(v.method == "refresh_token" for _, v in s.ops):
        return False  # only refreshes a token obtained elsewhere
    return any(s.arg(n) is not None for n in ("client_id", "redirect_uri", "scope", "pkce"))


def _auto_refresh_note(s: Session) -> str:
    note = "auto_refresh_url: on expiry requests-oauthlib sends a refresh_token grant"
    if s.client.cls == "BackendApplicationClient":
        note += ", never a new client-credentials request"
    return note


def _flow_of(s: Session, extra_pkce: bool = False) -> tuple[str, str | None, list[str]]:
    c = s.client
    evidence: list[str] = []
    if not c.known:
        evidence.append("client= is an object the analysis cannot see into: grant unknown")
        return "unknown", None, evidence
    flow = c.flow
    if s.explicit_client:
        evidence.append(f"client={c.cls} decides the grant")
    else:
        evidence.append("no client=: default WebApplicationClient (authorization code)")
    if flow == "authorization_code" and (s.pkce or extra_pkce or _session_pkce_kwargs(s)):
        flow = "authorization_code_pkce"
        evidence.append(f"PKCE ({s.pkce or 'code_challenge'})")
    return flow, c.grant, evidence


def _session_pkce_kwargs(s: Session) -> bool:
    return any(v.method == "authorization_url" and "code_challenge" in v.kw for _, v in s.ops)


def _scopes_for_token(s: Session, explicit: V | None, star: bool) -> list[str] | None:
    if star:
        return None
    if explicit is not None:
        return scopes_of(explicit)
    if s.client.cls == "WebApplicationClient" and not s.explicit_client:
        return scopes_of(s.arg("scope"))
    if not s.client.known or (isinstance(s.client.value, CallV) and s.client.value.star_unknown):
        return None
    if s.client.cls == "WebApplicationClient":
        return scopes_of(s.arg("scope"))
    # Backend/Legacy/Device: the client object's scope, never the session's (2.4)
    return scopes_of(s.client.scope)


def _fetch(ctx: ModuleContext, s: Session, call: cst.Call, v: CallV) -> Usage:
    a = bind(v, FETCH_PARAMS)
    flow, grant, evidence = _flow_of(s, extra_pkce=a.get("code_verifier") is not None)
    cls = s.client.cls
    if (
        cls == "WebApplicationClient"
        and a.get("code") is None
        and a.get("authorization_response") is None
    ):
        evidence.append("no code= or authorization_response=: fetch_token raises ValueError")
    if "grant_type" in a:
        evidence.append("grant_type= is not a fetch_token argument (TypeError at runtime)")
    if cls == "MobileApplicationClient":
        evidence.append("MobileApplicationClient: fetch_token raises NotImplementedError")

    ev = AuthEvidence()
    secret_v = a.get("client_secret")
    if isinstance(secret_v, Const) and secret_v.value is None:
        secret_v = None
    if secret_v is not None:
        ctx.record_secret(
            secret_v, "client_secret", "client_secret= of OAuth2Session.fetch_token", call
        )
    auth_v = a.get("auth")
    has_auth = auth_v is not None and not (isinstance(auth_v, Const) and auth_v.value is None)
    if has_auth:
        auth_from_value(ev, auth_v, ctx, call, "auth=")
    include = a.get("include_client_id")
    unknown_reasons: list[str] = []
    if include is not None and not isinstance(include, Const):
        unknown_reasons.append("include_client_id= has a value the analysis cannot see")
    elif include is not None and include.value:
        ev.notes.append("include_client_id=True: client_id and client_secret go into the body")
        if not is_falsy(s.client.client_id):
            ev.body_client_id = s.client.client_id
        if secret_v is not None:
            ev.body_secret = secret_v
    elif has_auth:
        if secret_v is not None:
            ev.notes.append("auth= given: client_secret= is discarded")
    elif not s.client.known:
        unknown_reasons.append("client object unknown: cannot tell whether it has a client_id")
    elif s.client.id_falsy:
        ev.notes.append(
            "client object has no client_id: no client authentication, client_secret= is dropped"
        )
    else:
        ev.basic = True
        ev.basic_id = s.client.client_id
        ev.basic_secret = secret_v
        ev.notes.append(
            "Basic header built by fetch_token from the client object's client_id"
            + ("" if secret_v is not None else " with an empty password")
        )
    body_v = a.get("body")
    if body_v is not None and not (isinstance(body_v, Text) and body_v.known == ""):
        fields = form_fields(body_v) if isinstance(body_v, Text) else None
        if fields is not None:
            fields_from_body(ev, fields, "body", ctx, call)
        else:
            unknown_reasons.append("body= has a value the analysis cannot see")
    method_v = a.get("method")
    method = known_str(method_v).upper() if known_str(method_v) else None
    to_query = (method == "GET") or (
        isinstance(a.get("force_querystring"), Const) and bool(a["force_querystring"].value)  # type: ignore[union-attr]
    )
    if method_v is not None and method is None:
        unknown_reasons.append("method= has a value the analysis cannot see")
    if to_query and ev.body_secret is not None:
        ev.query_secret, ev.body_secret = ev.body_secret, None
        ev.notes.append("parameters sent in the query string (method=GET / force_querystring)")
    if "access_token_request" in s.hooks or "?" in s.hooks:
        unknown_reasons.append("an access_token_request compliance hook may rewrite the request")
    if unknown_reasons:
        client_auth = "unknown"
    elif cls == "MobileApplicationClient":
        client_auth = "none"
    else:
        client_auth = ev.method(body_known=True)
    evidence.extend(ev.notes + unknown_reasons)

    verify = is_false(a.get("verify")) or s.verify_off
    cid = ev.client_id
    if cid is None and s.client.known and not s.client.id_falsy:
        cid = s.client.client_id
    secret = ev.secret if ev.secret is not None else secret_v
    if secret is None and client_auth == "unknown":
        secret = Unknown("client authentication not visible")
    u = usage(
        ctx,
        call,
        LIB,
        "token_request",
        flow=flow,
        grant_type=grant,
        client_auth=client_auth,
        token_url=url_text(a.get("token_url")),
        scopes=_scopes_for_token(s, a.get("scope"), v.star_unknown),
        client_id=ctx.credential(cid) if cid is not None else None,
        secret=ctx.credential(secret) if secret is not None else None,
        verify_disabled=verify,
        client_key=s.key,
        evidence=evidence,
    )
    if include is not None and isinstance(include, Const) and include.value and secret_v:
        u.fix_hints["include_client_id"] = True
    if is_false(a.get("verify")):
        transport_fact(ctx, call, "TLS verification disabled on fetch_token", u.token_url)
    return u


def _refresh(ctx: ModuleContext, s: Session, call: cst.Call, v: CallV) -> Usage:
    a = bind(v, REFRESH_PARAMS)
    extra = {k: val for k, val in a.items() if k not in REFRESH_NAMED}
    ev = AuthEvidence()
    auth_v = a.get("auth")
    if auth_v is not None:
        auth_from_value(ev, auth_v, ctx, call, "auth=")
    evidence = ["refresh_token(): grant_type=refresh_token, no automatic client authentication"]
    kwargs = s.arg("auto_refresh_kwargs")
    body_known = not v.star_unknown
    fields = dict(extra)
    if isinstance(kwargs, DictV):
        fields.update(kwargs.items)
        body_known = body_known and kwargs.complete
    elif kwargs is not None:
        body_known = False
        evidence.append("auto_refresh_kwargs (merged into the body) cannot be seen")
    fields_from_body(ev, DictV(fields, True), "body", ctx, call)
    body_v = a.get("body")
    if isinstance(body_v, Text) and body_v.known != "":
        bf = form_fields(body_v)
        if bf is not None:
            fields_from_body(ev, bf, "body", ctx, call)
    elif body_v is not None and not isinstance(body_v, Text):
        body_known = False
    rt = a.get("refresh_token")
    if rt is not None:
        ctx.record_secret(
            rt, "refresh_token", "refresh_token= of OAuth2Session.refresh_token", call
        )
    if "refresh_token_request" in s.hooks or "?" in s.hooks:
        client_auth = "unknown"
        evidence.append("a refresh_token_request compliance hook may rewrite the request")
    else:
        client_auth = ev.method(body_known)
    evidence.extend(ev.notes)
    verify = is_false(a.get("verify")) or s.verify_off
    u = usage(
        ctx,
        call,
        LIB,
        "refresh",
        flow="refresh_token",
        grant_type="refresh_token",
        client_auth=client_auth,
        token_url=url_text(a.get("token_url")),
        scopes=None if v.star_unknown else scopes_of(s.arg("scope")),
        client_id=ctx.credential(ev.client_id) if ev.client_id is not None else None,
        secret=ctx.credential(ev.secret) if ev.secret is not None else None,
        verify_disabled=verify,
        client_key=s.key,
        evidence=evidence,
    )
    if is_false(a.get("verify")):
        transport_fact(ctx, call, "TLS verification disabled on refresh_token", u.token_url)
    return u


def _authorization_url(ctx: ModuleContext, s: Session, call: cst.Call, v: CallV) -> Usage:
    a = bind(v, AUTH_URL_PARAMS)
    flow, _grant, evidence = _flow_of(s, extra_pkce="code_challenge" in a)
    if s.client.cls == "MobileApplicationClient":
        evidence.append("response_type=token (implicit)")
    elif s.client.cls in ("BackendApplicationClient", "LegacyApplicationClient"):
        evidence.append(f"{s.client.cls}.prepare_request_uri raises NotImplementedError")
    if "code_challenge" in a and "code_challenge_method" not in a:
        evidence.append("code_challenge without code_challenge_method: sent as plain")
    cid = s.client.client_id
    return usage(
        ctx,
        call,
        LIB,
        "authorization_url",
        flow=flow,
        client_auth="none",
        authorization_url=url_text(a.get("url")),
        scopes=None if v.star_unknown else scopes_of(a.get("scope", s.arg("scope"))),
        client_id=ctx.credential(cid) if cid is not None and not is_falsy(cid) else None,
        verify_disabled=s.verify_off,
        client_key=s.key,
        evidence=evidence,
    )


def _fragment(ctx: ModuleContext, s: Session, call: cst.Call) -> Usage:
    cid = s.client.client_id
    return usage(
        ctx,
        call,
        LIB,
        "token_request",
        flow="implicit",
        client_auth="none",
        scopes=None,  # asked for by the authorization URL, not here
        client_id=ctx.credential(cid) if cid is not None and not is_falsy(cid) else None,
        client_key=s.key,
        evidence=["token_from_fragment: access token read from the redirect URL fragment"],
    )


def _setup(ctx: ModuleContext, s: Session) -> Usage:
    flow, grant, evidence = _flow_of(s)
    ev = AuthEvidence()
    kwargs = s.arg("auto_refresh_kwargs")
    if isinstance(kwargs, DictV):
        fields_from_body(ev, kwargs, "auto refresh body", ctx, s.node)
    client_auth = "body" if ev.body_secret is not None else "unknown"
    evidence.extend(ev.notes)
    cid = s.client.client_id
    if cid is None or is_falsy(cid):
        cid = ev.body_client_id
    node = s.node if not isinstance(s.node, cst.Module) else s.node.body[0]
    return usage(
        ctx,
        node,
        LIB,
        "client_setup",
        flow=flow,
        grant_type=grant,
        client_auth=client_auth,
        token_url=url_text(s.arg("auto_refresh_url")),
        scopes=_scopes_for_token(s, None, s.value.star_unknown),
        client_id=ctx.credential(cid) if cid is not None else None,
        secret=ctx.credential(ev.body_secret) if ev.body_secret is not None else None,
        verify_disabled=s.verify_off,
        client_key=s.key,
        evidence=evidence,
    )


# -- google-auth-oauthlib -------------------------------------------------------------------


@dataclass
class _Flow:
    value: CallV
    key: str | None
    cls: str
    client_id: V | None = None
    secret: V | None = None
    token_url: str | None = None
    auth_url: str | None = None
    scopes: list[str] | None = None
    pkce: bool = True
    ops: list[tuple[cst.Call, CallV]] = field(default_factory=list)


def _flow_object(v: V | None) -> str | None:
    """The google-auth-oauthlib flow class ``v`` was built from."""
    if not isinstance(v, CallV) or v.receiver is not None or not v.qualname:
        return None
    if v.qualname in FLOW_CLASSES:
        return v.qualname
    base, _, fn = v.qualname.rpartition(".")
    if base in FLOW_CLASSES and fn in FLOW_FACTORIES:
        return base
    return None


def _flow(ctx: ModuleContext, flows: dict[str, _Flow], v: CallV) -> _Flow:
    key = client_key(ctx, v)
    skey = key or f"#{id(v)}"
    if skey in flows:
        return flows[skey]
    cls = _flow_object(v) or ""
    f = _Flow(v, key, cls)
    fn = (v.qualname or "").rpartition(".")[2]
    at = v.call or ctx.module
    if fn == "from_client_config":
        a = bind(v, ["client_config", "scopes"])
        _read_client_config(ctx, f, a.get("client_config"), at)
    elif fn == "from_client_secrets_file":
        a = bind(v, ["client_secrets_file", "scopes"])
        path = known_str(a.get("client_secrets_file")) or "?"
        f.client_id = Config(f"client secrets file {path}")
        f.secret = Config(f"client secrets file {path}")
    else:
        a = bind(v, ["oauth2session", "client_type", "client_config", "redirect_uri"])
        _read_client_config(ctx, f, a.get("client_config"), at)
    f.scopes = scopes_of(a.get("scopes"), absent_means_none=False) if "scopes" in a else None
    if is_false(v.kw.get("autogenerate_code_verifier")) and v.kw.get("code_verifier") is None:
        f.pkce = False
    flows[skey] = f
    return f


def _read_client_config(ctx: ModuleContext, f: _Flow, config: V | None, at: cst.CSTNode) -> None:
    if not isinstance(config, DictV):
        return
    inner = next((config.items[k] for k in ("web", "installed") if k in config.items), None)
    if not isinstance(inner, DictV):
        return
    f.client_id = inner.items.get("client_id")
    f.secret = inner.items.get("client_secret")
    f.token_url = url_text(inner.items.get("token_uri"))
    f.auth_url = url_text(inner.items.get("auth_uri"))
    if f.secret is not None:
        ctx.record_secret(f.secret, "client_secret", "client_secret in a google client config", at)


def _emit_flow(ctx: ModuleContext, f: _Flow) -> None:
    flow = "authorization_code_pkce" if f.pkce else "authorization_code"
    evidence = [
        f"{f.cls.rpartition('.')[2]}: authorization code"
        + (" with PKCE (autogenerate_code_verifier)" if f.pkce else "")
    ]
    ops = f.ops or [(f.value.call, None)]
    for call, v in ops:
        m = v.method if v is not None else None
        if call is None:
            continue
        common = dict(
            flow=flow,
            scopes=f.scopes,
            client_id=ctx.credential(f.client_id) if f.client_id is not None else None,
            client_key=f.key,
        )
        if m == "authorization_url":
            usage(
                ctx,
                call,
                GOOGLE_LIB,
                "authorization_url",
                client_auth="none",
                authorization_url=f.auth_url,
                evidence=[*evidence, "Flow.authorization_url"],
                **common,
            )
            continue
        op = "client_setup" if m is None else "token_request"
        usage(
            ctx,
            call,
            GOOGLE_LIB,
            op,
            grant_type="authorization_code",
            client_auth="basic",
            token_url=f.token_url,
            secret=ctx.credential(f.secret) if f.secret is not None else None,
            evidence=[
                *evidence,
                "the configured client_secret is sent in a Basic header by fetch_token",
            ],
            **common,
        )


def _user_credentials(ctx: ModuleContext, call: cst.Call, v: CallV) -> None:
    a = bind(v, ["scopes", "client_id", "client_secret"])
    secret = a.get("client_secret")
    if secret is not None:
        ctx.record_secret(secret, "client_secret", "client_secret= of get_user_credentials", call)
    usage(
        ctx,
        call,
        GOOGLE_LIB,
        "token_request",
        flow="authorization_code_pkce",
        grant_type="authorization_code",
        client_auth="basic",
        scopes=scopes_of(a.get("scopes"), absent_means_none=False),
        client_id=ctx.credential(a["client_id"]) if "client_id" in a else None,
        secret=ctx.credential(secret) if secret is not None else None,
        evidence=["get_user_credentials runs an InstalledAppFlow (authorization code + PKCE)"],
    )


__all__ = ["ROOTS", "detect"]
