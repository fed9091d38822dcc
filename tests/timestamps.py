"""Moving file times into the past, for the caches that distrust what changed in the last
seconds (a second write within one timestamp tick would go unnoticed)."""

from __future__ import annotations

import os
import time
from pathlib import Path


def age(*paths: Path, seconds: int = 3600) -> None:
    old = time.time() - seconds
    for path in paths:
        os.utime(path, (old, old), follow_symlinks=False)


def age_tree(root: Path) -> None:
    """Every entry below ``root``, and ``root`` itself."""
    for dirpath, dirnames, filenames in os.walk(root):
        age(*(Path(dirpath) / n for n in [*dirnames, *filenames]))
    age(root)
