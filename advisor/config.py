"""Project configuration: ``[tool.treddy-advisor]`` in ``pyproject.toml``.

The file is found from the scanned paths upward (or given with ``--config``); command-line flags
are layered on top by the CLI. Every key is validated: a typo or a bad value is a ``ConfigError``
naming the key and what is allowed, never a silent default.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import marshal
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.model import InputError


def _toml() -> Any:
    # Imported on first use: most pyproject.toml files have no section of ours (see below).
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    return tomllib


SECTION = "treddy-advisor"
CACHE_DIR_NAME = ".treddy_advisor_cache"
MEMO_NAME = "pyproject-section.marshal"  # see SectionMemo
SEVERITIES = ("info", "warning", "error")
CONFIDENCES = ("low", "medium", "high")
# A selector is a full rule code or a prefix of one ("TRD", "TRD3", "TRD30"), or ALL.
SELECTOR_RE = re.compile(r"^(ALL|TRD\d{0,3})$")


class ConfigError(InputError):
    """The configuration cannot be used; the message is one line meant for the user."""


@dataclass
class Config:
    select: list[str] = field(default_factory=lambda: ["ALL"])
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    extend_exclude: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    policy: Path | None = None
    fail_on: str = "error"
    min_confidence: str = "low"
    all_providers: bool = False
    providers: list[str] = field(default_factory=list)
    jobs: int = 0  # 0: choose from the CPU count
    cache: bool = True
    respect_gitignore: bool = True
    # Directory that relative patterns and the cache are anchored to.
    root: Path = field(default_factory=Path.cwd)
    # The file the values came from (None: defaults only).
    source: Path | None = None

    @property
    def excludes(self) -> list[str]:
        return [*self.exclude, *self.extend_exclude]

    def analysis_digest(self) -> str:
        """Hash of the settings that can change per-file facts (part of the cache key).

        The set of excluded files changes which modules cross-module resolution can see, so
        the patterns are part of it; rule selection is applied after the cache and is not.
        """
        payload = {
            "excludes": self.excludes,
            "respect_gitignore": self.respect_gitignore,
            "providers": self.providers,
            "all_providers": self.all_providers,
        }
        data = json.dumps(payload, sort_keys=True).encode()
        return hashlib.blake2b(data, digest_size=12).hexdigest()


def _codes(key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f'\'{key}\' must be a list of rule codes, e.g. ["TRD301", "TRD2"]')
    return [check_selector(key, v) for v in value]


def check_selector(key: str, value: str) -> str:
    code = value.strip().upper()
    if not SELECTOR_RE.match(code):
        raise ConfigError(
            f"'{key}': {value!r} is not a rule code; use a code such as TRD301, "
            "a prefix such as TRD3, or ALL"
        )
    return code


def _strings(key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"'{key}' must be a list of strings")
    return list(value)


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"'{key}' must be true or false, not {value!r}")
    return value


def _choice(key: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"'{key}' must be one of {', '.join(allowed)}; got {value!r}")
    return value


def _jobs(key: str, value: Any) -> int:
    if value == "auto":
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"'{key}' must be a non-negative integer or \"auto\"; got {value!r}")
    return value


def _per_file_ignores(key: str, value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise ConfigError(f"'{key}' must be a table of glob pattern = [rule codes]")
    return {str(pattern): _codes(f"{key}.{pattern}", codes) for pattern, codes in value.items()}


def _apply(config: Config, data: dict[str, Any], base: Path) -> None:
    setters = {
        "select": lambda v: setattr(config, "select", _codes("select", v)),
        "extend-select": lambda v: setattr(config, "extend_select", _codes("extend-select", v)),
        "ignore": lambda v: setattr(config, "ignore", _codes("ignore", v)),
        "exclude": lambda v: setattr(config, "exclude", _strings("exclude", v)),
        "extend-exclude": lambda v: setattr(
            config, "extend_exclude", _strings("extend-exclude", v)
        ),
        "per-file-ignores": lambda v: setattr(
            config, "per_file_ignores", _per_file_ignores("per-file-ignores", v)
        ),
        "policy": lambda v: setattr(config, "policy", _policy_path(v, base)),
        "fail-on": lambda v: setattr(config, "fail_on", _choice("fail-on", v, SEVERITIES)),
        "min-confidence": lambda v: setattr(
            config, "min_confidence", _choice("min-confidence", v, CONFIDENCES)
        ),
        "all-providers": lambda v: setattr(config, "all_providers", _bool("all-providers", v)),
        "providers": lambda v: setattr(config, "providers", _strings("providers", v)),
        "jobs": lambda v: setattr(config, "jobs", _jobs("jobs", v)),
        "cache": lambda v: setattr(config, "cache", _bool("cache", v)),
        "respect-gitignore": lambda v: setattr(
            config, "respect_gitignore", _bool("respect-gitignore", v)
        ),
    }
    for key, value in data.items():
        setter = setters.get(key)
        if setter is None:
            hint = _close_match(key, setters)
            raise ConfigError(
                f"unknown key '{key}' in [tool.{SECTION}]{hint}; "
                f"allowed keys: {', '.join(sorted(setters))}"
            )
        setter(value)


def _close_match(key: str, known: Iterable[str]) -> str:
    import difflib  # only to word an error

    match = difflib.get_close_matches(key.replace("_", "-"), list(known), n=1)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _policy_path(value: Any, base: Path) -> Path:
    if not isinstance(value, str) or not value:
        raise ConfigError("'policy' must be a path to a policy TOML file")
    path = Path(value)
    return path if path.is_absolute() else base / path


def read_section(path: Path, remember: bool = True) -> dict[str, Any] | None:
    """The ``[tool.treddy-advisor]`` table of a TOML file, or None when it has none.

    The parsed table is remembered in the project's cache directory (``SectionMemo``), so that a
    run whose configuration has not changed does not import a TOML parser at all. ``remember``
    False (``--no-cache``) still uses a memo but never writes one.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if SECTION.encode() not in data:
        return None  # however the table is spelt, its name is in the text
    memo = SectionMemo(path, data)
    if memo.hit:
        return memo.section
    tomllib = _toml()
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: not UTF-8 ({exc.reason})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    tool = doc.get("tool", {})
    section = tool.get(SECTION) if isinstance(tool, dict) else None
    if section is not None and not isinstance(section, dict):
        raise ConfigError(f"[tool.{SECTION}] in {path} must be a table")
    if remember and (section is None or section.get("cache") is not False):
        memo.store(section)
    return section


