"""Literals held by names that can only mean an OAuth credential.

Role-based detection (the other detectors) finds secrets by what an OAuth call does with them.
This one covers the rest of issue 3's definition: a literal under a name that unambiguously means
a client secret or a token — ``client_secret="..."`` passed to any factory, a ``"client_secret"``
dict key, ``TREDDY_CLIENT_SECRET = "..."``, ``app.config["TREDDY_CLIENT_SECRET"] = "..."``,
``self.client_secret = "..."``. Deliberately narrow: ``TOKEN_URL``, ``token``,
``password`` or ``secret_key`` are not OAuth credentials by name alone.
"""

from __future__ import annotations

import re

import libcst as cst

from advisor.analysis.context import ModuleContext
from advisor.analysis.values import Text

ROLE_BY_NAME = (
    (re.compile(r"^(?:\w+_)?client_?secret$", re.IGNORECASE), "client_secret"),
    (re.compile(r"^(?:oauth2?_)?access_token$", re.IGNORECASE), "access_token"),
    (re.compile(r"^(?:oauth2?_)?refresh_token$", re.IGNORECASE), "refresh_token"),
)


# Words of the protocol itself: a table mapping "refresh_token" to "refresh_token" holds no secret.
_PROTOCOL_WORDS = frozenset(
    {
        "client_secret",
        "client_id",
        "access_token",
        "refresh_token",
        "id_token",
        "token",
        "client_credentials",
        "authorization_code",
        "password",
        "bearer",
        "basic",
        "client_secret_basic",
        "client_secret_post",
        "client_secret_jwt",
        "private_key_jwt",
        "secret",
        "none",
        "code",
        "implicit",
    }
)
MIN_NAMED_SECRET = 8
# "GITHUB_OAUTH_CLIENT_SECRET": the name of the place a secret is kept (an environment variable,
# a config key, as in flask-dance's ``bp.from_config["client_secret"] = "..."``), not a secret.
_NAME_OF_A_SETTING = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z][A-Z0-9]*)+")


def _secret_shaped(value: str) -> bool:
    """A value that could be a credential: not a URL, a sentence, a short code or a keyword.

    Only for literals recognised by their name; a literal passed in a secret role (the
    ``client_secret=`` of a session) is reported by its role whatever it looks like.
    """
    v = value.strip()
    return (
        len(v) >= MIN_NAMED_SECRET
        and "://" not in v
        and " " not in v
        and v.lower() not in _PROTOCOL_WORDS
        and not _NAME_OF_A_SETTING.fullmatch(v)
    )


def _role(name: str) -> str | None:
    for pattern, role in ROLE_BY_NAME:
        if pattern.match(name):
            return role
    return None


def detect(ctx: ModuleContext) -> None:
    taken = {(s.path, s.span.line, s.span.column) for s in ctx.facts.secrets}
    for node, name, value in _candidates(ctx):
        role = _role(name)
        if role is None:
            continue
        v = ctx.value(value)
        if not isinstance(v, Text) or v.known is None or not _secret_shaped(v.known):
            continue
        cred = ctx.credential(v)
        if cred.literal_span is None:
            continue
        key = (cred.literal_path or ctx.path, cred.literal_span.line, cred.literal_span.column)
        if key in taken:
            continue  # already reported by its role in an OAuth call
        taken.add(key)
        ctx.record_secret(v, role, f"literal assigned to {name}", node)


def _candidates(ctx: ModuleContext):  # noqa: ANN202 - generator of (node, name, value)
    for call in ctx.index.calls:
        for arg in call.args:
            if arg.keyword is not None and isinstance(
                arg.value, (cst.SimpleString, cst.ConcatenatedString)
            ):
                yield arg, arg.keyword.value, arg.value
    for scope in ctx.index.scopes.values():
        for name, bindings in scope.bindings.items():
            for b in bindings:
                if b.kind == "assign" and isinstance(
                    b.value, (cst.SimpleString, cst.ConcatenatedString)
                ):
                    yield b.value, name, b.value
    # ``app.config["TREDDY_CLIENT_SECRET"] = "..."`` (Authlib's Flask registry reads it from
    # there), ``os.environ[...] = "..."``, ``self.client_secret = "..."``
    for scope in ctx.index.scopes.values():
        for mutations in scope.mutations.values():
            for m in mutations:
                if not isinstance(m.value, (cst.SimpleString, cst.ConcatenatedString)):
                    continue
                if m.kind == "setitem" and m.key is not None:
                    key = ctx.value(m.key)
                    if isinstance(key, Text) and key.known:
                        yield m.value, key.known, m.value
                elif m.kind == "setattr" and m.path:
                    yield m.value, m.path[-1], m.value
    for s in ctx.index.strings:
        parent = ctx.index.parent.get(id(s))
        if isinstance(parent, cst.DictElement) and parent.key is s:
            key = ctx.value(s)
            if (
                isinstance(key, Text)
                and key.known
                and isinstance(parent.value, (cst.SimpleString, cst.ConcatenatedString))
            ):
                yield parent, key.known, parent.value
