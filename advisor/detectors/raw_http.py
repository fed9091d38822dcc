"""Token requests and authorization URLs written by hand with requests, httpx, aiohttp, urllib.

A request is an OAuth token request when its form body, JSON body or query carries a
``grant_type`` field; an authorization URL is recognised by ``response_type`` in its query.
"""

from __future__ import annotations

import libcst as cst

from advisor.analysis.context import ModuleContext
from advisor.analysis.values import (
    CallV,
    DictV,
    FuncRef,
    Param,
    Text,
    Unknown,
    V,
    form_fields,
    known_str,
)
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
    query_fields,
    scopes_of,
    transport_fact,
    url_text,
    usage,
)

ROOTS = ("requests", "httpx", "aiohttp", "urllib", "urllib3", "six.moves.urllib")

UNRESOLVED = "?"
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}

# Positional parameters after the URL (and method, for request()).
REQUESTS_FUNC = {
    "post": ["url", "data", "json"],
    "get": ["url", "params"],
    "put": ["url", "data"],
    "patch": ["url", "data"],
    "request": ["method", "url"],
}
REQUESTS_SESSION = {
    "post": ["url", "data", "json"],
    "get": ["url"],
    "put": ["url", "data"],
    "patch": ["url", "data"],
    "request": ["method", "url", "params", "data", "headers", "cookies", "files", "auth"],
}
HTTPX = {m: ["url"] for m in HTTP_METHODS} | {"request": ["method", "url"]}
AIOHTTP_SESSION = {
    "post": ["url", "data"],
    "get": ["url"],
    "put": ["url", "data"],
    "patch": ["url", "data"],
    "request": ["method", "url"],
}

SESSION_CLASSES = {
    "requests.Session": ("requests", REQUESTS_SESSION),
    "requests.session": ("requests", REQUESTS_SESSION),
    "requests.sessions.Session": ("requests", REQUESTS_SESSION),
    "httpx.Client": ("httpx", HTTPX),
    "httpx.AsyncClient": ("httpx", HTTPX),
    "aiohttp.ClientSession": ("aiohttp", AIOHTTP_SESSION),
    "aiohttp.client.ClientSession": ("aiohttp", AIOHTTP_SESSION),
}


def _classify_call(v: V) -> tuple[str, dict[str, V], CallV | None] | None:
    """(library, bound arguments, session object) of an HTTP call, or None."""
    if not isinstance(v, CallV):
        return None
    q = v.qualname
    if q:
        mod, _, fn = q.rpartition(".")
        if mod in ("requests", "requests.api") and fn in REQUESTS_FUNC:
            return "requests", bind(v, REQUESTS_FUNC[fn]), None
        if mod == "httpx" and fn in HTTPX:
            return "httpx", bind(v, HTTPX[fn]), None
        if q in ("urllib.request.urlopen", "urllib2.urlopen", "six.moves.urllib.request.urlopen"):
            return "urllib", bind(v, ["url", "data"]), None
        if q in ("urllib.request.Request", "urllib2.Request"):
            return "urllib", bind(v, ["url", "data", "headers"]), None
        return None
    recv = v.receiver
    if isinstance(recv, CallV) and recv.qualname in SESSION_CLASSES and v.method:
        lib, sig = SESSION_CLASSES[recv.qualname]
        if v.method in sig:
            return lib, bind(v, sig[v.method]), recv
        return None
    if v.method in ("post", "request") and not _known_library_object(recv):
        # A client object the analysis cannot resolve (a parameter, an attribute set in several
        # places). Only a literal grant_type in the payload will make this a token request.
        return UNRESOLVED, bind(v, REQUESTS_SESSION[v.method]), None
    return None


