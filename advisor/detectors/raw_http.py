"""Token requests and authorization URLs written by hand with requests, httpx, aiohttp, urllib.

A request is an OAuth token request when its form body, JSON body or query carries a
``grant_type`` field; an authorization URL is recognised by ``response_type`` in its query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from advisor.analysis.context import ModuleContext
from advisor.analysis.values import (
    BoundAttr,
    CallV,
    DictV,
    Evaluator,
    FuncRef,
    Param,
    Ref,
    SeqV,
    Text,
    Unknown,
    V,
    form_fields,
    known_str,
)
from advisor.detectors.common import (
    GRANT_FLOWS,
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
UNRESOLVED_CALLABLE = "?()"
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


# Test clients of web frameworks: a request to the project's own views, never to a provider.
TEST_CLIENT_CLASSES = {
    "django.test.Client",
    "django.test.client.Client",
    "rest_framework.test.APIClient",
    "starlette.testclient.TestClient",
    "fastapi.testclient.TestClient",
    "httpx.ASGITransport",
}
TEST_CASE_ROOTS = ("django.test", "rest_framework.test", "flask_testing", "unittest")


def _framework_test_client(recv: V | None) -> bool:
    """``self.client`` of a Django/DRF test case, ``TestClient(app)``, ``app.test_client()``."""
    if isinstance(recv, CallV):
        if recv.qualname in TEST_CLIENT_CLASSES:
            return True
        return recv.method == "test_client"
    if isinstance(recv, BoundAttr) and recv.attr in ("client", "api_client"):
        owner = recv.receiver
        base = owner.qualname if isinstance(owner, CallV) else None
        return bool(base) and base.startswith(TEST_CASE_ROOTS)  # type: ignore[union-attr]
    return False


def _classify_call(v: V) -> tuple[str, dict[str, V], CallV | None] | None:
    """(library, bound arguments, session object) of an HTTP call, or None."""
    if not isinstance(v, CallV):
        return None
    if _framework_test_client(v.receiver):
        return None  # a server's tests posting to its own token view
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
        if _request_like(q, v):
            # another HTTP library's request object or sender (azure.core's
            # HttpRequest("POST", url, data=...), a vendored client's post()): the protocol
            # fields in its arguments decide
            return q.split(".", 1)[0], _generic_args(v, None), None
        return None
    recv = v.receiver
    if isinstance(recv, CallV) and recv.qualname in SESSION_CLASSES and v.method:
        lib, sig = SESSION_CLASSES[recv.qualname]
        if v.method in sig:
            return lib, bind(v, sig[v.method]), recv
        return None
    if v.method in SENDING_METHODS and not _known_library_object(recv):
        # A client object the analysis cannot resolve (a parameter, an attribute set in several
        # places, a generated SDK's transport). Only the protocol fields in its arguments (a
        # grant_type, a code exchange) will make this a token request.
        return UNRESOLVED, _generic_args(v, REQUESTS_SESSION.get(v.method or "")), None
    if v.method is None and v.receiver is None and v.callee_unknown:
        # an injected callable: request(method=..., url=..., body=...); unlike a session it
        # is handed every part of the request, client authentication included
        return UNRESOLVED_CALLABLE, _generic_args(v, None), None
    return None


# Methods that send a request on an object whose class is not known.
SENDING_METHODS = HTTP_METHODS | {
    "request",
    "fetch",
    "call_api",
    "make_request",
    "send_request",
    "api_call",
}
# Keyword spellings of the request's parts in wrappers and generated SDK transports.
SLOT_ALIASES = {
    "url": ("url", "uri", "endpoint", "token_url", "resource_path"),
    "data": ("data", "body", "form", "form_data", "post_params", "payload"),
    "json": ("json", "json_body", "json_data"),
    "params": ("params", "query", "query_params"),
    "headers": ("headers", "header_params"),
    "auth": ("auth",),
    "verify": ("verify",),
}
_METHOD_WORDS = {m.upper() for m in HTTP_METHODS}


_REQUEST_LIKE = re.compile(r"(?:^|_)(?:post|request|send|fetch)(?:$|_)|Request$", re.IGNORECASE)
# Imported callables that build or transform data, never send it.
_NOT_SENDERS = ("builtins.", "json.", "urllib.parse.", "logging.", "typing.", "dataclasses.")


def _request_like(q: str, v: CallV) -> bool:
    """An imported callable that sends or builds an HTTP request, by its name or arguments."""
    if q.startswith(_NOT_SENDERS) or q.split(".", 1)[0] in OAUTH_AND_HTTP_ROOTS:
        return False
    first = v.pos[0] if v.pos else None
    method_first = (
        isinstance(first, Text) and (first.known or "").upper() in _METHOD_WORDS and len(v.pos) > 1
    )
    return method_first or _REQUEST_LIKE.search(q.rsplit(".", 1)[-1]) is not None


def _generic_args(v: CallV, positional: list[str] | None) -> dict[str, V]:
    """The request's parts from the arguments of a call whose signature is not known.

    Keywords are read by their usual names; positionals by shape: a method word, then the
    URL, then mappings (the one carrying protocol fields is the body, one with an
    ``Authorization`` or ``Content-Type`` key the headers). A single options object built by
    a call (``fetch(Options(url=..., data=...))``) lends its keywords.
    """
    out: dict[str, V] = {}
    kw = {k: val for k, val in v.kw.items() if not k.startswith("@")}
    pos = list(v.pos)
    if len(pos) == 1 and isinstance(pos[0], CallV) and not kw:
        inner = pos[0]
        if any(k in inner.kw for k in (*SLOT_ALIASES["url"], *SLOT_ALIASES["data"])):
            kw = {k: val for k, val in inner.kw.items() if not k.startswith("@")}
            pos = list(inner.pos)
    for slot, names in SLOT_ALIASES.items():
        for name in names:
            if name in kw:
                out.setdefault(slot, kw[name])
    if positional:
        for name, val in zip(positional, pos, strict=False):
            out.setdefault(name, val)
        return out
    mappings: list[V] = []
    for val in pos:
        if isinstance(val, Text) and val.known is not None and val.known.upper() in _METHOD_WORDS:
            continue
        if "url" not in out and isinstance(val, (Text, Param)):
            out["url"] = val
        elif isinstance(val, (DictV, SeqV, Param)):
            mappings.append(val)
    for val in mappings:
        fields = form_fields(val)
        if fields is None:
            continue
        keys = {k.lower() for k in fields.items}
        if "headers" not in out and keys & {"authorization", "content-type", "accept"}:
            out["headers"] = val
        elif "data" not in out:
            out["data"] = val
    return out


SENDING_NAMES = SENDING_METHODS | {"urlopen", "Request"}

# Bounds of the search through project wrappers: calls between a call site and the request,
# and request paths kept per function. Past them the site is not analysed (never a guess).
MAX_WRAPPER_DEPTH = 5
MAX_CHAINS = 12

Chain = tuple[tuple[cst.Call, Evaluator], ...]


def detect(ctx: ModuleContext) -> None:
    for call in ctx.index.calls:
        func = call.func
        name = func.attr.value if isinstance(func, cst.Attribute) else None
        if isinstance(func, cst.Name):
            name = func.value
        target = ctx.value(func)
        if isinstance(target, FuncRef):
            # a project function or method: the request it returns (inlined) when that is a
            # token request by itself, else whatever it sends further down
            if name in SENDING_NAMES and _direct_request(ctx, call, only_token_requests=True):
                continue
            _through_wrappers(ctx, call, target)
        elif _may_send(call, name, target):
            _direct_request(ctx, call)
    _template_methods(ctx)
    _authorization_urls(ctx)
    _protocol_payloads(ctx)  # last: only where nothing else was found


def _template_methods(ctx: ModuleContext) -> None:
    """A base class sends; a subclass here supplies the body (template method).

    ``BaseOAuth2.auth_complete`` posts ``self.auth_complete_params()``; a provider's subclass
    overrides ``auth_complete_params`` to return its own grant and fields. For each class of
    this file, the base-class methods that call one of its overrides are evaluated with
    ``self`` an object of this class; when the request they send differs from the base's own,
    the usage is reported at the override that supplies it.
    """
    for info in ctx.index.classes.values():
        cls = info.node
        overrides = {
            n: m for n, m in info.methods.items() if n != "__init__" and _names_protocol(ctx, m)
        }
        if not overrides or not cls.bases:
            continue  # no override that could supply a request's fields or credentials
        obj = ctx.ev.self_value(cls, 0)
        for bcls, bev in _base_classes(ctx.ev, cls):
            binfo = bev.idx.class_of_node.get(id(bcls))
            if binfo is None:
                continue
            for name, sender in binfo.methods.items():
                if name in overrides:
                    continue
                hooks = _self_calls(bev, sender) & overrides.keys()
                if not hooks:
                    continue
                _template_request(ctx, bev, bcls, sender, obj, [overrides[h] for h in hooks])


_HOOK_WORDS = re.compile(
    r"grant_type|client_id|client_secret|redirect_uri|refresh_token|code_verifier|"
    r"response_type|assertion|Authorization|Basic|auth|secret",
)


def _names_protocol(ctx: ModuleContext, fn: cst.FunctionDef) -> bool:
    """Could this method supply a request's fields or credentials? (a cheap text test)"""
    return _HOOK_WORDS.search(cst.Module([]).code_for_node(fn)) is not None


