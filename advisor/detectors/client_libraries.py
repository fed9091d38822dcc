"""Other OAuth client libraries, modelled by table: oauth2client and requests-oauth2client.

Each library's client class names the grant by the method called; where the client credentials
go is the library's default unless the constructor says otherwise (semantics, with sources, in
``docs/client-libraries.md``):

- oauth2client (``OAuth2WebServerFlow``, ``flow_from_clientsecrets``): ``step1_get_authorize_url``
  builds the authorization URL (``response_type=code``), ``step2_exchange`` posts the code with
  ``client_id`` and ``client_secret`` in the form body.
- requests-oauth2client (``OAuth2Client``): one method per grant (``client_credentials``,
  ``authorization_code``, ``refresh_token``, ``device_code``, ``password``, ``token_exchange``,
  ``jwt_bearer``); a ``client_secret=`` is sent as ``ClientSecretPost`` (the body) by default,
  ``auth=(id, secret)`` or ``ClientSecretBasic`` sends Basic, ``PrivateKeyJwt``/``ClientSecretJwt``
  a signed assertion.

Methods with names this distinctive are read on a receiver the analysis cannot type as well
(``self.flow.step2_exchange(code)``), with the client authentication then the library default.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from advisor.analysis.context import ModuleContext
from advisor.analysis.values import CallV, Const, SeqV, Text, V
from advisor.detectors.common import bind, cred, scopes_of, url_text, usage

ROOTS = ("oauth2client", "requests_oauth2client")


@dataclass(frozen=True)
class Op:
    operation: str
    flow: str
    grant_type: str | None
    # methods whose name belongs to this library alone may be read on an untyped receiver
    distinctive: bool = False


@dataclass(frozen=True)
class Library:
    name: str
    classes: frozenset[str]
    ctor_params: tuple[str, ...]
    default_auth: str
    auth_note: str
    ops: dict[str, Op]


OAUTH2CLIENT = Library(
    "oauth2client",
    frozenset(
        {
            "oauth2client.client.OAuth2WebServerFlow",
            "oauth2client.client.flow_from_clientsecrets",
            "oauth2client.client.OAuth2WebServerFlow.from_client_secrets",
        }
    ),
    ("client_id", "client_secret", "scope", "redirect_uri"),
    "body",
    "oauth2client posts client_id and client_secret in the form body",
    {
        "step1_get_authorize_url": Op(
            "authorization_url", "authorization_code", None, distinctive=True
        ),
        "step2_exchange": Op(
            "token_request", "authorization_code", "authorization_code", distinctive=True
        ),
    },
)
REQUESTS_OAUTH2CLIENT = Library(
    "requests-oauth2client",
    frozenset(
        {
            "requests_oauth2client.OAuth2Client",
            "requests_oauth2client.client.OAuth2Client",
        }
    ),
    ("token_endpoint", "auth", "client_id", "client_secret"),
    "body",
    "requests-oauth2client sends a client_secret as ClientSecretPost (the body) by default",
    {
        "client_credentials": Op("token_request", "client_credentials", "client_credentials"),
        "authorization_code": Op("token_request", "authorization_code", "authorization_code"),
        "refresh_token": Op("refresh", "refresh_token", "refresh_token"),
        "device_code": Op(
            "token_request", "device_code", "urn:ietf:params:oauth:grant-type:device_code"
        ),
        "resource_owner_password": Op("token_request", "password", "password"),
        "token_exchange": Op(
            "token_request", "token_exchange", "urn:ietf:params:oauth:grant-type:token-exchange"
        ),
        "jwt_bearer": Op(
            "token_request", "jwt_bearer", "urn:ietf:params:oauth:grant-type:jwt-bearer"
        ),
    },
)
LIBRARIES = (OAUTH2CLIENT, REQUESTS_OAUTH2CLIENT)
BASIC_CLASSES = ("ClientSecretBasic",)
JWT_CLASSES = ("PrivateKeyJwt", "ClientSecretJwt")
POST_CLASSES = ("ClientSecretPost",)


def detect(ctx: ModuleContext) -> None:
    for call in ctx.index.calls:
        func = call.func
        if not isinstance(func, cst.Attribute):
            continue
        method = func.attr.value
        libs = [lib for lib in LIBRARIES if method in lib.ops]
        if not libs:
            continue
        v = ctx.value(call)
        if not isinstance(v, CallV):
            continue
        recv = v.receiver
        lib = _library_of(recv, libs)
        if lib is None:
            op = libs[0].ops[method]
            if not (op.distinctive and _untyped(recv) and ctx.imports.imports_any(ROOTS)):
                continue
            lib, ctor = libs[0], None
        else:
            ctor = recv if isinstance(recv, CallV) else None
        _emit(ctx, call, v, lib, lib.ops[method], ctor)


def _library_of(recv: V | None, libs: list[Library]) -> Library | None:
    if not isinstance(recv, CallV):
        return None
    for lib in libs:
        if recv.qualname in lib.classes:
            return lib
    return None


def _untyped(recv: V | None) -> bool:
    if isinstance(recv, CallV):
        q = recv.qualname or ""
        return not q or q.startswith("<local>.")
    return not isinstance(recv, (Text, Const))


def _emit(
    ctx: ModuleContext, call: cst.Call, v: CallV, lib: Library, op: Op, ctor: CallV | None
) -> None:
    args = bind(ctor, list(lib.ctor_params)) if ctor is not None else {}
    client_auth, note = _client_auth(lib, args, ctor)
    secret = args.get("client_secret")
    pair = args.get("auth")
    if secret is None and isinstance(pair, SeqV) and len(pair.items) == 2:
        secret = pair.items[1]
    token_url = url_text(args.get("token_endpoint")) if "token_endpoint" in args else None
    scope = v.kw.get("scope", args.get("scope"))
    evidence = [f"{lib.name} {v.method}()", note]
    if ctor is not None and ctor.qualname and ctor.qualname.endswith("flow_from_clientsecrets"):
        evidence.append("client id and secret read from a client secrets file")
    usage(
        ctx,
        call,
        lib.name,
        op.operation,
        flow=op.flow,
        grant_type=op.grant_type,
        client_auth="none" if op.operation == "authorization_url" else client_auth,
        token_url=token_url,
        scopes=scopes_of(scope) if scope is not None else None,
        client_id=cred(ctx, args.get("client_id")),
        secret=ctx.record_secret(secret, "client_secret", f"client_secret of {lib.name}", call)
        if secret is not None
        else None,
        evidence=evidence,
    )


def _client_auth(lib: Library, args: dict[str, V], ctor: CallV | None) -> tuple[str, str]:
    if ctor is None:
        return lib.default_auth, f"{lib.auth_note} (client built elsewhere)"
    auth = args.get("auth")
    if auth is None:
        if "client_secret" in args:
            return lib.default_auth, lib.auth_note
        if ctor.star_unknown:
            return "unknown", "client authentication passed in **kwargs"
        return (
            ("none", "no client secret: client_id only")
            if "client_id" in args
            else (
                "unknown",
                "client authentication not visible",
            )
        )
    if isinstance(auth, CallV) and auth.qualname:
        name = auth.qualname.rsplit(".", 1)[-1]
        if name in BASIC_CLASSES:
            return "basic", f"auth={name}: HTTP Basic"
        if name in JWT_CLASSES:
            return "private_key_jwt", f"auth={name}: signed client assertion"
        if name in POST_CLASSES:
            return "body", f"auth={name}: client_secret in the body"
    if isinstance(auth, SeqV) and len(auth.items) == 2:
        # client_auth_factory: a (client_id, client_secret) pair becomes ClientSecretPost
        return lib.default_auth, f"auth=(client_id, client_secret): {lib.auth_note}"
    return "unknown", "auth= is an object the analysis cannot see into"
