"""From an old and a new text to editor edits (as in advisor.model.Edit) and unified diffs."""

from __future__ import annotations

import difflib
from bisect import bisect_right

from advisor.model import Edit, Span


def text_edits(path: str, old: str, new: str) -> list[Edit]:
    """Minimal replacements turning ``old`` into ``new``; 1-based lines, 0-based columns."""
    if old == new:
        return []
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    old_starts = _line_starts(old_lines)
    new_starts = _line_starts(new_lines)
    edits = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        a0, a1 = old_starts[i1], old_starts[i2]
        b0, b1 = new_starts[j1], new_starts[j2]
        # trim what the changed lines have in common, so that an edit covers only the change
        while a0 < a1 and b0 < b1 and old[a0] == new[b0]:
            a0, b0 = a0 + 1, b0 + 1
        while a1 > a0 and b1 > b0 and old[a1 - 1] == new[b1 - 1]:
            a1, b1 = a1 - 1, b1 - 1
        start, end = _position(old_starts, a0), _position(old_starts, a1)
        edits.append(Edit(path, Span(start[0], start[1], end[0], end[1]), new[b0:b1]))
    return edits


def _line_starts(lines: list[str]) -> list[int]:
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    return starts


def _position(starts: list[int], offset: int) -> tuple[int, int]:
    """(1-based line, 0-based column) of a character offset."""
    index = bisect_right(starts, offset) - 1
    if index >= len(starts) - 1 and index > 0 and offset == starts[-1]:
        # the end of a text without a final newline stays on its last line
        last = len(starts) - 2
        if starts[-1] > starts[last]:
            return last + 1, offset - starts[last]
    return index + 1, offset - starts[index]


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply non-overlapping edits (the inverse of :func:`text_edits`; used by tests/editors)."""
    lines = text.splitlines(keepends=True)
    starts = _line_starts(lines)

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column if line - 1 < len(starts) else len(text)

    out = text
    for e in sorted(edits, key=lambda e: (e.span.line, e.span.column), reverse=True):
        a = offset(e.span.line, e.span.column)
        b = offset(e.span.end_line, e.span.end_column)
        out = out[:a] + e.replacement + out[b:]
    return out


def unified_diff(path: str, old: str, new: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
    )
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
