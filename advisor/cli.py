"""Command-line interface (click)."""

from __future__ import annotations

import json
import sys

import click

from advisor import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="treddy-advisor")
def main() -> None:
    """OAuth flow advisor and compliance linter for Treddy integrations."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json")
def check(paths: tuple[str, ...], fmt: str) -> None:
    """Analyse PATHS and report OAuth usages and findings."""
    from advisor.engine import analyze_paths

    result = analyze_paths(paths or (".",))
    doc = {
        "schema_version": 1,
        "tool": {"name": "treddy-advisor", "version": __version__},
        "summary": {"files": result.files_scanned, "usages": len(result.usages)},
        "usages": [u.to_json() for u in result.usages],
        "findings": [f.to_json() for f in result.findings],
        "errors": [e.to_json() for e in result.errors],
    }
    json.dump(doc, sys.stdout, indent=2)
    sys.stdout.write("\n")
