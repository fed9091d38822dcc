"""Find, in a freshly parsed file, the nodes a finding talks about.

Findings carry spans, not nodes; the codemods parse the file again (with positions) and look
the construct up by its span, then follow simple bindings (``name = {...}`` in the same
function) the way a reader would. Nothing here guesses: an ambiguous lookup returns None.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from advisor.model import Span


class _Parents(cst.CSTVisitor):
    def __init__(self) -> None:
        self.parent: dict[int, cst.CSTNode] = {}
        self.stack: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.stack:
            self.parent[id(node)] = self.stack[-1]
        self.stack.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.stack.pop()


class SourceTree:
    """A parsed file with positions and parent links."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.module = cst.parse_module(text)
        wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        self.pos: dict[cst.CSTNode, CodeRange] = dict(wrapper.resolve(PositionProvider))
        walker = _Parents()
        self.module.visit(walker)
        self.parent = walker.parent
        self._by_start: dict[tuple[int, int], list[cst.CSTNode]] = defaultdict(list)
        for node, rng in self.pos.items():
            self._by_start[(rng.start.line, rng.start.column)].append(node)

    # ---- lookups

    def span(self, node: cst.CSTNode) -> Span:
        r = self.pos[node]
        return Span(r.start.line, r.start.column, r.end.line, r.end.column)

    def at(self, span: Span, kind: type | tuple[type, ...]) -> cst.CSTNode | None:
        """The node of this kind that covers exactly ``span`` (the outermost one)."""
        found = [
            n
            for n in self._by_start.get((span.line, span.column), [])
            if isinstance(n, kind) and self.span(n) == span
        ]
        return self._outermost(found)

    def starting_at(self, line: int, column: int, kind: type) -> list[cst.CSTNode]:
        nodes = [n for n in self._by_start.get((line, column), []) if isinstance(n, kind)]
        return sorted(nodes, key=lambda n: (self.pos[n].end.line, self.pos[n].end.column))

    def _outermost(self, nodes: list[cst.CSTNode]) -> cst.CSTNode | None:
        if not nodes:
            return None
        ids = {id(n) for n in nodes}
        top = [n for n in nodes if id(self.parent.get(id(n))) not in ids]
        return top[0] if len(top) == 1 else None

    def parent_of(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parent.get(id(node))

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        cur = self.parent.get(id(node))
        while cur is not None:
            yield cur
            cur = self.parent.get(id(cur))

    def scope_of(self, node: cst.CSTNode) -> cst.CSTNode:
        """The enclosing function, class body or module."""
        for anc in self.ancestors(node):
            if isinstance(anc, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return anc
        return self.module

    def statement_of(self, node: cst.CSTNode) -> cst.CSTNode | None:
        """The small statement (``x = ...``, an expression statement) a node belongs to."""
        cur: cst.CSTNode | None = node
        while cur is not None:
            if isinstance(cur, cst.BaseSmallStatement):
                return cur
            cur = self.parent.get(id(cur))
        return None

    # ---- bindings

    def walk(self, root: cst.CSTNode) -> Iterator[cst.CSTNode]:
        """Nodes under ``root`` that belong to its own scope (nested defs are skipped)."""
        stack = list(reversed(root.children))
        while stack:
            node = stack.pop()
            yield node
            if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                continue
            stack.extend(reversed(node.children))

    def single_assignment(self, name: str, scope: cst.CSTNode) -> cst.BaseExpression | None:
        """The value of ``name = value`` when that is the only binding of ``name`` in the scope."""
        values: list[cst.BaseExpression] = []
        for node in self.walk(scope):
            if isinstance(node, cst.Assign):
                for t in node.targets:
                    if _binds(t.target, name):
                        if not isinstance(t.target, cst.Name):
                            return None
                        values.append(node.value)
            elif isinstance(node, (cst.AnnAssign, cst.AugAssign)) and _binds(node.target, name):
                if isinstance(node, cst.AugAssign) or node.value is None:
                    return None
                values.append(node.value)
            elif isinstance(
                node, (cst.For, cst.With, cst.NamedExpr, cst.Global, cst.Nonlocal)
            ) and _mentions_binding(node, name):
                return None
        if isinstance(scope, cst.FunctionDef) and any(
            p.name.value == name for p in _params(scope.params)
        ):
            return None
        return values[0] if len(values) == 1 else None

    def loads_of(self, name: str, scope: cst.CSTNode) -> list[cst.Name]:
        """Every use of ``name`` in the scope, nested functions included (they may close over it)."""
        out = []
        for node in _walk_all(scope):
            if isinstance(node, cst.Name) and node.value == name:
                parent = self.parent.get(id(node))
                if isinstance(parent, cst.AssignTarget) and parent.target is node:
                    continue
                if isinstance(parent, (cst.Attribute,)) and parent.attr is node:
                    continue
                if isinstance(parent, cst.Arg) and parent.keyword is node:
                    continue
                if isinstance(parent, (cst.FunctionDef, cst.ClassDef, cst.Param)):
                    continue
                out.append(node)
        return out

    def mutated(self, name: str, scope: cst.CSTNode) -> bool:
        """Whether ``name[...] = ...``, ``del name[...]`` or ``name.update(...)`` occurs."""
        for node in _walk_all(scope):
            if isinstance(node, cst.Subscript) and _is_name(node.value, name):
                parent = self.parent.get(id(node))
                if isinstance(parent, (cst.AssignTarget, cst.Del)) or (
                    isinstance(parent, cst.AugAssign) and parent.target is node
                ):
                    return True
            if (
                isinstance(node, cst.Attribute)
                and _is_name(node.value, name)
                and node.attr.value in ("update", "pop", "setdefault", "clear", "popitem")
            ):
                return True
        return False

    def bound_names(self, value: cst.CSTNode) -> list[tuple[cst.CSTNode, str]]:
        """Names a value is bound to: ``x = value``, ``self.x = value``, ``with value as x``.

        Returns (scope, dotted name) pairs; ``self.x`` has the class as its scope.
        """
        out: list[tuple[cst.CSTNode, str]] = []
        parent = self.parent.get(id(value))
        targets: list[cst.BaseExpression] = []
        if isinstance(parent, cst.Assign) and parent.value is value:
            targets = [t.target for t in parent.targets]
        elif isinstance(parent, cst.AnnAssign) and parent.value is value:
            targets = [parent.target]
        elif isinstance(parent, cst.WithItem) and parent.item is value and parent.asname:
            targets = [parent.asname.name]
        for t in targets:
            if isinstance(t, cst.Name):
                out.append((self.scope_of(value), t.value))
            elif (
                isinstance(t, cst.Attribute)
                and isinstance(t.value, cst.Name)
                and t.value.value == "self"
            ):
                cls = next((a for a in self.ancestors(value) if isinstance(a, cst.ClassDef)), None)
                if cls is not None:
                    out.append((cls, f"self.{t.attr.value}"))
        return out


def _params(params: cst.Parameters) -> list[cst.Param]:
    out = [*params.posonly_params, *params.params, *params.kwonly_params]
    for p in (params.star_arg, params.star_kwarg):
        if isinstance(p, cst.Param):
            out.append(p)
    return out


def _walk_all(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.children)


def _is_name(node: cst.CSTNode, name: str) -> bool:
    return isinstance(node, cst.Name) and node.value == name


def _binds(target: cst.CSTNode, name: str) -> bool:
    return any(_is_name(n, name) for n in _walk_all(target))


def _mentions_binding(node: cst.CSTNode, name: str) -> bool:
    if isinstance(node, cst.For):
        return _binds(node.target, name)
    if isinstance(node, cst.With):
        return any(i.asname is not None and _binds(i.asname.name, name) for i in node.items)
    if isinstance(node, cst.NamedExpr):
        return _is_name(node.target, name)
    if isinstance(node, (cst.Global, cst.Nonlocal)):
        return any(n.name.value == name for n in node.names)
    return False


def keyword_arg(call: cst.Call, name: str) -> cst.Arg | None:
    return next((a for a in call.args if a.keyword is not None and a.keyword.value == name), None)


def is_false(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "False"


def string_value(node: cst.CSTNode) -> str | None:
    if isinstance(node, cst.SimpleString):
        v = node.evaluated_value
        return v if isinstance(v, str) else None
    if isinstance(node, cst.ConcatenatedString):
        v = node.evaluated_value
        return v if isinstance(v, str) else None
    return None