def _base_classes(ev: Evaluator, cls: cst.ClassDef) -> list[tuple[cst.ClassDef, Evaluator]]:
    """Base classes of ``cls`` in this module and in other project modules, nearest first."""
    out = [(k, ev) for k in ev._mro(cls)[1:]]
    for fcls, fev in ev._foreign_bases(cls):
        out.extend((k, fev) for k in fev._mro(fcls))
        out.extend(fev._foreign_bases(fcls)[:4])
    return out[:12]


def _self_calls(ev: Evaluator, fn: cst.FunctionDef) -> set[str]:
    names = set()
    for call in ev.calls_in(fn):
        func = call.func
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value == "self"
        ):
            names.add(func.attr.value)
    return names


def _request_signature(v: V | None) -> tuple | None:
    classified = _classify_call(v) if v is not None else None
    if classified is None:
        return None
    fields = _request_fields(classified[1])
    grant = _protocol_grant(fields)
    if not grant:
        return None
    auth = classified[1].get("auth")
    headers = form_fields(classified[1].get("headers")) if "headers" in classified[1] else None
    return (
        grant,
        tuple(sorted(fields.all)),
        type(auth).__name__,
        tuple(sorted(headers.items)) if headers is not None else (),
    )


def _template_request(
    ctx: ModuleContext,
    bev: Evaluator,
    bcls: cst.ClassDef,
    sender: cst.FunctionDef,
    obj: V,
    hooks: list[cst.FunctionDef],
) -> None:
    params = [*sender.params.posonly_params, *sender.params.params]
    if not params:
        return
    first = params[0].name.value
    own = {(id(sender), first): obj}
    base = {(id(sender), first): bev.self_value(bcls, 0)}
    for chain in _chains(bev, sender, 1, set()):
        mine = _run_chain(chain, own)
        signature = _request_signature(mine)
        if signature is None or signature == _request_signature(_run_chain(chain, base)):
            continue
        lib, args, session = _classify_call(mine)  # type: ignore[misc]
        hook = _supplier(hooks)
        _analyse_request(
            ctx, hook, lib, args, session, site=_return_of(hook), via=sender.name.value
        )
        return


