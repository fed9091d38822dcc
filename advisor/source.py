"""Reading a file into text: decoding, size limits, display paths. Never raises."""

from __future__ import annotations

import hashlib
import io
import os
import tokenize
from dataclasses import dataclass
from pathlib import Path

from advisor.model import FileError

MAX_FILE_BYTES = 5 * 1024 * 1024


@dataclass
class SourceFile:
    path: Path
    display_path: str
    text: str
    digest: str


def display_path(path: Path) -> str:
    """Path relative to the current directory when below it, always with '/' separators."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # different drive on Windows
        rel = str(path)
    if rel.startswith(".."):
        rel = str(path)
    return rel.replace(os.sep, "/")


def read_source(path: Path) -> SourceFile | FileError:
    shown = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return FileError(shown, f"cannot read file: {exc.strerror or exc}", "io")
    if len(data) > MAX_FILE_BYTES:
        return FileError(shown, f"file is larger than {MAX_FILE_BYTES} bytes; skipped", "limit")
    if b"\x00" in data:
        return FileError(shown, "file contains NUL bytes (binary?); skipped", "decode")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        return FileError(shown, f"cannot decode file: {exc}", "decode")
    if text.startswith("\ufeff"):
        text = text[1:]
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    return SourceFile(path, shown, text, digest)
