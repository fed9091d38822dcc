"""`treddy-advisor clean`: remove the cache a check of the same paths would use (`ruff clean`).

The per-file facts, the stat index, the walk records and the replay records all live in one
directory. Removing it is always safe: the next check rebuilds what it needs. A directory is
removed only when it is recognisably ours (the ``CACHEDIR.TAG`` this tool writes), so that a
mistyped ``--cache-dir`` cannot delete anything else.
"""

from __future__ import annotations

from pathlib import Path

import click

from advisor.cli.options import config_file_options


def is_our_cache(directory: Path) -> bool:
    from advisor.speed.cache import CACHEDIR_TAG, CACHEDIR_TAG_TEXT

    try:
        text = (directory / CACHEDIR_TAG).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return text == CACHEDIR_TAG_TEXT


@click.command("clean")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=str))
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The cache directory to remove (default: the one `check PATHS` uses).",
)
@config_file_options
def clean_command(
    paths: tuple[str, ...], cache_dir: Path | None, config_file: Path | None, isolated: bool
) -> None:
    """Remove the cache of PATHS' project (default: .), as `check PATHS` would find it."""
    from advisor.cli.common import UserError, build_config
    from advisor.config import CACHE_DIR_NAME
    from advisor.model import InputError

    if cache_dir is None:
        opts = {"config_file": config_file, "isolated": isolated, "no_cache": True}
        try:
            config = build_config(list(paths) or ["."], opts)
        except InputError as exc:
            raise UserError(str(exc)) from exc
        cache_dir = Path(config.root or Path.cwd()) / CACHE_DIR_NAME
    if not cache_dir.exists():
        click.echo(f"Nothing to clean: {cache_dir} does not exist.")
        return
    if not cache_dir.is_dir() or not is_our_cache(cache_dir):
        raise UserError(f"{cache_dir} is not a treddy-advisor cache (no CACHEDIR.TAG); not removed")
    files = sum(1 for p in cache_dir.rglob("*") if p.is_file())
    import shutil  # not on the way of a check

    try:
        shutil.rmtree(cache_dir)
    except OSError as exc:
        raise UserError(f"cannot remove {cache_dir}: {exc.strerror or exc}") from exc
    click.echo(f"Removed {cache_dir} ({files} file{'s' if files != 1 else ''}).")
