"""Per-file facts cache in ``.treddy_advisor_cache/`` at the project root.

One entry per analysed file, named after its path and holding the content digest it was computed
from; the directory is keyed by tool version, policy digest and the analysis-relevant config, so
changing any of them starts afresh. Findings are recomputed from cached facts on every run (that
part is cheap). Facts only hold redacted forms of secrets, so entries never carry clear text.
Writes go through a temporary file and ``os.replace`` so that parallel pre-commit processes can
share the directory.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import time
import types
import typing
from pathlib import Path
from typing import Any

from advisor import __version__
from advisor.config import CACHE_DIR_NAME
from advisor.model import AppEvidence, FileFacts
from advisor.policy.suppressions import Suppression
from advisor.speed.fingerprint import code_digest

CACHE_FORMAT = 1
# Marks the directory as a cache to backup tools (https://bford.info/cachedir/), and as ours
# to `treddy-advisor clean`.
CACHEDIR_TAG = "CACHEDIR.TAG"
CACHEDIR_TAG_TEXT = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# treddy-advisor cache; see https://bford.info/cachedir/\n"
)
# Key directories not used for this long are removed when a new key directory is created.
STALE_SECONDS = 14 * 24 * 3600


def cache_key(*parts: str) -> str:
    """Key of a cache generation: tool version, format and code digest plus the given digests."""
    raw = "|".join([str(CACHE_FORMAT), __version__, code_digest(), *parts])
    return hashlib.blake2b(raw.encode(), digest_size=10).hexdigest()


def default_cache_dir(root: Path) -> Path:
    return root / CACHE_DIR_NAME


class FactsCache:
    def __init__(self, base: Path, key: str) -> None:
        self.base = base
        self.dir = self.base / key
        self._ready = False

    def _ensure(self) -> bool:
        if self._ready:
            return True
        try:
            fresh = not self.dir.exists()
            self.dir.mkdir(parents=True, exist_ok=True)
            gitignore = self.base / ".gitignore"
            if not gitignore.exists():
                _atomic_write(gitignore, "# Created by treddy-advisor.\n*\n")
            tag = self.base / CACHEDIR_TAG
            if not tag.exists():
                _atomic_write(tag, CACHEDIR_TAG_TEXT)
            if fresh:
                self._prune_stale()
        except OSError:
            return False  # a read-only checkout just runs without a cache
        self._ready = True
        return True

    def _prune_stale(self) -> None:
        now = time.time()
        for child in self.base.iterdir():
            if child.is_dir() and child != self.dir:
                try:
                    if now - child.stat().st_mtime > STALE_SECONDS:
                        import shutil  # only when pruning; not on every run

                        shutil.rmtree(child, ignore_errors=True)
                except OSError:
                    pass

    def _entry(self, path: str) -> Path:
        name = hashlib.blake2b(path.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()
        return self.dir / name[:2] / f"{name}.json"

    def get(self, path: str, digest: str) -> tuple[FileFacts, list[Suppression]] | None:
        try:
            with self._entry(path).open(encoding="utf-8") as fh:
                doc = json.load(fh)
        except (OSError, ValueError):
            return None
        if doc.get("digest") != digest or doc.get("path") != path:
            return None
        try:
            facts = decode(FileFacts, doc["facts"])
            sups = [Suppression.from_json(s) for s in doc.get("suppressions", [])]
        except (KeyError, TypeError, ValueError):
            return None  # an entry from an incompatible build: recompute
        return facts, sups

    def put(
        self, path: str, digest: str, facts: FileFacts, suppressions: list[Suppression]
    ) -> None:
        if not self._ensure():
            return
        doc = {
            "path": path,
            "digest": digest,
            "facts": dataclasses.asdict(facts),
            "suppressions": [s.to_json() for s in suppressions],
        }
        entry = self._entry(path)
        try:
            entry.parent.mkdir(exist_ok=True)
            _atomic_write(entry, json.dumps(doc, separators=(",", ":")))
        except OSError:
            pass  # the cache is an optimisation; never fail the scan over it


def _atomic_write(path: Path, text: str) -> None:
    # A unique name beside the target, then a rename: readers never see half a file. Built by
    # hand rather than with tempfile, whose import costs more than a pre-commit run's write.
    tmp = path.with_name(f".tmp-{os.getpid()}-{time.monotonic_ns()}-{path.name}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


_FIELDS: dict[type, list[tuple[str, Any]]] = {}


def _fields(cls: type) -> list[tuple[str, Any]]:
    known = _FIELDS.get(cls)
    if known is None:
        hints = _hints(cls)
        known = [(f.name, hints[f.name]) for f in dataclasses.fields(cls)]
        _FIELDS[cls] = known
    return known


def decode(tp: Any, value: Any) -> Any:
    """Rebuild a value of type ``tp`` from its ``dataclasses.asdict`` JSON form."""
    kind = type(value)
    if value is None or kind is bool or kind is float:
        return value
    if kind is str and tp is not int:
        return value
    if (kind is list or kind is dict) and not value:
        return kind()  # most fields of most files: nothing to rebuild
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return tp(**{name: decode(ftp, value[name]) for name, ftp in _fields(tp) if name in value})
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        concrete = [a for a in args if a is not type(None)]
        return decode(concrete[0], value) if len(concrete) == 1 else value
    if origin is list:
        return [decode(args[0], v) for v in value] if args else list(value)
    if origin is dict:
        key_type = args[0] if args else str
        val_type = args[1] if args else Any
        return {decode(key_type, k): decode(val_type, v) for k, v in value.items()}
    if tp is int and kind is str:
        return int(value)  # JSON object keys are strings
    return value


_LIGHT_KEYS = frozenset({"path", "skipped", "app_evidence", "suppressions"})


def _light_facts(doc: dict[str, Any]) -> FileFacts:
    """``decode(FileFacts, doc)`` for what a file the prefilter skipped can hold, built directly:
    a warm run rebuilds one per unchanged file."""
    if not doc.keys() <= _LIGHT_KEYS:
        return decode(FileFacts, doc)  # type: ignore[no-any-return]
    return FileFacts(
        path=doc["path"],
        skipped=doc.get("skipped"),
        app_evidence=[AppEvidence(**e) for e in doc.get("app_evidence", ())],
        suppressions={int(k): list(v) for k, v in doc.get("suppressions", {}).items()},
    )


class StatIndex:
    """What the last scans saw of each file: size, modification time, digest, light facts.

    A warm run then needs no read at all for an unchanged file: its digest (and, for a file
    the prefilter let go, its facts) comes from here, the way Ruff keys its cache on
    modification times. Files changed within the last seconds are not recorded: a second
    write in the same timestamp tick would go unnoticed otherwise.
    """

    RECENT_SECONDS = 2.0

    def __init__(self, cache: FactsCache) -> None:
        self.cache = cache
        self.file = cache.dir / "stat-index.json"
        self.new: dict[str, list[Any]] = {}
        self._now = time.time()
        try:
            with self.file.open(encoding="utf-8") as fh:
                self.old: dict[str, list[Any]] = json.load(fh)
        except (OSError, ValueError):
            self.old = {}

    def lookup(
        self, path: str, st: os.stat_result
    ) -> tuple[str, tuple[FileFacts, list[Suppression]] | None] | None:
        entry = self.old.get(path)
        if not entry or entry[0] != st.st_size or entry[1] != st.st_mtime_ns:
            return None
        digest, light = entry[2], entry[3]
        if light is None:
            return digest, None
        try:
            facts = _light_facts(light["facts"])
            sups = [Suppression.from_json(x) for x in light.get("suppressions", [])]
        except (KeyError, TypeError, ValueError):
            return None
        self.new[path] = entry
        return digest, (facts, sups)

    def keep(self, path: str) -> None:
        if path in self.old:
            self.new[path] = self.old[path]

    def record(
        self,
        path: str,
        st: os.stat_result,
        digest: str,
        light: tuple[FileFacts, list[Suppression]] | None = None,
    ) -> None:
        if self._now - st.st_mtime < self.RECENT_SECONDS:
            return
        doc = None
        if light is not None:
            # Only what is set: a file the prefilter skipped is a path and a reason, and a warm
            # run rebuilds hundreds of these.
            facts = {k: v for k, v in dataclasses.asdict(light[0]).items() if v or v == 0}
            doc = {"facts": facts, "suppressions": [x.to_json() for x in light[1]]}
        self.new[path] = [st.st_size, st.st_mtime_ns, digest, doc]

    def save(self) -> None:
        if not self.new or not self.cache._ensure():
            return
        merged = {**self.old, **self.new}  # a pre-commit run on a few files keeps the rest
        if merged == self.old:
            return
        with contextlib.suppress(OSError):
            _atomic_write(self.file, json.dumps(merged, separators=(",", ":")))