def _supplier(hooks: list[cst.FunctionDef]) -> cst.FunctionDef:
    """The override that supplies the body: the one that names a grant, else the first."""
    for hook in hooks:
        text = cst.Module([]).code_for_node(hook)
        if "grant_type" in text or "redirect_uri" in text:
            return hook
    return hooks[0]


def _return_of(fn: cst.FunctionDef) -> cst.CSTNode:
    body = fn.body.body if isinstance(fn.body, cst.IndentedBlock) else []
    returns = [s for s in body if isinstance(s, cst.SimpleStatementLine)]
    for line in reversed(returns):
        for stmt in line.body:
            if isinstance(stmt, cst.Return):
                return stmt
    return fn


# Calls that transform a payload on its way to the sender (their result carries it on).
_TRANSFORMERS = {
    "urlencode",
    "dumps",
    "dict",
    "copy",
    "update",
    "encode",
    "sorted",
    "items",
    "quote",
    "setdefault",
    "pop",
    "get",
}
_LOGGING = {"debug", "info", "warning", "error", "exception", "log", "print", "critical"}


def _protocol_payloads(ctx: ModuleContext) -> None:
    """A token request whose sender cannot be seen: the protocol fields are built here.

    Some integrations hand the body to an object the analysis cannot type (a prepared-request
    builder, an SDK transport passed in, a dynamically chosen method). When a function builds a
    mapping with a literal ``grant_type`` (or a code exchange) and passes it to a call, and no
    usage was found in that function, the call that receives it is reported: the grant is
    decided here whatever sends it.
    """
    fns: dict[int, cst.FunctionDef] = {}
    for node in ctx.index.strings:
        raw = node.value if isinstance(node, cst.SimpleString) else ""
        if raw[1:-1] in _PROTOCOL_KEYS or raw[2:-1] in _PROTOCOL_KEYS:
            fn = ctx.ev.enclosing_function(node)
            if fn is not None:
                fns[id(fn)] = fn
    for call in ctx.index.calls:
        # create(grant_type=..., client_id=...): the fields given as keywords; or a mapping
        # returned by a project helper that names them (params = self.auth_params(state))
        keywords = any(a.keyword is not None and a.keyword.value in _GRANT_KEYS for a in call.args)
        if keywords or _calls_protocol_builder(ctx, call):
            fn = ctx.ev.enclosing_function(call)
            if fn is not None:
                fns[id(fn)] = fn
    for fn in fns.values():
        # a usage already found in this function (by name: positions of a large class cost
        # more than its analysis)
        name = ctx.context_name(fn.body) or ""
        if any(
            u.path == ctx.path and (u.context == name or (u.context or "").startswith(name + "."))
            for u in ctx.facts.usages
        ):
            continue
        carriers: list[tuple[cst.Call, str, V]] = []
        seen: set[int] = set()  # one request per mapping, however many calls it is handed to
        for call in ctx.ev.calls_in(fn):
            name = _call_name(call)
            if name is None or name in _TRANSFORMERS or name in _LOGGING:
                continue
            func_v = ctx.value(call.func)
            if _library_method(func_v):
                continue  # a library object's own method: its detector knows what it does
            if isinstance(func_v, BoundAttr) and _framework_test_client(func_v.receiver):
                continue
            for value in _call_payload_candidates(ctx, call):
                payload = _payload_in(value)
                if payload is not None and _grant_is_parameter_of(payload, fn):
                    break  # decided by the callers of fn: reported at their calls
                if payload is not None:
                    key = id(payload.node) if payload.node is not None else id(payload)
                    if key not in seen:
                        seen.add(key)
                        carriers.append((call, name, payload))
                    break
        for call, name, payload in _outermost(ctx, carriers):
            if "response_type" in payload.items:
                _auth_url_usage(ctx, call, payload, None)
                continue
            _analyse_request(
                ctx,
                call,
                UNRESOLVED,
                {"data": payload},
                None,
                site=call,
                via=name,
            )


