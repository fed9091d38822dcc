"""Keep literal secrets out of every piece of source code that a report shows.

Two independent safeguards, because a report that leaks a secret cannot be taken back:

1. positions: every literal that the detectors recorded as a secret (``SecretFact``, the
   ``secret`` of a ``Usage``, the related locations of a ``secret`` finding) is masked by its span;
2. values: any single-line string literal on a shown line whose salted hash equals the hash of a
   known secret is masked too, which still works when a span is slightly off;
3. last resort: the clear values of the literal secrets are read back from the source (and
   checked against their hashes), and any copy of them in a rendered report is replaced, so that
   even a message or evidence string that quotes a secret by mistake does not leak it.

Masking keeps the line's length (quotes stay, the characters between them become ``*``) so that
carets drawn under the line still point at the right columns.
"""

from __future__ import annotations

import ast
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable

from advisor.model import Credential, ScanResult, Span, secret_hash

MASK = "*"
REDACTED = "[REDACTED]"
# Shorter values would also match ordinary words of a report; such "secrets" are dummies anyway.
_MIN_SCRUB_LENGTH = 8

# A span of a string literal: optional prefix, opening quote(s), body, closing quote(s).
_LITERAL_SHAPE = re.compile(
    r"""^(?P<open>[rRbBuUfF]{0,2}(?:\"\"\"|'''|"|'))(?P<body>.*?)(?P<close>\"\"\"|'''|"|')?$""",
    re.DOTALL,
)
# Single-line string literals, for the value check; triple quotes are matched as empty + body.
_STRING_TOKEN = re.compile(
    r"""(?<![\w"'])[rRbBuU]{0,2}(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')"""
)


