"""Command-line interface (click).

Exit codes of ``check``: 0 nothing at or above ``--fail-on``, 1 findings at or above it, 2 a usage
or configuration error (bad flag, config key, policy file or baseline). Error messages are one
line on stderr, so that CI logs show the cause instead of an empty report.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from advisor import __version__
from advisor.cli.common import EXIT_CLEAN, EXIT_FINDINGS, UserError, _emit, build_config
from advisor.cli.options import config_options

# Kept in sync with advisor.reporters.FORMATS; listed here so that --help needs no imports.
FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit")
SEVERITIES = ("info", "warning", "error")
CONFIDENCES = ("low", "medium", "high")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="treddy-advisor")
def main() -> None:
    """OAuth flow advisor and compliance linter for Treddy integrations."""
    from advisor.analysis.compiler_warnings import silence

    silence()


def _codes(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> list[str] | None:
    """Comma-separated and repeated rule selectors, validated like the config keys."""
    from advisor.config import ConfigError, check_selector

    if not value:
        return None
    out = []
    for item in value:
        for part in item.split(","):
            if part.strip():
                try:
                    out.append(check_selector(f"--{param.name.replace('_', '-')}", part))
                except ConfigError as exc:
                    raise click.BadParameter(str(exc), ctx=ctx, param=param) from exc
    return out


def _patterns(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> list[str]:
    return [p.strip() for item in value for p in item.split(",") if p.strip()]


@dataclass
class Extra:
    """A further report written in the same run: ``--report FORMAT:FILE``."""

    fmt: str
    path: Path


def _extra_reports(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> list[Extra]:
    out = []
    for item in value:
        fmt, sep, path = item.partition(":")
        if not sep or fmt not in FORMATS or not path:
            raise click.BadParameter(
                f"{item!r}: expected FORMAT:FILE with FORMAT one of {', '.join(FORMATS)}",
                ctx=ctx,
                param=param,
            )
        out.append(Extra(fmt, Path(path)))
    return out


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "-o",
    "--output-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file instead of standard output.",
)
@click.option(
    "--report",
    "extra_reports",
    multiple=True,
    callback=_extra_reports,
    metavar="FORMAT:FILE",
    help="Also write a report in another format (repeatable), e.g. sarif:out.sarif.",
)
@click.option("--show-source", is_flag=True, help="Show the code of each finding (secrets masked).")
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour text output (auto: only on a terminal).",
)
@click.option(
    "--select",
    multiple=True,
    callback=_codes,
    metavar="CODES",
    help="Rules to enable (codes or prefixes, comma-separated); replaces the config.",
)
@click.option(
    "--extend-select",
    multiple=True,
    callback=_codes,
    metavar="CODES",
    help="Rules to enable in addition to the selected ones.",
)
@click.option(
    "--ignore",
    multiple=True,
    callback=_codes,
    metavar="CODES",
    help="Rules to disable, in addition to the config's ignore list.",
)
@click.option(
    "--exclude",
    multiple=True,
    callback=_patterns,
    metavar="PATTERNS",
    help="gitignore-style patterns to skip; replaces the config's exclude.",
)
@click.option(
    "--extend-exclude",
    multiple=True,
    callback=_patterns,
    metavar="PATTERNS",
    help="Patterns to skip in addition to the configured ones.",
)
@config_options
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default=None,
    help="Lowest severity that makes the exit code 1 (default: error).",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option(
    "--min-confidence",
    type=click.Choice(CONFIDENCES),
    default=None,
    help="Report only findings of at least this confidence (default: low).",
)
@click.option(
    "--all-providers/--treddy-only",
    "all_providers",
    default=None,
    help="Check usages of other OAuth providers against the policy too.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=None,
    help="Worker processes for large scans (0: one per CPU; 1: no workers).",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the facts cache.")
@click.option(
    "--daemon",
    is_flag=True,
    help="Hand the run to a resident background process (POSIX, not in CI): the first run "
    "starts it, later runs skip the imports. See docs/ci.md.",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Cache directory (default: .treddy_advisor_cache/ at the project root).",
)
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Report only findings that are not recorded in this baseline file.",
)
@click.option(
    "--write-baseline",
    "write_baseline_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Record the current findings in this baseline file and exit 0.",
)
@click.option(
    "--prune-baseline",
    is_flag=True,
    help="With --baseline: drop the recorded findings that are fixed (of the files checked) "
    "from the baseline file. Never adds any.",
)
@click.option(
    "--report-unused-suppressions",
    "--show-unused-noqa",
    "report_unused",
    is_flag=True,
    help="Report suppression comments that suppress nothing (TRD001).",
)
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule.")
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="Print findings only: no summary when clean, no progress or notices.",
)
@click.option("--fix", is_flag=True, help="Apply safe fixes, then report what remains.")
@click.option(
    "--unsafe-fixes",
    is_flag=True,
    help="Also apply fixes that change runtime configuration (with --fix or --diff).",
)
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Print the fixes as a unified diff and write nothing; exit 1 if there is one.",
)
@click.pass_context
def check(ctx: click.Context, paths: tuple[str, ...], **opts: Any) -> None:
    """Check PATHS (files or directories; default: .) against the OAuth policy."""
    ctx.exit(run(list(paths) or ["."], opts))


def run(paths: list[str], opts: dict[str, Any]) -> int:
    from advisor.model import InputError

    try:
        return _run(paths, opts)
    except InputError as exc:  # a config, policy or baseline problem
        raise UserError(str(exc)) from exc


class RuleCatalogue(Sequence[Any]):
    """The shipped rules plus TRD001, parsed on first use: a clean text run never needs them."""

    def __init__(self) -> None:
        self._rules: list[Any] | None = None

    def _load(self) -> list[Any]:
        if self._rules is None:
            from advisor.policy.policy import load_catalogue
            from advisor.policy.suppressions import UNUSED_RULE_DOC

            self._rules = [*load_catalogue(), UNUSED_RULE_DOC]
        return self._rules

    def __getitem__(self, index: Any) -> Any:
        return self._load()[index]

    def __len__(self) -> int:
        return len(self._load())


def check_selectors(config: Any, rules: Iterable[Any]) -> None:
    """Every configured selector must name at least one rule: a typo is an error, not a no-op."""
    from advisor.config import ConfigError

    groups = [
        ("select", config.select),
        ("extend-select", config.extend_select),
        ("ignore", config.ignore),
    ]
    groups += [(f"per-file-ignores.{pat}", codes) for pat, codes in config.per_file_ignores.items()]
    if all(sel == "ALL" for _, selectors in groups for sel in selectors):
        return
    known = {r.code for r in rules}
    for key, selectors in groups:
        for sel in selectors:
            if sel != "ALL" and not any(code.startswith(sel) for code in known):
                raise ConfigError(
                    f"'{key}': {sel} matches no rule; known rules: {', '.join(sorted(known))}"
                )


def _fix_cache_dir(config: Any, opts: dict[str, Any]) -> Path | None:
    if not config.cache:
        return None
    from advisor.speed.cache import default_cache_dir

    base = opts.get("cache_dir")
    return Path(base) if base else default_cache_dir(Path(config.root or Path.cwd()))


def _run(paths: list[str], opts: dict[str, Any]) -> int:
    from advisor.engine import CheckRequest, check_files

    config = build_config(paths, opts)
    if opts.get("baseline_file") and opts.get("write_baseline_file"):
        raise click.UsageError("--baseline and --write-baseline cannot be used together")
    if opts.get("prune_baseline") and not opts.get("baseline_file"):
        raise click.UsageError("--prune-baseline needs --baseline FILE")
    rules = RuleCatalogue()
    check_selectors(config, rules)
    # A custom policy is validated up front (a broken file is exit 2 whatever the files hold);
    # the shipped one is loaded only when a file has facts to judge (the engine does that),
    # and its content is part of the cache key through the tool's code digest.
    policy = _policy(config.policy) if config.policy else None
    quiet = bool(opts.get("quiet"))
    request = CheckRequest(
        paths=paths,
        config=config,
        policy=policy,
        rules=rules,
        use_cache=config.cache,
        cache_dir=opts.get("cache_dir"),
        jobs=config.jobs,
        baseline=opts.get("baseline_file"),
        report_unused_suppressions=bool(opts.get("report_unused")),
        progress=not quiet,
    )
    checked = check_files(request)
    result = checked.result
    fix_note = ""
    if opts.get("show_diff") or opts.get("fix"):
        from advisor.fix import command as fixing

        policy = policy or _policy(None)
        outcome = fixing.compute_fixes(
            result, policy, config, unsafe=bool(opts.get("unsafe_fixes"))
        )
        if opts.get("show_diff"):
            click.echo(outcome.diff(), nl=False)
            click.echo(fixing.diff_summary(outcome), nl=False, err=True)
            return EXIT_FINDINGS if outcome.fixed else EXIT_CLEAN
        if outcome.write():
            checked = check_files(request)
            result = checked.result
        fix_note = fixing.fix_summary(outcome, len(result.findings))

    if opts.get("prune_baseline"):
        dropped = checked.baseline.prune(checked.files)
        if dropped and not quiet:
            click.echo(
                f"Removed {dropped} fixed finding{'s' if dropped != 1 else ''} from baseline "
                f"{opts['baseline_file']}.",
                err=True,
            )

    if opts.get("write_baseline_file"):
        from advisor.policy import baseline

        target = opts["write_baseline_file"]
        n = baseline.write(target, result.findings)
        if not quiet:
            click.echo(
                f"Recorded {n} finding{'s' if n != 1 else ''} in baseline {target}.", err=True
            )
        return EXIT_CLEAN

    if result.findings:
        # Only then: the fix machinery imports libcst's matchers (about 0.5 s).
        from advisor.fix.command import annotate_findings

        # Edits are listed by the JSON and SARIF reports only; the others need the plan alone.
        shown = {extra.fmt for extra in opts.get("extra_reports") or []}
        if not opts.get("statistics"):
            shown.add(opts["fmt"])
        annotate_findings(
            result,
            policy or _policy(None),
            config,
            _fix_cache_dir(config, opts),
            edits=bool(shown & _FORMATS_WITH_EDITS),
        )
    output_file = opts.get("output_file")
    fmt = opts["fmt"]
    color = _use_color(opts.get("color", "auto"), to_file=output_file is not None)
    if opts.get("statistics"):
        text = statistics(result.findings)
    else:
        text = _render(result, fmt, rules, opts, color)
        if quiet and fmt == "text" and not result.findings and not result.errors:
            text = ""
    if fix_note and not quiet:
        if fmt == "text" and output_file is None:
            text += fix_note
        else:
            click.echo(fix_note, nl=False, err=True)
    _emit(text, output_file, color)
    files = [(output_file, text)] if output_file is not None else []
    for extra in opts.get("extra_reports") or []:
        files.append((extra.path, _render(result, extra.fmt, rules, opts, False)))
        _emit(files[-1][1], extra.path)
    code = exit_code(result.findings, config.fail_on, bool(opts.get("exit_zero")))
    _record(paths, opts, config, checked, "" if output_file else text, files, code)
    return code


# The report formats that list each finding's edits (advisor.fix.planner.annotate).
_FORMATS_WITH_EDITS = {"json", "sarif"}

# Options whose run does more than print a report: never answered from a record.
_NOT_REPLAYED = (
    "fix",
    "show_diff",
    "write_baseline_file",
    "prune_baseline",
    "no_cache",
)


def _record(
    paths: list[str],
    opts: dict[str, Any],
    config: Any,
    checked: Any,
    text: str,
    reports: list[tuple[Path, str]],
    code: int,
) -> None:
    """Keep this report for an unchanged repeat of the command (``advisor.speed.replay``)."""
    from advisor.speed import replay

    recorder = replay.current()
    scanned = checked.scan
    if recorder is None or not config.cache or any(opts.get(k) for k in _NOT_REPLAYED):
        return
    if scanned is None or scanned.walk_inputs is None:
        return  # a file list, or a walk that was not recorded
    from advisor.speed.cache import default_cache_dir

    root = Path(config.root or Path.cwd())
    cache_dir = opts.get("cache_dir")
    if cache_dir is None:
        cwd = Path.cwd()
        if cwd != root and root not in cwd.parents:
            return  # the console script looks for records from the working directory up
        cache_dir = default_cache_dir(root)
    directories, probes = scanned.walk_inputs
    files = [*probes, *(str(f) for f in checked.files), *sorted(scanned.depends_on)]
    files += [str(p) for p in _config_inputs(paths, opts, config)]
    files += [str(p) for p in (config.policy, opts.get("baseline_file")) if p]
    written = [(str(path), content) for path, content in reports]
    recorder.save(str(cache_dir), directories, files, text, written, code)


def _config_inputs(paths: list[str], opts: dict[str, Any], config: Any) -> list[Path]:
    """The files the configuration came from, and those looked at on the way to it."""
    if opts.get("isolated"):
        return []
    if opts.get("config_file"):
        return [Path(opts["config_file"])]
    from advisor.config import config_candidates

    looked = []
    for candidate in config_candidates(paths):
        looked.append(candidate)
        if config.source is not None and candidate == Path(config.source):
            break
    return looked


def _policy(path: Any) -> Any:
    from advisor.policy.policy import load_policy

    return load_policy(path)


def _render(result: Any, fmt: str, rules: list[Any], opts: dict[str, Any], color: bool) -> str:
    from advisor.reporters import render

    return render(result, fmt, rules=rules, show_source=bool(opts.get("show_source")), color=color)


def _use_color(mode: str, to_file: bool) -> bool:
    if mode == "always":
        return True
    if mode == "never" or to_file or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def exit_code(findings: list[Any], fail_on: str, exit_zero: bool) -> int:
    if exit_zero:
        return EXIT_CLEAN
    floor = SEVERITIES.index(fail_on)
    failing = any(
        SEVERITIES.index(f.severity) >= floor for f in findings if f.severity in SEVERITIES
    )
    return EXIT_FINDINGS if failing else EXIT_CLEAN


def statistics(findings: list[Any]) -> str:
    counts = Counter((f.rule, f.name) for f in findings)
    if not counts:
        return ""
    width = max(len(str(n)) for n in counts.values())
    lines = [
        f"{n:>{width}}  {rule}  {name}"
        for (rule, name), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return "\n".join(lines) + "\n"


from advisor.cli.rules import rule_command, rules_command  # noqa: E402

main.add_command(rules_command)
main.add_command(rule_command)

from advisor.cli.report import report as report_command  # noqa: E402

main.add_command(report_command)

from advisor.cli.clean import clean_command  # noqa: E402

main.add_command(clean_command)


def entry() -> None:
    """``main`` with a quick exit (``advisor.exits.quick_exit``).

    Every output file is written and closed, the process pool is shut down, and the only thread
    that can still be running is an abandoned analysis. Tests call ``main`` through click's
    runner and are not affected.
    """
    from advisor.exits import exit_status, quick_exit

    code: int = 0
    try:
        main(standalone_mode=True)
    except SystemExit as done:
        code = exit_status(done)
    quick_exit(code)