def _library_method(func: V) -> bool:
    """A method or function of an HTTP or OAuth library (an oauthlib server, a session)."""
    if isinstance(func, Ref):
        return func.qualname.split(".", 1)[0] in OAUTH_AND_HTTP_ROOTS
    recv = func.receiver if isinstance(func, BoundAttr) else None
    return isinstance(recv, CallV) and _known_library_object(recv)


def _call_name(call: cst.Call) -> str | None:
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, cst.Name):
        return func.value
    return None


_GRANT_KEYS = ("grant_type", "grantType")
_PROTOCOL_KEYS = (*_GRANT_KEYS, "response_type")


def _calls_protocol_builder(ctx: ModuleContext, call: cst.Call) -> bool:
    """A call of a project function whose own code names a protocol field."""
    func = call.func
    if not isinstance(func, (cst.Attribute, cst.Name)):
        return False
    target = ctx.value(func)
    if not isinstance(target, FuncRef):
        return False
    ev = target.owner or ctx.ev
    memo: dict[int, bool] = ev.__dict__.setdefault("_protocol_builders", {})
    known = memo.get(id(target.func))
    if known is None:
        known = any(
            isinstance(node, cst.SimpleString) and node.raw_value in _PROTOCOL_KEYS
            for node in ev.strings_in(target.func)
        )
        memo[id(target.func)] = known
    return known


def _grant_is_parameter_of(payload: DictV, fn: cst.FunctionDef) -> bool:
    grant = payload.items.get("grant_type")
    return isinstance(grant, Param) and grant.function == fn.name.value


def _call_payload_candidates(ctx: ModuleContext, call: cst.Call) -> list[V]:
    values = [ctx.value(a.value) for a in call.args if a.keyword is None and not a.star]
    values += [ctx.value(a.value) for a in call.args if a.star == "**"]
    kw = {a.keyword.value: ctx.value(a.value) for a in call.args if a.keyword is not None}
    if any(k in kw for k in _GRANT_KEYS) and (
        "client_id" in kw or "client_secret" in kw or "clientId" in kw
    ):
        values.append(DictV(kw, False, call))
    values += [v for k, v in kw.items() if k not in _GRANT_KEYS]
    return values