def detect(ctx: ModuleContext) -> None:
    for call in ctx.index.calls:
        func = call.func
        if not isinstance(func, (cst.Attribute, cst.Name)):
            continue
        name = func.attr.value if isinstance(func, cst.Attribute) else func.value
        if name not in HTTP_METHODS and name not in ("request", "urlopen", "Request"):
            continue
        v = ctx.value(call)
        classified = _classify_call(v)
        if classified is None:
            continue
        lib, args, session = classified
        if lib == "urllib" and _is_request_wrapped(ctx, call, args):
            continue
        if not _analyse_request(ctx, call, lib, args, session) and _payload_from_params(args):
            _through_wrapper(ctx, call)
    _authorization_urls(ctx)


def _payload_from_params(args: dict[str, V]) -> bool:
    for key in ("data", "json", "content", "params"):
        v = args.get(key)
        if isinstance(v, Param) or (
            isinstance(v, Text) and any(isinstance(h, Param) for h in v.holes)
        ):
            return True
    return False


def _through_wrapper(ctx: ModuleContext, call: cst.Call) -> None:
    """A private ``_request(url, data, headers)`` helper: analyse each of its call sites.

    The payload is a parameter of the enclosing function; bound to the arguments of a call site
    (one call deep, same module), it may carry the grant_type that makes it a token request.
    The usage is reported at the call site, where the grant is decided.
    """
    fn = ctx.ev.enclosing_function(call)
    if fn is None:
        return
    for site in ctx.index.calls:
        if site is call or ctx.ev.enclosing_function(site) is fn:
            continue
        target = ctx.value(site.func)
        if not isinstance(target, FuncRef) or target.func is not fn:
            continue
        pos, kw, _ = ctx.ev.eval_args(site, {}, 0)
        env = ctx.ev.bind_env(target, pos, kw)
        inner = ctx.ev.eval(call, env)
        classified = _classify_call(inner)
        if classified is None:
            continue
        lib, args, session = classified
        _analyse_request(ctx, call, lib, args, session, site=site, via=fn.name.value)


def _is_request_wrapped(ctx: ModuleContext, call: cst.Call, args: dict[str, V]) -> bool:
    """``urlopen(Request(...))``: analyse the request once.

    A Request built inline is analysed with the urlopen around it (which may add ``data=``), a
    Request kept in a variable where it is built.
    """
    url = args.get("url")
    if isinstance(url, CallV) and (url.qualname or "").endswith("Request"):
        return not any(
            isinstance(a.value, cst.Call) and (a.keyword is None or a.keyword.value == "url")
            for a in call.args[:1]
        )
    parent = ctx.index.parent.get(id(call))
    if isinstance(parent, cst.Arg):
        outer = ctx.index.parent.get(id(parent))
        if isinstance(outer, cst.Call):
            q = ctx.value(outer)
            return isinstance(q, CallV) and (q.qualname or "").endswith("urlopen")
    return False


