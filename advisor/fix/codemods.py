"""One codemod per fixable rule: library knowledge of how to make a call compliant.

Each codemod looks up the construct behind a finding (by span, in a fresh parse of the file),
uses the detector's ``fix_hints`` on the matching usage where it has them, and returns a
:class:`Fix` (the actions plus what the fix means) or None when it cannot fix this instance
safely. Fix safety (Ruff's meaning): a *safe* fix moves the code to what the provider requires
without needing anything from the team; an *unsafe* one changes runtime configuration (an
environment variable must be set, a refresh mechanism disappears) and is applied only with
``--unsafe-fixes``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from advisor.fix.cstedit import ActionSet
from advisor.fix.locate import SourceTree, is_false, keyword_arg, string_value
from advisor.model import Finding, Span, TransportFact, Usage
from advisor.policy.urls import display_url, host_of, is_plain_http

SAFE = "safe"
UNSAFE = "unsafe"

# Keyword arguments that turn TLS certificate verification off (requests/httpx/Authlib: verify;
# aiohttp: ssl, and its deprecated verify_ssl).
_TLS_OFF_KEYWORDS = ("verify", "ssl", "verify_ssl")
_AUTO_REFRESH_KEYWORDS = ("auto_refresh_url", "auto_refresh_kwargs", "token_updater")
_INSECURE_TRANSPORT = ("OAUTHLIB_INSECURE_TRANSPORT", "AUTHLIB_INSECURE_TRANSPORT")
_ENV_PREFIX = "TREDDY_"


@dataclass
class Fix:
    rule: str
    safety: str
    actions: ActionSet
    title: str
    env_vars: list[str] = field(default_factory=list)


@dataclass
class FileFacts:
    """What the codemods may consult besides the tree: the file's usages and transport facts."""

    usages: list[Usage] = field(default_factory=list)
    transport: list[TransportFact] = field(default_factory=list)
    # literal source text -> environment variable chosen for it (one name per secret and file)
    env_names: dict[str, str] = field(default_factory=dict)

    def usages_at(self, span: Span) -> list[Usage]:
        return [u for u in self.usages if u.span == span]


Codemod = Callable[[SourceTree, Finding, FileFacts], "Fix | None"]


# --------------------------------------------------------------------------- TRD201


def _safe_fix_per_usage(
    tree: SourceTree,
    f: Finding,
    facts: FileFacts,
    apply: Callable[[ActionSet, cst.Call, Usage], None],
    title: str,
) -> Fix | None:
    """A safe fix made of what ``apply`` does for each usage found at the reported call."""
    call = tree.at(f.span, cst.Call)
    usages = facts.usages_at(f.span)
    if not isinstance(call, cst.Call) or not usages:
        return None
    actions = ActionSet()
    for u in usages:
        apply(actions, call, u)
    return Fix(f.rule, SAFE, actions, title) if actions else None


def client_auth_to_basic(tree: SourceTree, f: Finding, facts: FileFacts) -> Fix | None:
    def apply(actions: ActionSet, call: cst.Call, u: Usage) -> None:
        hints = u.fix_hints
        if hints.get("include_client_id"):
            _remove_keywords(actions, call, ("include_client_id",))
        if hints.get("token_endpoint_auth_method") == "client_secret_post":
            _switch_auth_method(tree, actions, hints.get("argument") or {})
        if hints.get("remove_argument"):
            # Authlib sends a client_secret= keyword of fetch_token in the body; the configured
            # (Basic) method of the client authenticates without it.
            _remove_keywords(actions, call, ("client_secret",))
        if hints.get("move_body_credentials_to_auth"):
            _move_body_credentials(tree, actions, call, u.library)

    title = "send the client credentials in an HTTP Basic auth header"
    return _safe_fix_per_usage(tree, f, facts, apply, title)


# --------------------------------------------------------------------------- TRD202


def client_auth_query_to_basic(tree: SourceTree, f: Finding, facts: FileFacts) -> Fix | None:
    def apply(actions: ActionSet, call: cst.Call, u: Usage) -> None:
        if u.fix_hints.get("move_query_credentials_to_auth"):
            _move_body_credentials(tree, actions, call, u.library, "params")

    title = "send the client credentials in an HTTP Basic auth header, not the URL"
    return _safe_fix_per_usage(tree, f, facts, apply, title)


