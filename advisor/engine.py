"""The pipeline: discover files, analyse each, apply the policy, suppressions and baseline."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from advisor.model import FileError, FileFacts, ScanResult


@dataclass
class ScanOptions:
    excludes: list[str] = field(default_factory=list)
    respect_gitignore: bool = True
    jobs: int | None = None
    use_cache: bool = True


def analyze_paths(paths: Iterable[str | Path], options: ScanOptions | None = None) -> ScanResult:
    """Discover and analyse files; returns facts only (no findings yet)."""
    from advisor.analyzer import Project, analyze_file
    from advisor.discovery import discover
    from advisor.source import read_source

    options = options or ScanOptions()
    result = ScanResult()
    files = list(discover(paths, excludes=options.excludes,
                          respect_gitignore=options.respect_gitignore))
    project = Project.from_files(files)
    for path in files:
        result.files_scanned += 1
        src = read_source(path)
        if isinstance(src, FileError):
            result.errors.append(src)
            continue
        facts = analyze_file(src, project)
        if isinstance(facts, FileError):
            result.errors.append(facts)
            continue
        merge(result, facts)
    return result


def merge(result: ScanResult, facts: FileFacts) -> None:
    if facts.skipped is None:
        result.files_parsed += 1
    result.usages.extend(facts.usages)
    result.secrets.extend(facts.secrets)
    result.transport.extend(facts.transport)
    result.app_evidence.extend(facts.app_evidence)