def _payload_in(v: V) -> DictV | None:
    """The protocol mapping an argument carries: itself, or one level down (``op["form"]``).

    A token request's fields (a grant, or a code exchange), or an authorization request's: a
    literal ``response_type`` with the client's ``client_id`` or ``redirect_uri``.
    """
    candidates: list[V] = [v]
    if isinstance(v, DictV):
        candidates.extend(item for item in v.items.values() if isinstance(item, DictV))
    for c in candidates:
        fields = _snake(form_fields(c))
        if fields is None:
            continue
        items = fields.items
        if "response_type" in items:
            # a mapping of authorization parameters; a URL already built was reported where
            # it was built, not where it is opened or returned
            mapping = isinstance(c, DictV)
            named = "client_id" in items or "redirect_uri" in items
            if mapping and named and known_str(items["response_type"]):
                return fields
            continue
        grant = _protocol_grant(_Fields(None, fields, None, None, items, {}))
        if grant or (grant == "" and ("client_id" in items or "client_secret" in items)):
            return fields
    return None


def _outermost(
    ctx: ModuleContext, carriers: list[tuple[cst.Call, str, V]]
) -> list[tuple[cst.Call, str, V]]:
    """Drop carriers nested in another carrier's arguments (the outer call receives it)."""
    ids = {id(c) for c, _, _ in carriers}
    out = []
    for item in carriers:
        cur = ctx.index.parent.get(id(item[0]))
        nested = False
        while cur is not None and not isinstance(cur, (cst.FunctionDef, cst.Module)):
            if id(cur) in ids:
                nested = True
                break
            cur = ctx.index.parent.get(id(cur))
        if not nested:
            out.append(item)
    return out


def _may_send(call: cst.Call, name: str | None, target: V) -> bool:
    """Cheap test before evaluating a call as a request: its name or its callee's kind."""
    if name in SENDING_NAMES or isinstance(target, (Param, Unknown)):
        return True
    if not isinstance(target, Ref) or name is None:
        return False
    if _REQUEST_LIKE.search(name):
        return True
    first = call.args[0].value if call.args else None
    return isinstance(first, cst.SimpleString) and first.raw_value.upper() in _METHOD_WORDS


def _direct_request(ctx: ModuleContext, call: cst.Call, only_token_requests: bool = False) -> bool:
    """Analyse a call that is itself an HTTP request; True when it was one (a token request,
    with ``only_token_requests``)."""
    classified = _classify_call(ctx.value(call))
    if classified is None:
        return False
    lib, args, session = classified
    if lib == "urllib" and _is_request_wrapped(ctx, call, args):
        return True
    if only_token_requests and not _protocol_grant(_request_fields(args)):
        return False
    return _analyse_request(ctx, call, lib, args, session) or not only_token_requests


def _payload_from_params(args: dict[str, V]) -> bool:
    """Could a caller decide what this request sends? (a part of it is a parameter)"""
    return any(_from_params(args.get(key), 0) for key in ("data", "json", "params", "url"))


def _from_params(v: V | None, depth: int) -> bool:
    while isinstance(v, BoundAttr):  # options.data, self._opts.body
        v = v.receiver
    if isinstance(v, Param):
        return True
    if isinstance(v, Text):
        return any(isinstance(h, Param) for h in v.holes)
    if isinstance(v, DictV):
        return not v.complete or any(_from_params(i, depth + 1) for i in v.items.values())
    if isinstance(v, CallV) and depth < 2 and v.qualname is None or _opaque(v):
        # serialize(body), self._encode(body): built from the parameters
        return any(_from_params(a, depth + 1) for a in (*v.pos, *v.kw.values()))  # type: ignore[union-attr]
    return False


def _opaque(v: V | None) -> bool:
    """A call of a project function whose result the analysis does not know."""
    return isinstance(v, CallV) and (v.qualname or "").startswith("<local>.")


def _through_opaque(v: V | None) -> V | None:
    """``serialize(body)``: the one mapping a project helper turns into the body."""
    if _opaque(v) or (isinstance(v, CallV) and v.qualname is None and v.receiver is None):
        maps = [a for a in (*v.pos, *v.kw.values()) if isinstance(a, DictV)]  # type: ignore[union-attr]
        if len(maps) == 1:
            return maps[0]
    return v


