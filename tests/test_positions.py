"""Spans from per-statement position resolution equal libcst's whole-module positions."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from advisor.analysis.context import ModuleContext, _offsets_from_ast
from advisor.analysis.index import build_index
from advisor.analysis.values import Evaluator
from advisor.model import FileFacts

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "examples").rglob("*.py")) + [ROOT / "advisor" / "analysis" / "values.py"]

HEADER_AND_CRLF = (
    "#!/usr/bin/env python\r\n# -*- coding: utf-8 -*-\r\n\r\n"
    '"""Doc."""\r\nimport requests\r\n\r\n\r\n'
    "class A:\r\n    def f(self):\r\n        return requests.post(\r\n"
    '            "https://auth.treddy.com/oauth/token",\r\n'
    '            data={"grant_type": "client_credentials"},\r\n        )\r\n'
)


EDGE_CASES = {
    "decorators and comments between them": (
        "import requests\n\n# before\n\n@a\n# between\n\n@b(\n    1,\n)\n"
        "def f():\n    pass\n\n\n@dataclass\nclass C:\n    x = requests.get('u')\n"
        "    # trailing comment at block level\n\n# module comment\ny = requests.post('v')\n"
    ),
    "semicolons, continuations, no final newline": (
        "a = 1; b = requests.get('u');\nc = \\\n    requests.post('v')\n"
        "if a:\n    pass\nelse:  # c\n    d = requests.put('w')"
    ),
    "async, with, try, nested blocks and strings spanning lines": (
        'async def g():\n    async with s.post("""x\ny""") as r:\n        pass\n'
        "try:\n    z = f('a')\nexcept E:\n    pass\nfinally:\n    w = f('b')\n"
        "\n\n\nq = [\n    f('c'),\n]\n"
    ),
}


def _spans(
    text: str, give_text: bool = True
) -> list[tuple[tuple[int, int, int, int], tuple[int, int, int, int]]]:
    module = cst.parse_module(text)
    index = build_index(module)
    ctx = ModuleContext("x.py", module, index, Evaluator(index), FileFacts("x.py"))
    if give_text:
        ctx.text = text  # line offsets from ``ast``; without it, from libcst's codegen
    full = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    out = []
    for node in [*index.calls, *index.strings]:
        r = full[node]
        s = ctx.span(node)
        out.append(
            (
                (s.line, s.column, s.end_line, s.end_column),
                (r.start.line, r.start.column, r.end.line, r.end.column),
            )
        )
    return out


@pytest.mark.parametrize("give_text", [True, False], ids=["ast-offsets", "codegen-offsets"])
@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_statement_positions_match_module_positions(path: Path, give_text: bool) -> None:
    pairs = _spans(path.read_text(), give_text)
    assert pairs
    assert all(mine == theirs for mine, theirs in pairs)


@pytest.mark.parametrize("give_text", [True, False], ids=["ast-offsets", "codegen-offsets"])
def test_header_comments_docstring_and_crlf(give_text: bool) -> None:
    pairs = _spans(HEADER_AND_CRLF, give_text)
    assert pairs and all(mine == theirs for mine, theirs in pairs)
    assert pairs[0][0][0] == 10  # the requests.post call


@pytest.mark.parametrize("text", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_edge_cases_match_module_positions(text: str) -> None:
    pairs = _spans(text)
    assert len(pairs) >= 3
    assert all(mine == theirs for mine, theirs in pairs)


def _codegen_offsets(module: cst.Module) -> list[int]:
    lines = len(module.header)
    out = []
    for stmt in module.body:
        out.append(lines)
        lines += module.code_for_node(stmt).count("\n")
    return out


@pytest.mark.parametrize("text", [HEADER_AND_CRLF, *EDGE_CASES.values()])
def test_ast_offsets_equal_codegen_offsets(text: str) -> None:
    module = cst.parse_module(text)
    assert _offsets_from_ast(module, text) == _codegen_offsets(module)


@pytest.mark.parametrize(
    "text", ["a = 1\n\x0cb = 2\n", "a = 1\rb = 2\r"], ids=["form-feed", "lone-cr"]
)
def test_ast_offsets_defer_to_codegen_on_unusual_line_endings(text: str) -> None:
    module = cst.parse_module(text)
    assert _offsets_from_ast(module, text) is None
    pairs = _spans(text.replace("1", "f('x')"))
    assert pairs and all(mine == theirs for mine, theirs in pairs)
