"""Inline suppressions: ``# noqa``, ``# noqa: TRD301`` and ``# treddy: ignore[TRD301] reason``.

Comments are read with ``tokenize``, so text that merely looks like a comment inside a string
literal suppresses nothing. A suppression applies to a finding when it sits on any line of the
reported construct (a multi-line call can carry it after its closing parenthesis), on a line of a
related location in the same file (the literal a call uses), or in the comment block directly
above the construct's first line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from advisor.model import Finding, RuleDoc, Span

ALL = "*"
UNUSED_RULE = "TRD001"

_NOQA_RE = re.compile(r"#\s*noqa\b(?::\s*(?P<codes>[A-Za-z0-9_,\s]*))?", re.IGNORECASE)
_TREDDY_RE = re.compile(
    r"#\s*treddy\s*:\s*ignore(?:\[(?P<codes>[^\]]*)\])?(?P<reason>.*)", re.IGNORECASE
)
_CODE_RE = re.compile(r"[A-Z]+[0-9]+")


@dataclass
class Suppression:
    line: int
    codes: list[str]  # ["*"] for a blanket suppression
    own_line: bool  # the comment is alone on its line (so it may cover the next construct)
    reason: str = ""
    kind: str = "treddy"  # "noqa" comments are shared with other linters
    # For an own-line comment: the first line of code after it (and after any comment block).
    target: int | None = None
    used: set[str] = field(default_factory=set)

    def covers(self, rule: str) -> bool:
        return ALL in self.codes or rule in self.codes

    def to_json(self) -> dict[str, object]:
        return {
            "line": self.line,
            "codes": self.codes,
            "own_line": self.own_line,
            "reason": self.reason,
            "kind": self.kind,
            "target": self.target,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Suppression:
        return cls(
            int(data["line"]),
            list(data["codes"]),  # type: ignore[arg-type,call-overload]
            bool(data["own_line"]),
            str(data.get("reason", "")),
            str(data.get("kind", "treddy")),
            _optional_int(data.get("target")),
        )


def _optional_int(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


# A bare `# noqa`, a `# noqa:` list naming one of our codes, or a `# treddy:` comment. A
# `# noqa: E501` for another linter cannot suppress anything of ours.
_MAYBE_OURS = re.compile(
    r"#[^\n]*?(?:\bnoqa\b(?![ \t]*:)|\bnoqa[ \t]*:[^\n]*TRD|treddy[ \t]*:)", re.I
)


def might_have_suppressions(text: str) -> bool:
    """Cheap test before tokenizing: most files carry no suppression of ours at all."""
    # Substring tests first: the expression starts a match at every "#" of a file.
    folded = text.lower()
    if "noqa" not in folded and "treddy" not in folded:
        return False
    return _MAYBE_OURS.search(text) is not None


def parse_comment(comment: str) -> tuple[list[str], str, str] | None:
    """(codes, reason, kind) of one comment token, or None when it is not a suppression."""
    m = _TREDDY_RE.search(comment)
    if m:
        raw = m.group("codes")
        codes = _CODE_RE.findall(raw.upper()) if raw is not None else []
        return (codes or [ALL]), m.group("reason").strip(), "treddy"
    m = _NOQA_RE.search(comment)
    if m:
        raw = m.group("codes")
        codes = _CODE_RE.findall(raw.upper()) if raw else []
        return (codes or [ALL]), "", "noqa"
    return None


def scan(text: str) -> list[Suppression]:
    """All suppression comments of a file, in line order. Never raises."""
    if not might_have_suppressions(text):
        return []
    import io
    import tokenize  # lazily: most files carry no suppression of ours

    found: list[Suppression] = []
    pending: list[Suppression] = []  # own-line comments waiting for the code they precede
    last_code_line = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                parsed = parse_comment(tok.string)
                if parsed is not None:
                    codes, reason, kind = parsed
                    own_line = last_code_line != tok.start[0]
                    sup = Suppression(tok.start[0], codes, own_line, reason, kind)
                    found.append(sup)
                    if own_line:
                        pending.append(sup)
            elif tok.type not in (
                tokenize.NL,
                tokenize.NEWLINE,
                tokenize.INDENT,
                tokenize.DEDENT,
                tokenize.ENDMARKER,
            ):
                last_code_line = tok.end[0]
                for sup in pending:
                    sup.target = tok.start[0]
                pending.clear()
    except (tokenize.TokenError, SyntaxError, IndentationError):
        # A file that does not tokenize to the end keeps the comments seen so far.
        pass
    return found


def as_line_map(suppressions: Iterable[Suppression]) -> dict[int, list[str]]:
    """The ``FileFacts.suppressions`` form: line -> codes."""
    return {s.line: list(s.codes) for s in suppressions}


class FileSuppressions:
    """The suppressions of one file, indexed for lookup by line."""

    def __init__(self, suppressions: list[Suppression]) -> None:
        self.items = suppressions
        self._by_line: dict[int, list[Suppression]] = {}
        for s in suppressions:
            self._by_line.setdefault(s.line, []).append(s)

        self._by_target: dict[int, list[Suppression]] = {}
        for s in suppressions:
            if s.own_line and s.target is not None:
                self._by_target.setdefault(s.target, []).append(s)

    def match(self, rule: str, spans: Iterable[Span]) -> Suppression | None:
        for span in spans:
            for line in range(span.line, max(span.end_line, span.line) + 1):
                for s in self._by_line.get(line, ()):
                    if s.covers(rule):
                        return s
            for s in self._by_target.get(span.line, ()):
                if s.covers(rule):
                    return s
        return None


def apply(
    findings: list[Finding], per_file: dict[str, FileSuppressions]
) -> tuple[list[Finding], int]:
    """Drop suppressed findings; returns (kept, number suppressed) and marks suppressions used."""
    kept: list[Finding] = []
    suppressed = 0
    for finding in findings:
        sups = per_file.get(finding.path)
        hit = None
        if sups is not None:
            spans = [finding.span, *(r.span for r in finding.related if r.path == finding.path)]
            hit = sups.match(finding.rule, spans)
        if hit is None:
            kept.append(finding)
        else:
            hit.used.add(finding.rule)
            suppressed += 1
    return kept, suppressed


UNUSED_RULE_DOC = RuleDoc(
    code=UNUSED_RULE,
    name="unused-suppression",
    category="suppression",
    severity="warning",
    message="Unused suppression: {detail}",
    summary="A `# noqa` or `# treddy: ignore[...]` comment that suppresses nothing.",
    why=(
        "A suppression that no longer matches a finding hides nothing today but will silently "
        "hide a future problem on that line. Remove it, or narrow it to the codes still needed."
    ),
    example="token = fetch()  # treddy: ignore[TRD301] no literal here any more\n",
    fix="Delete the comment, or the codes in it that no longer apply.",
)


def unused_findings(
    per_file: dict[str, FileSuppressions], known_codes: set[str], enabled: Callable[[str], bool]
) -> list[Finding]:
    """Findings for suppressions (or codes within them) that matched nothing.

    Codes of rules that are switched off are not reported: the comment may be needed when the
    rule is switched back on. Unknown codes are reported as such.
    """
    out: list[Finding] = []
    for path, sups in sorted(per_file.items()):
        for s in sups.items:
            if ALL in s.codes:
                # A bare noqa may serve flake8 or Ruff; only our own blanket form is reported.
                if not s.used and s.kind == "treddy":
                    out.append(_unused(path, s, "blanket suppression matches no finding"))
                continue
            unknown = [c for c in s.codes if c.startswith("TRD") and c not in known_codes]
            stale = [c for c in s.codes if c in known_codes and c not in s.used and enabled(c)]
            if unknown:
                out.append(_unused(path, s, f"unknown rule code {', '.join(unknown)}"))
            if stale:
                out.append(_unused(path, s, f"{', '.join(stale)} matches no finding here"))
    return out


def _unused(path: str, s: Suppression, detail: str) -> Finding:
    return Finding(
        rule=UNUSED_RULE,
        name=UNUSED_RULE_DOC.name,
        category=UNUSED_RULE_DOC.category,
        severity=UNUSED_RULE_DOC.severity,
        confidence="high",
        path=path,
        span=Span(s.line, 0, s.line, 0),
        message=UNUSED_RULE_DOC.message.format(detail=detail),
        fix_hint=UNUSED_RULE_DOC.fix,
        fingerprint=f"{UNUSED_RULE}:{path}:{','.join(s.codes)}:{detail}",
    )