def _through_wrappers(ctx: ModuleContext, site: cst.Call, target: FuncRef) -> None:
    """A call of a project function that sends a request, perhaps several calls further down.

    Real integrations send through their own helpers: ``self._fetch("refresh_token", data)``
    -> ``self._request("POST", url, data)`` -> ``self.session.request(...)``, in any module of
    the project, inherited or not. Each path from the callee to a request (``_chains``) is
    evaluated with this site's arguments; when the site decides the request's grant (it is not
    decided below it), the usage is reported here, one per call site.
    """
    owner = target.owner or ctx.ev
    chains = _chains(owner, target.func, 1, set())
    if not chains:
        return
    pos, kw, _ = ctx.ev.eval_args(site, {}, 0)
    supplies = _carries_protocol(pos, kw) or _has_defaults(target.func)
    bound: dict | None = None
    for chain in chains:
        sink, sink_ev = chain[-1]
        below = _below(owner, target, chain)
        if below == "decided":
            continue  # the grant is fixed below this site: reported where it is fixed
        if below == "none" and not supplies:
            continue  # no protocol field below, and this site passes none
        if bound is None:
            bound = owner.bind_env(target, pos, kw)
        classified = _classify_call(_run_chain(chain, bound))
        if classified is None:
            continue
        lib, args, session = classified
        own = sink_ev is ctx.ev
        via = target.func.name.value
        if _analyse_request(ctx, sink if own else site, lib, args, session, site=site, via=via):
            return


# Requests recognised by their fields when they carry no grant_type.
DEVICE_AUTHORIZATION = "<device authorization>"
CODE_EXCHANGE = "<code exchange>"
_DEVICE_PATH = re.compile(
    r"device(?:[/_-]?code|[/_-]?authori[sz]ation|[/_-]?authorize)|/device/?(?:$|\?)", re.I
)
# camelCase spellings of the protocol's fields (some providers' JSON token APIs)
_CAMEL_FIELDS = {
    "grantType": "grant_type",
    "clientId": "client_id",
    "clientSecret": "client_secret",
    "refreshToken": "refresh_token",
    "redirectUri": "redirect_uri",
    "codeVerifier": "code_verifier",
    "clientAssertion": "client_assertion",
    "clientAssertionType": "client_assertion_type",
}


@dataclass
class _Fields:
    url: V | None
    body: DictV | None
    query: DictV | None
    url_query: DictV | None
    all: dict[str, V]
    args: dict[str, V]  # the request's arguments, a Request object's merged in


def _snake(d: DictV | None) -> DictV | None:
    if d is None or not any(k in _CAMEL_FIELDS for k in d.items):
        return d
    return DictV({_CAMEL_FIELDS.get(k, k): v for k, v in d.items.items()}, d.complete, d.node)


def _request_fields(args: dict[str, V]) -> _Fields:
    url = args.get("url")
    if isinstance(url, CallV) and (url.qualname or "").endswith("Request"):
        # urlopen(Request(url, data, headers)) or a Request built elsewhere
        inner = bind(url, ["url", "data", "headers"])
        url = inner.get("url")
        args = {**inner, **{k: v for k, v in args.items() if k != "url"}}
    body: V | None = None
    for key in ("data", "json", "content"):
        if key in args:
            body = args[key]
            break
    body = _through_opaque(body)
    body_fields = _snake(form_fields(body)) if body is not None else DictV({}, True)
    params = args.get("params")
    qfields = _snake(form_fields(params)) if params is not None else None
    url_q = _snake(query_fields(url))
    merged: dict[str, V] = {}
    for f in (url_q, qfields, body_fields):
        if f is not None:
            merged.update(f.items)
    return _Fields(url, body_fields, qfields, url_q, merged, args)


def _protocol_grant(fields: _Fields) -> str | None:
    """The grant a request performs, from its fields (None: not a token request).

    A ``grant_type`` field whose value is not known is ``""`` (a token request of a grant
    decided elsewhere). Without one: a ``code`` with a ``redirect_uri`` is a code exchange
    (older providers), a ``client_id`` posted to a device-code endpoint a device
    authorization request.
    """
    for f in (fields.body, fields.query, fields.url_query):
        if f is not None and "grant_type" in f.items:
            return known_str(f.items["grant_type"]) or ""
    names = fields.all
    if "code" in names and "redirect_uri" in names and "response_type" not in names:
        return CODE_EXCHANGE
    if "client_id" in names and "response_type" not in names:
        shown = url_text(fields.url) or ""
        if _DEVICE_PATH.search(shown):
            return DEVICE_AUTHORIZATION
    return None


