"""The pipeline: discover files, analyse each, apply the policy, suppressions and baseline.

``analyze_paths`` produces facts (the inventory); ``run_check`` adds everything a lint run needs
on top: the policy's findings, rule selection, confidence threshold, inline suppressions and the
baseline. The analyzer (and so libcst) is imported only when some file is not in the cache, which
keeps a warm pre-commit run on a handful of files fast.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.config import CONFIDENCES, Config, RuleFilter
from advisor.model import FileError, FileFacts, Finding, RuleDoc, ScanResult
from advisor.policy.suppressions import FileSuppressions, Suppression
from advisor.speed.cache import FactsCache

if TYPE_CHECKING:
    from advisor.policy.baseline import Baseline
    from advisor.speed.walk_cache import WalkCache

# Below these, starting worker processes costs more than it saves. The workers are forked with
# libcst imported; a parse and analysis runs at roughly 100 kB of source a second on a small
# core, so 256 KiB is a few seconds of serial work (the 14 files of the standard library that
# need one hold 850 kB: 16 s in one process).
PARALLEL_MIN_FILES = 32
PARALLEL_MIN_BYTES = 256 * 1024
# Misses up to this much text are kept from the first read for a serial analysis.
PRELOAD_MAX_BYTES = 8 * 1024 * 1024
# Show a progress bar (on a terminal) from this many files on.
PROGRESS_MIN_FILES = 200


@dataclass
class ScanOptions:
    excludes: list[str] = field(default_factory=list)
    respect_gitignore: bool = True
    jobs: int | None = None  # None or 0: CPU count; 1: in this process
    use_cache: bool = True
    # Where ``excludes`` are anchored and the cache lives (the config file's directory).
    root: Path | None = None
    cache_dir: Path | None = None
    # The part of the cache key that is not the tool version (policy and config digests).
    cache_key: str | None = None
    progress: bool = False


@dataclass
class Scan:
    """Facts of a scan plus the per-file suppression comments found on the way."""

    result: ScanResult
    suppressions: dict[str, list[Suppression]]
    files: list[Path] = field(default_factory=list)  # what was checked
    # Other files results were computed from (cross-module values), and the walk's directories
    # and probed files when the walk was recorded: what a replay (advisor.speed.replay) depends on.
    depends_on: set[str] = field(default_factory=set)
    walk_inputs: tuple[dict[str, int], list[str]] | None = None


def analyze_paths(paths: Iterable[str | Path], options: ScanOptions | None = None) -> ScanResult:
    """Discover and analyse files; returns facts only (no findings yet)."""
    return scan(paths, options).result


def discover_files(paths: Iterable[str | Path], options: ScanOptions) -> list[Path]:
    """Files to analyse. An unchanged walk is reused (``advisor.speed.walk_cache``).

    The excludes hold for files named on the command line too (pre-commit passes file names,
    and Bandit's most reported pre-commit bug is ignoring them there): ``discover`` checks a
    named path and each of its parent directories against the patterns.
    """
    paths = list(paths)
    return _discover(paths, options, _walk_cache(paths, options, _cache_for(options)))


def _discover(paths: list[str | Path], options: ScanOptions, walks: WalkCache | None) -> list[Path]:
    from advisor.files.discovery import WalkRecord, discover

    files = walks.load() if walks is not None else None
    if files is None:
        record = WalkRecord() if walks is not None else None
        files = list(
            discover(
                paths,
                excludes=options.excludes,
                respect_gitignore=options.respect_gitignore,
                root=options.root,
                record=record,
            )
        )
        if walks is not None and record is not None:
            walks.save(files, record)
    return files


def scan(paths: Iterable[str | Path], options: ScanOptions | None = None) -> Scan:
    options = options or ScanOptions()
    paths = list(paths)  # walked twice: discovery and the application-kind scan
    cache = _cache_for(options)
    walks = _walk_cache(paths, options, cache)
    files = _discover(paths, options, walks)
    result = ScanResult(files_scanned=len(files))
    sups: dict[str, list[Suppression]] = {}
    deps: set[str] = set()

    from advisor.files.source import read_source

    misses: list[Path] = []
    miss_bytes = 0
    digests: dict[str, str | None] = {}

    def unchanged(dependencies: dict[str, str]) -> bool:
        """Whether the other files a cached result was computed from are as they were."""
        for dep_path, dep_digest in dependencies.items():
            if dep_path not in digests:
                dep = read_source(Path(dep_path))
                digests[dep_path] = None if isinstance(dep, FileError) else dep.digest
            if digests[dep_path] != dep_digest:
                return False
        return True

    from advisor.files.source import display_path
    from advisor.speed.cache import StatIndex

    index = StatIndex(cache) if cache is not None else None
    pending: dict[str, tuple[os.stat_result, str]] = {}  # misses: stat and digest, to record
    preloaded: dict[Path, Any] = {}

    sizes: list[tuple[str, int]] = []  # the misses' names and sizes, for the progress line

    with _progress(options, len(files)) as bar:
        advance = bar.advance
        for path in files:
            st: os.stat_result | None = None
            if index is not None:
                shown = display_path(path)
                try:
                    st = os.stat(path)
                except OSError:
                    st = None
                known = index.lookup(shown, st) if st is not None else None
                if known is not None:
                    # unchanged since the last scan: no read at all
                    digest, light = known
                    digests[shown] = digest
                    hit = light or cache.get(shown, digest)  # type: ignore[union-attr]
                    if hit is not None and (light or unchanged(hit[0].depends_on)):
                        index.keep(shown)
                        _merge(result, sups, deps, hit[0], hit[1])
                        advance(1)
                        continue
            src = read_source(path)
            if isinstance(src, FileError):
                result.errors.append(src)
                advance(1)
                continue
            digests[src.display_path] = src.digest
            reason = _skip_reason(src)
            if reason is not None:
                # No parse needed: cheaper to analyse here, from the text already read, than to
                # ship the file to a worker; its facts go into the stat index, not an entry.
                facts, file_sups = _skipped_src(src, reason)
                _merge(result, sups, deps, facts, file_sups)
                if index is not None and st is not None:
                    index.record(src.display_path, st, src.digest, (facts, file_sups))
                advance(1)
                continue
            hit = cache.get(src.display_path, src.digest) if cache else None
            if hit is not None and not unchanged(hit[0].depends_on):
                hit = None
            if hit is not None:
                _merge(result, sups, deps, hit[0], hit[1])
                if index is not None and st is not None:
                    index.record(src.display_path, st, src.digest)
                advance(1)
            else:
                misses.append(path)
                miss_bytes += len(src.text)
                sizes.append((src.display_path, len(src.text)))
                if miss_bytes <= PRELOAD_MAX_BYTES:
                    preloaded[path] = src  # a serial run analyses it without reading it again
                if st is not None:
                    pending[src.display_path] = (st, src.digest)
            del src  # keep memory flat: other misses are read again by whoever analyses them
        # On a pool, the largest files go first (one at a time), so that no worker is left
        # with a long file at the end while the others wait; results are merged in the
        # order of the walk whatever the order of the work.
        order = list(range(len(misses)))
        if _parallel(misses, miss_bytes, options):
            order.sort(key=lambda i: -sizes[i][1])
        if misses:
            bar.analysing([sizes[i] for i in order])
        outcomes: list[Any] = [None] * len(misses)
        work = [misses[i] for i in order]
        for k, outcome in enumerate(_analyse(files, work, miss_bytes, options, cache, preloaded)):
            outcomes[order[k]] = outcome
            bar.analysed()
        for outcome, file_sups in outcomes:
            if isinstance(outcome, FileError):
                result.errors.append(outcome)
            else:
                _merge(result, sups, deps, outcome, file_sups)
                seen = pending.get(outcome.path)
                if index is not None and seen is not None:
                    index.record(outcome.path, seen[0], seen[1])
    if index is not None:
        index.save()
    # Application kind (advisor/analysis/appkind.py): the Python files' evidence came with their facts
    # (cached with them); project files next to the roots (pyproject, setup.py, .spec) are read
    # here.
    from advisor.analysis.appkind import dedupe, project_evidence

    around = walks.evidence() if walks is not None else None
    if around is None:
        from advisor.files.discovery import WalkRecord

        record = WalkRecord()
        around = project_evidence(files, paths, record)
        if walks is not None:
            walks.save_evidence(around, record)
    result.app_evidence = dedupe([*result.app_evidence, *around])
    return Scan(result, sups, files, deps, walks.inputs() if walks is not None else None)


def _walk_cache(
    paths: list[str | Path], options: ScanOptions, cache: FactsCache | None
) -> WalkCache | None:
    from advisor.speed.walk_cache import WalkCache

    return WalkCache.for_scan(
        cache, paths, options.excludes, options.respect_gitignore, options.root
    )


def _cache_for(options: ScanOptions) -> FactsCache | None:
    if not options.use_cache:
        return None
    from advisor.speed.cache import cache_key, default_cache_dir

    base = options.cache_dir or default_cache_dir(options.root or Path.cwd())
    return FactsCache(base, cache_key(options.cache_key or ""))


def _merge(
    result: ScanResult,
    sups: dict[str, list[Suppression]],
    deps: set[str],
    facts: FileFacts,
    file_sups: list[Suppression],
) -> None:
    merge(result, facts)
    if file_sups:
        sups[facts.path] = file_sups
    if facts.depends_on:
        deps.update(facts.depends_on)


def merge(result: ScanResult, facts: FileFacts) -> None:
    if facts.skipped is None:
        result.files_parsed += 1
    result.usages.extend(facts.usages)
    result.secrets.extend(facts.secrets)
    result.transport.extend(facts.transport)
    result.app_evidence.extend(facts.app_evidence)


# --- analysis of the files the cache could not answer ---------------------------------------

Outcome = tuple["FileFacts | FileError", list[Suppression]]

_worker_project: Any = None
_worker_cache: FactsCache | None = None


def _init_worker(files: list[Path], cache: FactsCache | None) -> None:
    global _worker_project, _worker_cache
    from advisor.analysis.analyzer import Project
    from advisor.analysis.compiler_warnings import silence

    silence()  # a spawned worker does not inherit the parent's warning filters
    _worker_project = Project.from_files(files)
    _worker_cache = cache


def _skip_reason(src: Any) -> str | None:
    from advisor.analysis.analyzer import skip_reason

    return skip_reason(src.text.encode("utf-8", "surrogatepass"))


def _skipped_src(src: Any, reason: str) -> Outcome:
    from advisor.analysis.analyzer import skipped_facts

    facts = skipped_facts(src, reason)
    return facts, _attach_suppressions(src, facts)


def _attach_suppressions(src: Any, facts: FileFacts) -> list[Suppression]:
    """The file's suppression comments, also kept on its facts (line -> codes)."""
    from advisor.policy.suppressions import as_line_map
    from advisor.policy.suppressions import scan as scan_suppressions

    file_sups = scan_suppressions(src.text)
    if file_sups and not facts.suppressions:
        facts.suppressions = as_line_map(file_sups)
    return file_sups


def _analyse_one(path: Path) -> Outcome:
    from advisor.files.source import read_source

    src = read_source(path)
    if isinstance(src, FileError):
        return src, []
    return _analyse_src(src, _worker_project, _worker_cache)


def _analyse_src(src: Any, project: Any, cache: FactsCache | None) -> Outcome:
    from advisor.analysis.analyzer import analyze_file

    timings = os.environ.get(TIMINGS_ENV)
    started = time.perf_counter() if timings else 0.0
    facts = analyze_file(src, project)
    if timings:
        _record_timing(timings, src, time.perf_counter() - started)
    if isinstance(facts, FileError):
        return facts, []
    file_sups = _attach_suppressions(src, facts)
    if cache is not None:
        cache.put(src.display_path, src.digest, facts, file_sups)
    return facts, file_sups


# bench/run.py's per-file figures: each analysed file's wall time, appended by whichever
# process analysed it ("seconds<TAB>lines<TAB>path" per line). Not a user option.
TIMINGS_ENV = "TREDDY_ADVISOR_TIMINGS"


def _record_timing(target: str, src: Any, seconds: float) -> None:
    line = f"{seconds:.4f}\t{src.text.count(chr(10))}\t{src.display_path}\n"
    try:
        with open(target, "a", encoding="utf-8") as fh:  # one short append per file
            fh.write(line)
    except OSError:
        pass


def _job_count(options: ScanOptions) -> int:
    if options.jobs:
        return max(1, options.jobs)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def _parallel(misses: list[Path], miss_bytes: int, options: ScanOptions) -> bool:
    """Whether the misses are worth a process pool."""
    jobs = min(_job_count(options), len(misses))
    return jobs > 1 and (len(misses) >= PARALLEL_MIN_FILES or miss_bytes >= PARALLEL_MIN_BYTES)


def _analyse(
    files: list[Path],
    misses: list[Path],
    miss_bytes: int,
    options: ScanOptions,
    cache: FactsCache | None,
    preloaded: dict[Path, Any] | None = None,
) -> Iterator[Outcome]:
    if not misses:
        return
    jobs = min(_job_count(options), len(misses))
    if not _parallel(misses, miss_bytes, options):
        _init_worker(files, cache)
        for path in misses:
            src = (preloaded or {}).pop(path, None)
            yield _analyse_one(path) if src is None else _analyse_src(src, _worker_project, cache)
        return
    from concurrent.futures import ProcessPoolExecutor

    # Imported before the pool forks so that workers inherit libcst instead of importing it.
    import advisor.analysis.analyzer  # noqa: F401

    # One file at a time while there are few enough for the round trips not to matter: the
    # work is ordered largest first, and a chunk would hand one worker several large files.
    chunk = 1 if len(misses) <= 4000 else max(1, min(16, len(misses) // (jobs * 4)))
    with ProcessPoolExecutor(
        max_workers=jobs, initializer=_init_worker, initargs=(files, cache)
    ) as pool:
        # map() streams results in order; each worker keeps its own parse trees to itself.
        yield from pool.map(_analyse_one, misses, chunksize=chunk)


class _NoProgress:
    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def advance(self, n: int = 1) -> None:
        return None

    def analysing(self, files: list[tuple[str, int]]) -> None:
        return None

    def analysed(self) -> None:
        return None


def _progress(options: ScanOptions, total: int) -> Any:
    """The progress line (advisor.progress) on a terminal, from PROGRESS_MIN_FILES files on."""
    if options.progress and total >= PROGRESS_MIN_FILES and sys.stderr.isatty():
        from advisor.progress import Progress

        # A run that may be replayed watches standard error for what a replay would have to
        # repeat (advisor.speed.replay); a bar is not such a thing, a replay has nothing to wait for.
        return Progress(total, getattr(sys.stderr, "unwatched", sys.stderr))
    return _NoProgress()


# --- from facts to the findings a lint run reports -----------------------------------------


@dataclass
class CheckRequest:
    paths: list[str]
    config: Config
    policy: Any = None  # advisor.policy.policy.Policy; None: the shipped Treddy policy
    rules: list[RuleDoc] = field(default_factory=list)
    use_cache: bool = True
    cache_dir: Path | None = None
    jobs: int | None = None
    baseline: Path | None = None
    report_unused_suppressions: bool = False
    progress: bool = False


def scan_options(request: CheckRequest) -> ScanOptions:
    config = request.config
    policy_digest = str(getattr(request.policy, "digest", ""))
    return ScanOptions(
        excludes=config.excludes,
        respect_gitignore=config.respect_gitignore,
        jobs=request.jobs if request.jobs is not None else config.jobs,
        use_cache=request.use_cache and config.cache,
        root=config.root,
        cache_dir=request.cache_dir,
        cache_key=f"{policy_digest}|{config.analysis_digest()}",
        progress=request.progress,
    )


def run_check(request: CheckRequest) -> ScanResult:
    """The full lint pipeline; ``result.findings`` holds what should be reported.

    Raises ``advisor.policy.policy.PolicyError`` or ``advisor.policy.baseline.BaselineError`` for unusable
    inputs (the CLI turns them into exit code 2).
    """
    return check_files(request).result


@dataclass
class Checked:
    """A check's result, with the baseline it was filtered through and the files checked."""

    result: ScanResult
    baseline: Baseline | None
    files: list[Path]
    scan: Scan | None = None


def check_files(request: CheckRequest) -> Checked:
    """``run_check``, keeping what ``--prune-baseline`` needs."""
    from advisor.policy.baseline import Baseline

    baseline = Baseline.load(request.baseline) if request.baseline else None
    scanned = scan(request.paths, scan_options(request))
    result = scanned.result
    findings = evaluate(result, request)
    findings = select(findings, request.config)
    per_file = {path: FileSuppressions(s) for path, s in scanned.suppressions.items()}
    from advisor.policy import suppressions

    findings, result.suppressed = suppressions.apply(findings, per_file)
    if request.report_unused_suppressions:
        rule_filter = RuleFilter(request.config)
        known = {r.code for r in request.rules}
        findings.extend(suppressions.unused_findings(per_file, known, rule_filter.enabled))
    if baseline is not None:
        findings, result.baselined = baseline.filter(findings)
    result.findings = sorted(findings, key=_order)
    return Checked(result, baseline, scanned.files, scanned)


def evaluate(result: ScanResult, request: CheckRequest) -> list[Finding]:
    if not (result.usages or result.secrets or result.transport):
        # Every rule judges a usage, a secret or a transport fact; application-kind evidence
        # only qualifies them. Most pre-commit runs end here, without loading the policy.
        return []
    from advisor.policy.policy import evaluate as policy_evaluate
    from advisor.policy.policy import load_policy

    policy = request.policy if request.policy is not None else load_policy(None)
    return list(policy_evaluate(result, policy, all_providers=request.config.all_providers))


def select(findings: list[Finding], config: Config) -> list[Finding]:
    """Rule selection, per-file ignores and the confidence threshold."""
    rule_filter = RuleFilter(config)
    floor = CONFIDENCES.index(config.min_confidence)
    kept = []
    for f in findings:
        if not rule_filter.allows(f.rule, f.path):
            continue
        rank = CONFIDENCES.index(f.confidence) if f.confidence in CONFIDENCES else len(CONFIDENCES)
        if rank < floor:
            continue
        kept.append(f)
    return kept


def _order(f: Finding) -> tuple[Any, ...]:
    return (f.path, f.span.line, f.span.column, f.rule)
