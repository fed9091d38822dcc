"""Authlib OAuth 2.0 clients: sessions (requests/httpx, sync and async) and framework registries.

Semantics follow the reference (section 4): positional order ``client_id, client_secret,
token_endpoint_auth_method``; ``fetch_token`` grant selection in Authlib's exact order; the
``token_endpoint_auth_method`` default (Basic when the secret is truthy, else ``none``); PKCE only
when a ``code_verifier`` meets ``code_challenge_method="S256"``; automatic refresh when the client
has ``token_endpoint`` metadata and the grant can return a refresh token (a client-credentials
re-fetch is a new grant, not a refresh).

Usages emitted (one per operation site):

- ``fetch_token``/``fetch_access_token``/``authorize_access_token`` -> ``token_request``
  (``auto_refresh=True`` on it when Authlib would refresh the token by itself);
- ``refresh_token`` -> ``refresh``; ``create_authorization_url``/``authorize_redirect`` ->
  ``authorization_url``; ``token_from_fragment`` -> ``token_request`` with flow ``implicit``
  (the token is read from the URL, no HTTP request);
- a client (session constructor, ``oauth.register``) with none of these in the file ->
  one ``client_setup`` usage at its constructor;
- ``OAuth2Auth(token)`` -> ``client_setup`` (bearer only, no client authentication).

API calls made through a client (``client.get(url)``, ``oauth.name.get("user")`` with
``api_base_url``) are added to ``api_urls`` of every usage of that client (same ``client_key``).
OAuth 1 classes and registries with ``request_token_url`` produce nothing; neither does
server-side Authlib code (authorization servers, resource protectors, grants).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin

import libcst as cst

from advisor.analysis.context import ModuleContext
from advisor.analysis.values import BoundAttr, CallV, Const, DictV, Text, V, form_fields, known_str
from advisor.detectors.common import (
    AuthEvidence,
    auth_from_value,
    bind,
    cred,
    flow_for_grant,
    is_false,
    scopes_of,
    transport_fact,
    url_text,
    usage,
)
from advisor.model import Credential, Usage

ROOTS = ("authlib",)
LIBRARY = "authlib"

_REQ = "authlib.integrations.requests_client"
_HTTPX = "authlib.integrations.httpx_client"

# qualname -> (transport kind, short class name)
SESSION_CLASSES = {
    f"{_REQ}.OAuth2Session": ("requests", "OAuth2Session"),
    f"{_REQ}.oauth2_session.OAuth2Session": ("requests", "OAuth2Session"),
    f"{_HTTPX}.OAuth2Client": ("httpx", "OAuth2Client"),
    f"{_HTTPX}.oauth2_client.OAuth2Client": ("httpx", "OAuth2Client"),
    f"{_HTTPX}.AsyncOAuth2Client": ("httpx", "AsyncOAuth2Client"),
    f"{_HTTPX}.oauth2_client.AsyncOAuth2Client": ("httpx", "AsyncOAuth2Client"),
}
ASSERTION_CLASSES = {
    f"{_REQ}.AssertionSession": ("requests", "AssertionSession"),
    f"{_REQ}.assertion_session.AssertionSession": ("requests", "AssertionSession"),
    f"{_HTTPX}.AssertionClient": ("httpx", "AssertionClient"),
    f"{_HTTPX}.AsyncAssertionClient": ("httpx", "AsyncAssertionClient"),
    f"{_HTTPX}.assertion_client.AssertionClient": ("httpx", "AssertionClient"),
    f"{_HTTPX}.assertion_client.AsyncAssertionClient": ("httpx", "AsyncAssertionClient"),
}
OAUTH2_AUTH_CLASSES = {
    f"{_REQ}.OAuth2Auth",
    f"{_REQ}.oauth2_session.OAuth2Auth",
    f"{_HTTPX}.OAuth2Auth",
    f"{_HTTPX}.oauth2_client.OAuth2Auth",
}
REGISTRY_CLASSES = {
    "authlib.integrations.flask_client.OAuth": "flask",
    "authlib.integrations.django_client.OAuth": "django",
    "authlib.integrations.starlette_client.OAuth": "starlette",
}
JWT_AUTH_SUFFIXES = (".ClientSecretJWT", ".PrivateKeyJWT")

# Positional parameters (reference 4.1): these differ from requests-oauthlib.
REQUESTS_SESSION_PARAMS = [
    "client_id",
    "client_secret",
    "token_endpoint_auth_method",
    "revocation_endpoint_auth_method",
    "scope",
    "state",
    "redirect_uri",
    "token",
    "token_placement",
    "update_token",
    "leeway",
    "default_timeout",
]
HTTPX_SESSION_PARAMS = [
    "client_id",
    "client_secret",
    "token_endpoint_auth_method",
    "revocation_endpoint_auth_method",
    "scope",
    "redirect_uri",
    "token",
    "token_placement",
    "update_token",
    "leeway",
]
ASSERTION_PARAMS = [
    "token_endpoint",
    "issuer",
    "subject",
    "audience",
    "grant_type",
    "claims",
    "token_placement",
    "scope",
]
FETCH_PARAMS = ["url", "body", "method", "headers", "auth", "grant_type", "state"]
REFRESH_PARAMS = ["url", "refresh_token", "body", "auth", "headers"]
AUTH_URL_PARAMS = ["url", "state", "code_verifier"]
API_METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}
# Keyword arguments of fetch_token that are request options, not body fields.
REQUEST_OPTIONS = {
    "timeout",
    "verify",
    "proxies",
    "cert",
    "json",
    "allow_redirects",
    "stream",
    "hooks",
    "files",
    "cookies",
    "withhold_token",
}
# Grants whose token response may carry a refresh token Authlib would use by itself.
REFRESHABLE_FLOWS = {"authorization_code", "authorization_code_pkce", "password", "device_code"}
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"

CALL_NAMES = {
    "fetch_token",
    "fetch_access_token",
    "refresh_token",
    "create_authorization_url",
    "token_from_fragment",
    "authorize_redirect",
    "authorize_access_token",
    "register",
    "create_client",
    "request",
    "stream",
    *API_METHODS,
}

_KNOWN_METHODS = {
    "client_secret_basic": "basic",
    "client_secret_post": "body",
    "none": "none",
    "client_secret_jwt": "private_key_jwt",
    "private_key_jwt": "private_key_jwt",
}


@dataclass
class Client:
    """What an Authlib client object is configured to do."""

    kind: str  # "session", "assertion", "registry"
    cls: str
    key: str | None
    node: cst.CSTNode | None
    transport: str = "requests"
    client_id: V | None = None
    secret: V | None = None
    # "where the secret comes from" when it is read from framework configuration
    secret_config: str | None = None
    client_id_config: str | None = None
    auth_method: V | None = None
    auth_method_where: str = "token_endpoint_auth_method"
    token_endpoint: V | None = None
    token_endpoint_note: str | None = None
    authorize_url: V | None = None
    grant_type: V | None = None
    response_type: V | None = None
    code_challenge_method: V | None = None
    scope: V | None = None
    scope_unknown: bool = False
    token: V | None = None
    api_base_url: V | None = None
    access_token_params: V | None = None
    authorize_params: V | None = None
    registry: str | None = None
    name: str | None = None
    unknown_config: bool = False  # the configuration cannot be seen (unknown name, **kwargs)
    oauth1: bool = False
    verify_disabled: bool = False
    evidence: list[str] = field(default_factory=list)
    usages: list[Usage] = field(default_factory=list)
    api_urls: list[str] = field(default_factory=list)


def detect(ctx: ModuleContext) -> None:
    _Detector(ctx).run()


class _Detector:
    def __init__(self, ctx: ModuleContext) -> None:
        self.ctx = ctx
        self.clients: dict[str, Client] = {}
        self.registrations: dict[tuple[str, str], CallV] = {}
        self.registry_grant_names: set[str] = set()

    # -- driver ---------------------------------------------------------------------------
    def run(self) -> None:
        ctx = self.ctx
        values: list[tuple[cst.Call, CallV]] = []
        for call in ctx.index.calls:
            if not self._relevant(call):
                continue
            v = ctx.value(call)
            if isinstance(v, CallV):
                values.append((call, v))
        # registrations first: a registry client may be used above its register() call
        for _call, v in values:
            if v.method == "register" and self._registry_kind(v.receiver):
                self._remember_registration(v)
        for call, v in values:
            self._dispatch(call, v)
        for client in self.clients.values():
            if client.oauth1:
                continue
            if not client.usages and client.node is not None:
                self._setup_usage(client)
            for u in client.usages:
                for url in client.api_urls:
                    if url not in u.api_urls:
                        u.api_urls.append(url)

    def _relevant(self, call: cst.Call) -> bool:
        """Cheap name test before evaluating a call."""
        func = call.func
        if isinstance(func, cst.Attribute):
            if func.attr.value in CALL_NAMES:
                return True
        elif isinstance(func, cst.Name):
            if func.value == "getattr" or func.value in self.ctx.index.classes:
                return True
        else:
            return False
        return (self.ctx.qualname(func) or "").startswith("authlib.")

    def _dispatch(self, call: cst.Call, v: CallV) -> None:
        q = v.qualname
        if q in SESSION_CLASSES or q in ASSERTION_CLASSES:
            if v.local_class is None or isinstance(v.node, cst.ClassDef):
                self.client_of(v)
            return
        if q in OAUTH2_AUTH_CLASSES:
            self._oauth2_auth(call, v)
            return
        last = (q or "").rsplit(".", 1)[-1]
        if v.method is None and last in REGISTRY_ONLY_METHODS and not q.startswith("authlib."):
            # an attribute of a module object (flask.g._oidc_auth.authorize_redirect)
            self._registry_method(call, v, self._untyped_registry_client(), last)
            return
        if v.method is None:
            return
        if v.method == "register" and self._registry_kind(v.receiver):
            client = self._registry_client(v.receiver, self._register_name(v))
            if client is not None and client.node is None:
                client.node = call
            return
        client = self.receiver_client(v.receiver)
        if client is None and v.method in REGISTRY_ONLY_METHODS and _unresolved(v.receiver):
            client = self._untyped_registry_client()
        if client is None or client.oauth1:
            return
        m = v.method
        if client.kind == "registry":
            self._registry_method(call, v, client, m)
        elif m in ("fetch_token", "fetch_access_token"):
            self._fetch(call, v, client)
        elif m == "refresh_token":
            self._refresh(call, v, client)
        elif m == "create_authorization_url":
            self._authorization_url(call, v, client)
        elif m == "token_from_fragment":
            self._fragment(call, v, client)
        elif m in API_METHODS or m in ("request", "stream"):
            self._api_call(v, client, m)

    def _untyped_registry_client(self) -> Client:
        """A registry client the analysis cannot see (``g._oidc_auth``, a client passed in).

        ``authorize_redirect`` and ``authorize_access_token`` are method names of Authlib's
        framework registry clients only; their configuration is not visible from here.
        """
        key = f"{self.ctx.path}:untyped registry client"
        client = self.clients.get(key)
        if client is None:
            client = Client(
                kind="registry",
                cls="framework registry client (configured elsewhere)",
                key=key,
                node=None,
                unknown_config=True,
            )
            client.evidence.append(
                "Authlib registry client method on an object configured elsewhere"
            )
            self.clients[key] = client
        return client

    # -- clients --------------------------------------------------------------------------
    def _key(self, v: CallV) -> str | None:
        if v.local_class:
            return f"{self.ctx.path}:class {v.local_class}"
        if v.call is not None:
            where = self.ctx.locate(v.call)
            if where:
                return f"{where[0]}:{where[1].line}:{where[1].column}"
        return None

    def client_of(self, v: CallV) -> Client:
        key = self._key(v)
        if key is not None and key in self.clients:
            return self.clients[key]
        if v.local_class and isinstance(v.node, cst.ClassDef):
            ev = v.owner or self.ctx.ev  # the class may be defined in another module
            info = ev.idx.class_of_node.get(id(v.node))
            if info is not None and "__init__" in info.methods:
                # constructor arguments are those of super().__init__(...)
                v = ev.self_value(v.node, 0)  # type: ignore[assignment]
        client = self._session_client(v, key)
        if key is not None:
            self.clients[key] = client
        return client

    def receiver_client(self, recv: V | None) -> Client | None:
        if isinstance(recv, CallV):
            if recv.qualname in SESSION_CLASSES or recv.qualname in ASSERTION_CLASSES:
                client = self.client_of(recv)
                self._late_attributes(client, recv)
                return client
            if recv.method == "create_client" and self._registry_kind(recv.receiver):
                name = known_str(recv.pos[0]) if recv.pos else known_str(recv.kw.get("name"))
                return self._registry_client(recv.receiver, name)
            if recv.method == "register" and self._registry_kind(recv.receiver):
                return self._registry_client(recv.receiver, self._register_name(recv))
            if (
                recv.qualname == "builtins.getattr"
                and recv.pos
                and self._registry_kind(recv.pos[0])
            ):
                name = known_str(recv.pos[1]) if len(recv.pos) > 1 else None
                return self._registry_client(recv.pos[0], name)
        if isinstance(recv, BoundAttr) and self._registry_kind(recv.receiver):
            if recv.attr in ("register", "create_client", "init_app"):
                return None
            return self._registry_client(recv.receiver, recv.attr)
        return None

    def _late_attributes(self, client: Client, recv: CallV) -> None:
        """``session.verify = False`` / ``session.token = {...}`` assigned after construction."""
        verify = recv.kw.get("@verify")
        if is_false(verify) and not client.verify_disabled and client.transport == "requests":
            client.verify_disabled = True
            client.evidence.append("session.verify = False disables TLS verification")
            node = verify.node if verify is not None and verify.node is not None else client.node
            if node is not None:
                transport_fact(self.ctx, node, "TLS verification disabled on an Authlib session")
        token = recv.kw.get("@token")
        if token is not None and client.token is None:
            client.token = token
            if client.node is not None:
                self._record_token(token, client.node, f"token assigned to {client.cls}")

    def _session_client(self, v: CallV, key: str | None) -> Client:
        assertion = v.qualname in ASSERTION_CLASSES
        transport, cls = (ASSERTION_CLASSES if assertion else SESSION_CLASSES)[v.qualname or ""]
        if v.local_class:
            cls = f"{v.local_class}({cls})"
        if assertion:
            params = ASSERTION_PARAMS
        else:
            params = REQUESTS_SESSION_PARAMS if transport == "requests" else HTTPX_SESSION_PARAMS
        a = bind(v, params)
        client = Client(
            kind="assertion" if assertion else "session",
            cls=cls,
            key=key,
            node=v.call if v.call is not None else None,
            transport=transport,
        )
        client.client_id = a.get("client_id")
        client.secret = a.get("client_secret")
        client.auth_method = a.get("token_endpoint_auth_method")
        if "token_endpoint_auth_method" in v.kw:
            client.auth_method_where = "token_endpoint_auth_method="
        elif client.auth_method is not None:
            client.auth_method_where = "third positional argument (token_endpoint_auth_method)"
        client.token_endpoint = a.get("token_endpoint")
        client.grant_type = a.get("grant_type")
        client.response_type = a.get("response_type")
        client.code_challenge_method = a.get("code_challenge_method")
        client.scope = a.get("scope")
        client.scope_unknown = v.star_unknown
        client.unknown_config = v.star_unknown
        client.token = a.get("token")
        if transport == "httpx":
            client.api_base_url = a.get("base_url")
            if is_false(a.get("verify")):
                client.verify_disabled = True
                client.evidence.append(f"{cls}(verify=False) disables TLS verification")
        if assertion:
            client.grant_type = a.get("grant_type") or Text((JWT_BEARER,))
            self.ctx.record_secret(
                v.kw.get("key"), "client_secret", f"signing key of {cls}", v.call or v.node
            )
        where = v.call if v.call is not None else v.node
        if where is not None:
            self._record_client_secrets(client, where, f"client_secret of {cls}")
        if client.verify_disabled and client.node is not None:
            transport_fact(
                self.ctx, client.node, f"TLS verification disabled on Authlib {cls}", None
            )
        return client

    def _record_client_secrets(self, client: Client, where: cst.CSTNode, evidence: str) -> None:
        self.ctx.record_secret(client.secret, "client_secret", evidence, where)
        self._record_token(client.token, where, f"token= of {client.cls}")

    def _record_token(self, token: V | None, where: cst.CSTNode, evidence: str) -> None:
        if isinstance(token, DictV):
            for k in ("access_token", "refresh_token"):
                if k in token.items:
                    self.ctx.record_secret(token.items[k], k, f"{k} in {evidence}", where)

    # -- registries -----------------------------------------------------------------------
    def _registry_kind(self, v: V | None) -> str | None:
        if isinstance(v, CallV) and v.qualname in REGISTRY_CLASSES:
            return REGISTRY_CLASSES[v.qualname]
        return None

    @staticmethod
    def _register_name(v: CallV) -> str | None:
        return known_str(v.pos[0]) if v.pos else known_str(v.kw.get("name"))

    def _registry_key(self, registry: CallV) -> str:
        return self._key(registry) or f"{self.ctx.path}:registry"

    def _remember_registration(self, v: CallV) -> None:
        name = self._register_name(v)
        assert isinstance(v.receiver, CallV)
        if name is None:
            return
        reg_key = (self._registry_key(v.receiver), name)
        # Authlib caches the first registration of a name; later ones are ignored
        self.registrations.setdefault(reg_key, v)
        ck = v.kw.get("client_kwargs")
        if "grant_type" in v.kw or (isinstance(ck, DictV) and "grant_type" in ck.items):
            self.registry_grant_names.add(name)

    def _registry_client(self, registry: V | None, name: str | None) -> Client | None:
        kind = self._registry_kind(registry)
        if kind is None:
            return None
        assert isinstance(registry, CallV)
        rkey = self._registry_key(registry)
        key = f"{rkey}:{name}" if name else f"{rkey}:?"
        if key in self.clients:
            return self.clients[key]
        client = Client(
            kind="registry",
            cls=f"{kind} registry client {name!r}" if name else f"{kind} registry client",
            key=key,
            node=None,
            transport="httpx" if kind == "starlette" else "requests",
            registry=kind,
            name=name,
        )
        self.clients[key] = client
        reg = self.registrations.get((rkey, name)) if name else None
        if name is None:
            client.unknown_config = True
            client.evidence.append("registry client chosen at runtime (name unknown)")
        elif reg is None:
            client.unknown_config = True
            client.evidence.append(f"registry client {name!r} is not registered in this file")
        else:
            client.node = reg.call
            self._configure_registry(client, reg, registry)
        return client

    def _configure_registry(self, client: Client, reg: CallV, registry: CallV) -> None:
        kw = {k: val for k, val in reg.kw.items() if not k.startswith("@") and k != "name"}
        if "request_token_url" in kw:
            client.oauth1 = True
            return
        ck = kw.get("client_kwargs")
        ck_items: dict[str, V] = {}
        if isinstance(ck, DictV):
            ck_items = ck.items
            if not ck.complete:
                client.unknown_config = True
        elif ck is not None:
            client.unknown_config = True
        client.unknown_config = client.unknown_config or reg.star_unknown
        # every other register kwarg is server metadata, which wins over client_kwargs
        meta = {**ck_items, **kw}

        def pick(name: str) -> tuple[V | None, str]:
            if name in kw:
                return kw[name], f"register({name}=)"
            if name in ck_items:
                return ck_items[name], f"client_kwargs['{name}']"
            return None, ""

        client.client_id = kw.get("client_id")
        client.secret = kw.get("client_secret")
        upper = (client.name or "").upper()
        if "client_secret" not in kw and not reg.star_unknown:
            client.secret_config = self._config_detail(client.registry, registry, upper)
        if "client_id" not in kw and not reg.star_unknown:
            client.client_id_config = self._config_detail(
                client.registry, registry, upper, "CLIENT_ID"
            )
        client.auth_method, where = pick("token_endpoint_auth_method")
        client.auth_method_where = where or client.auth_method_where
        client.grant_type, _ = pick("grant_type")
        client.response_type, _ = pick("response_type")
        client.code_challenge_method, _ = pick("code_challenge_method")
        client.scope, _ = pick("scope")
        # framework configuration (<NAME>_CLIENT_KWARGS) may still add a scope
        from_config = client.secret_config is not None or client.registry == "django"
        client.scope_unknown = "scope" not in meta and (
            client.unknown_config or (from_config and "client_kwargs" not in kw)
        )
        client.authorize_url = kw.get("authorize_url")
        client.api_base_url = kw.get("api_base_url")
        client.access_token_params = kw.get("access_token_params")
        client.authorize_params = kw.get("authorize_params")
        if "access_token_url" in kw:
            client.token_endpoint = kw["access_token_url"]
        elif "server_metadata_url" in kw:
            meta_url = url_text(kw["server_metadata_url"]) or "?"
            client.token_endpoint_note = f"token endpoint discovered from {meta_url}"
        elif client.secret_config is not None or client.registry == "django":
            client.token_endpoint_note = "token URL read from the framework configuration"
        if client.registry == "starlette" and is_false(ck_items.get("verify")):
            client.verify_disabled = True
            client.evidence.append("client_kwargs verify=False disables TLS verification")
            transport_fact(
                self.ctx, reg.call or reg.node, "TLS verification disabled on an Authlib client"
            )
        where_node = reg.call or reg.node
        if where_node is not None:
            self._record_client_secrets(
                client, where_node, f"client_secret of register({client.name!r})"
            )

    @staticmethod
    def _config_detail(
        kind: str | None, registry: CallV, upper: str, param: str = "CLIENT_SECRET"
    ) -> str | None:
        if kind == "flask":
            return f"app.config['{upper}_{param}']"
        if kind == "django":
            return f"settings.AUTHLIB_OAUTH_CLIENTS['{upper.lower()}']['{param.lower()}']"
        if kind == "starlette" and (registry.pos or "config" in registry.kw):
            return f"starlette Config {upper}_{param}"
        return None

    # -- client authentication ------------------------------------------------------------
    def _secret_cred(self, client: Client) -> Credential | None:
        if client.secret is not None:
            return self.ctx.credential(client.secret)
        if client.secret_config is not None:
            return Credential(source="config", detail=client.secret_config)
        if client.unknown_config:
            return Credential(source="unknown")
        return None

    def _client_id_cred(self, client: Client) -> Credential | None:
        if client.client_id is None and client.client_id_config is not None:
            return Credential(source="config", detail=client.client_id_config)
        return cred(self.ctx, client.client_id)

    def _configured_auth(self, client: Client) -> tuple[str, list[str], dict]:
        """The token-endpoint client authentication the client is configured with."""
        m = client.auth_method
        hints: dict = {}
        if m is None or (isinstance(m, Const) and m.value is None):
            if client.unknown_config and client.secret is None:
                return "unknown", ["client configuration not visible"], hints
            return self._default_auth(client), [self._default_note(client)], hints
        if (
            isinstance(m, CallV)
            and (m.qualname or "").startswith("authlib")
            and ((m.qualname or "").endswith(JWT_AUTH_SUFFIXES))
        ):
            short = (m.qualname or "").rsplit(".", 1)[-1]
            return "private_key_jwt", [f"{short} signed client assertion"], hints
        s = known_str(m)
        if s is None:
            return "unknown", ["token_endpoint_auth_method value not visible"], hints
        method = _KNOWN_METHODS.get(s, "unknown")
        note = f"token_endpoint_auth_method={s!r}"
        if method == "body":
            hints = {"token_endpoint_auth_method": s, "argument": self._arg_location(m, client)}
        return method, [note], hints

    def _default_auth(self, client: Client) -> str:
        sec = client.secret
        if sec is None and client.secret_config is not None:
            return "basic"
        if sec is None or (isinstance(sec, Const) and not sec.value):
            return "none"
        s = known_str(sec)
        if s is not None:
            return "basic" if s else "none"
        return "basic"

    def _default_note(self, client: Client) -> str:
        sec = client.secret
        if sec is None and client.secret_config is not None:
            return (
                f"client_secret from {client.secret_config}: default client_secret_basic "
                "(Basic) if it is non-empty, none otherwise"
            )
        method = self._default_auth(client)
        if method == "none":
            return "no client_secret: token_endpoint_auth_method defaults to none (client_id only)"
        if known_str(sec) is not None:
            return "client_secret set: token_endpoint_auth_method defaults to client_secret_basic"
        src = self.ctx.credential(sec).source
        return (
            f"client_secret from {src}: default client_secret_basic (Basic) if it is non-empty "
            "at runtime, none otherwise"
        )

    def _arg_location(self, v: V, client: Client) -> dict:
        node = v.nodes[0] if isinstance(v, Text) and v.nodes else v.node
        if node is None:
            return {"where": client.auth_method_where}
        return self._node_location(node, client.auth_method_where)

    def _request_auth(
        self, call: cst.Call, client: Client, args: dict[str, V], extra: dict[str, V]
    ) -> tuple[str, list[str], dict, V | None]:
        """Client auth of one token/refresh request: configured method plus call arguments."""
        evidence: list[str] = []
        hints: dict = {}
        secret_v: V | None = None
        auth = args.get("auth")
        if auth is not None and not (isinstance(auth, Const) and auth.value is None):
            q = auth.qualname if isinstance(auth, CallV) else None
            if q and q.startswith("authlib") and q.endswith(JWT_AUTH_SUFFIXES):
                method = "private_key_jwt"
                evidence.append(f"auth={q.rsplit('.', 1)[-1]}(...) signed client assertion")
            else:
                ev = AuthEvidence()
                auth_from_value(ev, auth, self.ctx, call, "auth=")
                method = "basic" if ev.basic else "unknown"
                secret_v = ev.basic_secret
                evidence.extend(ev.notes)
            evidence.append("explicit auth= replaces the configured method")
        else:
            method, notes, hints = self._configured_auth(client)
            evidence.extend(notes)
        http_method = known_str(args.get("method"))
        is_get = http_method is not None and http_method.upper() != "POST"
        body_secret = extra.get("client_secret")
        body = args.get("body")
        fields = form_fields(body) if body is not None else None
        if body_secret is None and fields is not None and "client_secret" in fields.items:
            body_secret = fields.items["client_secret"]
        if body_secret is not None and not (
            isinstance(body_secret, Const) and body_secret.value is None
        ):
            self.ctx.record_secret(
                body_secret, "client_secret", "client_secret sent in the token request", call
            )
            secret_v = body_secret
            if is_get:
                method = "query"
                evidence.append(f"method={http_method!r}: client_secret goes into the URL query")
            else:
                if method == "basic":
                    evidence.append("client_secret also sent in the body (Basic and body)")
                else:
                    evidence.append("client_secret sent in the body")
                method = "body"
            arg = _keyword_arg(call, "client_secret")
            if arg is not None:
                hints = {**hints, "remove_argument": self._node_location(arg, "client_secret=")}
        return method, evidence, hints, secret_v

    def _node_location(self, node: cst.CSTNode, where: str) -> dict:
        out: dict = {"where": where}
        loc = self.ctx.locate(node)
        if loc:
            path, sp = loc
            out.update(
                path=path,
                line=sp.line,
                column=sp.column,
                end_line=sp.end_line,
                end_column=sp.end_column,
            )
        return out

    # -- operations -----------------------------------------------------------------------
    def _common_fields(self, client: Client) -> dict:
        return {
            "client_id": self._client_id_cred(client),
            "secret": self._secret_cred(client),
            "client_key": client.key,
            "verify_disabled": client.verify_disabled,
        }

    def _emit(self, client: Client, node: cst.CSTNode, operation: str, **fields: object) -> Usage:
        base = self._common_fields(client)
        base.update(fields)
        base["evidence"] = [*client.evidence, *base.get("evidence", [])]  # type: ignore[list-item]
        u = usage(self.ctx, node, LIBRARY, operation, **base)
        client.usages.append(u)
        return u

    def _token_url(self, client: Client, url: V | None) -> tuple[str | None, list[str]]:
        if url is not None and not (isinstance(url, Const) and url.value is None):
            return url_text(url), []
        if client.token_endpoint is not None:
            return url_text(client.token_endpoint), []
        if client.token_endpoint_note:
            return None, [client.token_endpoint_note]
        return None, []

    def _grant(
        self, client: Client, args: dict[str, V], extra: dict[str, V], star_unknown: bool
    ) -> tuple[str, str | None, str]:
        """(flow, grant_type, why) following Authlib's fetch_token order."""
        resp = args.get("authorization_response", extra.get("authorization_response"))
        if resp is not None and not (isinstance(resp, Const) and resp.value is None):
            shown = resp.display() if isinstance(resp, Text) else ""
            if "#" in shown:
                return "implicit", None, "authorization_response with a '#' fragment"
            return "authorization_code", "authorization_code", "authorization_response= given"
        for v, why in (
            (args.get("grant_type"), "explicit grant_type="),
            (client.grant_type, f"grant_type configured on {client.cls}"),
        ):
            if v is not None and not (isinstance(v, Const) and v.value is None):
                g = known_str(v)
                return flow_for_grant(g), g, why
        if "code" in extra:
            return "authorization_code", "authorization_code", "code= given"
        if "username" in extra and "password" in extra:
            return "password", "password", "guessed from username= and password="
        if star_unknown:
            return "unknown", None, "keyword arguments not visible"
        return (
            "client_credentials",
            "client_credentials",
            "no code/username+password: Authlib guesses client_credentials",
        )

    def _pkce(self, client: Client, flow: str, verifier: bool) -> tuple[str, str | None]:
        if not flow.startswith("authorization_code") or not verifier:
            return flow, None
        ccm = client.code_challenge_method
        if ccm is None or (isinstance(ccm, Const) and ccm.value is None):
            return "authorization_code", "code_verifier ignored: no code_challenge_method"
        s = known_str(ccm)
        if s is None or s == "S256":
            return "authorization_code_pkce", f"PKCE code_challenge_method={s or '?'}"
        return "authorization_code", f"code_challenge_method={s!r}: no code_challenge sent"

    def _scopes(self, client: Client, override: V | None) -> list[str] | None:
        if override is not None:
            return scopes_of(override)
        if client.scope is None and client.scope_unknown:
            return None
        return scopes_of(client.scope)

    def _auto_refresh(self, client: Client, flow: str) -> tuple[bool, str | None]:
        if flow not in REFRESHABLE_FLOWS:
            return False, None
        if client.kind == "registry":
            return (
                True,
                "Authlib refreshes the registry token by itself when it has a refresh_token",
            )
        if client.token_endpoint is not None:
            return True, "token_endpoint metadata set: Authlib refreshes the token by itself"
        return False, None

    def _fetch(self, call: cst.Call, v: CallV, client: Client) -> None:
        params = ["url"] if v.method == "fetch_access_token" else FETCH_PARAMS
        args = bind(v, params)
        extra = {k: val for k, val in args.items() if k not in FETCH_PARAMS}
        self._token_request(call, v, client, args, extra, v.star_unknown)

    def _token_request(
        self,
        call: cst.Call,
        v: CallV,
        client: Client,
        args: dict[str, V],
        extra: dict[str, V],
        star_unknown: bool,
        flow_override: tuple[str, str | None, str] | None = None,
    ) -> None:
        if client.kind == "assertion":
            flow, grant, why = (
                "jwt_bearer",
                known_str(client.grant_type),
                "Authlib assertion client",
            )
            method, auth_notes, hints, secret_v = (
                "none",
                ["the signed JWT is the grant (RFC 7523); no client authentication"],
                {},
                None,
            )
        else:
            flow, grant, why = flow_override or self._grant(client, args, extra, star_unknown)
            method, auth_notes, hints, secret_v = self._request_auth(call, client, args, extra)
        evidence = [f"{v.method}: {why}"]
        flow, pkce_note = self._pkce(client, flow, "code_verifier" in extra)
        if pkce_note:
            evidence.append(pkce_note)
        if flow == "implicit":
            method, auth_notes, hints = "none", ["token read from the URL fragment"], {}
        evidence.extend(auth_notes)
        token_url, notes = self._token_url(client, args.get("url"))
        evidence.extend(notes)
        auto, auto_note = self._auto_refresh(client, flow)
        if auto_note:
            evidence.append(auto_note)
        if flow == "client_credentials" and client.kind != "registry":
            refetch = client.token_endpoint is not None and (
                client.grant_type is not None or "grant_type" not in args
            )
            if refetch:
                evidence.append(
                    "expired tokens are re-fetched with client_credentials (no refresh)"
                )
        verify = client.verify_disabled
        if (
            client.transport == "requests"
            and client.kind != "registry"
            and is_false(extra.get("verify"))
        ):
            verify = True
            transport_fact(
                self.ctx, call, "TLS verification disabled on an Authlib token request", token_url
            )
        self._record_token(extra.get("token"), call, f"token= of {v.method}")
        fields = self._common_fields(client)
        if secret_v is not None:
            fields["secret"] = self.ctx.credential(secret_v)
        self._emit(
            client,
            call,
            "token_request",
            flow=flow,
            grant_type=grant,
            client_auth=method,
            token_url=token_url,
            scopes=self._scopes(client, extra.get("scope")),
            auto_refresh=auto,
            evidence=evidence,
            fix_hints=hints,
            secret=fields["secret"],
            verify_disabled=verify,
        )

    def _refresh(self, call: cst.Call, v: CallV, client: Client) -> None:
        args = bind(v, REFRESH_PARAMS)
        extra = {k: val for k, val in args.items() if k not in REFRESH_PARAMS}
        rt = args.get("refresh_token")
        if rt is not None:
            self.ctx.record_secret(
                rt, "refresh_token", "refresh_token passed to refresh_token()", call
            )
        method, auth_notes, hints, secret_v = self._request_auth(call, client, args, extra)
        token_url, notes = self._token_url(client, args.get("url"))
        fields = {"secret": self.ctx.credential(secret_v)} if secret_v is not None else {}
        self._emit(
            client,
            call,
            "refresh",
            flow="refresh_token",
            grant_type="refresh_token",
            client_auth=method,
            token_url=token_url,
            scopes=self._scopes(client, extra.get("scope")),
            evidence=["explicit refresh_token() call", *auth_notes, *notes],
            fix_hints=hints,
            **fields,
        )

    def _authorization_url(
        self,
        call: cst.Call,
        v: CallV,
        client: Client,
        args: dict[str, V] | None = None,
        verifier: bool | None = None,
    ) -> None:
        if args is None:
            args = bind(v, AUTH_URL_PARAMS)
        rt_v = args.get("response_type", client.response_type)
        if isinstance(client.authorize_params, DictV) and "response_type" not in args:
            rt_v = client.authorize_params.items.get("response_type", rt_v)
        rt = "code" if rt_v is None else known_str(rt_v)
        evidence = [f"{v.method}: response_type={rt or '?'}"]
        if rt is None:
            flow = "unknown"
        elif "token" in rt.split():
            flow = "implicit"
        elif "code" in rt.split():
            has_verifier = (
                verifier
                if verifier is not None
                else args.get("code_verifier") is not None
                and not (
                    isinstance(args.get("code_verifier"), Const)
                    and args["code_verifier"].value is None  # type: ignore[union-attr]
                )
            )
            flow, note = self._pkce(client, "authorization_code", has_verifier)
            if note:
                evidence.append(note)
        else:
            flow = "other"
        method, notes, hints = self._configured_auth(client)
        url = args.get("url")
        if url is None or (isinstance(url, Const) and url.value is None):
            url = client.authorize_url
        self._emit(
            client,
            call,
            "authorization_url",
            flow=flow,
            grant_type=None,
            client_auth=method,
            authorization_url=url_text(url),
            token_url=url_text(client.token_endpoint),
            scopes=self._scopes(client, args.get("scope")),
            evidence=evidence + notes,
            fix_hints=hints,
        )

    def _fragment(self, call: cst.Call, v: CallV, client: Client) -> None:
        self._emit(
            client,
            call,
            "token_request",
            flow="implicit",
            grant_type=None,
            client_auth="none",
            scopes=self._scopes(client, None),
            evidence=["token_from_fragment: implicit grant, token read from the URL fragment"],
        )

    def _api_call(self, v: CallV, client: Client, m: str) -> None:
        if m in ("request", "stream"):
            url = v.pos[1] if len(v.pos) > 1 else v.kw.get("url")
        else:
            url = v.pos[0] if v.pos else v.kw.get("url")
        self._record_token(v.kw.get("token"), v.call or v.node, f"token= of {m}()")  # type: ignore[arg-type]
        shown = url_text(url) if url is not None else None
        if shown is None:
            return
        base = url_text(client.api_base_url)
        if base and not shown.startswith(("http://", "https://")):
            shown = urljoin(base, shown)
        if shown not in client.api_urls:
            client.api_urls.append(shown)

    def _registry_method(self, call: cst.Call, v: CallV, client: Client, m: str) -> None:
        request_first = client.registry in ("django", "starlette")
        if m in ("authorize_redirect", "create_authorization_url"):
            params = (
                ["request", "redirect_uri"]
                if request_first and m == "authorize_redirect"
                else ["redirect_uri"]
            )
            args = bind(v, params)
            auth_args = {"url": client.authorize_url, **args}
            ccm = client.code_challenge_method
            # the registry generates a verifier for any truthy code_challenge_method
            verifier = ccm is not None and not (isinstance(ccm, Const) and not ccm.value)
            self._authorization_url(call, v, client, auth_args, verifier)
        elif m == "authorize_access_token":
            args = bind(v, ["request"] if request_first else [])
            extra = {k: val for k, val in args.items() if k != "request"}
            ccm = client.code_challenge_method
            if ccm is not None and not (isinstance(ccm, Const) and not ccm.value):
                extra.setdefault("code_verifier", Const(True))
            self._token_request(
                call,
                v,
                client,
                {"url": client.token_endpoint} if client.token_endpoint is not None else {},
                extra,
                v.star_unknown,
                (
                    "authorization_code",
                    "authorization_code",
                    "authorization code from the callback",
                ),
            )
        elif m == "fetch_access_token":
            args = bind(v, ["redirect_uri"])
            extra = {k: val for k, val in args.items() if k != "redirect_uri"}
            atp = client.access_token_params
            if isinstance(atp, DictV):
                extra = {**atp.items, **extra}
            star = v.star_unknown or (atp is not None and not isinstance(atp, DictV))
            url_args = {"url": client.token_endpoint} if client.token_endpoint is not None else {}
            if "grant_type" in extra:
                url_args["grant_type"] = extra.pop("grant_type")
            if client.unknown_config and client.name is None and self.registry_grant_names:
                star = True
            self._token_request(call, v, client, url_args, extra, star)
        elif m in API_METHODS or m == "request":
            self._api_call(v, client, m)

    def _oauth2_auth(self, call: cst.Call, v: CallV) -> None:
        a = bind(v, ["token", "token_placement", "client"])
        token = a.get("token")
        self._record_token(token, call, "OAuth2Auth token")
        owner = self.receiver_client(a.get("client")) if a.get("client") is not None else None
        evidence = ["OAuth2Auth adds the bearer token to requests; no client authentication"]
        if owner is None:
            evidence.append("not bound to a client: no expiry check, no refresh")
        u = usage(
            self.ctx,
            call,
            LIBRARY,
            "client_setup",
            flow="unknown",
            client_auth="unknown",
            client_key=owner.key if owner else None,
            evidence=evidence,
        )
        if owner is not None:
            owner.usages.append(u)

    def _setup_usage(self, client: Client) -> None:
        assert client.node is not None
        if client.kind == "assertion":
            flow, grant = "jwt_bearer", known_str(client.grant_type)
            method, notes, hints = (
                "none",
                ["the signed JWT is the grant (RFC 7523); no client authentication"],
                {},
            )
        else:
            gt = client.grant_type
            grant = known_str(gt)
            if gt is not None and not (isinstance(gt, Const) and gt.value is None):
                flow = flow_for_grant(grant)
            elif (
                client.response_type is not None
                and "token" in (known_str(client.response_type) or "").split()
            ):
                flow = "implicit"
            elif client.authorize_url is not None:
                flow, _ = self._pkce(client, "authorization_code", True)
            else:
                flow = "unknown"
            method, notes, hints = self._configured_auth(client)
        auto = False
        auto_note = None
        if isinstance(client.token, DictV) and "refresh_token" in client.token.items:
            if client.token_endpoint is not None:
                auto = True
                auto_note = "token with refresh_token and token_endpoint: Authlib refreshes it"
        else:
            auto, auto_note = self._auto_refresh(client, flow)
        token_url, tnotes = self._token_url(client, None)
        self._emit(
            client,
            client.node,
            "client_setup",
            flow=flow,
            grant_type=grant,
            client_auth=method,
            token_url=token_url,
            authorization_url=url_text(client.authorize_url),
            scopes=self._scopes(client, None),
            auto_refresh=auto,
            evidence=[f"{client.cls} configured", *notes, *tnotes]
            + ([auto_note] if auto_note else []),
            fix_hints=hints,
        )


# Method names that only Authlib's framework registry clients have.
REGISTRY_ONLY_METHODS = {"authorize_redirect", "authorize_access_token"}


def _unresolved(recv: V | None) -> bool:
    if isinstance(recv, CallV):
        q = recv.qualname or ""
        return not q or q.startswith("<local>.")
    return not isinstance(recv, (Text, DictV, Const))


def _keyword_arg(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


__all__ = ["detect", "ROOTS"]