def _below(owner: Evaluator, target: FuncRef, chain: Chain) -> str:
    """What the request at the end of ``chain`` is with the callee's parameters unbound (a
    default is the caller's choice too): "decided" (a known grant), "open" (protocol fields
    whose grant a caller may decide) or "none". Memoised per callee and chain."""
    memo: dict[tuple[int, int], str] = owner.__dict__.setdefault("_chain_below", {})
    key = (id(target.func), id(chain))
    known = memo.get(key)
    if known is not None:
        return known
    params = [*target.func.params.posonly_params, *target.func.params.params]
    unbound = {}
    if target.receiver is not None and params:
        unbound[(id(target.func), params[0].name.value)] = target.receiver
    classified = _classify_call(_run_chain(chain, unbound))
    grant = _protocol_grant(_request_fields(classified[1])) if classified is not None else None
    known = "decided" if grant else "open" if grant == "" else "none"
    memo[key] = known
    return known


def _has_defaults(fn: cst.FunctionDef) -> bool:
    """A parameter default that may be a protocol field: ``grant_type="client_credentials"``."""
    for p in (*fn.params.params, *fn.params.kwonly_params):
        if p.default is None:
            continue
        if p.name.value in _PROTOCOL_FIELDS:
            return True
        if isinstance(p.default, cst.SimpleString) and p.default.raw_value in GRANT_NAMES:
            return True
    return False


GRANT_NAMES = frozenset(GRANT_FLOWS)
_PROTOCOL_FIELDS = {
    "grant_type",
    "grantType",
    "code",
    "redirect_uri",
    "client_id",
    "clientId",
    "client_secret",
    "refresh_token",
    "response_type",
    "device_code",
}


def _carries_protocol(pos: tuple[V, ...], kw: dict[str, V]) -> bool:
    """Could these arguments turn a request into a token request? (protocol fields in them)"""
    if any(k in _PROTOCOL_FIELDS for k in kw):
        return True
    # Only what is written here can decide a grant here: a parameter, an attribute or an
    # unknown value passed on is decided by whoever supplies it, and analysed there.
    for v in (*pos, *kw.values()):
        if isinstance(v, CallV) and len(v.pos) == 1 and not v.kw:
            v = v.pos[0]  # FetchOptions(...) / serialize(body): what it wraps
        if isinstance(v, CallV):
            if _carries_protocol(v.pos, {k: x for k, x in v.kw.items() if not k.startswith("@")}):
                return True
            continue
        if isinstance(v, (DictV, SeqV)):
            fields = form_fields(v)
            if fields is None:
                continue
            if _PROTOCOL_FIELDS & set(fields.items):
                return True
            nested = [i for i in fields.items.values() if isinstance(i, (DictV, SeqV, CallV))]
            if nested and _carries_protocol(tuple(nested), {}):
                return True
        elif isinstance(v, Text):
            shown = v.display()
            if any(f in shown for f in _PROTOCOL_FIELDS):
                return True
    return False


def _run_chain(chain: Chain, env: dict) -> V | None:
    """The request at the end of ``chain``, its parameters bound from ``env`` step by step."""
    for call, ev in chain[:-1]:
        fn = ev.eval(call.func, env)
        if not isinstance(fn, FuncRef):
            return None
        pos, kw, _ = ev.eval_args(call, env, 0)
        env = (fn.owner or ev).bind_env(fn, pos, kw, env)
    call, ev = chain[-1]
    return ev.eval(call, env)


