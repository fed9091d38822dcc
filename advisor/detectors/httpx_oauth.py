"""httpx-oauth clients: ``OAuth2`` / ``BaseOAuth2`` and the provider classes in ``httpx_oauth.clients``.

httpx-oauth only does the authorization-code grant (reference section 6): ``get_authorization_url``,
``get_access_token(code, redirect_uri, code_verifier=None)`` and ``refresh_token``. Its default
``token_endpoint_auth_method`` is ``client_secret_post``, so the secret goes in the body unless
``"client_secret_basic"`` is passed. Provider classes keep their endpoints inside the package;
the few listed below are named so that the inventory can tell they are not the scanned
provider's. A client with no call in the file gets one ``client_setup`` usage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from advisor.analysis.context import ModuleContext
from advisor.analysis.values import CallV, Const, V, known_str
from advisor.detectors.common import bind, cred, scopes_of, url_text, usage
from advisor.model import Usage

ROOTS = ("httpx_oauth",)
LIBRARY = "httpx-oauth"

GENERIC = {"httpx_oauth.oauth2.OAuth2", "httpx_oauth.oauth2.BaseOAuth2"}
GENERIC_PARAMS = [
    "client_id",
    "client_secret",
    "authorize_endpoint",
    "access_token_endpoint",
    "refresh_token_endpoint",
    "revoke_token_endpoint",
]
PROVIDER_PARAMS = ["client_id", "client_secret", "scopes", "name"]
PROVIDER_TOKEN_URLS = {
    "GoogleOAuth2": "https://oauth2.googleapis.com/token",
    "GitHubOAuth2": "https://github.com/login/oauth/access_token",
    "DiscordOAuth2": "https://discord.com/api/oauth2/token",
    "LinkedInOAuth2": "https://www.linkedin.com/oauth/v2/accessToken",
}
METHODS = {
    "get_authorization_url": (
        "authorization_url",
        ["redirect_uri", "state", "scope", "code_challenge", "code_challenge_method"],
    ),
    "get_access_token": ("token_request", ["code", "redirect_uri", "code_verifier"]),
    "refresh_token": ("refresh", ["refresh_token"]),
}


@dataclass
class Client:
    cls: str
    key: str | None
    node: cst.CSTNode | None
    client_id: V | None
    secret: V | None
    token_url: str | None
    authorize_url: str | None
    scopes: list[str] | None
    client_auth: str
    auth_note: str
    fix_hints: dict
    usages: list[Usage] = field(default_factory=list)


def _is_client_class(q: str | None) -> bool:
    return bool(q) and (q in GENERIC or q.startswith("httpx_oauth.clients."))  # type: ignore[union-attr]


def detect(ctx: ModuleContext) -> None:
    clients: dict[str, Client] = {}
    order: list[Client] = []
    for call in ctx.index.calls:
        func = call.func
        if not isinstance(func, (cst.Attribute, cst.Name)):
            continue
        is_method = isinstance(func, cst.Attribute) and func.attr.value in METHODS
        is_local = isinstance(func, cst.Name) and func.value in ctx.index.classes
        if not (is_method or is_local or _is_client_class(ctx.qualname(func))):
            continue
        v = ctx.value(call)
        if not isinstance(v, CallV):
            continue
        if _is_client_class(v.qualname) and v.method is None:
            _client(ctx, v, clients, order)
        elif (
            v.method in METHODS
            and isinstance(v.receiver, CallV)
            and _is_client_class(v.receiver.qualname)
            and v.receiver.method is None
        ):
            client = _client(ctx, v.receiver, clients, order)
            _operation(ctx, call, v, client)
    for client in order:
        if not client.usages and client.node is not None:
            client.usages.append(
                usage(
                    ctx,
                    client.node,
                    LIBRARY,
                    "client_setup",
                    flow="authorization_code",
                    grant_type="authorization_code",
                    client_auth=client.client_auth,
                    token_url=client.token_url,
                    authorization_url=client.authorize_url,
                    scopes=client.scopes,
                    client_id=cred(ctx, client.client_id),
                    secret=cred(ctx, client.secret),
                    client_key=client.key,
                    evidence=[
                        f"{client.cls}: httpx-oauth only performs the authorization-code grant",
                        client.auth_note,
                    ],
                    fix_hints=dict(client.fix_hints),
                )
            )


def _client(
    ctx: ModuleContext, v: CallV, clients: dict[str, Client], order: list[Client]
) -> Client:
    key = None
    if v.local_class:
        key = f"{ctx.path}:class {v.local_class}"
    elif v.call is not None:
        where = ctx.locate(v.call)
        if where:
            key = f"{where[0]}:{where[1].line}:{where[1].column}"
    if key is not None and key in clients:
        return clients[key]
    q = v.qualname or ""
    short = q.rsplit(".", 1)[-1]
    generic = q in GENERIC
    a = bind(v, GENERIC_PARAMS if generic else PROVIDER_PARAMS)
    method_v = a.get("token_endpoint_auth_method")
    hints: dict = {}
    if method_v is None or (isinstance(method_v, Const) and method_v.value is None):
        auth, note = "body", "default token_endpoint_auth_method client_secret_post (body)"
        if generic and v.call is not None:
            # the argument is missing: the autofixer adds it to this call
            loc = ctx.locate(v.call)
            arg: dict = {"where": "missing keyword argument of the constructor"}
            if loc:
                sp = loc[1]
                arg.update(
                    path=loc[0],
                    line=sp.line,
                    column=sp.column,
                    end_line=sp.end_line,
                    end_column=sp.end_column,
                )
            hints = {"token_endpoint_auth_method": "client_secret_post", "argument": arg}
    else:
        s = known_str(method_v)
        auth = {"client_secret_basic": "basic", "client_secret_post": "body"}.get(
            s or "", "unknown"
        )
        note = f"token_endpoint_auth_method={s!r}" if s else "token_endpoint_auth_method unknown"
    where_node = v.call if v.call is not None else v.node
    if where_node is not None:
        ctx.record_secret(
            a.get("client_secret"), "client_secret", f"client_secret of {short}", where_node
        )
    client = Client(
        cls=short,
        key=key,
        node=v.call,
        client_id=a.get("client_id"),
        secret=a.get("client_secret"),
        token_url=url_text(a.get("access_token_endpoint"))
        if generic
        else PROVIDER_TOKEN_URLS.get(short),
        authorize_url=url_text(a.get("authorize_endpoint")) if generic else None,
        scopes=scopes_of(a.get("base_scopes")) if generic else None,
        client_auth=auth,
        auth_note=note,
        fix_hints=hints,
    )
    if key is not None:
        clients[key] = client
    order.append(client)
    return client


def _operation(ctx: ModuleContext, call: cst.Call, v: CallV, client: Client) -> None:
    operation, params = METHODS[v.method or ""]
    args = bind(v, params)
    flow = "authorization_code"
    grant: str | None = "authorization_code"
    evidence = [f"{client.cls}.{v.method}"]
    if operation == "authorization_url":
        grant = None
        if args.get("code_challenge") is not None:
            flow = "authorization_code_pkce"
            evidence.append("code_challenge passed")
    elif operation == "token_request":
        cv = args.get("code_verifier")
        if cv is not None and not (isinstance(cv, Const) and cv.value is None):
            flow = "authorization_code_pkce"
            evidence.append("code_verifier passed")
    else:
        flow, grant = "refresh_token", "refresh_token"
        ctx.record_secret(args.get("refresh_token"), "refresh_token", "refresh token", call)
    scopes = client.scopes
    if operation == "authorization_url" and "scope" in args:
        scopes = scopes_of(args["scope"])
    client.usages.append(
        usage(
            ctx,
            call,
            LIBRARY,
            operation,
            flow=flow,
            grant_type=grant,
            client_auth=client.client_auth,
            token_url=client.token_url,
            authorization_url=client.authorize_url if operation == "authorization_url" else None,
            scopes=scopes,
            client_id=cred(ctx, client.client_id),
            secret=cred(ctx, client.secret),
            client_key=client.key,
            evidence=[*evidence, client.auth_note],
            fix_hints=dict(client.fix_hints) if operation != "authorization_url" else {},
        )
    )


__all__ = ["detect", "ROOTS"]
