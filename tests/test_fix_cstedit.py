"""Formatting-preserving edits (advisor.fix.cstedit) and edit/diff text helpers."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.fix.cstedit import ActionSet, apply_actions
from advisor.fix.textedits import apply_edits, text_edits, unified_diff


def _calls(module: cst.Module) -> list[cst.Call]:
    found: list[cst.Call] = []

    class Collect(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            found.append(node)

    module.visit(Collect())
    return found


def drop_keyword(code: str, name: str) -> str:
    module = cst.parse_module(code)
    actions = ActionSet()
    for call in _calls(module):
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == name:
                actions.remove.add(id(arg))
    return apply_actions(module, actions).code


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("f(a, verify=False)\n", "f(a)\n"),
        ("f(verify=False, a=1)\n", "f(a=1)\n"),
        ("f(a, verify=False, b=2)\n", "f(a, b=2)\n"),
        ("f(verify=False)\n", "f()\n"),
        (
            """\
            f(
                a,  # keep me
                verify=False,
            )
            """,
            """\
            f(
                a,  # keep me
            )
            """,
        ),
        (
            """\
            f(
                a,
                verify=False
            )
            """,
            """\
            f(
                a
            )
            """,
        ),
        (
            """\
            f(
                a,
                verify=False,  # dropped with its argument
                b=2,
            )
            """,
            """\
            f(
                a,
                b=2,
            )
            """,
        ),
    ],
)
def test_removing_an_argument_keeps_the_layout(before: str, after: str) -> None:
    assert drop_keyword(textwrap.dedent(before), "verify") == textwrap.dedent(after)


def test_a_comment_on_the_previous_line_survives_when_the_last_argument_goes() -> None:
    code = "f(\n    a,  # note\n    verify=False\n)\n"
    new = drop_keyword(code, "verify")
    assert "# note" in new
    cst.parse_module(new)


def test_removing_dict_entries() -> None:
    module = cst.parse_module('d = {"a": 1, "b": 2}\ne = {"b": 2, "a": 1,}\n')
    actions = ActionSet()

    class Collect(cst.CSTVisitor):
        def visit_DictElement(self, node: cst.DictElement) -> None:
            if isinstance(node.key, cst.SimpleString) and node.key.value == '"b"':
                actions.remove.add(id(node))

    module.visit(Collect())
    assert apply_actions(module, actions).code == 'd = {"a": 1}\ne = {"a": 1,}\n'


def test_removing_statements_keeps_comments_and_blocks_valid() -> None:
    code = textwrap.dedent(
        """\
        if debug:
            # why we do this
            x = 1
        y = 2; z = 3
        # about w
        w = 4
        v = 5
        """
    )
    module = cst.parse_module(code)
    actions = ActionSet()
    if_block = module.body[0]
    assert isinstance(if_block, cst.If)
    actions.remove.add(id(if_block.body.body[0].body[0]))  # x = 1
    actions.remove.add(id(module.body[1].body[1]))  # z = 3
    actions.remove.add(id(module.body[2].body[0]))  # w = 4
    assert apply_actions(module, actions).code == textwrap.dedent(
        """\
        if debug:
            # why we do this
            pass
        y = 2
        # about w
        v = 5
        """
    )


def test_inserting_an_argument_follows_the_call_layout() -> None:
    def add_after_data(code: str) -> str:
        module = cst.parse_module(code)
        (call,) = _calls(module)
        index = next(i for i, a in enumerate(call.args) if a.keyword and a.keyword.value == "data")
        actions = ActionSet()
        actions.insert_args[id(call)] = [
            (index, lambda moved: cst.Arg(cst.Name("x"), keyword=cst.Name("auth")))
        ]
        return apply_actions(module, actions).code

    assert add_after_data("f(u, data=d)\n") == "f(u, data=d, auth=x)\n"
    assert add_after_data("f(u, data=d, timeout=3)\n") == "f(u, data=d, auth=x, timeout=3)\n"
    assert (
        add_after_data("f(\n    u,\n    data=d,\n)\n")
        == "f(\n    u,\n    data=d,\n    auth=x,\n)\n"
    )
    assert (
        add_after_data("f(\n    u,\n    data=d\n)\n") == "f(\n    u,\n    data=d,\n    auth=x\n)\n"
    )


def test_imports_are_added_once() -> None:
    module = cst.parse_module("import os\n\nx = 1\n")
    actions = ActionSet(imports=[("os", None)])
    assert apply_actions(module, actions).code == "import os\n\nx = 1\n"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("a = 1\nb = 2\n", "a = 1\nb = 3\n"),
        ("a = 1\nb = 2", "a = 1\nb = 3"),
        ("a = 1\n", "import os\na = 1\n"),
        ("a = 1\nb = 2\nc = 3\n", "a = 1\nc = 3\n"),
        ("x\r\ny\r\n", "x\r\nz\r\n"),
        ("", "a\n"),
    ],
)
def test_text_edits_round_trip(old: str, new: str) -> None:
    edits = text_edits("f.py", old, new)
    assert apply_edits(old, edits) == new
    assert text_edits("f.py", new, new) == []


lines = st.lists(st.sampled_from(["a = 1", "b = 2", "# c", "", "    d(e)", "é = 'ü'"]), max_size=8)


@given(lines, lines, st.booleans())
def test_text_edits_round_trip_property(old: list[str], new: list[str], final_nl: bool) -> None:
    end = "\n" if final_nl else ""
    a, b = "\n".join(old) + end, "\n".join(new) + end
    assert apply_edits(a, text_edits("f.py", a, b)) == b


def test_unified_diff_names_both_sides() -> None:
    out = unified_diff("app/x.py", "a\n", "b\n")
    assert out.splitlines()[:2] == ["--- a/app/x.py", "+++ b/app/x.py"]
    assert "-a\n+b\n" in out
    assert unified_diff("x.py", "a", "b").endswith("\\ No newline at end of file\n")