def _chains(ev: Evaluator, fn: cst.FunctionDef, depth: int, active: set[int]) -> list[Chain]:
    """Paths of calls from ``fn`` to an HTTP request whose payload its parameters may decide.

    Memoised per function on the evaluator of its module, so a wrapper called from many
    places in many files is summarised once per process.
    """
    memo: dict[int, list[Chain]] = ev.__dict__.setdefault("_sender_chains", {})
    known = memo.get(id(fn))
    if known is not None:
        return known
    if depth > MAX_WRAPPER_DEPTH or id(fn) in active:
        return []
    active.add(id(fn))
    out: list[Chain] = []
    for call in ev.calls_in(fn):
        func = call.func
        name = func.attr.value if isinstance(func, cst.Attribute) else None
        if isinstance(func, cst.Name):
            name = func.value
        target = ev.eval(func)
        if _may_send(call, name, target):
            sent = ev.eval(call)
            classified = _classify_call(sent)
            if classified is not None:
                # **kwargs of the function may carry the body, the auth, the URL
                star = isinstance(sent, CallV) and sent.star_unknown
                if star or _payload_from_params(classified[1]):
                    out.append(((call, ev),))
                continue
        if isinstance(target, FuncRef):
            inner_ev = target.owner or ev
            for chain in _chains(inner_ev, target.func, depth + 1, active):
                out.append(((call, ev), *chain))
        if len(out) >= MAX_CHAINS:
            break
    active.discard(id(fn))
    memo[id(fn)] = out
    return out


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
    fields = _request_fields(args)
    args = fields.args
    url, body_fields, qfields, url_q = fields.url, fields.body, fields.query, fields.url_query
    grant = _protocol_grant(fields)

    headers = _merge_headers(session, args.get("headers"))
    if grant is None:
        # not an OAuth call; still a place where a literal bearer token can leak
        auth_from_headers(AuthEvidence(), headers, ctx, call)
        return False

    ev = AuthEvidence()
    if lib == UNRESOLVED:
        lib = _library_from_imports(ctx) or "unknown"
        # the session may carry auth and headers of its own
        ev.unknown_auth = True
        ev.notes.append(f"HTTP client object not resolved; {lib} inferred from the imports")
    elif lib == UNRESOLVED_CALLABLE:
        lib = _library_from_imports(ctx) or "unknown"
        ev.notes.append("sent by a request callable passed in (its parts are all given here)")
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

    all_fields = fields.all
    inferred = grant if grant in (DEVICE_AUTHORIZATION, CODE_EXCHANGE) else None
    grant = None if inferred or not grant else grant
    flow = {DEVICE_AUTHORIZATION: "device_code", CODE_EXCHANGE: "authorization_code"}.get(
        inferred or "", flow_for_grant(grant)
    )
    if flow == "authorization_code" and "code_verifier" in all_fields:
        flow = "authorization_code_pkce"
    operation = "refresh" if flow == "refresh_token" else "token_request"
    scope_v = all_fields.get("scope")
    scopes = scopes_of(scope_v) if body_known or scope_v is not None else None
    verify = _verify_disabled(lib, args, session)
    if inferred == DEVICE_AUTHORIZATION:
        first = "device authorization request (client_id to a device-code endpoint)"
    elif inferred == CODE_EXCHANGE:
        first = "code exchange (code and redirect_uri, no grant_type)"
    else:
        first = f"grant_type={grant or '?'} in the request"
    evidence = [first] + ev.notes
    if via is not None and call is not site:
        evidence.append(f"sent by {via}() at line {ctx.span(call).line}")
    elif via is not None:
        evidence.append(f"sent through {via}() and the calls it makes")
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
        top = _enclosing_url(ctx, call)
        if id(top) in seen:
            continue  # the enclosing string was analysed above
        seen.add(id(top))
        whole = ctx.value(top) if top is not call else None
        fields = query_fields(whole) if isinstance(whole, Text) else None
        if fields is None or "response_type" not in fields.items:
            v = ctx.value(call)
            fields = form_fields(v) if isinstance(v, Text) else None
            whole = None
        if fields and "response_type" in fields.items and "client_id" in fields.items:
            _auth_url_usage(ctx, top, fields, url_text(whole) if whole is not None else None)


def _enclosing_url(ctx: ModuleContext, call: cst.Call) -> cst.CSTNode:
    """The string a query built by ``urlencode`` is part of: an f-string, a concatenation or a
    ``"%s?%s" % (url, urlencode(params))``; the call itself when it stands alone."""
    top = _outermost_string(ctx, call)
    if top is not call:
        return top
    element = ctx.index.parent.get(id(call))
    operands = ctx.index.parent.get(id(element)) if isinstance(element, cst.Element) else None
    binop = ctx.index.parent.get(id(operands)) if isinstance(operands, cst.Tuple) else None
    if isinstance(binop, cst.BinaryOperation) and isinstance(binop.operator, cst.Modulo):
        return binop
    return call


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