def _switch_auth_method(tree: SourceTree, actions: ActionSet, where: dict) -> None:
    if where.get("path") not in (None, tree.path) or "line" not in where:
        return
    span = Span(where["line"], where["column"], where["end_line"], where["end_column"])
    node = tree.at(span, cst.SimpleString)
    if not isinstance(node, cst.SimpleString) or string_value(node) != "client_secret_post":
        return
    actions.replace[id(node)] = node.with_changes(
        value=f"{node.prefix}{node.quote}client_secret_basic{node.quote}"
    )


def _move_body_credentials(
    tree: SourceTree, actions: ActionSet, call: cst.Call, library: str, keyword: str = "data"
) -> None:
    """Move client_id / client_secret from the mapping passed as ``keyword`` (the form body,
    or ``params``: the query string) into the call's ``auth=``."""
    data_index = next(
        (
            i
            for i, a in enumerate(call.args)
            if a.keyword is not None and a.keyword.value == keyword
        ),
        None,
    )
    if data_index is None:
        return
    data = call.args[data_index].value
    body = _own_dict(tree, data, call)
    if body is None:
        return
    fields = _credential_fields(body)
    if fields is None:
        return
    has_auth = keyword_arg(call, "auth") is not None
    if not has_auth and ("client_id" not in fields or "client_secret" not in fields):
        return
    auth_ctor = None if has_auth else _basic_auth_constructor(tree, actions, library)
    if not has_auth and auth_ctor is None:
        return
    if body is data and _entries(body) == len(fields):
        actions.remove.add(id(call.args[data_index]))  # nothing else in it: no empty params={}
    else:
        for item, _ in fields.values():
            actions.remove.add(id(item))
    if has_auth:
        return
    cid, secret = fields["client_id"][1], fields["client_secret"][1]
    equal = call.args[data_index].equal

    def build(moved: dict[int, cst.BaseExpression]) -> cst.Arg:
        pair = [moved.get(id(cid), cid), moved.get(id(secret), secret)]
        value: cst.BaseExpression
        if auth_ctor == "tuple":
            value = cst.Tuple(
                [
                    cst.Element(
                        pair[0], comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                    ),
                    cst.Element(pair[1]),
                ]
            )
        else:
            value = cst.Call(
                func=cst.parse_expression(auth_ctor),
                args=[
                    cst.Arg(pair[0], comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                    cst.Arg(pair[1]),
                ],
            )
        return cst.Arg(value=value, keyword=cst.Name("auth"), equal=equal)

    actions.insert_args.setdefault(id(call), []).append((data_index, build))


def _entries(body: cst.CSTNode) -> int:
    if isinstance(body, cst.Dict):
        return len(body.elements)
    return len(body.args) if isinstance(body, cst.Call) else -1


def _own_dict(tree: SourceTree, data: cst.BaseExpression, call: cst.Call) -> cst.CSTNode | None:
    """The dict literal (or ``dict(...)`` call) the body comes from, if only this call uses it."""
    if isinstance(data, cst.Dict) or _is_dict_call(data):
        return data
    if not isinstance(data, cst.Name):
        return None
    scope = tree.scope_of(call)
    value = tree.single_assignment(data.value, scope)
    if value is None and scope is not tree.module and not _assigned_in(tree, data.value, scope):
        scope = tree.module
        value = tree.single_assignment(data.value, scope)
    if value is None or not (isinstance(value, cst.Dict) or _is_dict_call(value)):
        return None
    if len(tree.loads_of(data.value, scope)) != 1 or tree.mutated(data.value, scope):
        return None
    return value


def _assigned_in(tree: SourceTree, name: str, scope: cst.CSTNode) -> bool:
    return any(
        isinstance(n, cst.AssignTarget)
        and isinstance(n.target, cst.Name)
        and n.target.value == name
        for n in tree.walk(scope)
    )


def _is_dict_call(node: cst.CSTNode) -> bool:
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "dict"
        and all(a.keyword is not None for a in node.args)
    )


