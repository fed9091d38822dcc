"""Reading files: encodings, limits and refusals, each a FileError with a clear reason."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from advisor.files import source
from advisor.files.source import SourceFile, read_source
from advisor.model import FileError

SECRET = "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"


def read(path: Path, **kwargs: int) -> SourceFile | FileError:
    return read_source(path, **kwargs)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_plain_utf8(tmp_path: Path) -> None:
    src = read(
        write(tmp_path, "a.py", "TOKEN_URL = 'https://api.treddy.example/oauth/tøken'\n".encode())
    )
    assert isinstance(src, SourceFile)
    assert "tøken" in src.text
    assert len(src.digest) == 32


def test_empty_file_is_fine(tmp_path: Path) -> None:
    src = read(write(tmp_path, "__init__.py", b""))
    assert isinstance(src, SourceFile)
    assert src.text == ""


def test_utf8_bom_is_removed(tmp_path: Path) -> None:
    src = read(write(tmp_path, "bom.py", b"\xef\xbb\xbfx = '\xc3\xa9'\n"))
    assert isinstance(src, SourceFile)
    assert src.text == "x = 'é'\n"


@pytest.mark.parametrize("cookie_line", [0, 1])
def test_pep263_cookie_on_first_or_second_line(tmp_path: Path, cookie_line: int) -> None:
    lines = [b"#!/usr/bin/env python\n"] if cookie_line else []
    lines += [b"# -*- coding: latin-1 -*-\n", b"CLIENT_NAME = 'caf\xe9'\n"]
    src = read(write(tmp_path, "latin.py", b"".join(lines)))
    assert isinstance(src, SourceFile)
    assert "CLIENT_NAME = 'café'" in src.text


def test_invalid_utf8_without_cookie_names_the_byte_and_position(tmp_path: Path) -> None:
    data = f"ok = 1\nSECRET = '{SECRET}'  # caf\xe9\n".encode("latin-1")
    err = read(write(tmp_path, "legacy.py", data))
    assert isinstance(err, FileError)
    assert err.kind == "decode"
    assert "not valid UTF-8" in err.reason
    assert "byte 0xe9 at line 2" in err.reason
    assert SECRET not in err.reason


def test_invalid_bytes_for_the_declared_encoding(tmp_path: Path) -> None:
    data = b"# coding: utf-8\nx = '\xff\xfe'\n"
    err = read(write(tmp_path, "lying.py", data))
    assert isinstance(err, FileError)
    assert err.kind == "decode"
    assert "utf-8 as its coding cookie declares" in err.reason
    assert "line 2, column 5" in err.reason


def test_unknown_encoding_in_cookie(tmp_path: Path) -> None:
    err = read(write(tmp_path, "weird.py", b"# -*- coding: klingon-8 -*-\nx = 1\n"))
    assert isinstance(err, FileError)
    assert err.kind == "decode"
    assert "klingon-8" in err.reason


def test_bom_contradicting_the_cookie(tmp_path: Path) -> None:
    err = read(write(tmp_path, "both.py", b"\xef\xbb\xbf# coding: latin-1\nx = 1\n"))
    assert isinstance(err, FileError)
    assert err.kind == "decode"


def test_nul_bytes_are_refused_as_binary(tmp_path: Path) -> None:
    err = read(write(tmp_path, "nul.py", b"x = 1\ny = '\x00'\n"))
    assert isinstance(err, FileError)
    assert err.kind == "decode"
    assert "NUL byte at line 2, column 5" in err.reason


def test_binary_content_named_py(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    err = read(write(tmp_path, "logo.py", png))
    assert isinstance(err, FileError)
    assert err.kind == "decode"


def test_size_limit_refuses_a_huge_file_without_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    huge = tmp_path / "huge.py"
    with huge.open("wb") as fh:  # a sparse file: 64 MiB that cost nothing to write
        fh.truncate(64 * 1024 * 1024)
    reads: list[int] = []
    real_read = os.read
    monkeypatch.setattr(source.os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    started = time.perf_counter()
    err = read(huge)
    assert time.perf_counter() - started < 1.0
    assert isinstance(err, FileError)
    assert err.kind == "limit"
    assert str(64 * 1024 * 1024) in err.reason
    assert reads == []


def test_large_but_allowed_file_is_read(tmp_path: Path) -> None:
    line = "CLIENT_ID = 'treddy-client-0001'  # padding padding padding\n"
    text = line * ((source.MAX_FILE_BYTES - 1024) // len(line))
    src = read(write(tmp_path, "big.py", text.encode()))
    assert isinstance(src, SourceFile)
    assert len(src.text) == len(text)


def test_limit_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = write(tmp_path, "m.py", b"x = 1\n" * 100)
    err = read(p, max_bytes=100)
    assert isinstance(err, FileError) and err.kind == "limit"
    monkeypatch.setattr(source, "MAX_FILE_BYTES", 50)
    err = read(p)
    assert isinstance(err, FileError) and err.kind == "limit"
    assert isinstance(read(p, max_bytes=1000), SourceFile)


def test_a_file_growing_past_the_limit_while_read_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # stat may report a stale or zero size (pseudo files); the read itself is bounded too
    p = write(tmp_path, "grows.py", b"x = 1\n" * 100)
    real_fstat = os.fstat

    class Shrunk:
        def __init__(self, st: os.stat_result) -> None:
            self.st_mode = st.st_mode
            self.st_size = 0

    monkeypatch.setattr(source.os, "fstat", lambda fd: Shrunk(real_fstat(fd)))
    err = read(p, max_bytes=100)
    assert isinstance(err, FileError) and err.kind == "limit"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    outcome: list[object] = []
    worker = threading.Thread(target=lambda: outcome.append(read(fifo)), daemon=True)
    worker.start()
    worker.join(5)
    assert not worker.is_alive(), "reading a FIFO blocked"
    assert isinstance(outcome[0], FileError)
    assert outcome[0].kind == "io"
    assert "not a regular file" in outcome[0].reason


def test_directory_missing_file_and_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "x.py").mkdir()
    (tmp_path / "loop.py").symlink_to("loop.py")
    for name, words in [("x.py", "directory"), ("gone.py", "No such file"), ("loop.py", "loop")]:
        err = read(tmp_path / name)
        assert isinstance(err, FileError), name
        assert err.kind == "io"
        assert words in err.reason


def test_permission_denied_is_an_io_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # chmod 000 does not stop root (the CI user): the refusal is simulated at os.open
    p = write(tmp_path, "locked.py", b"x = 1\n")

    def refuse(path: object, flags: int, *args: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(source.os, "open", refuse)
    err = read(p)
    assert isinstance(err, FileError)
    assert (err.kind, err.reason) == ("io", "cannot read file: Permission denied")


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads files whatever their mode"
)
def test_permission_denied_for_real(tmp_path: Path) -> None:
    p = write(tmp_path, "locked.py", b"x = 1\n")
    p.chmod(0)
    try:
        err = read(p)
    finally:
        p.chmod(0o644)
    assert isinstance(err, FileError) and err.kind == "io"


def test_display_path_is_relative_and_slash_separated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pkg").mkdir()
    p = write(tmp_path / "pkg", "a b.py", b"x = 1\n")
    src = read(p)
    assert isinstance(src, SourceFile)
    assert src.display_path == "pkg/a b.py"
    err = read(tmp_path / "pkg" / "missing.py")
    assert isinstance(err, FileError) and err.path == "pkg/missing.py"
