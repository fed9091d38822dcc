"""Abstract values: what an expression evaluates to, as far as the source text tells.

The evaluator follows string constants, module-level and local assignments, dict literals and
``dict(...)``, ``dict.update``/item assignments, concatenation, f-strings, ``%``/``.format``,
``urlencode``, ``self.x`` attributes, helpers of the same module (inlined with their arguments
bound) and constants imported from other modules of the scanned project. Whatever it cannot
follow becomes ``Unknown``: a detector must never guess.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import libcst as cst

from advisor.analysis.index import Binding, ModuleIndex, Mutation, ScopeInfo
from advisor.analysis.walk import walk


class V:
    """Base class of abstract values."""

    node: cst.CSTNode | None = None


@dataclass(eq=False)
class Text(V):
    """A string; parts are known text or holes (other values). ``nodes`` are the literals."""

    parts: tuple[str | V, ...]
    nodes: tuple[cst.CSTNode, ...] = ()

    @property
    def known(self) -> str | None:
        if all(isinstance(p, str) for p in self.parts):
            return "".join(self.parts)  # type: ignore[arg-type]
        return None

    @property
    def holes(self) -> list[V]:
        return [p for p in self.parts if not isinstance(p, str)]

    def display(self) -> str:
        return "".join(p if isinstance(p, str) else "{…}" for p in self.parts)

    @property
    def prefix(self) -> str:
        out = []
        for p in self.parts:
            if not isinstance(p, str):
                break
            out.append(p)
        return "".join(out)


@dataclass(eq=False)
class Const(V):
    value: object
    node: cst.CSTNode | None = None


@dataclass(eq=False)
class DictV(V):
    items: dict[str, V]
    complete: bool = True
    node: cst.CSTNode | None = None


@dataclass(eq=False)
class SeqV(V):
    items: tuple[V, ...]
    kind: str = "tuple"
    node: cst.CSTNode | None = None


@dataclass(eq=False)
class Env(V):
    name: str | None
    default: V | None = None
    node: cst.CSTNode | None = None


@dataclass(eq=False)
class Config(V):
    detail: str
    node: cst.CSTNode | None = None


@dataclass(eq=False)
class Param(V):
    name: str
    function: str
    node: cst.CSTNode | None = None


@dataclass(eq=False)
class Unknown(V):
    reason: str = ""
    node: cst.CSTNode | None = None


@dataclass(eq=False)
class Ref(V):
    """A reference to an imported (or builtin) thing, by qualified name."""

    qualname: str
    node: cst.CSTNode | None = None


@dataclass(eq=False)
class FuncRef(V):
    func: cst.FunctionDef
    receiver: V | None = None  # bound method: the object ``self`` refers to
    # a function of another project module: evaluated by that module's evaluator
    owner: Evaluator | None = None
    on_result: Callable[[V], None] | None = None


@dataclass(eq=False)
class ClassRef(V):
    cls: cst.ClassDef
    base_qualname: str | None  # first library base class, if any
    # a class of another project module: its attributes are read by that module's evaluator
    owner: Evaluator | None = None


@dataclass(eq=False)
class CallV(V):
    """The result of a call: an object built from a known class, or a call's return value.

    ``qualname`` is set when the callee is an imported name (``requests.post``,
    ``requests_oauthlib.OAuth2Session``); ``receiver``/``method`` when it is a method call on
    another value. ``local_class`` names the project subclass when a subclass was instantiated.
    """

    qualname: str | None
    call: cst.Call | None
    pos: tuple[V, ...] = ()
    kw: dict[str, V] = field(default_factory=dict)
    receiver: V | None = None
    method: str | None = None
    local_class: str | None = None
    star_unknown: bool = False  # *args/**kwargs that could not be expanded
    node: cst.CSTNode | None = None
    # the callee is a parameter or a value the analysis cannot see (an injected callable)
    callee_unknown: bool = False
    # Other values the same name may hold on another path (if/else branches): the value above
    # is the last one in source order, these are the rest. Detectors that decide on the class
    # of an object must look at them too.
    alternatives: tuple[V, ...] = ()
    # the evaluator of the module defining ``local_class`` when it is another project module
    owner: Evaluator | None = None


@dataclass(eq=False)
class BoundAttr(V):
    """``value.attr`` that is not a known constant: kept for method calls."""

    receiver: V
    attr: str
    node: cst.CSTNode | None = None


@dataclass(eq=False)
class B64(V):
    inner: V
    urlsafe: bool = False


CONFIG_ROOTS = {
    "settings",
    "config",
    "conf",
    "cfg",
    "CONFIG",
    "SETTINGS",
    "configuration",
    "app_config",
    "secrets",
    "SECRETS",
    "options",
    "credentials_config",
}
CONFIG_LOADERS = {
    "json.load",
    "json.loads",
    "yaml.safe_load",
    "yaml.load",
    "tomllib.load",
    "tomli.load",
    "toml.load",
    "configparser.ConfigParser",
    "configparser.RawConfigParser",
    "keyring.get_password",
    "dotenv.dotenv_values",
}
ENV_GETTERS = {
    "os.getenv",
    "os.environ.get",
    "os.environ.setdefault",
    "os.getenvb",
    "decouple.config",
    "environ.get",
}
B64_FUNCS = {
    "base64.b64encode": False,
    "base64.standard_b64encode": False,
    "base64.encodebytes": False,
    "base64.urlsafe_b64encode": True,
    "base64.encodestring": False,
}
# Roots of the libraries whose classes, written as a parameter's annotation, type the argument.
ANNOTATED_CLIENT_ROOTS = {
    "requests",
    "httpx",
    "aiohttp",
    "requests_oauthlib",
    "oauthlib",
    "authlib",
    "msal",
    "urllib3",
}
PASSTHROUGH_METHODS = {"encode", "decode", "strip", "rstrip", "lstrip", "lower", "upper"}
URLENCODERS = {"urllib.parse.urlencode", "urllib.urlencode", "urlencode"}
QUOTERS = {"urllib.parse.quote", "urllib.parse.quote_plus", "urllib.quote", "urllib.quote_plus"}
# How deep one value may be followed (each name, call, attribute and inlined helper adds to it).
# 16 reaches a Basic header built by a method wrapper around a module helper from attributes
# set in __init__ (spotipy); the bound keeps pathological code cheap.
MAX_DEPTH = 16
MAX_FOREIGN_BASES = 6


def _string_value(node: cst.SimpleString) -> str | None:
    """The literal's value (bytes as Latin-1 text), or None for a malformed one.

    ``evaluated_value`` compiles every literal with ``ast.literal_eval`` (a twelfth of a file's
    analysis). A literal without escapes, or a raw one, is its own text between the quotes.
    """
    raw = node.value
    if "\r" not in raw:
        prefix = node.prefix.lower()
        if "\\" not in raw or prefix in ("r", "rb", "br"):
            if prefix in ("", "u", "r"):
                return node.raw_value
            if prefix in ("b", "rb", "br") and raw.isascii():
                return node.raw_value
    try:
        v = node.evaluated_value
    except Exception:  # malformed escapes in a literal should not stop the analysis
        return None
    if isinstance(v, bytes):
        return v.decode("latin-1")
    return v


class Evaluator:
    def __init__(
        self,
        index: ModuleIndex,
        import_resolver: Callable[[str], V | None] | None = None,
        class_resolver: Callable[[str], tuple[cst.ClassDef, Evaluator] | None] | None = None,
    ) -> None:
        self.idx = index
        self.import_resolver = import_resolver
        # qualified name of a class in another project module -> its definition and evaluator
        self.class_resolver = class_resolver
        self._memo: dict[int, V] = {}
        self._active: set[int] = set()
        self._calls_by_function: dict[int, list[cst.Call]] | None = None

    def strings_in(self, fn: cst.FunctionDef) -> list[cst.CSTNode]:
        """The string literals written directly in ``fn``."""
        table: dict[int, list[cst.CSTNode]] | None = self.__dict__.get("_strings_by_function")
        if table is None:
            table = {}
            for node in self.idx.strings:
                owner = self.enclosing_function(node)
                if owner is not None:
                    table.setdefault(id(owner), []).append(node)
            self.__dict__["_strings_by_function"] = table
        return table.get(id(fn), [])

    def calls_in(self, fn: cst.FunctionDef) -> list[cst.Call]:
        """The calls written directly in ``fn`` (not in functions nested in it)."""
        if self._calls_by_function is None:
            table: dict[int, list[cst.Call]] = {}
            for call in self.idx.calls:
                owner = self.enclosing_function(call)
                if owner is not None:
                    table.setdefault(id(owner), []).append(call)
            self._calls_by_function = table
        return self._calls_by_function.get(id(fn), [])

    # -- entry point --------------------------------------------------------------------------
    def eval(
        self, expr: cst.CSTNode | None, env: dict[tuple[int, str], V] | None = None, depth: int = 0
    ) -> V:
        if expr is None:
            return Const(None)
        key = id(expr)
        if not env and key in self._memo:
            return self._memo[key]
        if depth > MAX_DEPTH or key in self._active:
            return Unknown("too deep", expr)
        self._active.add(key)
        try:
            v = self._eval(expr, env or {}, depth)
        except RecursionError:
            v = Unknown("too deep", expr)
        finally:
            self._active.discard(key)
        if v.node is None and not isinstance(v, (Text, FuncRef, ClassRef, B64)):
            with contextlib.suppress(AttributeError):
                v.node = expr
        if not env:
            self._memo[key] = v
        return v

    # -- scope helpers ------------------------------------------------------------------------
    def scope_chain(self, node: cst.CSTNode) -> list[ScopeInfo]:
        chain: list[ScopeInfo] = []
        cur: cst.CSTNode | None = node
        parent = self.idx.parent
        while cur is not None:
            info = self.idx.scopes.get(id(cur))
            if info is not None and cur is not node:
                chain.append(info)
            cur = parent.get(id(cur))
        if not chain or not isinstance(chain[-1].node, cst.Module):
            pass
        return chain

    def enclosing_function(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        cur = self.idx.parent.get(id(node))
        while cur is not None:
            if isinstance(cur, cst.FunctionDef):
                return cur
            cur = self.idx.parent.get(id(cur))
        return None

    def enclosing_class(self, node: cst.CSTNode) -> cst.ClassDef | None:
        cur = self.idx.parent.get(id(node))
        while cur is not None:
            if isinstance(cur, cst.ClassDef):
                return cur
            cur = self.idx.parent.get(id(cur))
        return None

    # -- names ----------------------------------------------------------------------------
    def lookup(self, name: str, at: cst.CSTNode, env: dict[tuple[int, str], V], depth: int) -> V:
        seq_at = self.idx.seq.get(id(at), 0)
        chain = self.scope_chain(at)
        for i, info in enumerate(chain):
            if isinstance(info.node, cst.ClassDef) and i > 0:
                continue  # class bodies are not visible from their methods
            if (id(info.node), name) in env:
                return env[(id(info.node), name)]
            bindings = info.bindings.get(name)
            if bindings:
                if i == 0:
                    before = [b for b in bindings if b.seq < seq_at]
                    # a name used in a loop may be bound later in the source: take the last
                    chosen = before[-1] if before else bindings[-1]
                    if (
                        len(before) > 1
                        and before[-1].kind == "assign"
                        and _is_none_literal(before[-1].value)
                        and self._conditional(before[-1], at)
                    ):
                        # `if method == "GET": data = None`: the value on the other path
                        chosen = before[-2]
                else:
                    chosen = bindings[-1]
                if name in info.params and not [b for b in bindings if b.seq < seq_at]:
                    return self._param(info, name, at, depth)
                v = self._binding_value(name, chosen, info, env, depth)
                if i == 0 and isinstance(v, CallV):
                    v = self._with_alternatives(
                        v, name, chosen, bindings, seq_at, at, info, env, depth
                    )
                return self._apply_mutations(
                    v, name, info, chosen.seq, seq_at if i == 0 else 1 << 60, env, depth
                )
            if name in info.params:
                v = self._param(info, name, at, depth)
                if isinstance(v, DictV):  # **kwargs filled in place: payload.setdefault(...)
                    v = self._apply_mutations(
                        v, name, info, 0, seq_at if i == 0 else 1 << 60, env, depth
                    )
                return v
        qual = self.idx.imports.names.get(name)
        if qual:
            if self.import_resolver is not None:
                resolved = self.import_resolver(qual)
                if resolved is not None:
                    return resolved
            return Ref(qual)
        if name in ("True", "False", "None"):
            return Const({"True": True, "False": False, "None": None}[name])
        return Ref(f"builtins.{name}")

    def _with_alternatives(
        self,
        v: CallV,
        name: str,
        chosen: Binding,
        bindings: list[Binding],
        seq_at: int,
        at: cst.CSTNode,
        info: ScopeInfo,
        env: dict[tuple[int, str], V],
        depth: int,
    ) -> CallV:
        earlier = [b for b in bindings if b.seq < chosen.seq and b.kind == "assign"]
        if not earlier or not self._conditional(chosen, at):
            return v
        others = []
        for b in earlier[-4:]:
            o = self._binding_value(name, b, info, env, depth)
            if isinstance(o, CallV) and o.qualname != v.qualname:
                others.append(o)
        if not others:
            return v
        return dataclasses.replace(v, alternatives=tuple(others))

    def _conditional(self, b: Binding, at: cst.CSTNode) -> bool:
        """Is the binding inside a branch or loop that does not also contain ``at``?"""
        anc: set[int] = set()
        cur: cst.CSTNode | None = at
        while cur is not None:
            anc.add(id(cur))
            cur = self.idx.parent.get(id(cur))
        cur = b.value
        while cur is not None and not isinstance(cur, (cst.FunctionDef, cst.Module)):
            if (
                isinstance(cur, (cst.If, cst.Else, cst.Try, cst.ExceptHandler, cst.For, cst.While))
                and id(cur) not in anc
            ):
                return True
            cur = self.idx.parent.get(id(cur))
        return False

    def _param(self, info: ScopeInfo, name: str, at: cst.CSTNode, depth: int) -> V:
        fn = info.node
        fname = fn.name.value if isinstance(fn, cst.FunctionDef) else "<lambda>"
        if name == "self" and isinstance(fn, cst.FunctionDef):
            cls = self.enclosing_class(fn)
            if cls is not None and self._is_first_param(fn, name):
                return self.self_value(cls, depth)
        typed = self._annotated_client(info.params.get(name))
        if typed is not None:
            return typed
        if isinstance(fn, cst.FunctionDef) and _is_star_kwarg(fn, name):
            # the caller's keywords: a mapping whose keys are not known here
            return DictV({}, False, info.params[name])
        return Param(name, fname)

    def _annotated_client(self, param: cst.Param | None) -> V | None:
        """``session: requests.Session``: a parameter typed by an HTTP or OAuth client class.

        Only library classes count (the object's methods are then known); the value is an
        object of that class built somewhere else, with no constructor arguments known.
        """
        if param is None or param.annotation is None:
            return None
        ann = param.annotation.annotation
        if isinstance(ann, cst.Subscript):  # Optional[Session]
            if len(ann.slice) != 1 or not isinstance(ann.slice[0].slice, cst.Index):
                return None
            ann = ann.slice[0].slice.value
        elif isinstance(ann, cst.BinaryOperation) and isinstance(ann.operator, cst.BitOr):
            ann = ann.left  # Session | None
        elif isinstance(ann, cst.SimpleString):
            return None
        q = self.idx.imports.resolve(ann)
        if q and q.split(".", 1)[0] in ANNOTATED_CLIENT_ROOTS:
            return CallV(q, None, star_unknown=True, node=param)
        return None

    @staticmethod
    def _is_first_param(fn: cst.FunctionDef, name: str) -> bool:
        ps = [*fn.params.posonly_params, *fn.params.params]
        return bool(ps) and ps[0].name.value == name

    def self_value(self, cls: cst.ClassDef, depth: int) -> V:
        base = self.class_base_qualname(cls)
        init = self.idx.class_of_node[id(cls)].methods.get("__init__")
        pos: tuple[V, ...] = ()
        kw: dict[str, V] = {}
        call = None
        if init is not None and base:
            for c in self.idx.calls:
                if (
                    isinstance(c.func, cst.Attribute)
                    and c.func.attr.value == "__init__"
                    and isinstance(c.func.value, cst.Call)
                    and isinstance(c.func.value.func, cst.Name)
                    and c.func.value.func.value == "super"
                    and self.enclosing_function(c) is init
                ):
                    call = c
                    pos, kw, _ = self.eval_args(c, {}, depth + 1)
                    break
        return CallV(
            base or f"<local>.{cls.name.value}",
            call,
            pos,
            kw,
            local_class=cls.name.value,
            node=cls,
            owner=self,
        )

    def class_base_qualname(self, cls: cst.ClassDef, seen: set[int] | None = None) -> str | None:
        seen = seen or set()
        if id(cls) in seen:
            return None
        seen.add(id(cls))
        for base_arg in cls.bases:
            base = _unsubscripted(base_arg.value)
            q = self.idx.imports.resolve(base)
            if q:
                foreign = self.class_resolver(q) if self.class_resolver is not None else None
                if foreign is not None and id(foreign[0]) not in seen:
                    inner = foreign[1].class_base_qualname(foreign[0], seen)
                    return inner or q
                return q
            if isinstance(base, cst.Name):
                info = self.idx.classes.get(base.value)
                if info is not None:
                    q = self.class_base_qualname(info.node, seen)
                    if q:
                        return q
        return None

    def _binding_value(
        self, name: str, b: Binding, info: ScopeInfo, env: dict[tuple[int, str], V], depth: int
    ) -> V:
        if b.kind in ("assign", "with"):
            return self.eval(b.value, env, depth + 1)
        if b.kind == "unpack":
            v = self.eval(b.value, env, depth + 1)
            if isinstance(v, SeqV) and b.index is not None and b.index < len(v.items):
                return v.items[b.index]
            return Unknown(f"unpacked {name}")
        if b.kind == "def":
            assert isinstance(b.value, cst.FunctionDef)
            return FuncRef(b.value)
        if b.kind == "class":
            assert isinstance(b.value, cst.ClassDef)
            return ClassRef(b.value, self.class_base_qualname(b.value), self)
        if b.kind == "aug":
            return Unknown(f"{name} is modified in place")
        return Unknown(f"{name} is a loop or exception variable")

    def _apply_mutations(
        self,
        v: V,
        name: str,
        info: ScopeInfo,
        after: int,
        before: int,
        env: dict[tuple[int, str], V],
        depth: int,
    ) -> V:
        muts = [m for m in info.mutations.get(name, ()) if after < m.seq < before]
        if not muts:
            return v
        if isinstance(v, DictV):
            items = dict(v.items)
            complete = v.complete
            for m in muts:
                if m.path:
                    self._nested_mutation(items, m, env, depth)
                    continue
                if m.kind == "setitem":
                    k = self.eval(m.key, env, depth + 1)
                    if isinstance(k, Text) and k.known is not None:
                        items[k.known] = self.eval(m.value, env, depth + 1)
                    else:
                        complete = False
                elif m.kind == "setdefault" and _key_value_args(m.value):
                    # d.setdefault("grant_type", "authorization_code")
                    call = m.value
                    k = self.eval(call.args[0].value, env, depth + 1)  # type: ignore[union-attr]
                    if isinstance(k, Text) and k.known is not None:
                        val = self.eval(call.args[1].value, env, depth + 1)  # type: ignore[union-attr]
                        items.setdefault(k.known, val)
                    else:
                        complete = False
                elif m.kind in ("update", "setdefault") and isinstance(m.value, cst.Call):
                    upd = self._dict_from_call_args(m.value, env, depth)
                    if m.kind == "setdefault":
                        for k2, v2 in upd.items.items():
                            items.setdefault(k2, v2)
                    else:
                        items.update(upd.items)
                    complete = complete and upd.complete
            return DictV(items, complete, v.node)
        if isinstance(v, CallV):
            # objects: remember attribute assignments (session.auth = ..., headers updates)
            extra = dict(v.kw)
            for m in muts:
                key = "@" + ".".join(m.path)
                if m.kind == "setattr":
                    extra[key] = self.eval(m.value, env, depth + 1)
                elif m.kind == "setitem":
                    k = self.eval(m.key, env, depth + 1)
                    prev = extra.get(key)
                    items = dict(prev.items) if isinstance(prev, DictV) else {}
                    if isinstance(k, Text) and k.known is not None:
                        items[k.known] = self.eval(m.value, env, depth + 1)
                    extra[key] = DictV(items, False)
                elif m.kind == "update" and isinstance(m.value, cst.Call):
                    prev = extra.get(key)
                    items = dict(prev.items) if isinstance(prev, DictV) else {}
                    items.update(self._dict_from_call_args(m.value, env, depth).items)
                    extra[key] = DictV(items, False)
            return dataclasses.replace(v, kw=extra)
        return v

    def _nested_mutation(
        self, items: dict[str, V], m: Mutation, env: dict[tuple[int, str], V], depth: int
    ) -> None:
        """``op["form"]["grant_type"] = ...``: a key set in a mapping kept under literal keys."""
        if not all(p.startswith("[") and p.endswith("]") for p in m.path):
            return
        keys = [p[1:-1] for p in m.path]
        inner = items.get(keys[0])
        if not isinstance(inner, DictV):
            return
        copy = DictV(dict(inner.items), inner.complete, inner.node)
        items[keys[0]] = copy
        for key in keys[1:]:
            nxt = copy.items.get(key)
            if not isinstance(nxt, DictV):
                return
            nxt = DictV(dict(nxt.items), nxt.complete, nxt.node)
            copy.items[key] = nxt
            copy = nxt
        if m.kind == "setitem":
            k = self.eval(m.key, env, depth + 1)
            if isinstance(k, Text) and k.known is not None:
                copy.items[k.known] = self.eval(m.value, env, depth + 1)
            else:
                copy.complete = False
        elif m.kind == "update" and isinstance(m.value, cst.Call):
            upd = self._dict_from_call_args(m.value, env, depth)
            copy.items.update(upd.items)
            copy.complete = copy.complete and upd.complete

    def _dict_from_call_args(
        self, call: cst.Call, env: dict[tuple[int, str], V], depth: int
    ) -> DictV:
        items: dict[str, V] = {}
        complete = True
        for arg in call.args:
            if arg.keyword is not None:
                items[arg.keyword.value] = self.eval(arg.value, env, depth + 1)
            else:
                d = self.eval(arg.value, env, depth + 1)
                if isinstance(d, DictV):
                    items.update(d.items)
                    complete = complete and d.complete
                elif isinstance(d, SeqV):
                    for pair in d.items:
                        if (
                            isinstance(pair, SeqV)
                            and len(pair.items) == 2
                            and isinstance(pair.items[0], Text)
                            and pair.items[0].known is not None
                        ):
                            items[pair.items[0].known] = pair.items[1]
                        else:
                            complete = False
                else:
                    complete = False
        return DictV(items, complete, call)

    # -- expressions --------------------------------------------------------------------------
    def _eval(self, e: cst.CSTNode, env: dict[tuple[int, str], V], depth: int) -> V:
        if isinstance(e, cst.SimpleString):
            s = _string_value(e)
            return Text((s,), (e,)) if s is not None else Unknown("bad literal", e)
        if isinstance(e, cst.ConcatenatedString):
            return self._concat(
                self.eval(e.left, env, depth + 1), self.eval(e.right, env, depth + 1)
            )
        if isinstance(e, cst.FormattedString):
            parts: list[str | V] = []
            nodes: list[cst.CSTNode] = [e]
            for p in e.parts:
                if isinstance(p, cst.FormattedStringText):
                    parts.append(p.value.replace("{{", "{").replace("}}", "}"))
                elif isinstance(p, cst.FormattedStringExpression):
                    v = self.eval(p.expression, env, depth + 1)
                    if isinstance(v, Text) and p.format_spec is None and p.conversion is None:
                        parts.extend(v.parts)
                        nodes.extend(v.nodes)
                    elif isinstance(v, Const) and v.value is not None and p.format_spec is None:
                        parts.append(str(v.value))
                    else:
                        parts.append(v)
            return Text(tuple(_merge(parts)), tuple(nodes))
        if isinstance(e, (cst.Integer, cst.Float)):
            try:
                return Const(e.evaluated_value, e)
            except Exception:
                return Unknown("number", e)
        if isinstance(e, cst.Name):
            return self.lookup(e.value, e, env, depth)
        if isinstance(e, cst.Dict):
            items: dict[str, V] = {}
            complete = True
            for el in e.elements:
                if isinstance(el, cst.DictElement):
                    k = self.eval(el.key, env, depth + 1)
                    if isinstance(k, Text) and k.known is not None:
                        items[k.known] = self.eval(el.value, env, depth + 1)
                    else:
                        complete = False
                else:  # **other
                    d = self.eval(el.value, env, depth + 1)
                    if isinstance(d, DictV):
                        items.update(d.items)
                        complete = complete and d.complete
                    else:
                        complete = False
            return DictV(items, complete, e)
        if isinstance(e, (cst.Tuple, cst.List, cst.Set)):
            vals: list[V] = []
            for el in e.elements:
                if isinstance(el, cst.StarredElement):
                    inner = self.eval(el.value, env, depth + 1)
                    if isinstance(inner, SeqV):
                        vals.extend(inner.items)
                    else:
                        vals.append(Unknown("starred"))
                else:
                    vals.append(self.eval(el.value, env, depth + 1))
            kind = {cst.Tuple: "tuple", cst.List: "list", cst.Set: "set"}[type(e)]
            return SeqV(tuple(vals), kind, e)
        if isinstance(e, cst.BinaryOperation):
            return self._binop(e, env, depth)
        if isinstance(e, cst.BooleanOperation):
            left = self.eval(e.left, env, depth + 1)
            right = self.eval(e.right, env, depth + 1)
            if isinstance(e.operator, cst.Or):
                # `os.environ.get("S") or "dev-default"`: the value comes from the environment
                if isinstance(left, (Env, Config)):
                    return Env(left.name, right, e) if isinstance(left, Env) else left
                if isinstance(left, Const) and not left.value:
                    return right
                if isinstance(left, Text) and left.known == "":
                    return right
                if isinstance(left, Param) and self._param_defaults_to_none(left, e):
                    # `session_class or OAuth2Session`, `url or self._token_endpoint`: what is
                    # used unless a caller overrides it
                    return right
            return Unknown("boolean expression", e)
        if isinstance(e, cst.IfExp):
            # `params if not is_get else None`: the value whenever there is one
            if _is_none_literal(e.orelse):
                return self.eval(e.body, env, depth + 1)
            if _is_none_literal(e.body):
                return self.eval(e.orelse, env, depth + 1)
            return Unknown("conditional expression", e)
        if isinstance(e, cst.Await):
            return self.eval(e.expression, env, depth + 1)
        if isinstance(e, cst.Attribute):
            return self._attribute(e, env, depth)
        if isinstance(e, cst.Subscript):
            return self._subscript(e, env, depth)
        if isinstance(e, cst.Call):
            return self._call(e, env, depth)
        if isinstance(e, cst.NamedExpr):
            return self.eval(e.value, env, depth + 1)
        if isinstance(e, cst.UnaryOperation):
            return Unknown("unary", e)
        return Unknown(type(e).__name__, e)

    def _param_defaults_to_none(self, p: Param, at: cst.CSTNode) -> bool:
        for info in self.scope_chain(at):
            param = info.params.get(p.name)
            if param is not None:
                return isinstance(param.default, cst.Name) and param.default.value == "None"
        return False

    def _concat(self, a: V, b: V) -> V:
        if isinstance(a, Text) and isinstance(b, Text):
            return Text(tuple(_merge([*a.parts, *b.parts])), a.nodes + b.nodes)
        if isinstance(a, Text):
            return Text(tuple(_merge([*a.parts, b])), a.nodes)
        if isinstance(b, Text):
            return Text(tuple(_merge([a, *b.parts])), b.nodes)
        return Text((a, b))

    def _binop(self, e: cst.BinaryOperation, env: dict[tuple[int, str], V], depth: int) -> V:
        left = self.eval(e.left, env, depth + 1)
        right = self.eval(e.right, env, depth + 1)
        if isinstance(e.operator, cst.Add):
            if isinstance(left, Text) or isinstance(right, Text):
                return self._concat(left, right)
            if isinstance(left, SeqV) and isinstance(right, SeqV):
                return SeqV(left.items + right.items, left.kind, e)
            if isinstance(left, DictV) and isinstance(right, DictV):
                return Unknown("dict + dict", e)
            return Unknown("addition", e)
        if (
            isinstance(e.operator, cst.BitOr)
            and isinstance(left, DictV)
            and isinstance(right, DictV)
        ):
            return DictV({**left.items, **right.items}, left.complete and right.complete, e)
        if isinstance(e.operator, cst.Modulo) and isinstance(left, Text) and left.known is not None:
            args = right.items if isinstance(right, SeqV) else (right,)
            return self._percent_format(left, args)
        return Unknown("operation", e)

    def _percent_format(self, fmt: Text, args: tuple[V, ...]) -> V:
        text = fmt.known or ""
        out: list[str | V] = []
        pos = 0
        i = 0
        for m in re.finditer(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdrifx%]", text):
            out.append(text[pos : m.start()])
            if m.group() == "%%":
                out.append("%")
            else:
                out.extend(_as_parts(args[i]) if i < len(args) else [Unknown("missing % arg")])
                i += 1
            pos = m.end()
        out.append(text[pos:])
        return Text(tuple(_merge(out)), fmt.nodes)

    def _format(self, fmt: Text, pos: tuple[V, ...], kw: dict[str, V]) -> V:
        text = fmt.known or ""
        out: list[str | V] = []
        last = 0
        auto = 0
        for m in re.finditer(r"\{\{|\}\}|\{([^{}!:]*)(?:![rsa])?(?::[^{}]*)?\}", text):
            out.append(text[last : m.start()])
            tok = m.group()
            if tok in ("{{", "}}"):
                out.append(tok[0])
            else:
                field_name = m.group(1)
                if field_name == "":
                    v = pos[auto] if auto < len(pos) else Unknown("format arg")
                    auto += 1
                elif field_name.isdigit():
                    n = int(field_name)
                    v = pos[n] if n < len(pos) else Unknown("format arg")
                else:
                    v = kw.get(field_name, Unknown("format arg"))
                out.extend(_as_parts(v))
            last = m.end()
        out.append(text[last:])
        return Text(tuple(_merge(out)), fmt.nodes)

    def _attribute(self, e: cst.Attribute, env: dict[tuple[int, str], V], depth: int) -> V:
        attr = e.attr.value
        base_expr = e.value
        if (
            isinstance(base_expr, cst.Call)
            and isinstance(base_expr.func, cst.Name)
            and base_expr.func.value == "super"
            and not base_expr.args
        ):
            found = self._super_attr(e, attr, env, depth)
            if found is not None:
                return found
        if (
            isinstance(base_expr, cst.Name)
            and base_expr.value in CONFIG_ROOTS
            and base_expr.value not in self.idx.imports.names
        ):
            base_val = self.lookup(base_expr.value, base_expr, env, depth)
            if isinstance(base_val, (Ref, Unknown, Param, Config, CallV)):
                return Config(f"{base_expr.value}.{attr}", e)
        base = self.eval(base_expr, env, depth + 1)
        if (
            isinstance(base, Ref)
            and attr in ("config", "settings")
            and not base.qualname.startswith("builtins.")
        ):
            return Config(f"{base.qualname.rsplit('.', 1)[-1]}.{attr}", e)
        if isinstance(base, Ref):
            qual = f"{base.qualname}.{attr}"
            if qual in ("django.conf.settings",) or base.qualname == "django.conf.settings":
                return Config(f"settings.{attr}" if base.qualname.endswith("settings") else qual, e)
            if self.import_resolver is not None:
                resolved = self.import_resolver(qual)
                if resolved is not None:
                    return resolved
            return Ref(qual, e)
        if isinstance(base, Config):
            return Config(f"{base.detail}.{attr}", e)
        if (
            isinstance(base, CallV)
            and base.local_class is not None
            and isinstance(base.node, cst.ClassDef)
        ):
            owner = base.owner if base.owner is not None else self
            return owner._self_attr(base.node, attr, base, env, depth, e)
        if (
            isinstance(base, CallV)
            and isinstance(base_expr, cst.Name)
            and base_expr.value == "self"
        ):
            pass
        if isinstance(base, CallV) and ("@" + attr) in base.kw:
            return base.kw["@" + attr]
        if (
            isinstance(base, CallV)
            and attr in base.kw
            and base.method is None
            and base.local_class is None
            and (base.qualname or "").rsplit(".", 1)[-1][:1].isupper()
        ):
            # an options object of a class built with keywords: FetchOptions(data=...).data
            return base.kw[attr]
        if isinstance(base, CallV) and base.qualname in CONFIG_LOADERS:
            return Config(f"{base.qualname}(...).{attr}", e)
        if isinstance(base, CallV) and attr == "config":
            return Config(f"{_short(base)}.config", e)
        if attr in ("config", "settings", "conf") and not isinstance(base, (Text, DictV)):
            return Config(f"{_expr_text(base_expr)}.{attr}", e)
        if isinstance(base, ClassRef):
            owner = base.owner if base.owner is not None else self
            return owner._class_attr(base.cls, attr, env, depth, e)
        return BoundAttr(base, attr, e)

    def _class_attr(
        self,
        cls: cst.ClassDef,
        attr: str,
        env: dict[tuple[int, str], V],
        depth: int,
        e: cst.CSTNode,
    ) -> V:
        info = self.idx.scopes.get(id(cls))
        if info and attr in info.bindings:
            return self._binding_value(attr, info.bindings[attr][-1], info, env, depth)
        return Unknown(f"class attribute {attr}", e)

    def _self_attr(
        self,
        cls: cst.ClassDef,
        attr: str,
        obj: CallV,
        env: dict[tuple[int, str], V],
        depth: int,
        e: cst.CSTNode,
    ) -> V:
        # the class itself first, then its base classes defined in the same module
        for klass in self._mro(cls):
            cinfo = self.idx.class_of_node.get(id(klass))
            if cinfo is None:
                continue
            assigned = cinfo.self_attrs.get(attr)
            if assigned and len(assigned) > 1:
                # lazy initialisation: `self._client = None` first, the real object later
                real = [a for a in assigned if not _is_none_literal(a[1])]
                if len(real) == 1:
                    assigned = real
            if assigned:
                if len(assigned) > 1:
                    # set in __init__ and changed elsewhere (a cached token, a lazy client): the
                    # value at any given use cannot be told from the source
                    return Unknown(f"self.{attr} is assigned in several places", e)
                _, value, fn = assigned[-1]
                found = self.eval(value, env, depth + 1)
                if (
                    isinstance(found, Param)
                    and fn.name.value == "__init__"
                    and obj.call is not None
                    and (obj.pos or obj.kw)
                    and obj.local_class == cls.name.value
                ):
                    # `self.x = x` in __init__: what the constructor call passed
                    bound = self.bind_env(FuncRef(fn, obj, self), obj.pos, obj.kw, env, depth)
                    return self.eval(value, bound, depth + 1)
                return found
            if attr in cinfo.methods:
                method = cinfo.methods[attr]
                if _is_property(method):
                    return self._inline(FuncRef(method, obj, self), None, (), {}, False, env, depth)
                return FuncRef(method, obj, self)
            sinfo = self.idx.scopes.get(id(klass))
            if sinfo and attr in sinfo.bindings:
                return self._binding_value(attr, sinfo.bindings[attr][-1], sinfo, env, depth)
        if depth < MAX_DEPTH - 2:
            for fcls, fev in self._foreign_bases(cls):
                found = fev._self_attr(fcls, attr, obj, env, depth + 2, e)
                if not isinstance(found, BoundAttr):
                    return found
        return BoundAttr(obj, attr, e)

    def _super_attr(
        self, e: cst.Attribute, attr: str, env: dict[tuple[int, str], V], depth: int
    ) -> V | None:
        """``super().m`` in a method: ``m`` of the base classes, bound to the same ``self``
        (an override that extends its base's body: ``params = super().auth_params()``)."""
        fn = self.enclosing_function(e)
        cls = self.enclosing_class(fn) if fn is not None else None
        params = [*fn.params.posonly_params, *fn.params.params] if fn is not None else []
        if cls is None or not params:
            return None
        obj = self.lookup(params[0].name.value, e, env, depth + 1)
        if not isinstance(obj, CallV):
            return None
        for klass in self._mro(cls)[1:]:
            info = self.idx.class_of_node.get(id(klass))
            if info is not None and attr in info.methods:
                return FuncRef(info.methods[attr], obj, self)
        for fcls, fev in self._foreign_bases(cls):
            found = fev._self_attr(fcls, attr, obj, env, depth + 2, e)
            if isinstance(found, FuncRef):
                return found
        return None

    def _foreign_bases(self, cls: cst.ClassDef) -> list[tuple[cst.ClassDef, Evaluator]]:
        """Base classes defined in other modules of the project, nearest first.

        At most ``MAX_FOREIGN_BASES`` of them: a generated client mixing in a hundred API
        classes would parse a hundred modules for one attribute; past the bound the
        attribute is not found (unknown), never guessed.
        """
        if self.class_resolver is None:
            return []
        memo: dict[int, list[tuple[cst.ClassDef, Evaluator]]] = self.__dict__.setdefault(
            "_foreign_base_memo", {}
        )
        if id(cls) in memo:
            return memo[id(cls)]
        out: list[tuple[cst.ClassDef, Evaluator]] = []
        memo[id(cls)] = out
        for klass in self._mro(cls):
            if len(out) >= MAX_FOREIGN_BASES:
                break
            for base_arg in klass.bases:
                base = _unsubscripted(base_arg.value)
                if isinstance(base, cst.Name) and base.value in self.idx.classes:
                    continue
                if len(out) >= MAX_FOREIGN_BASES:
                    break
                q = self.idx.imports.resolve(base)
                found = self.class_resolver(q) if q else None
                if found is not None and found[0] is not cls:
                    out.append(found)
        return out

    def _mro(self, cls: cst.ClassDef) -> list[cst.ClassDef]:
        out = [cls]
        i = 0
        while i < len(out) and len(out) < 16:
            for base_arg in out[i].bases:
                base = _unsubscripted(base_arg.value)
                if isinstance(base, cst.Name):
                    info = self.idx.classes.get(base.value)
                    if info is not None and info.node not in out:
                        out.append(info.node)
            i += 1
        return out

    def _subscript(self, e: cst.Subscript, env: dict[tuple[int, str], V], depth: int) -> V:
        base = self.eval(e.value, env, depth + 1)
        key: V = Unknown("slice")
        if len(e.slice) == 1 and isinstance(e.slice[0].slice, cst.Index):
            key = self.eval(e.slice[0].slice.value, env, depth + 1)
        kname = key.known if isinstance(key, Text) else None
        if isinstance(base, Ref) and base.qualname in ("os.environ", "os.environb"):
            return Env(kname, None, e)
        if isinstance(base, DictV) and kname is not None:
            if kname in base.items:
                return base.items[kname]
            return Unknown(f"key {kname!r} not in dict", e)
        if (
            isinstance(base, SeqV)
            and isinstance(key, Const)
            and isinstance(key.value, int)
            and -len(base.items) <= key.value < len(base.items)
        ):
            return base.items[key.value]
        if isinstance(base, Config):
            return Config(f"{base.detail}[{kname!r}]" if kname else base.detail, e)
        if isinstance(base, CallV) and base.qualname in CONFIG_LOADERS:
            return Config(f"{base.qualname}(...)[{kname!r}]", e)
        if isinstance(base, CallV) and base.qualname == "dotenv.dotenv_values":
            return Env(kname, None, e)
        if isinstance(base, Env):
            return base
        return Unknown("subscript", e)

    def eval_args(
        self, call: cst.Call, env: dict[tuple[int, str], V], depth: int
    ) -> tuple[tuple[V, ...], dict[str, V], bool]:
        pos: list[V] = []
        kw: dict[str, V] = {}
        star_unknown = False
        for arg in call.args:
            if arg.keyword is not None:
                kw[arg.keyword.value] = self.eval(arg.value, env, depth + 1)
            elif arg.star == "**":
                d = self.eval(arg.value, env, depth + 1)
                if isinstance(d, DictV):
                    kw.update(d.items)
                    star_unknown = star_unknown or not d.complete
                else:
                    star_unknown = True
            elif arg.star == "*":
                s = self.eval(arg.value, env, depth + 1)
                if isinstance(s, SeqV):
                    pos.extend(s.items)
                else:
                    star_unknown = True
            else:
                pos.append(self.eval(arg.value, env, depth + 1))
        return tuple(pos), kw, star_unknown

    def _call(self, e: cst.Call, env: dict[tuple[int, str], V], depth: int) -> V:
        func = self.eval(e.func, env, depth + 1)
        pos, kw, star = self.eval_args(e, env, depth)
        if isinstance(func, Ref):
            q = func.qualname
            if q in ENV_GETTERS or q.endswith(".environ.get") or q == "os.environ.setdefault":
                name = pos[0] if pos else kw.get("key")
                default = pos[1] if len(pos) > 1 else kw.get("default")
                return Env(name.known if isinstance(name, Text) else None, default, e)
            if q in B64_FUNCS and pos:
                return B64(pos[0], B64_FUNCS[q])
            if (q in URLENCODERS or q.endswith(".urlencode")) and pos:
                # a parameter's fields are the caller's: kept as the parameter, bound later
                return pos[0] if isinstance(pos[0], Param) else _urlencode(pos[0])
            if q in QUOTERS and pos:
                return pos[0]
            if q in ("builtins.str", "builtins.bytes") and pos:
                return pos[0]
            listed = q in ("builtins.sorted", "builtins.list", "builtins.tuple")
            if listed and len(pos) == 1 and isinstance(pos[0], (DictV, SeqV)):
                return pos[0]  # the fields of a mapping survive being listed or sorted
            if q == "builtins.dict":
                if not pos and not star:
                    return DictV(dict(kw), True, e)
                return self._dict_from_call_args(e, env, depth)
            if (
                q
                in (
                    "requests.auth._basic_auth_str",
                    "aiohttp.encode_basic_auth",
                    "aiohttp.helpers.encode_basic_auth",
                )
                and len(pos) + len(kw) >= 1
            ):
                user = pos[0] if pos else kw.get("login", kw.get("username", Unknown()))
                pw = pos[1] if len(pos) > 1 else kw.get("password", Text(("",)))
                return Text(("Basic ", B64(self._concat(self._concat(user, Text((":",))), pw))))
            return CallV(q, e, pos, kw, star_unknown=star, node=e)
        if isinstance(func, FuncRef):
            if func.owner is not None and func.owner is not self:
                out = func.owner._inline(func, e, pos, kw, star, {}, depth)
                if func.on_result is not None:
                    func.on_result(out)
                return out
            return self._inline(func, e, pos, kw, star, env, depth)
        if isinstance(func, ClassRef):
            name = func.cls.name.value
            return CallV(
                func.base_qualname or f"<local>.{name}",
                e,
                pos,
                kw,
                local_class=name,
                star_unknown=star,
                node=func.cls,
                owner=func.owner or self,
            )
        if isinstance(func, BoundAttr):
            recv = func.receiver
            m = func.attr
            if isinstance(recv, Text) and recv.known is not None:
                if m == "format":
                    return self._format(recv, pos, kw)
                if m == "join" and pos and isinstance(pos[0], SeqV):
                    out: list[str | V] = []
                    for i, item in enumerate(pos[0].items):
                        if i:
                            out.append(recv.known)
                        out.extend(_as_parts(item))
                    return Text(tuple(_merge(out)), recv.nodes)
            if m in PASSTHROUGH_METHODS and isinstance(recv, (Text, B64, Param)):
                return recv
            if isinstance(recv, DictV) and m == "get" and pos:
                k = pos[0]
                if isinstance(k, Text) and k.known is not None:
                    if k.known in recv.items:
                        return recv.items[k.known]
                    return pos[1] if len(pos) > 1 else Const(None)
            if isinstance(recv, DictV) and m in ("copy", "items"):
                return recv
            if isinstance(recv, Env):
                return recv
            if isinstance(recv, Config) and m in (
                "get",
                "getint",
                "getboolean",
                "str",
                "__getitem__",
            ):
                k = pos[-1] if pos else None
                detail = recv.detail + (f"[{k.known!r}]" if isinstance(k, Text) and k.known else "")
                return Config(detail, e)
            if isinstance(recv, CallV) and m == "get" and recv.qualname in CONFIG_LOADERS:
                k = pos[-1] if pos else None
                return Config(
                    f"{recv.qualname}(...)[{k.known!r}]"
                    if isinstance(k, Text) and k.known
                    else recv.qualname,
                    e,
                )
            if (
                isinstance(recv, CallV)
                and recv.qualname
                and (recv.qualname.endswith("BasicAuth"))
                and m == "encode"
            ):
                user = recv.pos[0] if recv.pos else recv.kw.get("login", Unknown())
                pw = recv.pos[1] if len(recv.pos) > 1 else recv.kw.get("password", Text(("",)))
                return Text(("Basic ", B64(self._concat(self._concat(user, Text((":",))), pw))))
            if isinstance(recv, (Ref,)):
                return CallV(f"{recv.qualname}.{m}", e, pos, kw, star_unknown=star, node=e)
            return CallV(None, e, pos, kw, receiver=recv, method=m, star_unknown=star, node=e)
        return CallV(
            None,
            e,
            pos,
            kw,
            star_unknown=star,
            node=e,
            callee_unknown=isinstance(func, (Param, Unknown))
            or (isinstance(func, CallV) and func.qualname in (None, "functools.partial")),
        )

    def _inline(
        self,
        func: FuncRef,
        call: cst.Call | None,
        pos: tuple[V, ...],
        kw: dict[str, V],
        star: bool,
        env: dict[tuple[int, str], V],
        depth: int,
    ) -> V:
        fn = func.func
        if depth > MAX_DEPTH - 4:
            return CallV(f"<local>.{fn.name.value}", call, pos, kw, star_unknown=star, node=call)
        new_env = self.bind_env(func, pos, kw, env, depth)
        returns = _returns(fn)
        if len(returns) != 1 or returns[0].value is None:
            return CallV(f"<local>.{fn.name.value}", call, pos, kw, star_unknown=star, node=call)
        return self.eval(returns[0].value, new_env, depth + 2)

    def bind_env(
        self,
        func: FuncRef,
        pos: tuple[V, ...],
        kw: dict[str, V],
        env: dict[tuple[int, str], V] | None = None,
        depth: int = 0,
    ) -> dict[tuple[int, str], V]:
        """Parameter bindings of ``func`` for a call with these argument values."""
        fn = func.func
        params = [*fn.params.posonly_params, *fn.params.params]
        new_env: dict[tuple[int, str], V] = dict(env or {})
        args = list(pos)
        if func.receiver is not None and params:
            new_env[(id(fn), params[0].name.value)] = func.receiver
            params = params[1:]
        named: set[str] = set()
        for i, p in enumerate(params):
            name = p.name.value
            named.add(name)
            if i < len(args):
                new_env[(id(fn), name)] = args[i]
            elif name in kw:
                new_env[(id(fn), name)] = kw[name]
            elif p.default is not None:
                new_env[(id(fn), name)] = self.eval(p.default, None, depth + 1)
        for p in fn.params.kwonly_params:
            named.add(p.name.value)
            if p.name.value in kw:
                new_env[(id(fn), p.name.value)] = kw[p.name.value]
            elif p.default is not None:
                new_env[(id(fn), p.name.value)] = self.eval(p.default, None, depth + 1)
        # *args and **kwargs forwarded to the next call: what this call site put in them
        star_arg = fn.params.star_arg
        if isinstance(star_arg, cst.Param):
            new_env[(id(fn), star_arg.name.value)] = SeqV(tuple(args[len(params) :]))
        if fn.params.star_kwarg is not None:
            rest = {k: v for k, v in kw.items() if k not in named and not k.startswith("@")}
            new_env[(id(fn), fn.params.star_kwarg.name.value)] = DictV(rest, True)
        return new_env


def _is_star_kwarg(fn: cst.FunctionDef, name: str) -> bool:
    star = fn.params.star_kwarg
    return star is not None and star.name.value == name


def _key_value_args(node: cst.CSTNode) -> bool:
    return (
        isinstance(node, cst.Call)
        and len(node.args) == 2
        and all(a.keyword is None and not a.star for a in node.args)
    )


def _unsubscripted(base: cst.BaseExpression) -> cst.BaseExpression:
    """``Base[T]`` (a generic base class) -> ``Base``."""
    return base.value if isinstance(base, cst.Subscript) else base


def _is_none_literal(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _is_property(fn: cst.FunctionDef) -> bool:
    for d in fn.decorators:
        dec = d.decorator
        name = dec.attr.value if isinstance(dec, cst.Attribute) else getattr(dec, "value", None)
        if name in ("property", "cached_property", "cache_readonly", "lazy_property"):
            return True
    return False


# id(function) -> (function, its return statements): a function is inlined at every call of
# it, so its body is walked once. The function is kept with its entry, so an id is never
# reused while the entry lives; the table is bounded.
_RETURNS: dict[int, tuple[cst.FunctionDef, list[cst.Return]]] = {}
_RETURNS_MAX = 4096


def _returns(fn: cst.FunctionDef) -> list[cst.Return]:
    hit = _RETURNS.get(id(fn))
    if hit is not None and hit[0] is fn:
        return hit[1]
    found = _find_returns(fn)
    if len(_RETURNS) >= _RETURNS_MAX:
        _RETURNS.clear()
    _RETURNS[id(fn)] = (fn, found)
    return found


def _find_returns(fn: cst.FunctionDef) -> list[cst.Return]:
    found: list[cst.Return] = []

    class _V(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return node is fn

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return False

        def visit_Return(self, node: cst.Return) -> None:
            found.append(node)

    walk(fn, _V())
    return found


def _merge(parts: list[str | V]) -> list[str | V]:
    out: list[str | V] = []
    for p in parts:
        if isinstance(p, str) and out and isinstance(out[-1], str):
            out[-1] = out[-1] + p
        elif not (isinstance(p, str) and p == "" and out):
            out.append(p)
    return out


def _as_parts(v: V) -> list[str | V]:
    if isinstance(v, Text):
        return list(v.parts)
    if isinstance(v, Const):
        return [str(v.value)]
    return [v]


def _urlencode(v: V) -> V:
    pairs: list[tuple[str, V]] = []
    if isinstance(v, DictV):
        pairs = list(v.items.items())
    elif isinstance(v, SeqV):
        for p in v.items:
            if (
                isinstance(p, SeqV)
                and len(p.items) == 2
                and isinstance(p.items[0], Text)
                and p.items[0].known is not None
            ):
                pairs.append((p.items[0].known, p.items[1]))
            else:
                return Unknown("urlencode of unknown pairs")
    else:
        return Unknown("urlencode of unknown value")
    out: list[str | V] = []
    for i, (k, val) in enumerate(pairs):
        if i:
            out.append("&")
        out.append(f"{k}=")
        out.extend(_as_parts(val))
    return Text(tuple(_merge(out)))


def _short(v: CallV) -> str:
    return v.qualname or v.method or "object"


def _expr_text(e: cst.BaseExpression) -> str:
    try:
        return cst.Module([]).code_for_node(e)
    except Exception:
        return "…"


# -- helpers for detectors -----------------------------------------------------------------

_SENTINEL = "\x00{}\x00"


def form_fields(v: V) -> DictV | None:
    """Fields of a form body or query given as a dict, pairs or an urlencoded string."""
    if isinstance(v, DictV):
        return v
    if isinstance(v, SeqV):
        items: dict[str, V] = {}
        for p in v.items:
            if (
                isinstance(p, SeqV)
                and len(p.items) == 2
                and isinstance(p.items[0], Text)
                and p.items[0].known is not None
            ):
                items[p.items[0].known] = p.items[1]
            else:
                return None
        return DictV(items, True)
    if isinstance(v, Text):
        holes: list[V] = []
        rendered = []
        for p in v.parts:
            if isinstance(p, str):
                rendered.append(p)
            else:
                rendered.append(_SENTINEL.format(len(holes)))
                holes.append(p)
        text = "".join(rendered)
        if "=" not in text:
            return None
        items = {}
        complete = True
        for piece in text.split("&"):
            if "=" not in piece:
                if piece.strip():
                    complete = False
                continue
            k, _, val = piece.partition("=")
            if "\x00" in k:
                complete = False
                continue
            m = re.fullmatch(r"\x00(\d+)\x00", val)
            if m:
                items[k] = holes[int(m.group(1))]
            elif "\x00" in val:
                items[k] = Unknown("partly known field")
            else:
                parsed = parse_qsl(f"x={val}", keep_blank_values=True)
                items[k] = Text((parsed[0][1] if parsed else val,), v.nodes)
        return DictV(items, complete)
    return None


def known_str(v: V | None) -> str | None:
    return v.known if isinstance(v, Text) else None


def basic_parts(v: V) -> tuple[V, V] | None:
    """(client_id, secret) of a ``Basic base64(id:secret)`` value, when built in code."""
    if not isinstance(v, Text) or not v.parts:
        return None
    first = v.parts[0]
    if not (isinstance(first, str) and first.strip().lower().startswith("basic")):
        return None
    rest = [p for p in v.parts[1:] if not (isinstance(p, str) and not p.strip())]
    if len(rest) == 1 and isinstance(rest[0], B64):
        inner = rest[0].inner
        if isinstance(inner, Text):
            return _split_colon(inner)
        return (Unknown("basic credentials"), Unknown("basic credentials"))
    return None


def _split_colon(t: Text) -> tuple[V, V]:
    left: list[str | V] = []
    right: list[str | V] = []
    seen = False
    for p in t.parts:
        if seen:
            right.append(p)
        elif isinstance(p, str) and ":" in p:
            a, _, b = p.partition(":")
            left.append(a)
            right.append(b)
            seen = True
        else:
            left.append(p)
    if not seen:
        return (Unknown("basic credentials"), Unknown("basic credentials"))

    def mk(parts: list[str | V]) -> V:
        parts = [p for p in parts if p != ""]
        if len(parts) == 1 and not isinstance(parts[0], str):
            return parts[0]
        return Text(tuple(parts) or ("",), t.nodes)

    return mk(left), mk(right)
