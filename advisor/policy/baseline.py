"""Baselines for legacy code: record today's findings, then report only new ones.

An entry is (rule, path, fingerprint) with a count. Fingerprints come from the policy and carry
no line numbers, so the baseline survives code moving; counts make a fourth copy of a finding
recorded three times show up as new. Messages are never stored (they could quote code), and
secrets only ever appear as salted hashes inside fingerprints. Paths are stored relative to the
baseline file so the check can run from any directory. A check only reads the file; only an
explicit ``--prune-baseline`` rewrites it, and only to drop what has been fixed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from advisor.model import Finding, InputError

BASELINE_VERSION = 1


class BaselineError(InputError):
    """The baseline file cannot be read or written; the message is meant for the user."""


Key = tuple[str, str, str]


def fingerprint_of(finding: Finding, path: str | None = None) -> str:
    """The policy's fingerprint, or a line-free stand-in when a finding has none."""
    if finding.fingerprint:
        return finding.fingerprint
    parts = [finding.rule, path or finding.path, finding.context or "", finding.message]
    raw = "\x1f".join(parts)
    return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()


def _relative(path: str, base: Path) -> str:
    rel = os.path.relpath(Path(path).resolve(), base.resolve())
    return rel.replace(os.sep, "/")


def _key(finding: Finding, base: Path) -> Key:
    rel = _relative(finding.path, base)
    return finding.rule, rel, fingerprint_of(finding, rel)


def write(path: Path, findings: Iterable[Finding]) -> int:
    """Write the baseline for ``findings``; returns the number of findings recorded."""
    base = path.resolve().parent
    counts = Counter(_key(f, base) for f in findings)
    _write_counts(path, counts)
    return sum(counts.values())


def _write_counts(path: Path, counts: Counter[Key]) -> None:
    entries = [
        {"rule": rule, "path": rel, "fingerprint": fp, "count": n}
        for (rule, rel, fp), n in sorted(counts.items())
        if n > 0
    ]
    doc = {"version": BASELINE_VERSION, "tool": "treddy-advisor", "findings": entries}
    data = json.dumps(doc, indent=2, sort_keys=False) + "\n"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(data, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise BaselineError(f"cannot write baseline {path}: {exc.strerror or exc}") from exc


class Baseline:
    def __init__(self, path: Path, counts: Counter[Key]) -> None:
        self.path = Path(path)
        self.base = self.path.resolve().parent
        self.counts = counts
        self.matched: Counter[Key] = Counter()  # by the last ``filter``

    @classmethod
    def load(cls, path: Path) -> Baseline:
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise BaselineError(f"baseline file {path} does not exist") from exc
        except OSError as exc:
            raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from exc
        except json.JSONDecodeError as exc:
            raise BaselineError(f"baseline {path} is not valid JSON: {exc}") from exc
        if not isinstance(doc, dict) or doc.get("version") != BASELINE_VERSION:
            raise BaselineError(
                f"baseline {path} is not a treddy-advisor baseline (version {BASELINE_VERSION})"
            )
        counts: Counter[Key] = Counter()
        for entry in doc.get("findings", []):
            try:
                key = (str(entry["rule"]), str(entry["path"]), str(entry["fingerprint"]))
                count = int(entry.get("count", 1))
            except (KeyError, TypeError, ValueError) as exc:
                raise BaselineError(f"baseline {path} has a malformed entry: {entry!r}") from exc
            counts[key] += max(count, 0)
        return cls(Path(path), counts)

    def filter(self, findings: list[Finding]) -> tuple[list[Finding], int]:
        """(new findings, number matched by the baseline). Does not modify the baseline."""
        remaining = Counter(self.counts)
        new: list[Finding] = []
        matched = 0
        # Earlier occurrences absorb the baseline's count first, so an added copy further down
        # a file is the one reported.
        for finding in sorted(findings, key=lambda f: (f.path, f.span.line, f.span.column)):
            key = _key(finding, self.base)
            if remaining[key] > 0:
                remaining[key] -= 1
                matched += 1
            else:
                new.append(finding)
        self.matched = self.counts - remaining
        return new, matched

    def prune(self, checked: Iterable[str | Path]) -> int:
        """Drop what has been fixed; returns how many recorded findings were dropped.

        Only entries of the files this run ``checked`` (or of files that no longer exist) can
        shrink, to what the last ``filter`` matched: a run over part of the tree (pre-commit)
        leaves the rest of the baseline as it is. Nothing is ever added. The file is rewritten
        only when something was dropped.
        """
        seen = {_relative(str(p), self.base) for p in checked}
        kept: Counter[Key] = Counter()
        for key, count in self.counts.items():
            _, rel, _ = key
            if rel in seen or not (self.base / rel).exists():
                count = min(count, self.matched[key])
            kept[key] = count
        dropped = sum(self.counts.values()) - sum(kept.values())
        if dropped:
            _write_counts(self.path, kept)
            self.counts = +kept
        return dropped
