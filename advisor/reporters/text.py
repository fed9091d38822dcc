"""Human output: one ``path:line:col: CODE message`` line per finding, then a summary."""

from __future__ import annotations

from collections.abc import Callable

import click

from advisor.model import Finding, ScanResult
from advisor.reporters.common import SEVERITIES, SourceView, sorted_findings

_SEVERITY_COLOURS = {"error": "red", "warning": "yellow", "info": "cyan"}


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _code_frame(f: Finding, view: SourceView, style: Callable[..., str]) -> list[str]:
    lines = view.lines(f.path, f.span)
    if not lines:
        return []
    width = len(str(lines[-1].number))
    out = []
    for i, line in enumerate(lines):
        gutter = style(f"{line.number:>{width}} |", fg="blue")
        out.append(f"{gutter} {line.text}")
        if i == 0:
            start = f.span.column
            end = f.span.end_column if f.span.end_line == f.span.line else len(line.text)
            caret = "^" * max(1, end - start)
            # Tabs stay tabs so that the caret lands under the same column as the code.
            pad = "".join(c if c == "\t" else " " for c in line.text[:start])
            bar = style("|", fg="blue")
            out.append(f"{' ' * width} {bar} {pad}{style(caret, fg='red')}")
    if f.span.end_line > lines[-1].number:
        out.append(f"{' ' * width} {style('|', fg='blue')} ...")
    return out


def render_text(
    result: ScanResult,
    *,
    show_source: bool,
    color: bool,
    view: SourceView,
) -> str:
    def style(text: str, **kw: object) -> str:
        return click.style(text, **kw) if color else text  # type: ignore[arg-type]

    out: list[str] = []
    for f in sorted_findings(result):
        where = style(f"{f.path}:{f.span.line}:{f.span.column + 1}:", bold=True)
        code = style(f.rule, fg=_SEVERITY_COLOURS.get(f.severity), bold=True)
        fix = style(" [*]", fg="cyan") if f.fixable else ""
        out.append(f"{where} {code}{fix} {f.message}")
        if show_source:
            out.extend(_code_frame(f, view, style))
            if f.fix_hint:
                out.append(f"  {style('help:', bold=True)} {f.fix_hint}")
            out.append("")

    for e in sorted(result.errors, key=lambda e: e.path):
        # path:line:col: like a finding, so that editors and terminals can jump to it
        where = e.path if e.line is None else f"{e.path}:{e.line}:{(e.column or 0) + 1}"
        out.append(
            f"{style(where + ':', bold=True)} {style('error:', fg='red', bold=True)} {e.reason}"
        )

    if out and out[-1] != "":
        out.append("")
    out.extend(_summary_lines(result, style))
    return "\n".join(out) + "\n"


def _summary_lines(result: ScanResult, style: Callable[..., str]) -> list[str]:
    scanned = (
        f"{_plural(result.files_scanned, 'file')} scanned, "
        f"{_plural(len(result.usages), 'OAuth usage')} found"
    )
    extras = []
    if result.suppressed:
        extras.append(f"{result.suppressed} suppressed")
    if result.baselined:
        extras.append(f"{result.baselined} in baseline")
    tail = f" ({', '.join(extras)})" if extras else ""
    lines = []
    n = len(result.findings)
    if n == 0:
        lines.append(style("All checks passed!", fg="green", bold=True) + f" {scanned}{tail}.")
    else:
        counts = [
            _plural(
                sum(1 for f in result.findings if f.severity == s), s, s if s == "info" else None
            )
            for s in SEVERITIES
            if any(f.severity == s for f in result.findings)
        ]
        other = sum(1 for f in result.findings if f.severity not in SEVERITIES)
        if other:
            counts.append(f"{other} other")
        lines.append(f"Found {_plural(n, 'finding')} ({', '.join(counts)}); {scanned}{tail}.")
        fixable = sum(1 for f in result.findings if f.fixable and f.fix_safety != "unsafe")
        unsafe = sum(1 for f in result.findings if f.fixable and f.fix_safety == "unsafe")
        if fixable or unsafe:
            more = f" ({unsafe} more with --fix --unsafe-fixes)" if unsafe else ""
            lines.append(f"{style('[*]', fg='cyan')} {fixable} fixable with --fix{more}.")
    if result.errors:
        lines.append(
            style(
                f"{_plural(len(result.errors), 'file')} could not be analysed (see errors above).",
                fg="red",
            )
        )
    return lines
