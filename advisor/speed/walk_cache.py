"""What a directory walk found last time, reused while nothing on the way has changed.

Listing every directory of a large tree, and reading the packaging files next to it for the
application kind, cost more than everything else a warm run does. One stat per directory tells
whether the listing would be the same (``discovery.WalkRecord``); one per packaging file whether
its evidence would. Used only when every argument is a directory (pre-commit names files, which
need no walk), and never for a walk that met a symbolic link or anything changed in the last
seconds (a second change within the same timestamp tick would go unnoticed).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from advisor.files.discovery import WalkRecord
from advisor.model import AppEvidence
from advisor.speed.cache import FactsCache, _atomic_write

RECENT_SECONDS = 2.0


class WalkCache:
    def __init__(self, cache: FactsCache, name: str) -> None:
        self.cache = cache
        self.file = cache.dir / name
        self._doc: dict[str, Any] = {}

    @classmethod
    def for_scan(
        cls,
        cache: FactsCache | None,
        paths: Sequence[str | Path],
        excludes: Sequence[str],
        respect_gitignore: bool,
        root: Path | None,
    ) -> WalkCache | None:
        if cache is None or not paths or not all(os.path.isdir(p) for p in paths):
            return None
        key = json.dumps(
            [os.getcwd(), [str(p) for p in paths], list(excludes), respect_gitignore, str(root)]
        )
        name = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()
        return cls(cache, f"walk-{name}.json")

    def load(self) -> list[Path] | None:
        """The files of the last walk, if no directory or ignore file has changed since."""
        try:
            with self.file.open(encoding="utf-8") as fh:
                doc = json.load(fh)
            record = WalkRecord(directories=doc["directories"], probes=doc["probes"])
            files = [Path(f) for f in doc["files"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not record.unchanged():
            return None
        self._doc = doc
        return files

    def save(self, files: list[Path], record: WalkRecord) -> None:
        if _unsettled(record):
            return
        self._doc = {
            "files": [str(f) for f in files],
            "directories": record.directories,
            "probes": record.lasting_probes(),
        }
        self._write()

    def evidence(self) -> list[AppEvidence] | None:
        """The packaging files' evidence of the last run, if none of them has changed."""
        saved = self._doc.get("evidence")
        if not isinstance(saved, dict):
            return None
        try:
            record = WalkRecord(directories=saved["directories"], probes=saved["probes"])
            items = [AppEvidence(**item) for item in saved["items"]]
        except (KeyError, TypeError):
            self._doc.pop("evidence", None)
            return None
        if not record.unchanged():
            self._doc.pop("evidence", None)  # not what this run's evidence depends on
            return None
        return items

    def save_evidence(self, items: list[AppEvidence], record: WalkRecord) -> None:
        if not self._doc or _unsettled(record):
            return
        from dataclasses import asdict

        self._doc["evidence"] = {
            "items": [asdict(e) for e in items],
            "directories": record.directories,
            "probes": record.lasting_probes(),
        }
        self._write()

    def inputs(self) -> tuple[dict[str, int], list[str]] | None:
        """The directories (path -> time seen) and probed files of the walk and of the
        packaging evidence, once both are recorded: what a replay of the run depends on."""
        evidence = self._doc.get("evidence")
        if "directories" not in self._doc or not isinstance(evidence, dict):
            return None
        directories = {**self._doc["directories"], **evidence["directories"]}
        return directories, [*self._doc["probes"], *evidence["probes"]]

    def _write(self) -> None:
        if not self.cache._ensure():
            return
        with contextlib.suppress(OSError):  # an optimisation only
            _atomic_write(self.file, json.dumps(self._doc, separators=(",", ":")))


def _unsettled(record: WalkRecord) -> bool:
    return record.unreliable or record.newest_ns() > (time.time() - RECENT_SECONDS) * 1e9
