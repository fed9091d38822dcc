"""Plan, check and apply fixes for the findings of a run.

Every fix is located on the original text of its file and planned as structural edits
(:class:`advisor.fix.cstedit.ActionSet`): the plan is what the fix would change. For the report
(:func:`annotate`) a finding is fixable when a codemod plans a change for it; nothing is applied,
parsed again or re-checked (a plain ``check`` pays only for locating the fixes). When the report
shows edits (JSON, SARIF), each finding's edits are its fix alone, computed on the statement it
touches (:mod:`advisor.fix.localedit`), so that an editor can apply findings one at a time. For
``--fix``/``--diff`` (:func:`fix_findings`) the chosen fixes of a file are applied together in
one pass, and the rewritten file must parse and re-check clean for the fixed rules (see
:mod:`advisor.fix.recheck`); only when they do not pass together are they added one at a time,
and the ones that break the check are left out.
"""

from __future__ import annotations

import contextlib
import io
import tokenize
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from advisor.fix.codemods import CODEMODS, UNSAFE, FileFacts, Fix
from advisor.fix.cstedit import ActionSet, apply_actions
from advisor.fix.localedit import LocalEditor
from advisor.fix.locate import SourceTree
from advisor.fix.recheck import Rechecker, parses
from advisor.fix.textedits import text_edits, unified_diff
from advisor.model import Edit, Finding, ScanResult
from advisor.redaction import SecretMask


@dataclass
class PlannedFix:
    finding: Finding
    fix: Fix


@dataclass
class FilePlan:
    path: str
    original: str
    tree: SourceTree
    fixes: list[PlannedFix] = field(default_factory=list)
    _compiles: bool | None = None
    _local: LocalEditor | None = None

    @property
    def compiles(self) -> bool:
        """Whether the original text compiles (a fix must not make a compiling file fail)."""
        if self._compiles is None:
            self._compiles = _compiles(self.original)
        return self._compiles

    def edits(self, p: PlannedFix) -> list[Edit] | None:
        """The edits of this fix alone (None when libcst refuses it)."""
        if self._local is None:
            self._local = LocalEditor(self.tree)
        try:
            found = self._local.edits(p.fix.actions)
        except Exception:  # noqa: BLE001 - the whole-module transform below decides
            found = None
        if found is not None:
            return found
        try:
            new = apply_actions(self.tree.module, p.fix.actions).code
        except Exception:  # noqa: BLE001 - an edit libcst refuses is a fix we skip
            return None
        return text_edits(self.path, self.original, new)

    def combined(self, fixes: list[PlannedFix]) -> str:
        actions = ActionSet()
        for p in fixes:
            actions = actions.merged(p.fix.actions)
        return apply_actions(self.tree.module, actions).code

    def acceptable(self, text: str, fixes: list[PlannedFix], checker: Rechecker) -> bool:
        if text == self.original or not _parses_like(text, self.compiles):
            return False
        fixed = Counter(p.finding.rule for p in fixes)
        return checker.accepts(self.path, self.original, text, fixed)


@dataclass
class FileOutcome:
    path: str
    original: str
    text: str
    applied: list[PlannedFix]
    rejected: list[PlannedFix]

    @property
    def changed(self) -> bool:
        return self.text != self.original


@dataclass
class FixOutcome:
    files: list[FileOutcome] = field(default_factory=list)
    # fixes that exist but were not applied because they are unsafe
    unsafe_skipped: int = 0
    # masks literal secrets in the diff (the old lines of a moved secret are shown otherwise)
    mask: SecretMask | None = None

    @property
    def fixed(self) -> list[Finding]:
        return [p.finding for f in self.files for p in f.applied]

    @property
    def rejected(self) -> list[Finding]:
        return [p.finding for f in self.files for p in f.rejected]

    @property
    def env_vars(self) -> dict[str, list[str]]:
        """Environment variables the applied fixes read: name -> files."""
        out: dict[str, list[str]] = defaultdict(list)
        for f in self.files:
            for p in f.applied:
                for name in p.fix.env_vars:
                    if f.path not in out[name]:
                        out[name].append(f.path)
        return dict(out)

    def diff(self) -> str:
        """The unified diff of every changed file, literal secrets masked."""
        text = "".join(unified_diff(f.path, f.original, f.text) for f in self.files if f.changed)
        return self.mask.text(text) if self.mask is not None else text

    def write(self) -> list[str]:
        """Write the changed files; returns the paths written."""
        written = []
        for f in self.files:
            if f.changed:
                _write_like(Path(f.path), f.text)
                written.append(f.path)
        return written


Reader = Callable[[str], "str | None"]


def read_text(path: str) -> str | None:
    from advisor.files.source import read_source
    from advisor.model import FileError

    src = read_source(Path(path))
    return None if isinstance(src, FileError) else src.text


