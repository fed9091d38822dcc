"""One pass over a module that records what value resolution needs.

Parents, source order, assignments per scope (including dict mutations such as
``data["client_secret"] = s`` and ``headers.update(...)``), ``self.x = ...`` attributes per class,
functions, classes and every call. The pass is a plain libcst visitor, run by ``advisor.analysis.walk``
(no node rebuilding, no formatting nodes); it needs no metadata.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from advisor.analysis.imports import ImportTable
from advisor.analysis.walk import walk

ScopeNode = cst.Module | cst.FunctionDef | cst.Lambda | cst.ClassDef


@dataclass
class Binding:
    seq: int
    kind: str  # "assign", "aug", "with", "for", "def", "class", "unpack"
    value: cst.CSTNode | None
    op: cst.BaseBinaryOp | None = None
    index: int | None = None  # position in an unpacked tuple target


@dataclass
class Mutation:
    """``root.path...[key] = value``, ``root.path.update(...)`` or ``root.attr = value``."""

    seq: int
    root: str
    path: tuple[str, ...]
    kind: str  # "setitem", "update", "setattr"
    key: cst.BaseExpression | None
    value: cst.CSTNode  # the assigned value or the update Call
    scope: ScopeNode


@dataclass
class ScopeInfo:
    node: ScopeNode
    params: dict[str, cst.Param] = field(default_factory=dict)
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    mutations: dict[str, list[Mutation]] = field(default_factory=dict)


@dataclass
class ClassInfo:
    node: cst.ClassDef
    methods: dict[str, cst.FunctionDef] = field(default_factory=dict)
    # attr -> list of (seq, value, method)
    self_attrs: dict[str, list[tuple[int, cst.BaseExpression, cst.FunctionDef]]] = field(
        default_factory=dict
    )


class ModuleIndex(cst.CSTVisitor):
    def __init__(self, module_name: str | None = None) -> None:
        self.imports = ImportTable(module_name)
        self.parent: dict[int, cst.CSTNode] = {}
        self.seq: dict[int, int] = {}
        self.scopes: dict[int, ScopeInfo] = {}
        self.classes: dict[str, ClassInfo] = {}
        self.class_of_node: dict[int, ClassInfo] = {}
        self.calls: list[cst.Call] = []
        self.strings: list[cst.SimpleString | cst.FormattedString] = []
        self._stack: list[cst.CSTNode] = []
        self._scope_stack: list[ScopeInfo] = []
        self._counter = 0

    # -- generic bookkeeping -------------------------------------------------------------
    # CSTVisitor.on_visit/on_leave look the ``visit_<Type>``/``leave_<Type>`` hook up by name
    # on every node; the index meets thousands of nodes of a few dozen types, so the lookup is
    # done once per type. Same semantics: a hook returning False prunes the children.
    _hooks: dict[tuple[type, type, str], Any] = {}

    def _hook(self, kind: type, prefix: str) -> Any:
        key = (type(self), kind, prefix)
        try:
            return self._hooks[key]
        except KeyError:
            func = getattr(type(self), f"{prefix}_{kind.__name__}", None)
            self._hooks[key] = func
            return func

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self._stack:
            self.parent[id(node)] = self._stack[-1]
        self._counter += 1
        self.seq[id(node)] = self._counter
        self._stack.append(node)
        hook = self._hook(type(node), "visit")
        return hook is None or hook(self, node) is not False

    def on_leave(self, original_node: cst.CSTNode) -> None:
        hook = self._hook(type(original_node), "leave")
        if hook is not None:
            hook(self, original_node)
        self._stack.pop()

    @property
    def scope(self) -> ScopeInfo:
        return self._scope_stack[-1]

    def _push_scope(self, node: ScopeNode) -> ScopeInfo:
        info = ScopeInfo(node)
        self.scopes[id(node)] = info
        self._scope_stack.append(info)
        return info

    def _bind(self, name: str, binding: Binding, scope: ScopeInfo | None = None) -> None:
        (scope or self.scope).bindings.setdefault(name, []).append(binding)

    # -- scopes ---------------------------------------------------------------------------
    def visit_Module(self, node: cst.Module) -> None:
        self._push_scope(node)

    def leave_Module(self, original_node: cst.Module) -> None:
        self._scope_stack.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._bind(node.name.value, Binding(self.seq[id(node)], "class", node))
        info = ClassInfo(node)
        # nested classes with equal names: the later one wins, like at runtime
        self.classes[node.name.value] = info
        self.class_of_node[id(node)] = info
        self._push_scope(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._scope_stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._bind(node.name.value, Binding(self.seq[id(node)], "def", node))
        owner = self.scope.node
        if isinstance(owner, cst.ClassDef):
            self.class_of_node[id(owner)].methods[node.name.value] = node
        info = self._push_scope(node)
        self._add_params(info, node.params)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._scope_stack.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        info = self._push_scope(node)
        self._add_params(info, node.params)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._scope_stack.pop()

    @staticmethod
    def _add_params(info: ScopeInfo, params: cst.Parameters) -> None:
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        for extra in (params.star_arg, params.star_kwarg):
            if isinstance(extra, cst.Param):
                every.append(extra)
        for p in every:
            info.params[p.name.value] = p

    # -- imports --------------------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        self.imports.add(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.imports.add(node)

    # -- bindings -------------------------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._assign_target(target.target, node.value, node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._assign_target(node.target, node.value, node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):
            self._bind(
                node.target.value,
                Binding(self.seq[id(node)], "aug", node.value, op=node.operator),
            )

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        if isinstance(node.target, cst.Name):
            self._bind(node.target.value, Binding(self.seq[id(node)], "assign", node.value))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname and isinstance(node.asname.name, cst.Name):
            self._bind(node.asname.name.value, Binding(self.seq[id(node)], "with", node.item))

    def visit_For(self, node: cst.For) -> None:
        self._bind_unknown(node.target, node)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind_unknown(node.target, node)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name and isinstance(node.name.name, cst.Name):
            self._bind(node.name.name.value, Binding(self.seq[id(node)], "for", None))

    def _bind_unknown(self, target: cst.BaseExpression, node: cst.CSTNode) -> None:
        if isinstance(target, cst.Name):
            self._bind(target.value, Binding(self.seq[id(node)], "for", None))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for el in target.elements:
                self._bind_unknown(el.value, node)

    def _assign_target(
        self, target: cst.BaseExpression, value: cst.BaseExpression, stmt: cst.CSTNode
    ) -> None:
        seq = self.seq[id(stmt)]
        if isinstance(target, cst.Name):
            self._bind(target.value, Binding(seq, "assign", value))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for i, el in enumerate(target.elements):
                if isinstance(el.value, cst.Name):
                    self._bind(el.value.value, Binding(seq, "unpack", value, index=i))
        elif isinstance(target, cst.Subscript):
            root, path = _root_path(target.value)
            if root and len(target.slice) == 1:
                sl = target.slice[0].slice
                key = sl.value if isinstance(sl, cst.Index) else None
                self._mutate(Mutation(seq, root, path, "setitem", key, value, self.scope.node))
        elif isinstance(target, cst.Attribute):
            root, path = _root_path(target.value)
            if root == "self" and not path:
                cls = self._enclosing_class()
                fn = self.scope.node
                if cls is not None and isinstance(fn, cst.FunctionDef):
                    cls.self_attrs.setdefault(target.attr.value, []).append((seq, value, fn))
            if root:
                self._mutate(
                    Mutation(
                        seq,
                        root,
                        (*path, target.attr.value),
                        "setattr",
                        None,
                        value,
                        self.scope.node,
                    )
                )

    def _mutate(self, m: Mutation) -> None:
        self.scope.mutations.setdefault(m.root, []).append(m)

    def _enclosing_class(self) -> ClassInfo | None:
        for info in reversed(self._scope_stack[:-1]):
            if isinstance(info.node, cst.ClassDef):
                return self.class_of_node[id(info.node)]
            if isinstance(info.node, cst.FunctionDef):
                continue
        return None

    # -- calls ----------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("update", "setdefault"):
            root, path = _root_path(func.value)
            if root:
                self._mutate(
                    Mutation(
                        self.seq[id(node)], root, path, func.attr.value, None, node, self.scope.node
                    )
                )

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self.strings.append(node)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self.strings.append(node)


def _root_path(expr: cst.BaseExpression) -> tuple[str | None, tuple[str, ...]]:
    """``s.headers`` -> ("s", ("headers",)); ``data`` -> ("data", ());
    ``op["form"]`` -> ("op", ("[form]",)) (a literal key, in brackets)."""
    path: list[str] = []
    while True:
        if isinstance(expr, cst.Attribute):
            path.append(expr.attr.value)
            expr = expr.value
            continue
        if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
            sl = expr.slice[0].slice
            key = sl.value if isinstance(sl, cst.Index) else None
            if isinstance(key, cst.SimpleString) and isinstance(key.evaluated_value, str):
                path.append(f"[{key.evaluated_value}]")
                expr = expr.value
                continue
        break
    if isinstance(expr, cst.Name):
        return expr.value, tuple(reversed(path))
    return None, ()


def build_index(module: cst.Module, module_name: str | None = None) -> ModuleIndex:
    idx = ModuleIndex(module_name)
    walk(module, idx)
    return idx
