"""Reporters: render a ScanResult for machines and people. They know neither libraries nor Treddy.

``render(result, fmt, rules=...)`` is the single entry point; ``FORMATS`` lists what ``fmt`` takes.
Every format goes through the same secret masking (``advisor.redaction``) before showing code.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from advisor.model import RuleDoc, ScanResult

if TYPE_CHECKING:
    from advisor.reporters.common import SourceView

FORMATS: tuple[str, ...] = ("text", "json", "sarif", "github", "gitlab", "junit")


def render(
    result: ScanResult,
    fmt: str,
    *,
    rules: list[RuleDoc],
    show_source: bool = False,
    color: bool = False,
    root: Path | None = None,
    source_lines: Callable[[str], list[str] | None] | None = None,
) -> str:
    """Render ``result`` in format ``fmt``; the returned text ends with a newline.

    ``rules`` is the rule catalogue (SARIF lists all of it). ``root`` is the directory that the
    findings' relative paths are relative to (default: the current directory); it becomes SARIF's
    ``%SRCROOT%`` and is where source lines are read from unless ``source_lines(path)`` is given.
    Source code is shown only with ``show_source`` (text, SARIF snippets, JUnit), always masked.
    """
    from advisor.reporters.common import SourceView

    view = SourceView(result, source_lines, root)
    # Whatever a format shows, a literal secret read back from the source is scrubbed from it.
    return view.scrub(_render(result, fmt, rules, show_source, color, root, view))


def _render(
    result: ScanResult,
    fmt: str,
    rules: list[RuleDoc],
    show_source: bool,
    color: bool,
    root: Path | None,
    view: SourceView,
) -> str:
    if fmt == "text":
        from advisor.reporters.text import render_text

        return render_text(result, show_source=show_source, color=color, view=view)
    if fmt == "json":
        from advisor.reporters.json_doc import render_json

        return render_json(result)
    if fmt == "sarif":
        from advisor.reporters.sarif import render_sarif

        return render_sarif(result, rules=rules, show_source=show_source, root=root, view=view)
    if fmt == "github":
        from advisor.reporters.github import render_github

        return render_github(result)
    if fmt == "gitlab":
        from advisor.reporters.gitlab import render_gitlab

        return render_gitlab(result)
    if fmt == "junit":
        from advisor.reporters.junit import render_junit

        return render_junit(result, show_source=show_source, view=view)
    raise ValueError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")
