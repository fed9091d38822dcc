"""Options shared by the commands that run the pipeline (``check`` and ``report``) or find the
project's configuration (``clean``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])


def config_file_options(f: F) -> F:
    """``--config`` and ``--isolated``: how the configuration is found."""
    f = click.option("--isolated", is_flag=True, help="Ignore all configuration files.")(f)
    f = click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Configuration file (default: nearest pyproject.toml with [tool.treddy-advisor]).",
    )(f)
    return f


def config_options(f: F) -> F:
    """``--policy``, ``--config`` and ``--isolated``, in that order in the help."""
    f = config_file_options(f)
    f = click.option(
        "--policy",
        "policy_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Policy TOML file (default: the policy in the config, else Treddy's).",
    )(f)
    return f
