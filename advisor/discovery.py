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
* ``--exclude`` patterns (gitignore syntax, relative to the project root) and ``.gitignore``
  files (the repository's root and nested ones, plus ``.git/info/exclude``) apply to walked
  entries *and* to arguments, because pre-commit passes every staged file by name.
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


def _read_ignore_file(path: str) -> pathspec.GitIgnoreSpec | None:
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            return None
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


def _find_repo_root(start: str) -> str | None:
    cur = start
    while True:
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
    chains: dict[tuple[str, ...], tuple[tuple[int, pathspec.GitIgnoreSpec], ...]] = field(
        default_factory=dict
    )

    def __post_init__(self) -> None:
        info = os.path.join(self.base, ".git", "info", "exclude")
        self.info_exclude = _read_ignore_file(info) if os.path.isfile(info) else None

    def _chain(self, dir_parts: tuple[str, ...]) -> tuple[tuple[int, pathspec.GitIgnoreSpec], ...]:
        """The .gitignore specs from the base down to ``dir_parts``, with their depth."""
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
                spec = _read_ignore_file(os.path.join(self.base, *key, ".gitignore"))
                self.chains[key] = (*chain, (depth, spec)) if spec is not None else chain
            chain = self.chains[key]
        return chain

    def decide(self, parts: list[str], is_dir: bool) -> bool | None:
        """True: ignored; False: re-included by a negation; None: no pattern matches.

        The deepest .gitignore with a matching pattern wins, as in git.
        """
        suffix = "/" if is_dir else ""
        for depth, spec in reversed(self._chain(tuple(parts[:-1]))):
            include = spec.check_file("/".join(parts[depth:]) + suffix).include
            if include is not None:
                return include
        if self.info_exclude is not None:
            include = self.info_exclude.check_file("/".join(parts) + suffix).include
            if include is not None:
                return include
        return None

    def ignored(self, parts: list[str], is_dir: bool, prefixes_checked: bool) -> bool:
        # git never looks inside an ignored directory, so a file below one stays ignored even if
        # a deeper pattern would re-include it; the walk prunes such directories already, named
        # arguments need their ancestors checked.
        if not prefixes_checked:
            for i in range(1, len(parts)):
                if self.decide(parts[:i], True):
                    return True
        return bool(parts) and bool(self.decide(parts, is_dir))


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
        self.seen: set[str] = set()
        self.roots: list[str] = []

    def skip(self, path: Path, reason: str) -> None:
        if self.on_skip is not None:
            self.on_skip(path, reason)

    def _gitignores_for(self, fallback_base: str) -> _Gitignores:
        base = self.repo_roots.get(fallback_base)
        if base is None:
            base = _find_repo_root(fallback_base) or fallback_base
            self.repo_roots[fallback_base] = base
        if base not in self.gitignores:
            self.gitignores[base] = _Gitignores(base)
        return self.gitignores[base]

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
        if self.respect_gitignore:
            fallback = self.project_root if _is_under(abspath, self.project_root) else scan_base
            ignores = self._gitignores_for(fallback)
            parts = _rel_parts(abspath, ignores.base)
            if parts and ignores.ignored(parts, is_dir, prefixes_checked=walked):
                return SKIP_GITIGNORED
        return None

    def within_roots(self, real: str) -> bool:
        return any(_is_under(real, root) for root in self.roots)

    def accept_file(self, path: Path, st_link: os.stat_result, real: str | None = None) -> bool:
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
            real = real or os.path.realpath(path)
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
        stack: list[tuple[Iterator[os.DirEntry[str]], str, str]] = []
        entries = self._list(top)
        if entries is not None:
            stack.append((iter(entries), os.path.abspath(top), os.path.realpath(top)))
        while stack:
            it, abs_dir, real_dir = stack[-1]
            entry = next(it, None)
            if entry is None:
                stack.pop()
                continue
            try:
                st_link = entry.stat(follow_symlinks=False)
            except OSError:
                continue  # vanished while walking
            is_dir = stat.S_ISDIR(st_link.st_mode)
            if not is_dir and not entry.name.endswith(".py") and not stat.S_ISLNK(st_link.st_mode):
                continue  # the common case, decided without building any path
            path = Path(entry.path)
            abspath = os.path.join(abs_dir, entry.name)
            if is_dir:
                if self._pruned(entry.name, abspath):
                    continue
                if self.excluded(abspath, True, scan_base, walked=True) is not None:
                    continue
                children = self._list(path)
                if children is not None:
                    stack.append((iter(children), abspath, os.path.join(real_dir, entry.name)))
                continue
            if stat.S_ISLNK(st_link.st_mode) and os.path.isdir(path):
                real = os.path.realpath(path)
                self.skip(
                    path, SKIP_DIR_SYMLINK if self.within_roots(real) else SKIP_SYMLINK_OUTSIDE
                )
                continue
            if not entry.name.endswith(".py"):
                continue
            why = self.excluded(abspath, False, scan_base, walked=True)
            if why is not None:
                continue
            real = None if stat.S_ISLNK(st_link.st_mode) else os.path.join(real_dir, entry.name)
            if self.accept_file(path, st_link, real):
                yield path

    @staticmethod
    def _pruned(name: str, abspath: str) -> bool:
        if name in SKIP_DIRS or name.endswith(SKIP_DIR_SUFFIXES):
            return True
        return any(os.path.lexists(os.path.join(abspath, m)) for m in ENVIRONMENT_MARKERS)

    def _list(self, directory: Path) -> list[os.DirEntry[str]] | None:
        try:
            with os.scandir(directory) as it:
                return sorted(it, key=lambda e: e.name)
        except OSError as exc:
            self.skip(directory, f"{SKIP_UNLISTABLE}: {exc.strerror or exc}")
            return None


def discover(
    paths: Iterable[str | Path],
    excludes: Iterable[str] = (),
    respect_gitignore: bool = True,
    on_skip: OnSkip | None = None,
    root: str | Path | None = None,
) -> Iterator[Path]:
    """Yield the files to analyse, each once, in a deterministic order.

    ``excludes`` are gitignore-style patterns relative to ``root`` (default: the current
    directory, the project root); a path outside it is matched relative to the argument it was
    found under. ``on_skip(path, reason)`` hears about arguments and walked entries that were
    left out for a reason a user may need (see the ``SKIP_*`` constants).
    """
    spec = compile_patterns(excludes)
    project_root = os.path.abspath(root if root is not None else os.getcwd())
    walker = _Walker(spec if len(spec) else None, project_root, respect_gitignore, on_skip)
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
            yield from walker.walk(p, base)
        elif walker.accept_file(p, st_link):
            yield p
