"""GitHub Actions workflow commands: one annotation per finding, shown on the pull request diff."""

from __future__ import annotations

from advisor.model import Finding, ScanResult
from advisor.reporters.common import TOOL_NAME, sorted_findings

_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(value: str) -> str:
    """Escape the message part of a workflow command (after ``::``)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a property value (``file=``, ``title=``): also ``:`` and ``,`` are delimiters."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _command(kind: str, message: str, **props: object) -> str:
    rendered = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items())
    return f"::{kind} {rendered}::{escape_data(message)}"


def _annotation(f: Finding) -> str:
    message = f.message if not f.fix_hint else f"{f.message}\nFix: {f.fix_hint}"
    line = max(1, f.span.line)
    end_line = max(line, f.span.end_line)
    position: dict[str, int] = {"line": line}
    if end_line == line:
        position |= {"col": f.span.column + 1, "endColumn": f.span.end_column + 1}
    else:
        # GitHub only accepts columns on single-line annotations; a range keeps its lines.
        position["endLine"] = end_line
    return _command(
        _COMMANDS.get(f.severity, "warning"),
        message,
        file=f.path,
        **position,
        title=f"{TOOL_NAME} ({f.rule})",
    )


def render_github(result: ScanResult) -> str:
    lines = [_annotation(f) for f in sorted_findings(result)]
    lines.extend(
        _command(
            "warning",
            e.reason,
            file=e.path,
            **({"line": e.line} if e.line is not None else {}),
            **({"col": e.column + 1} if e.line is not None and e.column is not None else {}),
            title=f"{TOOL_NAME} (file not analysed)",
        )
        for e in sorted(result.errors, key=lambda e: e.path)
    )
    return "".join(line + "\n" for line in lines)
