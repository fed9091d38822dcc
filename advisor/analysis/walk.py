"""Read-only traversal of a libcst tree, in libcst's own visiting order, without rebuilding it.

``CSTNode.visit`` serves transformers as well as visitors, so it rebuilds every node it passes
(a dataclass construction with validation per node), and it descends into whitespace, commas and
parentheses. For a read-only pass that is most of the time spent. ``walk`` calls the same
``on_visit``/``on_leave`` hooks (so ``visit_Call`` and friends work unchanged) on the same node
objects in the same order, minus the formatting-only nodes listed in ``FORMATTING``.

The order of a node type's children is learnt from libcst itself, once per type: its
``_visit_and_replace_children`` is run with a visitor that records the field names announced
through ``on_visit_attribute`` and does not descend. A test compares ``walk`` with ``visit`` on
real modules node for node.
"""

from __future__ import annotations

import dataclasses

import libcst as cst

# Nodes that carry layout only. Nothing below them is an expression or a statement.
FORMATTING: tuple[type[cst.CSTNode], ...] = (
    cst.SimpleWhitespace,
    cst.ParenthesizedWhitespace,
    cst.TrailingWhitespace,
    cst.EmptyLine,
    cst.Newline,
    cst.Comment,
    cst.Comma,
    cst.Dot,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.Semicolon,
    cst.Colon,
    cst.AssignEqual,
)

# Per node type: the fields libcst visits, in order, and the node-holding fields it skipped on
# the instance the order was learnt from (it skips some optional fields when they are None).
_FIELDS: dict[type[cst.CSTNode], tuple[tuple[str, ...], tuple[str, ...]]] = {}


class _FieldOrder(cst.CSTVisitor):
    def __init__(self, root: cst.CSTNode) -> None:
        self.root = root
        self.names: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return node is self.root

    def on_leave(self, original_node: cst.CSTNode) -> None:
        pass

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if node is self.root and attribute not in self.names:
            self.names.append(attribute)


def _visited_fields(node: cst.CSTNode) -> list[str]:
    recorder = _FieldOrder(node)
    node.visit(recorder)
    return recorder.names


def _node_fields(kind: type[cst.CSTNode]) -> list[str]:
    return [
        f.name
        for f in dataclasses.fields(kind)
        if "libcst" in repr(f.type) or "Sequence" in repr(f.type)
    ]


def child_fields(node: cst.CSTNode) -> tuple[str, ...]:
    """Names of the fields libcst visits for this node, in libcst's visiting order."""
    kind = type(node)
    known = _FIELDS.get(kind)
    if known is not None:
        names, unseen = known
        for name in unseen:
            value = getattr(node, name)
            if value is not None and not (type(value) in (tuple, list) and not value):
                break  # set on this node: learn where libcst visits it
        else:
            return names
        merged = _visited_fields(node)
        merged += [n for n in names if n not in merged]
    else:
        merged = _visited_fields(node)
    names = tuple(merged)
    _FIELDS[kind] = (names, tuple(f for f in _node_fields(kind) if f not in names))
    return names


def _walked(kind: type) -> bool:
    """Whether values of this type are nodes to walk into (cached: ABC checks are slow)."""
    known = _WALKED.get(kind)
    if known is None:
        known = issubclass(kind, cst.CSTNode) and not issubclass(kind, FORMATTING)
        _WALKED[kind] = known
    return known


_WALKED: dict[type, bool] = {}


def walk(node: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """Visit ``node`` and its descendants with ``visitor``'s hooks, without rebuilding anything.

    The visitor must be read-only: ``on_leave`` results are ignored, as they are for a
    ``CSTVisitor`` under ``visit``.
    """
    if visitor.on_visit(node):
        for name in child_fields(node):
            value = getattr(node, name)
            kind = type(value)
            if kind is tuple or kind is list:
                for item in value:
                    if _walked(type(item)):
                        walk(item, visitor)
            elif _walked(kind):
                walk(value, visitor)
    visitor.on_leave(node)
