"""Structural edits on a libcst tree that keep the file's own formatting.

A fix is described as an :class:`ActionSet` keyed by the identity of nodes of the parsed tree:
nodes to remove (arguments, dict entries, statements), nodes to replace, keyword arguments to
insert into a call, imports to add. :func:`apply_actions` applies one or several merged action
sets in a single pass, so that fixes located on the original tree never fight over positions.
Commas, line breaks and comments around removed items are carried over to their neighbours.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import libcst as cst

# Builds an argument from the (possibly already rewritten) values the fix moved around.
ArgBuilder = Callable[[dict[int, cst.BaseExpression]], cst.Arg]


@dataclass
class ActionSet:
    remove: set[int] = field(default_factory=set)
    replace: dict[int, cst.CSTNode] = field(default_factory=dict)
    # call id -> [(index of the argument to insert after, builder)]
    insert_args: dict[int, list[tuple[int, ArgBuilder]]] = field(default_factory=dict)
    # (module, name or None): ``import module`` / ``from module import name``
    imports: list[tuple[str, str | None]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.remove or self.replace or self.insert_args)

    def merged(self, other: ActionSet) -> ActionSet:
        inserts = {k: list(v) for k, v in self.insert_args.items()}
        for k, v in other.insert_args.items():
            inserts.setdefault(k, []).extend(v)
        return ActionSet(
            remove=self.remove | other.remove,
            replace={**self.replace, **other.replace},
            insert_args=inserts,
            imports=[*self.imports, *(i for i in other.imports if i not in self.imports)],
        )


def apply_actions(module: cst.Module, actions: ActionSet) -> cst.Module:
    new = module.visit(_Applier(actions))
    assert isinstance(new, cst.Module)
    missing = [i for i in actions.imports if not _imported(new, *i)]
    if missing:
        # libcst.codemod pulls in libcst.matchers (about 1 s to import): only when an import
        # really has to be added, never on a plain check that merely reports fixability
        from libcst.codemod import CodemodContext
        from libcst.codemod.visitors import AddImportsVisitor

        context = CodemodContext()
        for mod, name in missing:
            AddImportsVisitor.add_needed_import(context, mod, name)
        new = AddImportsVisitor(context).transform_module(new)
    return new


def _imported(module: cst.Module, mod: str, name: str | None) -> bool:
    """A top-level ``import mod`` is there already (AddImportsVisitor is slow to find out)."""
    if name is not None:
        return False
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Import) and any(
                    a.asname is None and isinstance(a.name, cst.Name) and a.name.value == mod
                    for a in small.names
                ):
                    return True
    return False


T = TypeVar("T", cst.Arg, cst.DictElement, cst.StarredDictElement)


def drop_items(items: Sequence[T], drop: set[int], tail_attr: str | None) -> list[T]:
    """``items`` without the indices in ``drop``, with separators fixed up.

    ``tail_attr`` names the attribute that holds the whitespace after the last item (call
    arguments keep it in ``whitespace_after_arg``; dicts keep it in their closing brace).
    """
    kept = [it for i, it in enumerate(items) if i not in drop]
    if not kept or (len(items) - 1) not in drop:
        return kept
    last = items[-1]
    new_last = kept[-1]
    changes: dict[str, Any] = {"comma": _tail_comma(new_last.comma, last.comma)}
    if tail_attr is not None:
        changes[tail_attr] = getattr(last, tail_attr)
        if isinstance(changes["comma"], cst.Comma) and not isinstance(last.comma, cst.Comma):
            # the trailing comma was kept for its comment; the line break is in the comma now
            changes[tail_attr] = cst.SimpleWhitespace("")
    kept[-1] = new_last.with_changes(**changes)
    return kept


def _tail_comma(prev: Any, removed: Any) -> Any:
    """The separator after what becomes the last item."""
    prev_ws = prev.whitespace_after if isinstance(prev, cst.Comma) else None
    if isinstance(removed, cst.Comma):
        rem_ws = removed.whitespace_after
        if isinstance(prev_ws, cst.ParenthesizedWhitespace) and isinstance(
            rem_ws, cst.ParenthesizedWhitespace
        ):
            # keep the comment that ended the previous item's line
            rem_ws = rem_ws.with_changes(first_line=prev_ws.first_line)
        before = prev.whitespace_before if isinstance(prev, cst.Comma) else None
        return removed.with_changes(
            whitespace_before=before or removed.whitespace_before, whitespace_after=rem_ws
        )
    if isinstance(prev_ws, cst.ParenthesizedWhitespace) and prev_ws.first_line.comment:
        return prev.with_changes(
            whitespace_after=prev_ws.with_changes(indent=False, last_line=cst.SimpleWhitespace(""))
        )
    return cst.MaybeSentinel.DEFAULT


def _between_comma(args: Sequence[cst.Arg], index: int) -> cst.Comma:
    """A separator in the style of the call: the comma after another argument, minus comments."""
    for i in [*range(index - 1, -1, -1), *range(index + 1, len(args) - 1)]:
        comma = args[i].comma
        if isinstance(comma, cst.Comma):
            ws = comma.whitespace_after
            if isinstance(ws, cst.ParenthesizedWhitespace):
                ws = ws.with_changes(first_line=cst.TrailingWhitespace())
            return comma.with_changes(whitespace_after=ws)
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def insert_arg_after(args: list[cst.Arg], index: int, arg: cst.Arg) -> list[cst.Arg]:
    """Insert ``arg`` after ``args[index]`` in the layout of its neighbours."""
    out = list(args)
    anchor = out[index]
    if arg.keyword is not None and arg.equal is cst.MaybeSentinel.DEFAULT:
        # `key=value` as the neighbour writes it (libcst's default is `key = value`)
        equal = anchor.equal if isinstance(anchor.equal, cst.AssignEqual) else None
        arg = arg.with_changes(
            equal=equal
            or cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""),
                whitespace_after=cst.SimpleWhitespace(""),
            )
        )
    if index == len(out) - 1:
        between = _between_comma(out, index)
        if isinstance(anchor.comma, cst.Comma):
            # a trailing comma stays trailing: it moves to the new last argument
            arg = arg.with_changes(comma=anchor.comma)
        arg = arg.with_changes(whitespace_after_arg=anchor.whitespace_after_arg)
        anchor = anchor.with_changes(comma=between, whitespace_after_arg=cst.SimpleWhitespace(""))
        out[index] = anchor
        out.append(arg)
        return out
    arg = arg.with_changes(comma=anchor.comma)
    out.insert(index + 1, arg)
    return out


class _Applier(cst.CSTTransformer):
    def __init__(self, actions: ActionSet) -> None:
        super().__init__()
        self.a = actions
        # updated values of removed dict entries, by id of the original value
        self.moved: dict[int, cst.BaseExpression] = {}

    def on_leave(self, original_node: Any, updated_node: Any) -> Any:
        new = self.a.replace.get(id(original_node))
        if new is not None:
            return new
        return super().on_leave(original_node, updated_node)

    def leave_DictElement(
        self, original_node: cst.DictElement, updated_node: cst.DictElement
    ) -> cst.DictElement:
        if id(original_node) in self.a.remove:
            self.moved[id(original_node.value)] = updated_node.value
        return updated_node

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        if id(original_node) in self.a.remove:
            self.moved[id(original_node.value)] = updated_node.value
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        drop = {i for i, arg in enumerate(original_node.args) if id(arg) in self.a.remove}
        inserts = self.a.insert_args.get(id(original_node), [])
        if not drop and not inserts:
            return updated_node
        args = list(updated_node.args)
        # insert first (indices refer to the original arguments), then drop
        for index, build in sorted(inserts, key=lambda t: -t[0]):
            args = insert_arg_after(args, index, build(self.moved))
            drop = {i + 1 if i > index else i for i in drop}
        return updated_node.with_changes(args=drop_items(args, drop, "whitespace_after_arg"))

    def leave_Dict(self, original_node: cst.Dict, updated_node: cst.Dict) -> cst.BaseExpression:
        drop = {i for i, el in enumerate(original_node.elements) if id(el) in self.a.remove}
        if not drop:
            return updated_node
        return updated_node.with_changes(elements=drop_items(updated_node.elements, drop, None))

    def _gone(self, stmt: cst.CSTNode) -> bool:
        """Whether a whole statement line goes away."""
        if id(stmt) in self.a.remove:
            return True
        return isinstance(stmt, cst.SimpleStatementLine) and all(
            id(s) in self.a.remove for s in stmt.body
        )

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        drop = {i for i, s in enumerate(original_node.body) if id(s) in self.a.remove}
        if not drop or len(drop) == len(original_node.body):
            return updated_node  # a line removed as a whole goes in its block
        body = [s for i, s in enumerate(updated_node.body) if i not in drop]
        body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(body=body)

    def leave_SimpleStatementSuite(
        self, original_node: cst.SimpleStatementSuite, updated_node: cst.SimpleStatementSuite
    ) -> cst.SimpleStatementSuite:
        drop = {i for i, s in enumerate(original_node.body) if id(s) in self.a.remove}
        if not drop:
            return updated_node
        body = [s for i, s in enumerate(updated_node.body) if i not in drop] or [cst.Pass()]
        body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(body=body)

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        body, carried = self._without_removed(original_node.body, updated_node.body)
        if not body:
            # an emptied block needs a statement; the comments stay above it
            return updated_node.with_changes(
                body=[cst.SimpleStatementLine([cst.Pass()], leading_lines=carried)]
            )
        return updated_node.with_changes(body=body, footer=[*carried, *updated_node.footer])

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body, carried = self._without_removed(original_node.body, updated_node.body)
        return updated_node.with_changes(body=body, footer=[*carried, *updated_node.footer])

    def _without_removed(
        self, original: Sequence[cst.CSTNode], updated: Sequence[Any]
    ) -> tuple[list[Any], list[cst.EmptyLine]]:
        """The block without removed lines; comment lines above one move to the next line.

        Also returns the comments of removed lines that no later statement could take.
        """
        out: list[Any] = []
        carried: list[cst.EmptyLine] = []
        for orig, new in zip(original, updated, strict=True):
            if self._gone(orig):
                lines = getattr(orig, "leading_lines", ())
                carried.extend(line for line in lines if line.comment is not None)
                continue
            if carried:
                new = new.with_changes(leading_lines=[*carried, *new.leading_lines])
                carried = []
            out.append(new)
        return out, carried
