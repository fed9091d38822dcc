"""The edits of one planned fix, computed on the statement it touches instead of the whole file.

A fix is an :class:`ActionSet` on the nodes of the file's tree. Applying it to the whole module
(a libcst transform rebuilds every node, and adding an import runs libcst's import codemod over
the module again) costs a file's worth of work per finding. The same transform applied to the
smallest statement that holds every node the fix touches gives the same nodes, so its code,
spliced into the original text where the old statement's code stands, is the text the whole
transform would give. Imports the fix needs are added once per file (the same import for every
finding of the file) and kept as their own edit.

Everything here is checked as it goes: the old statement's code must be found at the offset it
was generated at, and the import edit must lie outside the statement; when a check fails (or the
fix touches a statement of the module's own body) the caller falls back to the whole-module
transform. ``tests/test_fix_localedit.py`` compares both ways on every codemod fixture.
"""

from __future__ import annotations

from typing import Any

import libcst as cst
from libcst._nodes.internal import CodegenState

from advisor.fix.cstedit import ActionSet, _Applier, _imported
from advisor.fix.locate import SourceTree
from advisor.fix.textedits import text_edits
from advisor.model import Edit, Span


class _Offsets(CodegenState):
    """Code generation that records where each statement's code starts."""

    def __init__(self, module: cst.Module) -> None:
        super().__init__(
            default_indent=module.default_indent, default_newline=module.default_newline
        )
        self.length = 0
        self.starts: dict[int, int] = {}

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self.length += len(value)

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        self.length += sum(len(t) for t in self.indent_tokens)

    def before_codegen(self, node: Any) -> None:
        if isinstance(node, cst.BaseStatement):
            self.starts[id(node)] = self.length


class LocalEditor:
    """Per file: statement offsets, line starts and the import edits, computed once."""

    def __init__(self, tree: SourceTree) -> None:
        self.tree = tree
        self.text = tree.text
        self._starts: dict[int, int] | None = None
        self._line_starts: list[int] | None = None
        self._imports: dict[tuple[tuple[str, str | None], ...], list[Edit] | None] = {}

    # ---- the per-file tables

    def _statement_starts(self) -> dict[int, int] | None:
        if self._starts is None:
            state = _Offsets(self.tree.module)
            self.tree.module._codegen(state)
            if not self.tree.module.has_trailing_newline:
                state.pop_trailing_newline()
            # libcst round-trips: anything else and the offsets mean nothing
            self._starts = state.starts if "".join(state.tokens) == self.text else {}
        return self._starts or None

    def _line_of(self, offset: int) -> int:
        """1-based line of a character offset of the original text."""
        if self._line_starts is None:
            # as advisor.fix.textedits counts lines (str.splitlines), so that spans agree
            starts = [0]
            for line in self.text.splitlines(keepends=True):
                starts.append(starts[-1] + len(line))
            self._line_starts = starts
        from bisect import bisect_right

        return bisect_right(self._line_starts, offset)

    def _import_edits(self, missing: tuple[tuple[str, str | None], ...]) -> list[Edit] | None:
        if missing not in self._imports:
            from libcst.codemod import CodemodContext
            from libcst.codemod.visitors import AddImportsVisitor

            try:
                context = CodemodContext()
                for mod, name in missing:
                    AddImportsVisitor.add_needed_import(context, mod, name)
                new = AddImportsVisitor(context).transform_module(self.tree.module).code
                self._imports[missing] = text_edits(self.tree.path, self.text, new)
            except Exception:  # noqa: BLE001 - the caller falls back to the whole transform
                self._imports[missing] = None
        return self._imports[missing]

    # ---- one fix

    def edits(self, actions: ActionSet) -> list[Edit] | None:
        """The edits of ``actions`` alone, or None when they must be computed on the module."""
        anchor = self._anchor(actions)
        if anchor is None:
            return None
        starts = self._statement_starts()
        if starts is None or id(anchor) not in starts:
            return None
        module = self.tree.module
        indents = [
            b.indent if b.indent is not None else module.default_indent
            for b in reversed(list(self.tree.ancestors(anchor)))
            if isinstance(b, cst.IndentedBlock)
        ]
        old = _code(module, anchor, indents)
        begin = starts[id(anchor)]
        if self.text[begin : begin + len(old)] != old or not old.endswith(("\n", "\r")):
            return None
        new_node = anchor.visit(_Applier(actions))
        if not isinstance(new_node, cst.BaseStatement):
            return None
        new = _code(module, new_node, indents)
        if new == old:
            return []
        first = self._line_of(begin)
        body = [_shifted(e, first - 1) for e in text_edits(self.tree.path, old, new)]
        missing = tuple(i for i in actions.imports if not _imported(module, *i))
        imports: list[Edit] = []
        if missing:
            found = self._import_edits(missing)
            if found is None:
                return None
            if not body:
                return None
            top = min(e.span.line for e in body)
            bottom = max(e.span.end_line for e in body)
            for e in found:
                # an import edit on a line the fix changes would not compose with its edits
                if not (e.span.end_line < top or e.span.line > bottom):
                    return None
            imports = found
        return sorted([*imports, *body], key=lambda e: (e.span.line, e.span.column))

    def _anchor(self, actions: ActionSet) -> cst.BaseStatement | None:
        """The innermost statement strictly above every node the actions touch.

        A removed statement goes away in its block, so the anchor must hold that block; a
        statement of the module's own body has no statement above it (None: whole module).
        """
        targets = actions.remove | set(actions.replace) | set(actions.insert_args)
        if not targets:
            return None
        nodes = self._nodes_by_id()
        chains: list[list[cst.CSTNode]] = []
        for t in targets:
            node = nodes.get(t)
            if node is None:
                return None
            chain = list(self.tree.ancestors(node))
            if t in actions.remove and isinstance(
                node, (cst.BaseStatement, cst.BaseSmallStatement)
            ):
                blocks = [i for i, a in enumerate(chain) if isinstance(a, cst.IndentedBlock)]
                if not blocks:
                    return None
                chain = chain[blocks[0] + 1 :]
            chains.append(chain)
        common = set.intersection(*({id(a) for a in c} for c in chains[1:])) if chains[1:] else None
        for a in chains[0]:
            if isinstance(a, cst.BaseStatement) and (common is None or id(a) in common):
                if id(a) in targets:
                    return None
                return a
        return None

    def _nodes_by_id(self) -> dict[int, cst.CSTNode]:
        found = getattr(self, "_by_id", None)
        if found is None:
            found = {id(n): n for n in self.tree.pos}
            self._by_id = found
        return found


def _code(module: cst.Module, node: cst.CSTNode, indents: list[str]) -> str:
    state = CodegenState(
        default_indent=module.default_indent, default_newline=module.default_newline
    )
    state.indent_tokens = list(indents)
    node._codegen(state)
    return "".join(state.tokens)


def _shifted(e: Edit, lines: int) -> Edit:
    s = e.span
    return Edit(
        e.path, Span(s.line + lines, s.column, s.end_line + lines, s.end_column), e.replacement
    )