def plan(
    result: ScanResult, findings: list[Finding] | None = None, *, read: Reader = read_text
) -> list[FilePlan]:
    """A fix for every finding a codemod can handle, grouped by file."""
    findings = result.findings if findings is None else findings
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        if f.rule in CODEMODS:
            by_path[f.path].append(f)
    plans = []
    for path, group in sorted(by_path.items()):
        text = read(path)
        if text is None:
            continue
        try:
            p = _plan_file(path, text, group, result)
        except Exception:  # noqa: BLE001 - a codemod bug must not stop the run
            continue
        if p is not None:
            plans.append(p)
    return plans


def _plan_file(
    path: str, text: str, findings: list[Finding], result: ScanResult
) -> FilePlan | None:
    try:
        tree = SourceTree(path, text)
    except Exception:  # noqa: BLE001 - unparsable: nothing to fix
        return None
    facts = FileFacts(
        usages=[u for u in result.usages if u.path == path],
        transport=[t for t in result.transport if t.path == path],
    )
    fp = FilePlan(path, text, tree)
    for f in sorted(findings, key=lambda f: (f.span.line, f.span.column, f.rule)):
        fix = CODEMODS[f.rule](tree, f, facts)
        if fix is not None and fix.actions:
            fp.fixes.append(PlannedFix(f, fix))
    return fp


def annotate(
    result: ScanResult,
    checker: Rechecker | None = None,
    *,
    read: Reader = read_text,
    edits: bool = True,
) -> None:
    """Fill ``fixable``, ``fix_safety`` and (with ``edits``) ``edits`` from the fix plans.

    A finding is fixable when a codemod plans a change for it: the ``[*]`` of the report, as
    Ruff's, says that ``--fix`` has a fix to try, which it applies and re-checks (and skips,
    saying so, when the rewritten file does not re-check clean). Nothing is applied, parsed
    again or re-checked here. ``edits`` (for the JSON and SARIF reports) are each finding's fix
    alone, exact, computed on the statement it changes. ``checker`` is not used (kept for
    callers of the earlier signature).
    """
    for f in result.findings:
        f.fixable, f.fix_safety, f.edits = False, None, []
    mask = SecretMask.from_result(result) if edits else None
    for fp in plan(result, read=read):
        for p in fp.fixes:
            f = p.finding
            if mask is not None:
                # An edit that would spell out a hard-coded secret (moved into auth=) is not
                # listed: reports never show one. ``--fix`` still applies the fix.
                found = fp.edits(p) or []
                if all(mask.text(e.replacement) == e.replacement for e in found):
                    f.edits = found
            f.fixable = True
            f.fix_safety = p.fix.safety
            if p.fix.env_vars:
                names = ", ".join(p.fix.env_vars)
                f.fix_hint = (
                    f"{f.fix_hint} Autofix ({p.fix.safety}): {p.fix.title}; set {names} "
                    "where the code runs."
                ).strip()


def fix_findings(
    result: ScanResult,
    checker: Rechecker,
    *,
    unsafe: bool = False,
    read: Reader = read_text,
) -> FixOutcome:
    """Apply (in memory) the fixes of the reported findings; ``unsafe`` includes unsafe ones."""
    outcome = FixOutcome(mask=SecretMask.from_result(result))
    for fp in plan(result, read=read):
        checker.seed(fp.path, fp.original, result)
        chosen = [p for p in fp.fixes if unsafe or p.fix.safety != UNSAFE]
        outcome.unsafe_skipped += len(fp.fixes) - len(chosen)
        if not chosen:
            continue
        applied, text = _apply_greedily(fp, chosen, checker)
        rejected = [p for p in chosen if p not in applied]
        outcome.files.append(FileOutcome(fp.path, fp.original, text, applied, rejected))
    return outcome


def _apply_greedily(
    fp: FilePlan, chosen: list[PlannedFix], checker: Rechecker
) -> tuple[list[PlannedFix], str]:
    try:
        text = fp.combined(chosen)
        if fp.acceptable(text, chosen, checker):
            return chosen, text
    except Exception:  # noqa: BLE001
        pass
    applied: list[PlannedFix] = []
    text = fp.original
    for p in chosen:
        trial = [*applied, p]
        try:
            candidate = fp.combined(trial)
        except Exception:  # noqa: BLE001
            continue
        if fp.acceptable(candidate, trial, checker):
            applied, text = trial, candidate
    return applied, text


def _compiles(text: str) -> bool:
    try:
        compile(text, "<original>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def _parses_like(text: str, original_compiles: bool) -> bool:
    """The new text parses (and compiles, when the original did)."""
    if original_compiles:
        return parses(text)
    import libcst as cst

    try:
        cst.parse_module(text)
    except Exception:  # noqa: BLE001
        return False
    return True


def _write_like(path: Path, text: str) -> None:
    """Write ``text`` in the file's own encoding (and BOM), via a temporary file."""
    data = path.read_bytes()
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    bom = b""
    if encoding == "utf-8-sig":
        encoding, bom = "utf-8", b"\xef\xbb\xbf"
    payload = bom + text.encode(encoding)
    tmp = path.with_name(f".{path.name}.treddy-fix.tmp")
    tmp.write_bytes(payload)
    with contextlib.suppress(OSError):
        tmp.chmod(path.stat().st_mode & 0o7777)
    tmp.replace(path)
