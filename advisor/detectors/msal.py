"""msal application objects: ``ConfidentialClientApplication`` and ``PublicClientApplication``.

The grant is decided by the method called (reference section 5). msal never sends an HTTP Basic
header: a confidential client with a string secret posts ``client_secret`` in the body, a
certificate or assertion dict sends a signed ``client_assertion`` (private_key_jwt), a public
client sends only ``client_id``. ``acquire_token_for_client`` serves expired tokens by a new
client-credentials request, never a refresh; ``acquire_token_silent`` with an account and
``acquire_token_by_refresh_token`` are refresh-token grants. ``acquire_token_silent(...,
account=None)`` looks up app tokens in the cache (no refresh token exists for them) and is not
reported.

The token endpoint is discovered from ``authority`` at runtime: ``token_url`` is derived only for
the Microsoft Entra authority shapes (``https://login.microsoftonline.com/<tenant>``, b2clogin,
ciamlogin), otherwise it is None and the authority is named in the evidence.

Usages: one per ``acquire_token_*`` / ``initiate_*`` / ``get_authorization_request_url`` call;
an application with none of these in the file gets one ``client_setup`` at its constructor.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from urllib.parse import urlparse

import libcst as cst

from advisor.analysis.context import ModuleContext
from advisor.analysis.values import CallV, Const, DictV, Env, SeqV, Text, Unknown, V, known_str
from advisor.detectors.common import bind, cred, is_false, scopes_of, transport_fact, usage
from advisor.model import Credential, Usage

ROOTS = ("msal",)
LIBRARY = "msal"

APP_CLASSES = {
    "msal.ConfidentialClientApplication": "confidential",
    "msal.application.ConfidentialClientApplication": "confidential",
    "msal.PublicClientApplication": "public",
    "msal.application.PublicClientApplication": "public",
    "msal.ClientApplication": "base",
    "msal.application.ClientApplication": "base",
}
APP_PARAMS = ["client_id", "client_credential", "authority", "validate_authority", "token_cache"]
DEFAULT_AUTHORITY = "https://login.microsoftonline.com/common"
ENTRA_HOSTS = (
    "login.microsoftonline.com",
    "login.microsoftonline.us",
    "login.chinacloudapi.cn",
    "login.partner.microsoftonline.cn",
    "login.microsoftonline.de",
)
ENTRA_HOST_SUFFIXES = (".b2clogin.com", ".ciamlogin.com")
ASSERTION_KEYS = ("private_key", "private_key_pfx_path", "client_assertion")


@dataclass(frozen=True)
class Method:
    operation: str
    flow: str
    grant_type: str | None
    params: tuple[str, ...]
    scopes_param: str | None = "scopes"


METHODS = {
    "acquire_token_for_client": Method(
        "token_request", "client_credentials", "client_credentials", ("scopes",)
    ),
    "initiate_auth_code_flow": Method(
        "authorization_url", "authorization_code_pkce", None, ("scopes", "redirect_uri")
    ),
    "acquire_token_by_auth_code_flow": Method(
        "token_request",
        "authorization_code_pkce",
        "authorization_code",
        ("auth_code_flow", "auth_response", "scopes"),
    ),
    "acquire_token_by_authorization_code": Method(
        "token_request",
        "authorization_code",
        "authorization_code",
        ("code", "scopes", "redirect_uri"),
    ),
    "get_authorization_request_url": Method(
        "authorization_url",
        "authorization_code",
        None,
        ("scopes", "login_hint", "state", "redirect_uri", "response_type"),
    ),
    "acquire_token_silent": Method(
        "refresh", "refresh_token", "refresh_token", ("scopes", "account")
    ),
    "acquire_token_silent_with_error": Method(
        "refresh", "refresh_token", "refresh_token", ("scopes", "account")
    ),
    "acquire_token_by_refresh_token": Method(
        "refresh", "refresh_token", "refresh_token", ("refresh_token", "scopes")
    ),
    "acquire_token_by_username_password": Method(
        "token_request", "password", "password", ("username", "password", "scopes")
    ),
    "acquire_token_interactive": Method(
        "token_request", "authorization_code_pkce", "authorization_code", ("scopes",)
    ),
    "initiate_device_flow": Method("authorization_url", "device_code", None, ("scopes",)),
    "acquire_token_by_device_flow": Method(
        "token_request",
        "device_code",
        "urn:ietf:params:oauth:grant-type:device_code",
        ("flow",),
        None,
    ),
    "acquire_token_on_behalf_of": Method(
        "token_request",
        "jwt_bearer",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
        ("user_assertion", "scopes"),
    ),
}


@dataclass
class App:
    kind: str
    key: str | None
    node: cst.CSTNode | None
    client_id: V | None
    credential: V | None
    authority: V | None
    client_auth: str
    auth_note: str
    verify_disabled: bool
    usages: list[Usage] = field(default_factory=list)


def detect(ctx: ModuleContext) -> None:
    apps: dict[str, App] = {}
    order: list[App] = []
    for call in ctx.index.calls:
        func = call.func
        if not isinstance(func, (cst.Attribute, cst.Name)):
            continue
        is_method = isinstance(func, cst.Attribute) and func.attr.value in METHODS
        is_local_class = isinstance(func, cst.Name) and func.value in ctx.index.classes
        if not (is_method or is_local_class or ctx.qualname(func) in APP_CLASSES):
            continue
        v = ctx.value(call)
        if not isinstance(v, CallV):
            continue
        if v.qualname in APP_CLASSES:
            _app(ctx, v, apps, order)
        elif v.method in METHODS and isinstance(v.receiver, CallV):
            recv = v.receiver
            if recv.qualname in APP_CLASSES:
                app = _app(ctx, recv, apps, order)
                other_kinds = {
                    APP_CLASSES.get(o.qualname or "")
                    for o in recv.alternatives
                    if isinstance(o, CallV)
                } - {None, app.kind}
                if other_kinds and v.method in CONFIDENTIAL_ONLY:
                    pass  # only a confidential application has this method
                elif other_kinds and v.method in PUBLIC_ONLY:
                    app = dataclasses.replace(
                        app,
                        kind="public",
                        client_auth="none",
                        auth_note="a method of PublicClientApplication: client_id only, no secret",
                    )
                elif other_kinds:
                    # `client = Public...(...)` on one path, `Confidential...(...)` on another
                    app = dataclasses.replace(
                        app,
                        client_auth="unknown",
                        auth_note="a public or a confidential application depending on the path",
                    )
                _operation(ctx, call, v, app, METHODS[v.method])
            elif _unresolved_application(recv):
                _operation(ctx, call, v, _untyped_app(v.method), METHODS[v.method])
        elif v.method in METHODS and _unresolved_application(v.receiver):
            _operation(ctx, call, v, _untyped_app(v.method), METHODS[v.method])
    for app in order:
        if not app.usages and app.node is not None:
            _setup(ctx, app)


# Methods that exist on one application class only: calling one tells which class it is.
CONFIDENTIAL_ONLY = {
    "acquire_token_for_client",
    "acquire_token_on_behalf_of",
    "remove_tokens_for_client",
}
PUBLIC_ONLY = {"acquire_token_interactive", "initiate_device_flow", "acquire_token_by_device_flow"}


def _unresolved_application(recv: V | None) -> bool:
    """An object whose class the analysis cannot see: an application received as a parameter,
    returned by a factory with several returns, or kept in a cache of applications.

    The method names of METHODS are msal's own (``acquire_token_for_client``,
    ``initiate_device_flow``...), so such a call is read as msal's; an object of another known
    library class is not.
    """
    if isinstance(recv, CallV):
        q = recv.qualname or ""
        return not q or q.startswith("<local>.")
    return not isinstance(recv, (Text, DictV, SeqV, Const))


def _untyped_app(method: str) -> App:
    if method in CONFIDENTIAL_ONLY:
        kind, auth = "confidential", "body"
        note = (
            "a method of ConfidentialClientApplication on an application built elsewhere: "
            "msal posts the credential in the body (client_secret or signed assertion)"
        )
    elif method in PUBLIC_ONLY:
        kind, auth = "public", "none"
        note = "a method of PublicClientApplication: client_id only, no secret"
    else:
        kind, auth = "base", "unknown"
        note = "msal application built elsewhere: public or confidential cannot be told here"
    return App(
        kind=kind,
        key=None,
        node=None,
        client_id=None,
        credential=None,
        authority=Unknown("application built elsewhere"),
        client_auth=auth,
        auth_note=note,
        verify_disabled=False,
    )


def _key(ctx: ModuleContext, v: CallV) -> str | None:
    if v.local_class:
        return f"{ctx.path}:class {v.local_class}"
    if v.call is not None:
        where = ctx.locate(v.call)
        if where:
            return f"{where[0]}:{where[1].line}:{where[1].column}"
    return None


def _app(ctx: ModuleContext, v: CallV, apps: dict[str, App], order: list[App]) -> App:
    key = _key(ctx, v)
    if key is not None and key in apps:
        return apps[key]
    kind = APP_CLASSES[v.qualname or ""]
    a = bind(v, APP_PARAMS)
    credential = a.get("client_credential")
    where = v.call if v.call is not None else v.node
    method, note = _client_auth(ctx, kind, credential, where)
    verify = is_false(a.get("verify"))
    app = App(
        kind=kind,
        key=key,
        node=v.call,
        client_id=a.get("client_id"),
        credential=credential,
        authority=a.get("authority", a.get("oidc_authority")),
        client_auth=method,
        auth_note=note,
        verify_disabled=verify,
    )
    if verify and where is not None:
        transport_fact(
            ctx, where, "TLS verification disabled on an msal application (verify=False)"
        )
    if key is not None:
        apps[key] = app
    order.append(app)
    return app


def _client_auth(
    ctx: ModuleContext, kind: str, credential: V | None, where: cst.CSTNode | None
) -> tuple[str, str]:
    if kind == "public":
        return "none", "PublicClientApplication: client_id only, no secret"
    if credential is None or (isinstance(credential, Const) and credential.value is None):
        return "none", "no client_credential: client_id only"
    if isinstance(credential, DictV):
        if any(k in credential.items for k in ASSERTION_KEYS):
            for k in ("private_key", "client_assertion"):
                if where is not None and k in credential.items:
                    ctx.record_secret(
                        credential.items[k],
                        "client_secret",
                        f"{k} of msal client_credential",
                        where,
                    )
            return (
                "private_key_jwt",
                "client_credential dict: signed client_assertion in the body (never Basic)",
            )
        return "unknown", "client_credential dict of unknown shape (msal never sends Basic)"
    if isinstance(credential, (Text, Env)):
        if where is not None:
            ctx.record_secret(credential, "client_secret", "client_credential of msal app", where)
        return "body", "string client_credential: client_secret posted in the body (never Basic)"
    if kind == "confidential":
        # Either shape ends up in the form body: a string as client_secret, a certificate
        # dict as a signed client_assertion. msal has no code path that sends Basic.
        return (
            "body",
            "client_credential not visible: msal posts it in the body either way (client_secret "
            "or signed client_assertion), never in a Basic header",
        )
    return (
        "unknown",
        "client_credential not visible: a string secret goes in the body, a certificate dict "
        "as a signed assertion (msal never sends Basic)",
    )


def _endpoint(authority: V | None, suffix: str) -> tuple[str | None, str]:
    if authority is None or (isinstance(authority, Const) and authority.value is None):
        text: str | None = DEFAULT_AUTHORITY
        shown = f"default authority {DEFAULT_AUTHORITY}"
    else:
        text = known_str(authority)
        shown = f"authority {text or (authority.display() if isinstance(authority, Text) else '?')}"
    if text is None:
        return None, f"token endpoint discovered at runtime from the {shown}"
    host = (urlparse(text).hostname or "").lower()
    if host in ENTRA_HOSTS or host.endswith(ENTRA_HOST_SUFFIXES):
        return f"{text.rstrip('/')}/oauth2/v2.0/{suffix}", shown
    return None, f"token endpoint discovered at runtime from the {shown}"


def _scopes(v: V | None) -> list[str] | None:
    if v is None:
        return None
    if isinstance(v, SeqV):
        return scopes_of(v)
    return None


def _operation(ctx: ModuleContext, call: cst.Call, v: CallV, app: App, m: Method) -> None:
    args = bind(v, list(m.params))
    flow, grant, operation = m.flow, m.grant_type, m.operation
    evidence = [f"{v.method}"]
    if v.method in ("acquire_token_silent", "acquire_token_silent_with_error"):
        account = args.get("account")
        if isinstance(account, Const) and account.value is None:
            return  # app-token cache lookup: no refresh token is involved
        evidence.append("refreshes user tokens with the cached refresh token")
    if v.method == "get_authorization_request_url":
        rt = known_str(args.get("response_type")) if "response_type" in args else "code"
        if rt is None:
            flow = "unknown"
        elif "token" in rt.split():
            flow = "implicit"
        evidence.append(f"response_type={rt or '?'}")
    if v.method == "acquire_token_by_authorization_code":
        data = v.kw.get("data")
        if isinstance(data, DictV) and "code_verifier" in data.items:
            flow = "authorization_code_pkce"
            evidence.append("code_verifier passed in data=")
    if v.method == "acquire_token_by_refresh_token" and "refresh_token" in args:
        ctx.record_secret(
            args["refresh_token"], "refresh_token", "refresh token passed to msal", call
        )
    if v.method == "acquire_token_for_client":
        evidence.append("expired tokens are re-acquired with client_credentials (no refresh)")
    client_auth, note = app.client_auth, app.auth_note
    if operation == "authorization_url":
        suffix = "devicecode" if flow == "device_code" else "authorize"
        auth_url, where = _endpoint(app.authority, suffix)
        token_url, _ = _endpoint(app.authority, "token")
    else:
        auth_url = None
        token_url, where = _endpoint(app.authority, "token")
    if v.method == "acquire_token_interactive":
        client_auth, note = "none", "interactive public-client login: client_id only"
    u = usage(
        ctx,
        call,
        LIBRARY,
        operation,
        flow=flow,
        grant_type=grant,
        client_auth=client_auth,
        token_url=token_url,
        authorization_url=auth_url,
        scopes=_scopes(args.get(m.scopes_param)) if m.scopes_param else None,
        client_id=cred(ctx, app.client_id),
        secret=_secret(ctx, app),
        verify_disabled=app.verify_disabled,
        client_key=app.key,
        evidence=[*evidence, note, where],
    )
    app.usages.append(u)


def _secret(ctx: ModuleContext, app: App) -> Credential | None:
    if app.kind == "public":
        return None
    c = app.credential
    if isinstance(c, DictV):
        for k in ASSERTION_KEYS:
            if k in c.items:
                return ctx.credential(c.items[k])
    return cred(ctx, c)


def _setup(ctx: ModuleContext, app: App) -> None:
    assert app.node is not None
    token_url, where = _endpoint(app.authority, "token")
    cls = "ConfidentialClientApplication" if app.kind != "public" else "PublicClientApplication"
    usage(
        ctx,
        app.node,
        LIBRARY,
        "client_setup",
        flow="unknown",
        client_auth=app.client_auth,
        token_url=token_url,
        client_id=cred(ctx, app.client_id),
        secret=_secret(ctx, app),
        verify_disabled=app.verify_disabled,
        client_key=app.key,
        evidence=[f"{cls} configured; no token call in this file", app.auth_note, where],
    )


__all__ = ["detect", "ROOTS"]