def _credential_fields(body: cst.CSTNode) -> dict[str, tuple[cst.CSTNode, cst.BaseExpression]]:
    """client_id / client_secret entries: name -> (entry node, value); None when ambiguous."""
    found: dict[str, tuple[cst.CSTNode, cst.BaseExpression]] = {}
    if isinstance(body, cst.Dict):
        for el in body.elements:
            if not isinstance(el, cst.DictElement):
                return None  # **other: the other mapping may carry credentials too
            key = string_value(el.key)
            if key in ("client_id", "client_secret"):
                if key in found:
                    return None
                found[key] = (el, el.value)
    elif isinstance(body, cst.Call):
        for arg in body.args:
            assert arg.keyword is not None
            if arg.keyword.value in ("client_id", "client_secret"):
                found[arg.keyword.value] = (arg, arg.value)
    return found if "client_secret" in found else None


def _basic_auth_constructor(tree: SourceTree, actions: ActionSet, library: str) -> str | None:
    """How to write Basic auth for this library: a tuple, or a BasicAuth class to call."""
    if library in ("requests", "httpx"):
        return "tuple"
    if library != "aiohttp":
        return None
    for node in tree.walk(tree.module):
        if isinstance(node, cst.Import):
            for alias in node.names:
                if isinstance(alias.name, cst.Name) and alias.name.value == "aiohttp":
                    asname = alias.asname.name if alias.asname else alias.name
                    if isinstance(asname, cst.Name):
                        return f"{asname.value}.BasicAuth"
        if (
            isinstance(node, cst.ImportFrom)
            and isinstance(node.module, cst.Name)
            and node.module.value == "aiohttp"
            and not isinstance(node.names, cst.ImportStar)
        ):
            for alias in node.names:
                if isinstance(alias.name, cst.Name) and alias.name.value == "BasicAuth":
                    asname = alias.asname.name if alias.asname else alias.name
                    if isinstance(asname, cst.Name):
                        return asname.value
    actions.imports.append(("aiohttp", None))
    return "aiohttp.BasicAuth"


# --------------------------------------------------------------------------- TRD301 / TRD302


def secret_to_environment(tree: SourceTree, f: Finding, facts: FileFacts) -> Fix | None:
    node = tree.at(f.span, (cst.SimpleString, cst.ConcatenatedString))
    if node is None or string_value(node) is None:
        return None
    parent = tree.parent_of(node)
    if isinstance(parent, cst.DictElement) and parent.key is node:
        return None
    if isinstance(parent, cst.ConcatenatedString):
        return None  # part of a longer string
    literal = tree.module.code_for_node(node)
    name = facts.env_names.get(literal)
    if name is None:
        fallback = "ACCESS_TOKEN" if f.rule == "TRD302" else "CLIENT_SECRET"
        name = _unique(env_name(_context_name(tree, node), fallback), facts.env_names)
        facts.env_names[literal] = name
    actions = ActionSet()
    actions.replace[id(node)] = cst.parse_expression(f'os.environ["{name}"]')
    actions.imports.append(("os", None))
    return Fix(
        f.rule,
        UNSAFE,
        actions,
        f"read the value from the {name} environment variable",
        env_vars=[name],
    )


def pair_secret_to_environment(tree: SourceTree, f: Finding, facts: FileFacts) -> Fix | None:
    """TRD303 on the secret of a (client id, secret) pair: read it from the environment.

    A literal ``Authorization: Basic ...`` value is left alone: an environment variable holding
    a whole header is not what anyone should be told to set up.
    """
    node = tree.at(f.span, (cst.SimpleString, cst.ConcatenatedString))
    value = string_value(node) if node is not None else None
    if value is None or value.strip().lower().startswith("basic "):
        return None
    return secret_to_environment(tree, f, facts)


def _context_name(tree: SourceTree, node: cst.CSTNode) -> str | None:
    """The name a reader would give the value: its variable, keyword, dict key or parameter."""
    parent = tree.parent_of(node)
    if isinstance(parent, cst.Arg) and parent.keyword is not None:
        return parent.keyword.value
    if isinstance(parent, cst.DictElement):
        return string_value(parent.key)
    if isinstance(parent, cst.Param):
        return parent.name.value
    if isinstance(parent, (cst.Assign, cst.AnnAssign)):
        targets = (
            [t.target for t in parent.targets]
            if isinstance(parent, cst.Assign)
            else [parent.target]
        )
        if len(targets) == 1:
            t = targets[0]
            if isinstance(t, cst.Name):
                return t.value
            if isinstance(t, cst.Attribute):
                return t.attr.value
            if isinstance(t, cst.Subscript) and len(t.slice) == 1:
                index = t.slice[0].slice
                if isinstance(index, cst.Index):
                    return string_value(index.value)
    return None


