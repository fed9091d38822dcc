"""What the commands share: the exit codes, the one-line user error, the configuration built from
the config file and the flags, and writing a report to standard output or a file.

Its own module so that ``check`` (``advisor.cli.main``), ``report`` and ``clean`` can all use
it without importing one another.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


class UserError(click.ClickException):
    """A configuration or input problem: one line on stderr, exit code 2."""

    exit_code = EXIT_ERROR

    def show(self, file: Any = None) -> None:
        click.echo(f"treddy-advisor: error: {self.format_message()}", err=True)


def build_config(paths: list[str], opts: dict[str, Any]) -> Any:
    """The config file's settings with the command-line flags layered on top."""
    from advisor.config import Config, find_config, load_config

    if opts.get("isolated"):
        config = Config()
    else:
        remember = not opts.get("no_cache")
        path = opts.get("config_file") or find_config(paths, remember)
        config = load_config(path, remember)
    if opts.get("select") is not None:
        config.select = opts["select"]
        config.extend_select = []
    if opts.get("extend_select"):
        config.extend_select = [*config.extend_select, *opts["extend_select"]]
    if opts.get("ignore"):
        config.ignore = [*config.ignore, *opts["ignore"]]
    if opts.get("exclude"):
        config.exclude = opts["exclude"]
    if opts.get("extend_exclude"):
        config.extend_exclude = [*config.extend_exclude, *opts["extend_exclude"]]
    if opts.get("policy_file"):
        config.policy = opts["policy_file"]
    for key in ("fail_on", "min_confidence", "all_providers", "jobs"):
        if opts.get(key) is not None:
            setattr(config, key, opts[key])
    if opts.get("no_cache"):
        config.cache = False
    return config


def _emit(text: str, path: Path | None, color: bool = False) -> None:
    if path is None:
        if text:
            # click strips ANSI codes when stdout is not a terminal unless told otherwise.
            click.echo(text, nl=False, color=color or None)
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from exc
