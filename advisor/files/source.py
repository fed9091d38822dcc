"""Reading a file into text: decoding, size limits, display paths. Never raises.

Every failure becomes a ``FileError`` whose reason says what is wrong and where (line, column,
byte value), never what the file contains: a file that fails to decode may still hold a secret.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import stat
import tokenize
from dataclasses import dataclass
from pathlib import Path

from advisor.model import FileError

# Default per-file size limit. Hand-written OAuth client code is far smaller; bigger files are
# generated or vendored data, and reading them would only cost time and memory.
MAX_FILE_BYTES = 5 * 1024 * 1024

_CHUNK = 1024 * 1024


@dataclass
class SourceFile:
    path: Path
    display_path: str
    text: str
    digest: str


def display_path(path: Path) -> str:
    """Path relative to the current directory when below it, always with '/' separators."""
    raw = os.fspath(path)
    if not os.path.isabs(raw):
        # already relative (discovery keeps the arguments' form): relpath would only cost
        # two getcwd/abspath round trips per file to say the same
        rel = os.path.normpath(raw)
        if rel != ".." and not rel.startswith(".." + os.sep):
            return rel.replace(os.sep, "/")
    try:
        rel = os.path.relpath(path)
    except ValueError:  # different drive on Windows
        rel = str(path)
    if rel.startswith(".."):
        rel = str(path)
    return rel.replace(os.sep, "/")


def _line_column(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and 0-based (byte) column of a byte offset."""
    return data.count(b"\n", 0, offset) + 1, offset - (data.rfind(b"\n", 0, offset) + 1)


def _position(data: bytes, offset: int) -> str:
    line, column = _line_column(data, offset)
    return f"line {line}, column {column}"


def _read_limited(path: Path, shown: str, limit: int) -> bytes | FileError:
    # O_NONBLOCK: opening a FIFO for reading must not wait for a writer. The type is checked on
    # the open descriptor, so a file swapped for a FIFO after discovery is still refused.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return FileError(shown, "cannot read file: symlink loop", "io")
        return FileError(shown, f"cannot read file: {exc.strerror or type(exc).__name__}", "io")
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            return FileError(shown, "cannot read file: it is a directory", "io")
        if not stat.S_ISREG(st.st_mode):
            return FileError(shown, "cannot read file: not a regular file", "io")
        if st.st_size > limit:
            return _too_large(shown, st.st_size, limit)
        chunks: list[bytes] = []
        total = 0
        # Read at most limit + 1 bytes: the size in stat may be stale or zero (pseudo files).
        while total <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            return _too_large(shown, None, limit)
        return b"".join(chunks)
    except OSError as exc:
        return FileError(shown, f"cannot read file: {exc.strerror or type(exc).__name__}", "io")
    finally:
        os.close(fd)


def _too_large(shown: str, size: int | None, limit: int) -> FileError:
    size_text = f"{size} bytes" if size is not None else "larger"
    return FileError(
        shown, f"file too large ({size_text}; the limit is {limit} bytes); not analysed", "limit"
    )


def decode_source(data: bytes, shown: str) -> str | FileError:
    """Decode Python source bytes as the interpreter would (PEP 263 cookie, UTF-8 BOM)."""
    nul = data.find(b"\x00")
    if nul >= 0:
        return FileError(
            shown,
            f"file contains a NUL byte at {_position(data, nul)}: binary, not Python",
            "decode",
            *_line_column(data, nul),
        )
    try:
        encoding, cookie_lines = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        # invalid or unknown cookie, or a cookie contradicting a UTF-8 BOM
        return FileError(shown, f"cannot decode file: {exc.msg}", "decode")
    declared = any(b"coding" in line for line in cookie_lines)
    try:
        text = data.decode(encoding)
    except LookupError:
        return FileError(shown, f"cannot decode file: unknown encoding {encoding!r}", "decode")
    except UnicodeDecodeError as exc:
        what = (
            f"{encoding} as its coding cookie declares"
            if declared
            else "UTF-8 (no coding cookie declares another encoding)"
        )
        byte = data[exc.start]
        return FileError(
            shown,
            f"cannot decode file: not valid {what}: byte 0x{byte:02x} at "
            f"{_position(data, exc.start)}",
            "decode",
            *_line_column(data, exc.start),
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def read_source(path: Path, *, max_bytes: int | None = None) -> SourceFile | FileError:
    """Read and decode one file; ``max_bytes`` overrides ``MAX_FILE_BYTES``."""
    path = Path(path)
    shown = display_path(path)
    limit = MAX_FILE_BYTES if max_bytes is None else max_bytes
    data = _read_limited(path, shown, limit)
    if isinstance(data, FileError):
        return data
    text = decode_source(data, shown)
    if isinstance(text, FileError):
        return text
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    return SourceFile(path, shown, text, digest)