class SectionMemo:
    """Our table of one ``pyproject.toml``, as last parsed, keyed by the file's exact bytes.

    Parsing is cheap; importing ``tomllib`` is not (20-40 ms, a sixth of a pre-commit run). The
    memo sits in the cache directory beside the file and is only written when that directory
    exists already: a file whose project never ran us with a cache gets no directory from it.
    Keyed by a digest of the content, not by modification time, so an edit is always seen.
    """

    def __init__(self, path: Path, data: bytes) -> None:
        self.file = path.parent / CACHE_DIR_NAME / MEMO_NAME
        self.digest = hashlib.blake2b(data, digest_size=16).digest()
        self.hit = False
        self.section: dict[str, Any] | None = None
        try:
            with open(self.file, "rb") as fh:
                memo = marshal.loads(fh.read())
        except (OSError, ValueError, EOFError, TypeError):
            return
        # Anything else than what ``store`` writes (another build, a damaged file) is a miss.
        if isinstance(memo, tuple) and len(memo) == 2 and memo[0] == self.digest:
            section = memo[1]
            if section is None or isinstance(section, dict):
                self.hit, self.section = True, section

    def store(self, section: dict[str, Any] | None) -> None:
        if not self.file.parent.is_dir():
            return
        try:
            payload = marshal.dumps((self.digest, section))
        except ValueError:
            return  # a TOML date or time somewhere in the table: not worth a memo
        tmp = self.file.with_name(f".tmp-{os.getpid()}-{MEMO_NAME}")
        try:
            with open(tmp, "wb") as fh:
                fh.write(payload)
            os.replace(tmp, self.file)  # parallel runs: readers never see half a memo
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def config_candidates(paths: Iterable[str | Path]) -> list[Path]:
    """The ``pyproject.toml`` files ``find_config`` looks at, nearest first."""
    resolved = [Path(p).resolve() for p in paths] or [Path.cwd().resolve()]
    dirs = [p if p.is_dir() else p.parent for p in resolved]
    try:
        start = Path(os.path.commonpath([str(d) for d in dirs]))
    except ValueError:  # different drives on Windows
        start = Path.cwd().resolve()
    return [directory / "pyproject.toml" for directory in (start, *start.parents)]


