"""Keep literal secrets out of every piece of source code that a report shows.

Two independent safeguards, because a report that leaks a secret cannot be taken back:

1. positions: every literal that the detectors recorded as a secret (``SecretFact``, the
   ``secret`` of a ``Usage``, the related locations of a ``secret`` finding) is masked by its span;
2. values: any single-line string literal on a shown line whose salted hash equals the hash of a
   known secret is masked too, which still works when a span is slightly off.

Masking keeps the line's length (quotes stay, the characters between them become ``*``) so that
carets drawn under the line still point at the right columns.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterable

from advisor.model import Credential, ScanResult, Span, secret_hash

MASK = "*"

# A span of a string literal: optional prefix, opening quote(s), body, closing quote(s).
_LITERAL_SHAPE = re.compile(
    r"""^(?P<open>[rRbBuUfF]{0,2}(?:\"\"\"|'''|"|'))(?P<body>.*?)(?P<close>\"\"\"|'''|"|')?$""",
    re.DOTALL,
)
# Single-line string literals, for the value check; triple quotes are matched as empty + body.
_STRING_TOKEN = re.compile(
    r"""(?<![\w"'])[rRbBuU]{0,2}(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')"""
)


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _mask_piece(piece: str, keep_quotes: bool) -> str:
    if keep_quotes:
        shape = _LITERAL_SHAPE.match(piece)
        if shape and shape.group("close") and len(piece) > len(shape.group("open")):
            opening, closing = shape.group("open"), shape.group("close")
            inner = len(piece) - len(opening) - len(closing)
            if inner >= 0:
                return opening + MASK * inner + closing
    # Only the indentation survives: inner spaces would show how a secret is split into words.
    body = piece.lstrip()
    return piece[: len(piece) - len(body)] + MASK * len(body)


def redact_source_line(line: str, spans: list[tuple[int, int]]) -> str:
    """Mask the given 0-based, end-exclusive column ranges of ``line``; same length out as in.

    A range that covers a whole string literal keeps its quotes; any other range (part of a
    multi-line literal, an f-string piece) is masked entirely except for its indentation.
    """
    if not spans:
        return line
    out: list[str] = []
    pos = 0
    for start, end in _merge((max(0, s), min(len(line), e)) for s, e in spans):
        if start >= end:
            continue
        out.append(line[pos:start])
        out.append(_mask_piece(line[start:end], keep_quotes=True))
        pos = end
    out.append(line[pos:])
    return "".join(out)


def _span_columns(span: Span) -> Iterable[tuple[int, int, int]]:
    """(line, start, end) triples covered by a span; ``-1`` as end means "to the end of line"."""
    if span.line == span.end_line:
        yield span.line, span.column, span.end_column
        return
    yield span.line, span.column, -1
    for line in range(span.line + 1, span.end_line):
        yield line, 0, -1
    yield span.end_line, 0, span.end_column


def _norm(path: str) -> str:
    return path.replace("\\", "/").removeprefix("./")


class SecretMask:
    """Index of the literal secrets in a scan result, by file and line, plus their value hashes."""

    def __init__(self) -> None:
        self._spans: dict[str, dict[int, list[tuple[int, int]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self._hashes: set[str] = set()

    @classmethod
    def from_result(cls, result: ScanResult) -> SecretMask:
        mask = cls()
        for fact in result.secrets:
            mask._add_credential(fact.credential, fact.path, fallback=fact.span)
        for usage in result.usages:
            if usage.secret is not None:
                mask._add_credential(usage.secret, usage.path, fallback=None)
        for finding in result.findings:
            # The related locations of a secret finding point at the literal itself.
            if finding.category == "secret":
                for rel in finding.related:
                    mask.add_span(rel.path, rel.span)
        return mask

    def _add_credential(self, cred: Credential, path: str, fallback: Span | None) -> None:
        if cred.source != "literal":
            return
        if cred.value_hash:
            self._hashes.add(cred.value_hash)
        span = cred.literal_span or fallback
        if span is not None:
            self.add_span(cred.literal_path or path, span)

    def add_span(self, path: str, span: Span) -> None:
        lines = self._spans[_norm(path)]
        for line, start, end in _span_columns(span):
            lines[line].append((start, end))

    def spans_by_line(self, path: str) -> dict[int, list[tuple[int, int]]]:
        """Column ranges (0-based, end-exclusive, ``-1`` = to end of line) of secrets per line."""
        found = self._spans.get(_norm(path))
        return {line: list(spans) for line, spans in found.items()} if found else {}

    def _hashed_literals(self, line: str) -> list[tuple[int, int]]:
        if not self._hashes or ("'" not in line and '"' not in line):
            return []
        hits = []
        for token in _STRING_TOKEN.finditer(line):
            try:
                value = ast.literal_eval(token.group(0))
            except (ValueError, SyntaxError):
                continue
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            if isinstance(value, str) and value and secret_hash(value) in self._hashes:
                hits.append(token.span())
        return hits

    def line(self, path: str, lineno: int, text: str) -> str:
        """``text`` (line ``lineno`` of ``path``) with every known secret masked."""
        spans = [
            (start, len(text) if end < 0 else end)
            for start, end in self._spans.get(_norm(path), {}).get(lineno, [])
        ]
        spans.extend(self._hashed_literals(text))
        return redact_source_line(text, spans)

    def text(self, text: str) -> str:
        """Free text (e.g. a replacement in an edit) with literals of known secrets masked."""
        return "\n".join(
            redact_source_line(ln, self._hashed_literals(ln)) for ln in text.split("\n")
        )


def secret_spans(result: ScanResult, path: str) -> dict[int, list[tuple[int, int]]]:
    """Column ranges per line of every literal secret of ``path`` (``-1`` end = to end of line)."""
    return SecretMask.from_result(result).spans_by_line(path)