def _string_value(literal: str) -> str | None:
    """The value of a Python string literal, or None when it is not a plain literal."""
    try:
        value = ast.literal_eval(literal.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value if isinstance(value, str) else None


def _escaped_forms(value: str) -> list[str]:
    """The ways a value can be spelt in JSON, XML and workflow-command output."""
    json_form = json.dumps(value)[1:-1]
    json_ascii = json.dumps(value, ensure_ascii=False)[1:-1]
    from html import escape  # lazily: only a secret to mask needs it

    xml_form = escape(value, quote=True)
    xml_attr = xml_form.replace("&#x27;", "'")
    workflow = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    workflow_prop = workflow.replace(":", "%3A").replace(",", "%2C")
    return list(
        dict.fromkeys([value, json_form, json_ascii, xml_form, xml_attr, workflow, workflow_prop])
    )


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _mask_piece(piece: str) -> str:
    shape = _LITERAL_SHAPE.match(piece)
    if shape:
        # The quotes (and a string prefix) say nothing about the secret; keeping them keeps
        # the code readable, e.g. the opening line of a triple-quoted literal.
        opening = shape.group("open")
        closing = shape.group("close") or ""
        if len(piece) < len(opening) + len(closing):
            closing = ""
        return opening + MASK * (len(piece) - len(opening) - len(closing)) + closing
    # Only the indentation survives: inner spaces would show how a secret is split into words.
    body = piece.lstrip()
    return piece[: len(piece) - len(body)] + MASK * len(body)


def redact_source_line(line: str, spans: list[tuple[int, int]]) -> str:
    """Mask the given 0-based, end-exclusive column ranges of ``line``; same length out as in.

    An end of ``-1`` means "to the end of the line" (as ``secret_spans`` reports it).

    A range that covers a whole string literal keeps its quotes; any other range (part of a
    multi-line literal, an f-string piece) is masked entirely except for its indentation.
    """
    if not spans:
        return line
    out: list[str] = []
    pos = 0
    n = len(line)
    for start, end in _merge((max(0, s), n if e < 0 else min(n, e)) for s, e in spans):
        if start >= end:
            continue
        out.append(line[pos:start])
        out.append(_mask_piece(line[start:end]))
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


_WORD = re.compile(r"[^&=?#:/@,;\s\"']+")


class SecretMask:
    """Index of the literal secrets in a scan result, by file and line, plus their value hashes."""

    def __init__(self) -> None:
        self._spans: dict[str, dict[int, list[tuple[int, int]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self._hashes: set[str] = set()
        # Literal secrets whose clear value can be read back from the source to scrub output.
        self._literals: list[tuple[str, Span]] = []
        self._values: set[str] = set()

    @classmethod
    def from_result(cls, result: ScanResult) -> SecretMask:
        mask = cls()
        for fact in result.secrets:
            mask._add_credential(fact.credential, fact.path, fallback=fact.span)
        for usage in result.usages:
            if usage.secret is not None:
                mask._add_credential(usage.secret, usage.path, fallback=None)
        # Related locations are not masked as such: they may be the OAuth call that uses a
        # secret, or an import that shows what kind of application this is. The literals they
        # point at are facts already, masked above by their own spans.
        return mask

    def _add_credential(self, cred: Credential, path: str, fallback: Span | None) -> None:
        if cred.source != "literal":
            return
        if cred.value_hash:
            self._hashes.add(cred.value_hash)
        span = cred.literal_span or fallback
        if span is not None:
            self.add_span(cred.literal_path or path, span)
            if cred.value_hash and not cred.placeholder:
                self._literals.append((cred.literal_path or path, span))

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
            value = _string_value(token.group(0))
            if value and secret_hash(value) in self._hashes:
                hits.append(token.span())
                continue
            # a secret inside a longer literal: a query string, a form body, a URL
            for word in _WORD.finditer(token.group(0)):
                if len(word.group(0)) >= _MIN_SCRUB_LENGTH and (
                    secret_hash(word.group(0)) in self._hashes
                ):
                    start = token.start() + word.start()
                    hits.append((start, start + len(word.group(0))))
        return hits

    def line(self, path: str, lineno: int, text: str) -> str:
        """``text`` (line ``lineno`` of ``path``) with every known secret masked."""
        spans = list(self._spans.get(_norm(path), {}).get(lineno, []))
        spans.extend(self._hashed_literals(text))
        return redact_source_line(text, spans)

    def learn_values(self, read_lines: Callable[[str], list[str] | None]) -> None:
        """Read the clear values of the literal secrets back from the source, checked by hash.

        They are kept in memory only, to ``scrub`` rendered reports; nothing stores them.
        """
        for path, span in self._literals:
            try:
                lines = read_lines(path)
            except (OSError, ValueError):
                continue
            if not lines or span.end_line > len(lines) or span.line < 1:
                continue
            chunk = lines[span.line - 1 : span.end_line]
            if len(chunk) == 1:
                whole = chunk[0][span.column : span.end_column]
            else:
                whole = "\n".join(
                    [chunk[0][span.column :], *chunk[1:-1], chunk[-1][: span.end_column]]
                )
            candidates = [whole] + [t.group(0) for ln in chunk for t in _STRING_TOKEN.finditer(ln)]
            for candidate in candidates:
                value = _string_value(candidate)
                if value is None and secret_hash(candidate) in self._hashes:
                    value = candidate  # a span narrowed to the secret inside a literal
                if (
                    value is not None
                    and len(value) >= _MIN_SCRUB_LENGTH
                    and secret_hash(value) in self._hashes
                ):
                    self._values.add(value)

    def scrub(self, report: str) -> str:
        """Replace every learned secret value in a rendered report, in its escaped forms too."""
        for value in sorted(self._values, key=len, reverse=True):
            for form in _escaped_forms(value):
                report = report.replace(form, REDACTED)
        return report

    def text(self, text: str) -> str:
        """Free text (e.g. a replacement in an edit) with literals of known secrets masked."""
        return "\n".join(
            redact_source_line(ln, self._hashed_literals(ln)) for ln in text.split("\n")
        )


def secret_spans(result: ScanResult, path: str) -> dict[int, list[tuple[int, int]]]:
    """Column ranges per line of every literal secret of ``path`` (``-1`` end = to end of line)."""
    return SecretMask.from_result(result).spans_by_line(path)