def env_name(context: str | None, fallback: str) -> str:
    """``CLIENT_SECRET`` / ``clientSecret`` / ``client_secret`` -> ``TREDDY_CLIENT_SECRET``."""
    text = context or fallback
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").upper()
    if not text or text[0].isdigit():
        text = fallback
    return text if text.startswith(_ENV_PREFIX) else _ENV_PREFIX + text


def _unique(name: str, taken: dict[str, str]) -> str:
    used = set(taken.values())
    if name not in used:
        return name
    n = 2
    while f"{name}_{n}" in used:
        n += 1
    return f"{name}_{n}"


# --------------------------------------------------------------------------- TRD402


def enable_tls_verification(tree: SourceTree, f: Finding, facts: FileFacts) -> Fix | None:
    actions = ActionSet()
    calls: list[cst.Call] = []
    at = tree.at(f.span, cst.Call)
    if isinstance(at, cst.Call):
        calls.append(at)
    for u in facts.usages_at(f.span):
        calls.extend(_client_constructors(tree, u))
    seen: set[int] = set()
    for call in calls:
        if id(call) in seen:
            continue
        seen.add(id(call))
        _remove_false_keywords(actions, call)
        connector = keyword_arg(call, "connector")
        if connector is not None and isinstance(connector.value, cst.Call):
            _remove_false_keywords(actions, connector.value)
        for scope, name in tree.bound_names(call):
            _remove_attribute_sets(tree, actions, scope, name, "verify")
    if not actions:
        return None
    return Fix(f.rule, SAFE, actions, "verify TLS certificates again (library default)")


def _remove_false_keywords(actions: ActionSet, call: cst.Call) -> None:
    for arg in call.args:
        if (
            arg.keyword is not None
            and arg.keyword.value in _TLS_OFF_KEYWORDS
            and is_false(arg.value)
        ):
            actions.remove.add(id(arg))


def _remove_attribute_sets(
    tree: SourceTree, actions: ActionSet, scope: cst.CSTNode, name: str, attr: str
) -> None:
    """Remove ``name.attr = False`` statements (``self.x.attr`` inside a class)."""
    dotted = f"{name}.{attr}"
    nodes = tree.walk(scope) if not isinstance(scope, cst.ClassDef) else _descendants(scope)
    for node in nodes:
        if (
            isinstance(node, cst.Assign)
            and len(node.targets) == 1
            and _dotted(node.targets[0].target) == dotted
            and is_false(node.value)
        ):
            actions.remove.add(id(node))


def _descendants(root: cst.CSTNode):  # noqa: ANN202 - a generator of nodes
    """``root`` and every node below it, nested functions and classes included."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.children)


def _dotted(node: cst.CSTNode) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def _client_constructors(tree: SourceTree, u: Usage) -> list[cst.Call]:
    """The constructor call of the client object a usage belongs to (from its client key)."""
    key = u.client_key or ""
    parts = key.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != tree.path:
        return []
    try:
        line, column = int(parts[1]), int(parts[2])
    except ValueError:
        return []
    return [c for c in tree.starting_at(line, column, cst.Call) if isinstance(c, cst.Call)]


# --------------------------------------------------------------------------- TRD403


def remove_insecure_transport(tree: SourceTree, f: Finding, facts: FileFacts) -> Fix | None:
    stmt = tree.at(f.span, cst.BaseSmallStatement)
    if stmt is None:
        node = tree.at(f.span, cst.CSTNode)
        stmt = tree.statement_of(node) if node is not None else None
    if not isinstance(stmt, cst.BaseSmallStatement):
        return None
    actions = ActionSet()
    call = stmt.value if isinstance(stmt, cst.Expr) else None
    partial = isinstance(call, cst.Call) and _update_items(call)
    if partial:
        actions.remove.update(partial)
    else:
        actions.remove.add(id(stmt))
    return Fix(f.rule, SAFE, actions, "remove the insecure-transport override")


def _update_items(call: cst.Call) -> set[int]:
    """For ``environ.update(...)`` setting other variables too: just the override's items."""
    if not (isinstance(call.func, cst.Attribute) and call.func.attr.value == "update"):
        return set()
    items: list[tuple[bool, int]] = []
    for arg in call.args:
        if arg.keyword is not None:
            items.append((arg.keyword.value in _INSECURE_TRANSPORT, id(arg)))
        elif isinstance(arg.value, cst.Dict) and len(call.args) == 1:
            for el in arg.value.elements:
                key = string_value(el.key) if isinstance(el, cst.DictElement) else None
                items.append((key in _INSECURE_TRANSPORT, id(el)))
        else:
            return set()
    override = {i for is_override, i in items if is_override}
    return override if override and len(override) < len(items) else set()