def _analyse_request(
    ctx: ModuleContext,
    call: cst.Call,
    lib: str,
    args: dict[str, V],
    session: CallV | None,
    site: cst.CSTNode | None = None,
    via: str | None = None,
) -> bool:
    """Report the request if it is an OAuth token request; True when it was one."""
    url = args.get("url")
    if lib == "urllib" and isinstance(url, CallV) and (url.qualname or "").endswith("Request"):
        inner = bind(url, ["url", "data", "headers"])
        url = inner.get("url")
        args = {**inner, **{k: v for k, v in args.items() if k != "url"}}
    body: V | None = None
    for key in ("data", "json", "content"):
        if key in args:
            body = args[key]
            break
    body_fields = form_fields(body) if body is not None else DictV({}, True)
    params = args.get("params")
    qfields = form_fields(params) if params is not None else None
    url_q = query_fields(url)
    grant_v = None
    for f in (body_fields, qfields, url_q):
        if f is not None and "grant_type" in f.items:
            grant_v = f.items["grant_type"]
            break

    headers = _merge_headers(session, args.get("headers"))
    if grant_v is None:
        # not an OAuth call; still a place where a literal bearer token can leak
        auth_from_headers(AuthEvidence(), headers, ctx, call)
        return False

    ev = AuthEvidence()
    if lib == UNRESOLVED:
        lib = _library_from_imports(ctx) or "unknown"
        # the session may carry auth and headers of its own
        ev.unknown_auth = True
        ev.notes.append(f"HTTP client object not resolved; {lib} inferred from the imports")
    auth_from_value(ev, args.get("auth"), ctx, call, "auth=")
    if session is not None and not ev.basic and not ev.unknown_auth:
        auth_from_value(
            ev, session.kw.get("auth", session.kw.get("@auth")), ctx, call, "session auth"
        )
    auth_from_headers(ev, headers, ctx, call)
    auth_from_url(ev, url, ctx, call)
    if body_fields is not None:
        fields_from_body(ev, body_fields, "JSON body" if "json" in args else "body", ctx, call)
    for q in (qfields, url_q):
        if q is not None:
            fields_from_body(ev, q, "query", ctx, call)
    body_known = body_fields is not None and body_fields.complete
    method = ev.method(body_known)

    grant = known_str(grant_v)
    flow = flow_for_grant(grant)
    all_fields: dict[str, V] = {}
    for f in (url_q, qfields, body_fields):
        if f is not None:
            all_fields.update(f.items)
    if flow == "authorization_code" and "code_verifier" in all_fields:
        flow = "authorization_code_pkce"
    operation = "refresh" if flow == "refresh_token" else "token_request"
    scope_v = all_fields.get("scope")
    scopes = scopes_of(scope_v) if body_known or scope_v is not None else None
    verify = _verify_disabled(lib, args, session)
    evidence = [f"grant_type={grant or '?'} in the request"] + ev.notes
    if via is not None:
        evidence.append(f"sent by {via}() at line {ctx.span(call).line}")
    u = usage(
        ctx,
        site or call,
        lib,
        operation,
        flow=flow,
        grant_type=grant,
        client_auth=method,
        token_url=url_text(url),
        scopes=scopes,
        client_id=ctx.credential(ev.client_id) if ev.client_id is not None else None,
        secret=ctx.credential(ev.secret) if ev.secret is not None else None,
        verify_disabled=verify,
        client_key=client_key(ctx, session),
        evidence=evidence,
    )
    if body_fields is not None and ev.body_secret is not None and "data" in args:
        u.fix_hints["move_body_credentials_to_auth"] = True
    if (
        ev.body_secret is None
        and qfields is not None
        and "client_secret" in qfields.items
        and (url_q is None or "client_secret" not in url_q.items)
    ):
        u.fix_hints["move_query_credentials_to_auth"] = True  # params=: the URL holds none
    if verify:
        transport_fact(
            ctx, call, f"TLS verification disabled on a {lib} token request", u.token_url
        )
    return True


OAUTH_AND_HTTP_ROOTS = (
    "requests",
    "httpx",
    "aiohttp",
    "urllib",
    "requests_oauthlib",
    "oauthlib",
    "authlib",
    "msal",
    "google",
    "httpx_oauth",
    "builtins",
)


def _known_library_object(recv: V | None) -> bool:
    """An object of a library class (handled by its own detector) rather than a project wrapper."""
    if not isinstance(recv, CallV):
        return False
    q = recv.qualname or ""
    if not q or q.startswith("<local>."):
        return recv.local_class is not None and bool(q) and not q.startswith("<local>.")
    return q.split(".", 1)[0] in OAUTH_AND_HTTP_ROOTS


def _library_from_imports(ctx: ModuleContext) -> str | None:
    for lib in ("requests", "httpx", "aiohttp"):
        if ctx.imports.imports_any((lib,)):
            return lib
    return None


def _merge_headers(session: CallV | None, headers: V | None) -> V | None:
    if session is None:
        return headers
    base = session.kw.get("headers", session.kw.get("@headers"))
    if isinstance(base, DictV) and isinstance(headers, DictV):
        return DictV({**base.items, **headers.items}, base.complete and headers.complete)
    return headers if headers is not None else base


