"""``treddy-advisor report``: the architect's report (HTML or Markdown), or a portfolio page.

``report PATH...`` scans the code like ``check`` (same configuration, policy, suppressions and
baseline) and renders the advisor report. ``report results/*.json`` reads ``check --format
json`` documents of many repositories instead and renders one comparison page. The exit code is
0 when the report was written (a report is not a gate; ``check`` is) and 2 on a usage error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from advisor.cli.options import config_options


def _is_result_file(path: str) -> bool:
    return path.lower().endswith(".json")


@click.command("report")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=str))
@click.option(
    "-o",
    "--output-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report here (default: standard output).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("html", "markdown")),
    default=None,
    help="Report format (default: markdown for a .md output file, else html).",
)
@config_options
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Leave out findings recorded in this baseline file.",
)
@click.option("--title", default=None, help="Title of the report.")
@click.option(
    "--link-base",
    default=None,
    metavar="URL",
    help="Base URL for file:line links, e.g. https://github.com/org/repo/blob/main "
    "(default: links relative to the output file).",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the facts cache.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=None, help="Worker processes.")
def report(paths: tuple[str, ...], **opts: Any) -> None:
    """Write the advisor report for PATHS (code), or a portfolio page for JSON results."""
    from advisor.cli.common import UserError
    from advisor.config import ConfigError
    from advisor.policy.policy import PolicyError

    targets = list(paths) or ["."]
    fmt = opts["fmt"] or (
        "markdown"
        if opts["output_file"] and opts["output_file"].suffix.lower() in (".md", ".markdown")
        else "html"
    )
    results = [p for p in targets if _is_result_file(p)]
    try:
        if results and len(results) != len(targets):
            raise click.UsageError(
                "give either code paths or check --format json result files, not both"
            )
        if results:
            text = _portfolio([Path(p) for p in results], fmt, opts)
        else:
            text = _code_report(targets, fmt, opts)
    except (ConfigError, PolicyError, ValueError) as exc:
        raise UserError(str(exc)) from exc
    from advisor.cli.common import _emit

    _emit(text, opts["output_file"])


def _portfolio(paths: list[Path], fmt: str, opts: dict[str, Any]) -> str:
    from advisor.cli.common import UserError
    from advisor.policy.policy import load_policy
    from advisor.report.portfolio import PortfolioError, build_portfolio
    from advisor.report.report import render_portfolio

    policy = load_policy(opts.get("policy_file"))
    try:
        model = build_portfolio(
            paths, policy, **({"title": opts["title"]} if opts["title"] else {})
        )
    except PortfolioError as exc:
        raise UserError(str(exc)) from exc
    return render_portfolio(model, fmt)


def _code_report(paths: list[str], fmt: str, opts: dict[str, Any]) -> str:
    from advisor.analysis.appkind import scan_app_kind
    from advisor.cli.common import UserError, build_config
    from advisor.engine import CheckRequest, discover_files, run_check, scan_options
    from advisor.policy.policy import load_catalogue, load_policy
    from advisor.report.report import (
        Links,
        ReportOptions,
        build_report,
        render_report,
        safe_base_url,
    )

    config = build_config(paths, opts)
    policy = load_policy(config.policy)
    rules = load_catalogue()
    request = CheckRequest(
        paths=paths,
        config=config,
        policy=policy,
        rules=rules,
        use_cache=config.cache,
        jobs=config.jobs,
        baseline=opts.get("baseline_file"),
    )
    try:
        result = run_check(request)
    except Exception as exc:  # BaselineError and friends: one line, exit 2
        from advisor.policy.baseline import BaselineError

        if isinstance(exc, BaselineError):
            raise UserError(str(exc)) from exc
        raise
    if not result.app_evidence:
        # Until the engine collects it for every run, the report collects it itself.
        files = discover_files(paths, scan_options(request))
        result.app_evidence = scan_app_kind(files, paths)
    out = opts.get("output_file")
    links = Links(
        base=safe_base_url(opts["link_base"]) if opts.get("link_base") else None,
        out_dir=out.resolve().parent if out is not None else None,
    )
    options = ReportOptions(
        links=links,
        root=Path.cwd(),
        scanned=paths,
        **({"title": opts["title"]} if opts.get("title") else {}),
    )
    return render_report(build_report(result, policy, rules, options), fmt)