def find_config(paths: Iterable[str | Path], remember: bool = True) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.treddy-advisor]`` table above the paths.

    Starts at the deepest directory that contains every path (so ``check src/ tests/`` finds
    the project's file) and walks up to the filesystem root.
    """
    for candidate in config_candidates(paths):
        if candidate.is_file():
            try:
                if read_section(candidate, remember) is not None:
                    return candidate
            except ConfigError:
                # An unrelated broken pyproject.toml above the project must not stop the scan,
                # but a broken one that configures us must not be skipped silently.
                if f"tool.{SECTION}" in candidate.read_text(errors="replace"):
                    raise
                continue
    return None


def load_config(path: Path | None, remember: bool = True) -> Config:
    """Load and validate the configuration in ``path``; defaults when ``path`` is None."""
    if path is None:
        return Config()
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    section = read_section(path, remember)
    if section is None and path.name != "pyproject.toml":
        # A dedicated file (``--config treddy-advisor.toml``) may hold the keys at top level.
        section = _top_level(path)
    root = path.resolve().parent
    config = Config(root=root, source=path)
    if section is not None:
        _apply(config, section, root)
    return config


def _top_level(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        doc = _toml().load(fh)
    doc.pop("tool", None)
    return doc


def _matches(selector: str, code: str) -> bool:
    return selector == "ALL" or code.startswith(selector)


def _most_specific(selectors: Iterable[str], code: str) -> int:
    """Length of the longest selector matching ``code`` (ALL counts as 0), -1 for none."""
    best = -1
    for sel in selectors:
        if _matches(sel, code):
            best = max(best, 0 if sel == "ALL" else len(sel))
    return best


class RuleFilter:
    """Which rules are on, globally and per file.

    As in Ruff, the most specific selector wins: ``select = ["TRD3"]`` with
    ``ignore = ["TRD"]`` keeps TRD3xx, and ``ignore = ["TRD301"]`` removes just that rule from a
    ``select = ["TRD3"]``. On a tie, ignore wins.
    """

    def __init__(self, config: Config) -> None:
        self.selected = [*config.select, *config.extend_select]
        self.ignored = list(config.ignore)
        self.root = config.root
        self._per_file: list[tuple[Any, list[str]]] = []
        if config.per_file_ignores:
            import pathspec

            self._per_file = [
                (pathspec.GitIgnoreSpec.from_lines([pattern]), codes)
                for pattern, codes in config.per_file_ignores.items()
            ]

    def enabled(self, code: str) -> bool:
        selected = _most_specific(self.selected, code)
        return selected >= 0 and selected > _most_specific(self.ignored, code)

    def ignored_in_file(self, code: str, path: str) -> bool:
        if not self._per_file:
            return False
        rel = relative_to_root(path, self.root)
        if rel is None:
            return False
        return any(
            _most_specific(codes, code) >= 0 and spec.match_file(rel)
            for spec, codes in self._per_file
        )

    def allows(self, code: str, path: str) -> bool:
        return self.enabled(code) and not self.ignored_in_file(code, path)


def relative_to_root(path: str | Path, root: Path) -> str | None:
    """``path`` relative to ``root`` with '/' separators, or None when outside it."""
    rel = os.path.relpath(Path(path).resolve(), root.resolve())
    if rel == ".." or rel.startswith(".." + os.sep):
        return None
    return rel.replace(os.sep, "/")
