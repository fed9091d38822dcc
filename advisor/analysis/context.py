"""What a detector sees of one module: values, qualified names, positions, and the fact sink."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from advisor.analysis.index import ModuleIndex
from advisor.analysis.values import (
    B64,
    CallV,
    Config,
    Const,
    Env,
    Evaluator,
    Param,
    Text,
    V,
)
from advisor.model import Credential, FileFacts, SecretFact, Span, redact, secret_hash

SECRET_MANAGER_CALLS = (
    "keyring.get_password",
    "get_secret_value",
    "access_secret_version",
    "hvac.",
    "get_parameter",
)

_PLACEHOLDER_RE = re.compile(
    r"""^(
        \s* | [x*.#_\-]{1,} | \.\.\. |
        <[^<>]*> | \{\{.*\}\} | \$\{[^}]*\} | \$[A-Z_]+ | %\([a-z_]+\)s |
        (your|insert|enter|put|replace|fill)[-_ ](?:own[-_ ])?.* | your.* |
        .*(placeholder|changeme|change[-_ ]me|replace[-_ ]?me|redacted|todo|fixme|xxxx).* |
        (client[-_ ]?)?(secret|password|token|id|key)([-_ ]?here)? |
        (none|null|nil|undefined|test|dummy|example|sample|string|str|foo|bar|baz)
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

_TEST_PATH_RE = re.compile(
    r"(^|/)(tests?|testing)/|(^|/)test_[^/]*\.py$|_tests?\.py$|(^|/)conftest\.py$"
)


def is_placeholder(value: str) -> bool:
    """Obvious dummies: nobody leaks a secret by writing "YOUR_CLIENT_SECRET"."""
    return bool(_PLACEHOLDER_RE.match(value.strip()))


def is_test_path(path: str) -> bool:
    return bool(_TEST_PATH_RE.search(path))


@dataclass
class ForeignNode:
    """A node that belongs to another module of the project (cross-module constants)."""

    path: str
    locate: Callable[[cst.CSTNode], Span | None]


class ModuleContext:
    def __init__(
        self,
        path: str,
        module: cst.Module,
        index: ModuleIndex,
        evaluator: Evaluator,
        facts: FileFacts,
        foreign: Callable[[cst.CSTNode], ForeignNode | None] | None = None,
    ) -> None:
        self.path = path
        self.module = module
        self.text: str = ""  # the source text (set by the analyzer; never regenerate it)
        self.index = index
        self.imports = index.imports
        self.ev = evaluator
        self.facts = facts
        self.in_test_file = is_test_path(path)
        self._positions: object | None = None
        self._wrapper: MetadataWrapper | None = None
        self._foreign = foreign
        self._stmt_positions: dict[int, object] = {}
        self._offsets: list[int] | None = None
        self._seen_secrets: set[tuple[str, int, int, str]] = set()

    # -- values -------------------------------------------------------------------------------
    def value(self, expr: cst.CSTNode | None) -> V:
        return self.ev.eval(expr)

    def qualname(self, expr: cst.BaseExpression) -> str | None:
        return self.imports.resolve(expr)

    # -- positions ----------------------------------------------------------------------------
    def _pos(self):  # noqa: ANN202 - libcst mapping type
        if self._positions is None:
            # Positions are resolved only for files that produced a fact.
            self._wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self._positions = self._wrapper.resolve(PositionProvider)
        return self._positions

    def _own_span(self, node: cst.CSTNode) -> Span | None:
        """Span of a node of this module, resolving positions of its top-level statement only.

        PositionProvider over a whole module costs more than the parse; a file usually has a
        handful of facts, so each one's statement is measured in a module of its own and
        shifted by the lines that come before it.
        """
        if self._positions is None:
            stmt, before = self._top_statement(node)
            if stmt is not None:
                offset = self._line_offset(before)
                positions = self._stmt_positions.get(id(stmt))
                if positions is None:
                    mini = self.module.with_changes(body=[stmt], header=[], footer=[])
                    positions = MetadataWrapper(mini, unsafe_skip_copy=True).resolve(
                        PositionProvider
                    )
                    self._stmt_positions[id(stmt)] = positions
                rng = positions.get(node)
                if rng is not None:
                    return Span(
                        rng.start.line + offset,
                        rng.start.column,
                        rng.end.line + offset,
                        rng.end.column,
                    )
        rng = self._pos().get(node)
        if rng is None:
            return None
        return Span(rng.start.line, rng.start.column, rng.end.line, rng.end.column)

    def _top_statement(self, node: cst.CSTNode) -> tuple[cst.CSTNode | None, int]:
        cur: cst.CSTNode | None = node
        parent = self.index.parent
        while cur is not None:
            up = parent.get(id(cur))
            if up is self.module:
                body = self.module.body
                for i, stmt in enumerate(body):
                    if stmt is cur:
                        return cur, i
                return None, 0
            cur = up
        return None, 0

    def _line_offset(self, index: int) -> int:
        """Lines before top-level statement ``index`` (the module header included)."""
        if self._offsets is None:
            self._offsets = _offsets_from_ast(self.module, self.text)
        if self._offsets is None:
            counts = [len(self.module.header)]
            for stmt in self.module.body:
                counts.append(self.module.code_for_node(stmt).count("\n"))
            offsets = [0]
            for c in counts:
                offsets.append(offsets[-1] + c)
            self._offsets = offsets[1:]  # entry i: lines before statement i
        return self._offsets[index]

    def span(self, node: cst.CSTNode) -> Span:
        return self._own_span(node) or Span(1, 0, 1, 0)

    def locate(self, node: cst.CSTNode) -> tuple[str, Span] | None:
        """File and span of a node, which may live in another module of the project."""
        own = self._own_span(node) if self._is_own(node) else None
        if own is not None:
            return self.path, own
        if self._foreign is not None:
            f = self._foreign(node)
            if f is not None:
                sp = f.locate(node)
                if sp is not None:
                    return f.path, sp
        return None

    def _is_own(self, node: cst.CSTNode) -> bool:
        return id(node) in self.index.seq

    def context_name(self, node: cst.CSTNode) -> str | None:
        names: list[str] = []
        cur = self.index.parent.get(id(node))
        while cur is not None:
            if isinstance(cur, (cst.FunctionDef, cst.ClassDef)):
                names.append(cur.name.value)
            cur = self.index.parent.get(id(cur))
        return ".".join(reversed(names)) or None

    # -- credentials --------------------------------------------------------------------------
    def credential(self, v: V | None) -> Credential:
        if v is None:
            return Credential(source="absent")
        source, detail, lit = classify(v)
        cred = Credential(source=source, detail=detail)
        if source == "literal" and lit is not None:
            text = lit.known or ""
            cred.redacted = redact(text)
            cred.value_hash = secret_hash(text)
            cred.placeholder = is_placeholder(text)
            cred.empty = text == ""
            node = _best_node(lit, text)
            if node is not None:
                where = self.locate(node)
                if where:
                    cred.literal_path, cred.literal_span = where[0], _narrow(node, text, where[1])
        return cred

    def record_secret(self, v: V | None, role: str, evidence: str, at: cst.CSTNode) -> Credential:
        """Credential of ``v``; a literal (non-placeholder) value also becomes a SecretFact."""
        cred = self.credential(v)
        if cred.source == "literal" and not cred.placeholder and not cred.empty:
            self._secret_fact(cred, role, evidence, at)
        elif isinstance(v, Env) and isinstance(v.default, Text) and v.default.known:
            fallback = self.credential(v.default)
            if not fallback.placeholder:
                self._secret_fact(
                    fallback,
                    role,
                    f"{evidence} (fallback default of environment variable {v.name or '?'})",
                    at,
                )
        return cred

    def _secret_fact(self, cred: Credential, role: str, evidence: str, at: cst.CSTNode) -> None:
        path = cred.literal_path or self.path
        span = cred.literal_span or self.span(at)
        key = (path, span.line, span.column, role)
        if key in self._seen_secrets:
            return
        self._seen_secrets.add(key)
        self.facts.secrets.append(
            SecretFact(
                path=path,
                span=span,
                role=role,
                credential=cred,
                evidence=evidence,
                context=self.context_name(at),
                in_test_file=self.in_test_file or is_test_path(path),
            )
        )


def _narrow(node: cst.CSTNode, text: str, span: Span) -> Span:
    """The span of ``text`` inside a one-line literal that holds more (a URL, a form body).

    A precise span lets every reporter mask exactly the secret, and lets the redaction layer
    read the value back and confirm it against its hash.
    """
    if not isinstance(node, cst.SimpleString) or span.line != span.end_line or not text:
        return span
    try:
        whole = node.evaluated_value
    except Exception:  # a malformed literal: keep the whole span
        return span
    if (whole.decode("latin-1") if isinstance(whole, bytes) else whole) == text:
        return span  # the literal is the secret: its span, quotes included
    raw = node.value
    at = raw.find(text)
    if at < 0 or raw.count(text) != 1 or "\\" in raw[:at]:
        return span
    return Span(span.line, span.column + at, span.line, span.column + at + len(text))


def _best_node(lit: Text, text: str) -> cst.CSTNode | None:
    """The literal that holds ``text`` (a value can be assembled from several literals)."""
    for n in lit.nodes:
        if isinstance(n, cst.SimpleString):
            try:
                val = n.evaluated_value
            except Exception:
                continue
            if (val.decode("latin-1") if isinstance(val, bytes) else val) == text:
                return n
    for n in lit.nodes:
        if isinstance(n, cst.SimpleString):
            try:
                val = n.evaluated_value
            except Exception:
                continue
            if text and text in (val.decode("latin-1") if isinstance(val, bytes) else val):
                return n
    return lit.nodes[0] if lit.nodes else lit.node


def classify(v: V) -> tuple[str, str | None, Text | None]:
    """(source, detail, literal) of a value: literal/env/config/parameter/unknown/absent."""
    if isinstance(v, Text):
        if v.known is not None:
            return "literal", None, v
        holes = [h for h in v.holes]
        kinds = [classify(h) for h in holes]
        srcs = {k[0] for k in kinds}
        if len(srcs) == 1:
            s = srcs.pop()
            return s, kinds[0][1], kinds[0][2] if s == "literal" else None
        for preferred in ("env", "config", "parameter"):
            if preferred in srcs and "unknown" not in srcs:
                return preferred, None, None
        return "unknown", None, None
    if isinstance(v, B64):
        return classify(v.inner)
    if isinstance(v, Env):
        return "env", v.name, None
    if isinstance(v, Config):
        return "config", v.detail, None
    if isinstance(v, Param):
        return "parameter", f"{v.function}({v.name})", None
    if isinstance(v, Const):
        if v.value is None:
            return "absent", None, None
        return "literal", None, Text((str(v.value),), (v.node,) if v.node else ())
    if isinstance(v, CallV):
        q = v.qualname or v.method or ""
        if any(s in q for s in SECRET_MANAGER_CALLS):
            return "config", f"{q}()", None
    return "unknown", None, None


def _offsets_from_ast(module: cst.Module, text: str) -> list[int] | None:
    """Lines before each top-level statement, from CPython's parser instead of libcst's codegen.

    Regenerating every statement to count its lines costs more than the rest of a file's
    analysis; ``ast`` has the start line of each statement for a few milliseconds. A libcst
    statement's code starts with its leading lines (and its first decorator's), which ast does
    not count. None when the two parsers' statements do not pair up, or for line endings the
    two may count differently (a lone CR, form feeds): the caller then counts by codegen.
    """
    if not text or "\f" in text or "\r" in text.replace("\r\n", ""):
        return None
    import ast

    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    stmts = tree.body
    offsets: list[int] = []
    j = 0
    for stmt in module.body:
        if j >= len(stmts):
            return None
        first = stmts[j]
        line = first.lineno
        skipped = len(stmt.leading_lines)
        decorators = getattr(first, "decorator_list", None)
        if decorators:
            line = min(line, *(d.lineno for d in decorators))
            libcst_decorators = getattr(stmt, "decorators", ())
            if libcst_decorators:
                skipped += len(libcst_decorators[0].leading_lines)
        offsets.append(line - 1 - skipped)
        j += len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
    if j != len(stmts) or any(b <= a for a, b in zip(offsets, offsets[1:], strict=False)):
        return None
    return offsets