def _verify_disabled(lib: str, args: dict[str, V], session: CallV | None) -> bool:
    keys = ("ssl", "verify_ssl") if lib == "aiohttp" else ("verify",)
    for k in keys:
        if is_false(args.get(k)):
            return True
        if session is not None and (
            is_false(session.kw.get(k)) or is_false(session.kw.get("@" + k))
        ):
            return True
    if lib == "aiohttp" and session is not None:
        conn = session.kw.get("connector")
        if isinstance(conn, CallV) and is_false(conn.kw.get("ssl", conn.kw.get("verify_ssl"))):
            return True
    return False


def _authorization_urls(ctx: ModuleContext) -> None:
    """Authorization URLs built by hand: ``response_type=code|token`` in a query string."""
    seen: set[int] = set()
    for node in ctx.index.strings:
        if isinstance(node, cst.SimpleString):
            raw = node.value
        else:
            raw = "".join(p.value for p in node.parts if isinstance(p, cst.FormattedStringText))
        if "response_type" not in raw:
            continue
        top = _outermost_string(ctx, node)
        if id(top) in seen:
            continue
        seen.add(id(top))
        v = ctx.value(top)
        fields = query_fields(v) if isinstance(v, Text) else None
        if (
            fields is None
            and isinstance(v, Text)
            and not any(isinstance(p, str) and any(c.isspace() for c in p) for p in v.parts)
        ):
            # a bare query string; text with spaces is prose (a log line, an evidence note)
            fields = form_fields(v)
        # every authorization request names its client (RFC 6749 4.1.1, 4.2.1)
        if fields is None or "response_type" not in fields.items or "client_id" not in fields.items:
            continue
        _auth_url_usage(ctx, top, fields, url_text(v))
    for call in ctx.index.calls:
        q = ctx.qualname(call.func)
        if not q or not (q == "urlencode" or q.endswith(".urlencode")):
            continue
        parent = ctx.index.parent.get(id(call))
        if isinstance(parent, (cst.FormattedStringExpression, cst.BinaryOperation)):
            continue  # covered by the enclosing string
        v = ctx.value(call)
        fields = form_fields(v) if isinstance(v, Text) else None
        if fields and "response_type" in fields.items and "client_id" in fields.items:
            _auth_url_usage(ctx, call, fields, None)


def _outermost_string(ctx: ModuleContext, node: cst.CSTNode) -> cst.CSTNode:
    cur = node
    while True:
        parent = ctx.index.parent.get(id(cur))
        if isinstance(
            parent, (cst.ConcatenatedString, cst.FormattedString, cst.FormattedStringExpression)
        ) or (isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, cst.Add)):
            cur = parent
            continue
        return cur


def _auth_url_usage(ctx: ModuleContext, node: cst.CSTNode, fields: DictV, url: str | None) -> None:
    rt = known_str(fields.items.get("response_type"))
    if rt is None:
        flow = "unknown"
    elif rt.split()[0] == "token" or "token" in rt.split():
        flow = "implicit"
    elif "code" in rt.split():
        flow = (
            "authorization_code_pkce" if "code_challenge" in fields.items else "authorization_code"
        )
    else:
        flow = "other"
    ev = AuthEvidence()
    fields_from_body(ev, fields, "query", ctx, node)
    secret = ev.query_secret
    usage(
        ctx,
        node,
        "urllib",
        "authorization_url",
        flow=flow,
        grant_type=None,
        client_auth="query" if secret is not None else "none",
        authorization_url=url,
        scopes=scopes_of(fields.items.get("scope")),
        client_id=ctx.credential(ev.body_client_id) if ev.body_client_id is not None else None,
        secret=ctx.credential(secret) if secret is not None else None,
        evidence=[f"response_type={rt or '?'} in an authorization URL built by hand"],
    )


__all__ = ["detect", "ROOTS", "Unknown"]
