"""``advisor.analysis.walk`` must meet the same nodes in the same order as libcst's own ``visit``."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst
import pytest

from advisor.analysis.walk import FORMATTING, walk

ROOT = Path(__file__).resolve().parents[1]
STDLIB = Path(sysconfig.get_paths()["stdlib"])


class _Recorder(cst.CSTVisitor):
    """Records enter/leave events, leaving out formatting subtrees when ``skip`` is set."""

    def __init__(self, skip: bool) -> None:
        self.events: list[tuple[str, int]] = []
        self.skip = skip
        self.inside = 0

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.skip and isinstance(node, FORMATTING):
            self.inside += 1
        if not self.inside:
            self.events.append(("enter", id(node)))
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if not self.inside:
            self.events.append(("leave", id(original_node)))
        if self.skip and isinstance(original_node, FORMATTING):
            self.inside -= 1


def _sources() -> list[Path]:
    ours = sorted((ROOT / "advisor").rglob("*.py")) + sorted((ROOT / "examples").rglob("*.py"))
    theirs = [
        STDLIB / name
        for name in (
            "asyncio/base_events.py",  # f-strings with format specs
            "typing.py",  # decorators, generics, star-expressions
            "dataclasses.py",
            "argparse.py",
            "email/_header_value_parser.py",  # long, deeply nested
            "pydoc.py",
        )
    ]
    return ours + [p for p in theirs if p.exists()]


@pytest.mark.parametrize("path", _sources(), ids=lambda p: p.name)
def test_walk_matches_libcst_visit(path: Path) -> None:
    module = cst.parse_module(path.read_bytes())
    expected = _Recorder(skip=True)
    module.visit(expected)
    got = _Recorder(skip=False)
    walk(module, got)
    assert got.events == expected.events
    assert len(got.events) >= 4


def test_optional_children_learnt_after_the_first_instance() -> None:
    # libcst skips a None format_spec without announcing it; the spec of a later f-string
    # expression must still be walked.
    module = cst.parse_module('a = f"{x}"\nb = f"{y:{width}}"\n')
    names: list[str] = []

    class Names(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            names.append(node.value)

    walk(module, Names())
    assert names == ["a", "x", "b", "y", "width"]


def test_pruning_and_leave_hooks() -> None:
    module = cst.parse_module("def f():\n    inner()\nouter()\n")
    seen: list[str] = []

    class Calls(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False  # do not descend

        def visit_Call(self, node: cst.Call) -> None:
            seen.append(cst.Module([]).code_for_node(node.func))

        def leave_Call(self, original_node: cst.Call) -> None:
            seen.append("/")

    walk(module, Calls())
    assert seen == ["outer", "/"]
