"""Finding the Python files to analyse.

Rules (documented for users in ``docs/errors.md``):

* Arguments may be files or directories. Directories are walked recursively for ``*.py`` files;
  ``.pyi`` stubs are not collected because they hold no executable code, so they cannot make a
  token request. A file named explicitly is taken whatever its suffix (pre-commit passes
  extension-less scripts with a Python shebang).
* Directories that never hold project code are pruned during the walk: VCS metadata, caches,
  ``node_modules``, ``site-packages``, build outputs, and any virtualenv or conda environment,
  recognised by its ``pyvenv.cfg`` / ``conda-meta`` rather than by its name alone. The built-in
  list does not apply to the arguments themselves: naming ``build/`` on the command line scans it.
* ``--exclude`` patterns (gitignore syntax, relative to the project root) apply to walked
  entries *and* to arguments, because pre-commit passes every staged file by name.
* ``.gitignore`` files (the repository's root and nested ones, plus ``.git/info/exclude``) apply
  to walked entries only. As in git, ignore rules are for files git does not track: a file named
  on the command line (pre-commit names only tracked files) is checked even when a pattern
  matches it. A force-added ``local_settings.py`` is the file most likely to hold a secret.
  A repository nested in the walked one (a directory with a ``.git`` of its own: a submodule, a
  vendored checkout) answers to its own ignore files only, as in git, ripgrep and ag; the outer
  rules decide only whether the walk enters it.
* Symbolic links: links to directories are never followed (their targets are either inside a
  scanned root, where the walk reaches them anyway, or outside, where the scan must not go).
  A link to a file is followed only when its target lies inside a scanned root, and each real
  file is yielded once. Loops and dangling links are skipped.
* Only regular files are yielded: a FIFO or a device is never opened (opening a FIFO blocks).
* The order is deterministic: arguments in the order given, each directory in sorted name order.

Skipped paths that a user may want to hear about are reported through ``on_skip(path, reason)``;
silently ignored are only entries that are not Python files and the built-in pruned directories.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pathspec

OnSkip = Callable[[Path, str], None]

SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".bzr", "_darcs", ".jj",
        "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".pytype", ".hypothesis",
        ".ipynb_checkpoints", ".treddy_advisor_cache",
        "node_modules", "site-packages", "dist-packages", "__pypackages__",
        ".venv", "venv", ".tox", ".nox", ".direnv",
        "build", "dist", "_build", "buck-out", ".eggs",
    }
)  # fmt: skip
SKIP_DIR_SUFFIXES = (".egg-info", ".dist-info")
# A directory holding one of these is a Python environment, whatever its name.
ENVIRONMENT_MARKERS = ("pyvenv.cfg", "conda-meta")

# Reasons passed to on_skip; stable strings, listed in docs/errors.md.
SKIP_MISSING = "does not exist"
SKIP_NOT_REGULAR = "not a regular file"
SKIP_DIR_SYMLINK = "symlink to a directory (not followed)"
SKIP_SYMLINK_OUTSIDE = "symlink points outside the scanned roots"
SKIP_SYMLINK_LOOP = "symlink loop"
SKIP_SYMLINK_BROKEN = "dangling symlink"
SKIP_UNLISTABLE = "cannot list directory"
SKIP_EXCLUDED = "excluded by --exclude"
SKIP_GITIGNORED = "ignored by .gitignore"


def compile_patterns(lines: Iterable[str]) -> pathspec.GitIgnoreSpec:
    """A gitignore-style spec; raises ValueError naming the first invalid pattern."""
    # Imported only when there are patterns: it is the dearest import of a pre-commit run.
    import pathspec

    lines = list(lines)
    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except Exception as exc:  # pathspec raises its own error types per pattern flavour
        for line in lines:
            try:
                pathspec.GitIgnoreSpec.from_lines([line])
            except Exception:
                raise ValueError(f"invalid exclude pattern {line!r}: {exc}") from None
        raise ValueError(f"invalid exclude patterns: {exc}") from None


def _lenient_spec(lines: list[str]) -> pathspec.GitIgnoreSpec:
    """A spec from a .gitignore found on disk: invalid lines are dropped, as git does."""
    import pathspec

    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except Exception:
        good = []
        for line in lines:
            try:
                pathspec.GitIgnoreSpec.from_lines([line])
            except Exception:
                continue
            good.append(line)
        return pathspec.GitIgnoreSpec.from_lines(good)


def _signature(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return _size_and_time(st)


def _size_and_time(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns]


@dataclass
class WalkRecord:
    """What a walk depended on, so that a later run can tell it would find the same files.

    A directory's modification time changes when an entry is added, removed or renamed in it,
    which is all that changes a listing (git's untracked cache relies on the same). Files whose
    content steers the walk (``.gitignore``, ``.git/info/exclude``) and the ``.git`` markers
    looked for are recorded by size and time, missing ones as None.
    """

    directories: dict[str, int] = field(default_factory=dict)
    probes: dict[str, list[int] | None] = field(default_factory=dict)
    # Set when directory times cannot vouch for the result: a symbolic link was met (its
    # target can change without its directory noticing) or a directory vanished mid-walk.
    unreliable: bool = False

    def directory(self, path: str) -> None:
        try:
            self.directories[path] = os.stat(path).st_mtime_ns
        except OSError:
            self.unreliable = True

    def probe(self, path: str) -> None:
        self.probes[path] = _signature(path)

    def lasting_probes(self) -> dict[str, list[int] | None]:
        """The probes a later check needs to repeat.

        A file that was missing from a recorded directory changes that directory's time when it
        appears, so its probe would only repeat the directory's check (a walk of Django probes
        1,300 absent ``.gitignore`` files).
        """
        listed = {os.path.abspath(d) for d in self.directories}
        return {
            path: sig
            for path, sig in self.probes.items()
            if sig is not None or os.path.dirname(path) not in listed
        }

    def newest_ns(self) -> int:
        times = [*self.directories.values(), *(p[1] for p in self.probes.values() if p)]
        return max(times, default=0)

    def unchanged(self) -> bool:
        """Whether every directory and probed file is as recorded (one stat each)."""
        for path, mtime in self.directories.items():
            try:
                if os.stat(path).st_mtime_ns != mtime:
                    return False
            except OSError:
                return False
        return all(_signature(path) == sig for path, sig in self.probes.items())


def _read_ignore_file(path: str, record: WalkRecord | None) -> pathspec.GitIgnoreSpec | None:
    try:
        st = os.stat(path)
    except OSError:
        st = None
    if record is not None:
        record.probes[path] = None if st is None else _size_and_time(st)
    if st is None or not stat.S_ISREG(st.st_mode):
        return None
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = fh.read(1024 * 1024).splitlines()
    except OSError:
        return None
    return _lenient_spec(lines) if lines else None


def _is_under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _rel_parts(path: str, base: str) -> list[str] | None:
    # both are absolute and normalised here, so slicing is relpath without its cost
    if path == base:
        return []
    if not _is_under(path, base):
        return None
    rel = path[len(base.rstrip(os.sep)) + 1 :]
    return rel.split(os.sep) if rel else []


def _find_repo_root(start: str, record: WalkRecord | None) -> str | None:
    cur = start
    while True:
        if record is not None:
            record.probe(os.path.join(cur, ".git"))
        if os.path.lexists(os.path.join(cur, ".git")):
            return cur
        parent = os.path.dirname(cur)
        if parent == cur:
            return None
        cur = parent


@dataclass
class _Gitignores:
    """The .gitignore files that apply below a base directory, loaded lazily and cached."""

    base: str
    record: WalkRecord | None = None
    chains: dict[tuple[str, ...], tuple[tuple[int, pathspec.GitIgnoreSpec], ...]] = field(
        default_factory=dict
    )

    def __post_init__(self) -> None:
        info = os.path.join(self.base, ".git", "info", "exclude")
        self.info_exclude = _read_ignore_file(info, self.record)

    def _chain(
        self, dir_parts: tuple[str, ...], floor: int | None = None
    ) -> tuple[tuple[int, pathspec.GitIgnoreSpec], ...]:
        """The .gitignore specs from the base down to ``dir_parts``, with their depth.

        ``floor``: only the files at that depth or deeper (see ``_Walker._outer_rules_left_out``).
        """
        if floor is not None:
            return tuple(item for item in self._chain(dir_parts) if item[0] >= floor)
        cached = self.chains.get(dir_parts)
        if cached is not None:
            return cached
        # The walk asks for a directory right after its parent: extend the nearest known one.
        start = len(dir_parts)
        while start > 0 and dir_parts[:start] not in self.chains:
            start -= 1
        chain = self.chains.get(dir_parts[:start], ())
        if dir_parts[:start] not in self.chains:
            start = 0
        for depth in range(start, len(dir_parts) + 1):
            key = dir_parts[:depth]
            if key not in self.chains:
                spec = _read_ignore_file(os.path.join(self.base, *key, ".gitignore"), self.record)
                self.chains[key] = (*chain, (depth, spec)) if spec is not None else chain
            chain = self.chains[key]
        return chain

    def decide(self, parts: list[str], is_dir: bool, floor: int | None = None) -> bool | None:
        """True: ignored; False: re-included by a negation; None: no pattern matches.

        The deepest .gitignore with a matching pattern wins, as in git. ``floor``: see
        ``_chain``; the repository's own exclude file lies above any floor.
        """
        chain = self._chain(tuple(parts[:-1]), floor)
        return self.decide_in(chain, parts, is_dir, outer=floor is None)

    def decide_in(
        self,
        chain: tuple[tuple[int, pathspec.GitIgnoreSpec], ...],
        parts: list[str],
        is_dir: bool,
        outer: bool = True,
    ) -> bool | None:
        """``decide`` with the chain of the entry's directory already at hand.

        ``outer``: whether ``.git/info/exclude`` applies too.
        """
        info_exclude = self.info_exclude if outer else None
        if not chain and info_exclude is None:
            return None
        suffix = "/" if is_dir else ""
        for depth, spec in reversed(chain):
            include = spec.check_file("/".join(parts[depth:]) + suffix).include
            if include is not None:
                return include
        if info_exclude is not None:
            include = info_exclude.check_file("/".join(parts) + suffix).include
            if include is not None:
                return include
        return None

    def ignored(self, parts: list[str], is_dir: bool, floor: int | None = None) -> bool:
        # Only walked entries get here, and git never looks inside an ignored directory: the
        # walk has pruned ignored ancestors already, so the entry itself is all there is to check.
        return bool(parts) and bool(self.decide(parts, is_dir, floor))


class _Walker:
    def __init__(
        self,
        excludes: pathspec.GitIgnoreSpec | None,
        project_root: str,
        respect_gitignore: bool,
        on_skip: OnSkip | None,
    ) -> None:
        self.excludes = excludes
        self.project_root = project_root
        self.respect_gitignore = respect_gitignore
        self.on_skip = on_skip
        self.gitignores: dict[str, _Gitignores] = {}
        self.repo_roots: dict[str, str] = {}
        # walks whose named root the rules above it ignore: the depth from which .gitignore
        # files still apply (see _outer_rules_left_out)
        self.floors: dict[str, int] = {}
        self.seen: set[str] = set()
        self.roots: list[str] = []
        self.record: WalkRecord | None = None
        self._dir_contexts: dict[str, tuple[Any, ...]] = {}
        self._root_parent = os.path.dirname(project_root)

    def skip(self, path: Path, reason: str) -> None:
        if self.on_skip is not None:
            self.on_skip(path, reason)

    def _gitignores_for(self, scan_base: str) -> _Gitignores:
        """The ignore files of the repository the walk of ``scan_base`` is in.

        The nearest ``.git`` at or above the walked directory: a repository nested in the
        project (a vendored checkout) has its own rules, not the outer one's. Without any, the
        project root's (or the argument's, outside the project).
        """
        base = self.repo_roots.get(scan_base)
        if base is None:
            fallback = self.project_root if _is_under(scan_base, self.project_root) else scan_base
            base = _find_repo_root(scan_base, self.record) or fallback
            self.repo_roots[scan_base] = base
        if base not in self.gitignores:
            self.gitignores[base] = _Gitignores(base, self.record)
        return self.gitignores[base]

    def _outer_rules_left_out(self, top: str, scan_base: str) -> None:
        """A directory named on the command line that the ignore rules above it ignore.

        Naming it is the user's choice of what to check (vendored or generated code under
        review): the rules above it, which would ignore everything in it, are left out of its
        walk; ``.gitignore`` files inside it still apply.
        """
        if not self.respect_gitignore:
            return
        ignores = self._gitignores_for(scan_base)
        parts = _rel_parts(top, ignores.base)
        if parts and ignores.decide(parts, True):
            self.floors[scan_base] = len(parts)

    def excluded(self, abspath: str, is_dir: bool, scan_base: str, walked: bool) -> str | None:
        """Why ``abspath`` is excluded, or None. ``walked``: its ancestors were checked already."""
        if self.excludes is not None:
            base = self.project_root if _is_under(abspath, self.project_root) else scan_base
            parts = _rel_parts(abspath, base) or []
            candidates = [(parts, is_dir)]
            if not walked:
                candidates = [(parts[:i], True) for i in range(1, len(parts))] + candidates
            for sub, sub_is_dir in candidates:
                if sub and self.excludes.match_file("/".join(sub) + ("/" if sub_is_dir else "")):
                    return SKIP_EXCLUDED
        if self.respect_gitignore and walked:
            ignores = self._gitignores_for(scan_base)
            parts = _rel_parts(abspath, ignores.base)
            if parts and ignores.ignored(parts, is_dir, self.floors.get(scan_base)):
                return SKIP_GITIGNORED
        return None

    def excluded_entry(
        self, abs_dir: str, name: str, is_dir: bool, scan_base: str, repo: str | None = None
    ) -> bool:
        """``excluded(..., walked=True)`` for an entry of a walked directory.

        Everything that depends on the directory alone (where the patterns are anchored, which
        .gitignore files apply) is worked out once per directory, not once per entry. ``repo``:
        the repository nested in the walk that the directory belongs to, if any.
        """
        if abs_dir == self._root_parent:
            # an entry may be the project root itself, whose anchoring differs from its siblings'
            path = os.path.join(abs_dir, name)
            return self.excluded(path, is_dir, scan_base, walked=True) is not None
        ctx = self._dir_contexts.get(abs_dir)
        if ctx is None:
            ctx = self._dir_context(abs_dir, scan_base, repo)
            self._dir_contexts[abs_dir] = ctx
        exclude_parts, ignores, ignore_parts, chain, outer = ctx
        suffix = "/" if is_dir else ""
        if (
            self.excludes is not None
            and exclude_parts is not None
            and self.excludes.match_file("/".join([*exclude_parts, name]) + suffix)
        ):
            return True
        if ignores is not None and ignore_parts is not None:
            return bool(ignores.decide_in(chain, [*ignore_parts, name], is_dir, outer))
        return False

    def _dir_context(self, abs_dir: str, scan_base: str, repo: str | None) -> tuple[Any, ...]:
        exclude_parts = None
        if self.excludes is not None:
            base = self.project_root if _is_under(abs_dir, self.project_root) else scan_base
            exclude_parts = _rel_parts(abs_dir, base)
        ignores = ignore_parts = None
        chain: tuple[Any, ...] = ()
        floor = None if repo is not None else self.floors.get(scan_base)
        if self.respect_gitignore:
            if repo is None:
                ignores = self._gitignores_for(scan_base)
            else:
                if repo not in self.gitignores:
                    self.gitignores[repo] = _Gitignores(repo, self.record)
                ignores = self.gitignores[repo]
            ignore_parts = _rel_parts(abs_dir, ignores.base)
            if ignore_parts is not None:
                chain = ignores._chain(tuple(ignore_parts), floor)
        return exclude_parts, ignores, ignore_parts, chain, floor is None

    def within_roots(self, real: str) -> bool:
        return any(_is_under(real, root) for root in self.roots)

    def accept_file(self, path: Path, st_link: os.stat_result) -> bool:
        """Symlink, loop and file-type checks for a candidate file; reports skips."""
        if stat.S_ISLNK(st_link.st_mode):
            try:
                st = os.stat(path)
            except OSError as exc:
                reason = SKIP_SYMLINK_LOOP if exc.errno == errno.ELOOP else SKIP_SYMLINK_BROKEN
                self.skip(path, reason)
                return False
            real = os.path.realpath(path)
            if not self.within_roots(real):
                self.skip(path, SKIP_SYMLINK_OUTSIDE)
                return False
            if stat.S_ISDIR(st.st_mode):
                self.skip(path, SKIP_DIR_SYMLINK)
                return False
        else:
            st = st_link
            real = os.path.realpath(path)
        if not stat.S_ISREG(st.st_mode):
            self.skip(path, SKIP_NOT_REGULAR)
            return False
        if real in self.seen:
            return False
        self.seen.add(real)
        return True

    def walk(self, top: Path, scan_base: str) -> Iterator[Path]:
        # An explicit stack rather than recursion: directory trees can be deeper than the
        # interpreter's recursion limit.
        # Each level carries its absolute and real directory, so that no per-entry abspath or
        # realpath system calls are needed (directory symlinks are never followed below).
        # Entry types come from the directory listing itself (d_type): most entries cost no
        # system call at all.
        # Each level also carries the repository its entries belong to: None for the walk's
        # own (found from ``scan_base``), else a repository nested in it.
        stack: list[tuple[Iterator[os.DirEntry[str]], str, str, str | None]] = []
        entries = self._list(str(top))
        if entries is not None:
            if self.record is not None:
                self.record.directory(str(top))
            stack.append((iter(entries), os.path.abspath(top), os.path.realpath(top), None))
        while stack:
            it, abs_dir, real_dir, repo = stack[-1]
            entry = next(it, None)
            if entry is None:
                stack.pop()
                continue
            name = entry.name
            try:
                is_link = entry.is_symlink()
                is_dir = not is_link and entry.is_dir(follow_symlinks=False)
            except OSError:
                continue  # vanished while walking
            if not is_dir and not is_link and not name.endswith(".py"):
                continue  # the common case, decided without building any path
            abspath = os.path.join(abs_dir, name)
            if is_dir:
                if name in SKIP_DIRS or name.endswith(SKIP_DIR_SUFFIXES):
                    continue
                if self.excluded_entry(abs_dir, name, True, scan_base, repo):
                    continue
                children = self._list(entry.path)
                if children is None:
                    if self.record is not None:
                        # a later chmod changes no directory time: the walk cannot vouch
                        self.record.unreliable = True
                    continue
                if self.record is not None:
                    # also an environment's: losing its marker changes its time, not its parent's
                    self.record.directory(entry.path)
                if any(c.name in ENVIRONMENT_MARKERS for c in children):
                    continue  # a virtualenv / conda environment
                # A repository nested in this one (a vendored checkout, a submodule, whose .git
                # may be a file): as in git, its files answer to its own ignore rules only.
                inner = abspath if any(c.name == ".git" for c in children) else repo
                stack.append((iter(children), abspath, os.path.join(real_dir, name), inner))
                continue
            path = Path(entry.path)
            if is_link:
                if self.record is not None:
                    self.record.unreliable = True
                if os.path.isdir(path):
                    real = os.path.realpath(path)
                    self.skip(
                        path, SKIP_DIR_SYMLINK if self.within_roots(real) else SKIP_SYMLINK_OUTSIDE
                    )
                    continue
            if not name.endswith(".py"):
                continue
            if self.excluded_entry(abs_dir, name, False, scan_base, repo):
                continue
            if is_link:
                try:
                    st_link = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if self.accept_file(path, st_link):
                    yield path
                continue
            try:
                regular = entry.is_file(follow_symlinks=False)
            except OSError:
                continue
            if not regular:
                self.skip(path, SKIP_NOT_REGULAR)
                continue
            real = os.path.join(real_dir, name)
            if real not in self.seen:
                self.seen.add(real)
                yield path

    def _list(self, directory: str) -> list[os.DirEntry[str]] | None:
        try:
            with os.scandir(directory) as it:
                return sorted(it, key=lambda e: e.name)
        except OSError as exc:
            self.skip(Path(directory), f"{SKIP_UNLISTABLE}: {exc.strerror or exc}")
            return None


def discover(
    paths: Iterable[str | Path],
    excludes: Iterable[str] = (),
    respect_gitignore: bool = True,
    on_skip: OnSkip | None = None,
    root: str | Path | None = None,
    record: WalkRecord | None = None,
) -> Iterator[Path]:
    """Yield the files to analyse, each once, in a deterministic order.

    ``excludes`` are gitignore-style patterns relative to ``root`` (default: the current
    directory, the project root); a path outside it is matched relative to the argument it was
    found under. ``on_skip(path, reason)`` hears about arguments and walked entries that were
    left out for a reason a user may need (see the ``SKIP_*`` constants). ``record``, when
    given, collects what the result depends on (see ``WalkRecord``).
    """
    patterns = [p for p in excludes if p.strip()]
    spec = compile_patterns(patterns) if patterns else None
    project_root = os.path.abspath(root if root is not None else os.getcwd())
    walker = _Walker(spec, project_root, respect_gitignore, on_skip)
    walker.record = record
    args = [Path(p) for p in paths]

    # Symlinks may lead only into what the user asked to scan: each directory argument, and for
    # a file argument the project root when it lies under it (else the file's own directory).
    for p in args:
        absp = os.path.abspath(p)
        if os.path.isdir(p):
            walker.roots.append(os.path.realpath(p))
        elif _is_under(absp, project_root):
            walker.roots.append(os.path.realpath(project_root))
        else:
            walker.roots.append(os.path.realpath(os.path.dirname(absp)))

    for p in args:
        absp = os.path.abspath(p)
        try:
            st_link = os.lstat(p)
        except OSError:
            walker.skip(p, SKIP_MISSING)
            continue
        is_dir = stat.S_ISDIR(st_link.st_mode)
        if stat.S_ISLNK(st_link.st_mode) and os.path.isdir(p):
            is_dir = True  # a link named on the command line is the user's own choice of root
        base = absp if is_dir else os.path.dirname(absp)
        why = walker.excluded(absp, is_dir, base, walked=False)
        if why is not None:
            walker.skip(p, why)
            continue
        if is_dir:
            walker._outer_rules_left_out(absp, base)
            yield from walker.walk(p, base)
        elif walker.accept_file(p, st_link):
            yield p