# --------------------------------------------------------------------------- TRD401


def endpoint_to_https(tree: SourceTree, f: Finding, facts: FileFacts) -> Fix | None:
    """``http://`` → ``https://`` in the literals the reported endpoint is written with.

    The literal may be the whole URL or its start (a base URL joined with a path later); only
    literals of this file, and only those the reported URL begins with, are changed. Unsafe:
    every use of such a literal (a base URL shared with other calls) moves to HTTPS too, and
    the host must serve it.
    """
    urls = {
        fact.url
        for fact in facts.transport
        if fact.kind == "insecure_url" and fact.span == f.span and fact.url
    }
    for u in facts.usages_at(f.span):
        urls.update(url for url in (u.token_url, u.authorization_url) if url)
    # The finding is about one URL; a call may name two (authorization and token endpoints).
    urls = {url for url in urls if is_plain_http(url) and display_url(url) in f.message}
    if not urls:
        return None
    actions = ActionSet()
    for node in _descendants(tree.module):
        if isinstance(node, cst.SimpleString):
            start = _http_start(node)
            value = string_value(node)
            if start is not None and value and any(_begins(url, value) for url in urls):
                raw = node.value
                actions.replace[id(node)] = node.with_changes(
                    value=f"{raw[:start]}https://{raw[start + len('http://') :]}"
                )
    if not actions:
        return None
    return Fix(f.rule, UNSAFE, actions, "use the https:// endpoint")


def _http_start(node: cst.SimpleString) -> int | None:
    """Where ``http://`` starts in the literal's source, when its text starts with it."""
    start = len(node.prefix) + len(node.quote)
    return start if node.value[start : start + len("http://")] == "http://" else None


def _begins(url: str, literal: str) -> bool:
    """Whether ``url`` starts with ``literal`` and the literal holds at least the whole host."""
    if not url.startswith(literal):
        return False
    rest = url[len(literal) :]
    return host_of(literal) is not None and (not rest or rest[0] in "/?#:" or literal[-1] == "/")


# --------------------------------------------------------------------------- TRD103


def remove_auto_refresh(tree: SourceTree, f: Finding, facts: FileFacts) -> Fix | None:
    actions = ActionSet()
    for u in facts.usages_at(f.span):
        if not u.fix_hints.get("auto_refresh_args"):
            continue
        for call in [tree.at(f.span, cst.Call), *_client_constructors(tree, u)]:
            if isinstance(call, cst.Call) and keyword_arg(call, "auto_refresh_url") is not None:
                _remove_keywords(actions, call, _AUTO_REFRESH_KEYWORDS)
                break
    if not actions:
        return None
    return Fix(
        f.rule,
        UNSAFE,
        actions,
        "remove the automatic refresh; fetch a new client-credentials token when it expires",
    )


def _remove_keywords(actions: ActionSet, call: cst.Call, names: tuple[str, ...]) -> None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in names:
            actions.remove.add(id(arg))


CODEMODS: dict[str, Codemod] = {
    "TRD103": remove_auto_refresh,
    "TRD201": client_auth_to_basic,
    "TRD202": client_auth_query_to_basic,
    "TRD301": secret_to_environment,
    "TRD302": secret_to_environment,
    "TRD303": pair_secret_to_environment,
    "TRD401": endpoint_to_https,
    "TRD402": enable_tls_verification,
    "TRD403": remove_insecure_transport,
}
