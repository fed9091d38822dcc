"""Spans from per-statement position resolution equal libcst's whole-module positions."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from advisor.context import ModuleContext
from advisor.index import build_index
from advisor.model import FileFacts
from advisor.values import Evaluator

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "examples").rglob("*.py")) + [ROOT / "advisor" / "values.py"]

HEADER_AND_CRLF = (
    "#!/usr/bin/env python\r\n# -*- coding: utf-8 -*-\r\n\r\n"
    '"""Doc."""\r\nimport requests\r\n\r\n\r\n'
    "class A:\r\n    def f(self):\r\n        return requests.post(\r\n"
    '            "https://auth.treddy.com/oauth/token",\r\n'
    '            data={"grant_type": "client_credentials"},\r\n        )\r\n'
)


def _spans(text: str) -> list[tuple[tuple[int, int, int, int], tuple[int, int, int, int]]]:
    module = cst.parse_module(text)
    index = build_index(module)
    ctx = ModuleContext("x.py", module, index, Evaluator(index), FileFacts("x.py"))
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


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_statement_positions_match_module_positions(path: Path) -> None:
    pairs = _spans(path.read_text())
    assert pairs
    assert all(mine == theirs for mine, theirs in pairs)


def test_header_comments_docstring_and_crlf() -> None:
    pairs = _spans(HEADER_AND_CRLF)
    assert pairs and all(mine == theirs for mine, theirs in pairs)
    assert pairs[0][0][0] == 10  # the requests.post call
