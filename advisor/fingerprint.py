"""What the running analyzer is made of, for keys that must change when it changes."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """Digest of the analyzer's own sources and rule files.

    The version alone is not enough: an editable install or a patched release changes what the
    detectors find without changing the version, and a stale cache would hide that silently.
    Names, sizes and modification times of the files are enough, and cost a few milliseconds.
    """
    root = os.path.dirname(os.path.abspath(__file__))
    h = hashlib.blake2b(digest_size=12)
    try:
        from advisor import rules as rules_pkg

        rules_dir: str | None = os.path.dirname(os.path.abspath(rules_pkg.__file__))
    except (ImportError, TypeError):  # no package, or a namespace package without a file
        rules_dir = None
    for base in [root] + ([rules_dir] if rules_dir else []):
        # os.walk rather than Path.rglob: this runs on every cached run, pre-commit included.
        for top, dirs, files in os.walk(base):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".py", ".toml")):
                    path = os.path.join(top, name)
                    with contextlib.suppress(OSError):
                        st = os.stat(path)
                        rel = os.path.relpath(path, base).replace(os.sep, "/")
                        h.update(f"{rel}:{st.st_size}:{st.st_mtime_ns}|".encode())
    return h.hexdigest()
