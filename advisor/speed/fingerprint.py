"""What the running analyzer is made of, for keys that must change when it changes.

Imported by the ``--daemon`` client before anything else, so it keeps to modules that cost
nothing to import (``hashlib`` is imported only for ``code_digest``).
"""

from __future__ import annotations

import os
import sys
import zlib

_SIGNATURE: str | None = None


def code_signature() -> str:
    """Names, sizes and modification times of the analyzer's sources and rule files, and of the
    parser's version file.

    The version alone is not enough: an editable install or a patched release changes what the
    detectors find without changing the version, and a stale cache would hide that silently.
    Statting the files costs a few milliseconds.
    """
    global _SIGNATURE
    if _SIGNATURE is not None:
        return _SIGNATURE
    # The whole ``advisor`` package, every stage's subpackage included (this file is in speed/).
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    bases = [root]
    try:
        from advisor import rules as rules_pkg

        bases.append(os.path.dirname(os.path.abspath(rules_pkg.__file__)))
    except (ImportError, TypeError):  # no package, or a namespace package without a file
        pass
    parts: list[str] = []
    for base in bases:
        # os.walk rather than Path.rglob: this runs on every cached run, pre-commit included.
        for top, dirs, files in os.walk(base):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            rel_top = top[len(base) :].replace(os.sep, "/").strip("/")
            for name in sorted(files):
                if name.endswith((".py", ".toml")):
                    try:
                        st = os.stat(os.path.join(top, name))
                    except OSError:
                        continue
                    rel = f"{rel_top}/{name}" if rel_top else name
                    parts.append(f"{rel}:{st.st_size}:{st.st_mtime_ns}|")
    parts.append(_parser_signature())
    _SIGNATURE = "".join(parts)
    return _SIGNATURE


# What the analysis also depends on: the parser. An upgraded libcst may parse or position a
# construct differently; its version file is found on the import path without importing it.
_PARSER_FILES = ("libcst/_version.py", "libcst/__init__.py")


def _parser_signature() -> str:
    for entry in sys.path:
        for rel in _PARSER_FILES:
            path = os.path.join(entry or ".", *rel.split("/"))
            try:
                st = os.stat(path)
            except OSError:
                continue
            return f"{rel}:{st.st_size}:{st.st_mtime_ns}|"
    return "libcst:absent|"


def code_digest() -> str:
    """A cryptographic digest of ``code_signature``, for cache keys."""
    import hashlib

    return hashlib.blake2b(code_signature().encode(), digest_size=12).hexdigest()


def code_checksum(*extra: str) -> str:
    """A cheap 64-bit checksum of ``code_signature`` and ``extra``, for names, not for trust."""
    data = "|".join([code_signature(), *extra]).encode("utf-8", "surrogatepass")
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}"
