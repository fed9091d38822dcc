"""A corpus of hostile files, generated here: nothing crashes, nothing is lost, nothing leaks.

Every bad file ends as a FileError (or a documented discovery skip) while every other file in
the same tree is still discovered, read, parsed and analysed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import libcst as cst
import pytest

from advisor.analysis.parsing import parse_module
from advisor.files.discovery import (
    SKIP_DIR_SYMLINK,
    SKIP_NOT_REGULAR,
    SKIP_SYMLINK_LOOP,
    SKIP_SYMLINK_OUTSIDE,
    discover,
)
from advisor.files.source import SourceFile, read_source
from advisor.model import FileError

SECRET = "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"

# Enough vocabulary for the analyzer's prefilter to parse the file rather than skip it.
PREAMBLE = "import requests\n# grant_type=client_credentials client_secret\n"

OAUTH_FILE = """\
import os

from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session

TOKEN_URL = "https://api.treddy.example/oauth/token"


def treddy_session():
    client = BackendApplicationClient(client_id=os.environ["TREDDY_CLIENT_ID"])
    session = OAuth2Session(client=client)
    session.fetch_token(
        token_url=TOKEN_URL,
        client_id=os.environ["TREDDY_CLIENT_ID"],
        client_secret=os.environ["TREDDY_CLIENT_SECRET"],
    )
    return session
"""

# name -> expected FileError kind for files that must land in errors
BAD = {
    "syntax_error.py": "syntax",
    "python2.py": "syntax",
    "latin1_without_cookie.py": "decode",
    "lying_cookie.py": "decode",
    "unknown_cookie.py": "decode",
    "nul_bytes.py": "decode",
    "binary.py": "decode",
    "huge.py": "limit",
    "deep_nesting.py": "limit",
    "long_chain.py": "limit",
    "endless_strings.py": "limit",
}
# files that must be analysed normally (relative to the corpus root)
GOOD = [
    "oauth_client.py",
    "empty.py",
    "bom.py",
    "latin1_with_cookie.py",
    "large_but_allowed.py",
    "topics_like.py",
    "with space.py",
    "ünïcødé_模块.py",
    "<b>&amp;'q'.py",
    "x.py/inside.py",
]
# discovery skips, with their documented reasons
SKIPPED = {
    "pipe.py": SKIP_NOT_REGULAR,
    "loop_a.py": SKIP_SYMLINK_LOOP,
    "loop_b.py": SKIP_SYMLINK_LOOP,
    "outside.py": SKIP_SYMLINK_OUTSIDE,
    "sub/up": SKIP_DIR_SYMLINK,
}


def concatenated(n: int) -> str:
    body = "".join(f"    'line {i} of the help text\\n'\n" for i in range(n))
    return f"{PREAMBLE}topics = {{\n  'assert': (\n{body}  ),\n}}\n"


def build_corpus(root: Path, elsewhere: Path) -> None:
    def put(name: str, data: str | bytes) -> None:
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)

    put("oauth_client.py", OAUTH_FILE)
    put("empty.py", b"")
    put("bom.py", b"\xef\xbb\xbf" + PREAMBLE.encode() + b"NAME = '\xc3\xa9'\n")
    put("latin1_with_cookie.py", b"# -*- coding: latin-1 -*-\n" + PREAMBLE.encode() + b"N='\xe9'\n")
    line = "CLIENT_NAME = 'treddy-reporting-service'  # generated row\n"
    put("large_but_allowed.py", PREAMBLE + line * (250_000 // len(line)))
    put("topics_like.py", concatenated(2000))
    for odd in ("with space.py", "ünïcødé_模块.py", "<b>&amp;'q'.py", "x.py/inside.py"):
        put(odd, PREAMBLE + "x = 1\n")

    put("syntax_error.py", PREAMBLE + f"CLIENT_SECRET = '{SECRET}' oops\n")
    put("python2.py", PREAMBLE + "print 'fetching token'\nexec 'x = 1'\n")
    put(
        "latin1_without_cookie.py",
        PREAMBLE.encode() + f"S = '{SECRET}' # caf\xe9\n".encode("latin-1"),
    )
    put("lying_cookie.py", b"# coding: utf-8\n" + PREAMBLE.encode() + b"x = '\xff'\n")
    put("unknown_cookie.py", b"# coding: no-such-codec\n" + PREAMBLE.encode())
    put("nul_bytes.py", PREAMBLE.encode() + b"x = '\x00'\n")
    put("binary.py", b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 64)
    with (root / "huge.py").open("wb") as fh:  # 48 MiB, sparse: cheap to create
        fh.write(PREAMBLE.encode())
        fh.truncate(48 * 1024 * 1024)
    put("deep_nesting.py", PREAMBLE + "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    put("long_chain.py", PREAMBLE + "x = " + " + ".join(["1"] * 6000) + "\n")
    put("endless_strings.py", concatenated(6000))

    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "pipe.py")
    (root / "loop_a.py").symlink_to("loop_b.py")
    (root / "loop_b.py").symlink_to("loop_a.py")
    private = elsewhere / "private.py"
    private.write_text(OAUTH_FILE.replace('os.environ["TREDDY_CLIENT_SECRET"]', repr(SECRET)))
    (root / "outside.py").symlink_to(private)
    (root / "sub").mkdir()
    (root / "sub" / "up").symlink_to("..", target_is_directory=True)


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if sys.platform == "win32":
        pytest.skip("the corpus needs symlinks and FIFOs")
    (tmp_path / "elsewhere").mkdir()
    build_corpus(tmp_path / "corpus", tmp_path / "elsewhere")
    monkeypatch.chdir(tmp_path)
    return Path("corpus")


def test_discover_read_parse_over_the_corpus(corpus: Path) -> None:
    skipped: dict[str, str] = {}
    files = list(
        discover(
            [corpus],
            on_skip=lambda p, why: skipped.setdefault(p.relative_to(corpus).as_posix(), why),
        )
    )
    names = [f.relative_to(corpus).as_posix() for f in files]
    assert sorted(names) == sorted([*GOOD, *BAD])
    expected_skips = dict(SKIPPED)
    if not hasattr(os, "mkfifo"):
        del expected_skips["pipe.py"]
    assert skipped == expected_skips

    errors: dict[str, FileError] = {}
    parsed: list[str] = []
    for f, name in zip(files, names, strict=True):
        src = read_source(f)
        if isinstance(src, SourceFile):
            src = parse_module(src.text, src.display_path)
        if isinstance(src, FileError):
            errors[name] = src
        else:
            assert isinstance(src, cst.Module)
            parsed.append(name)
    assert {n: e.kind for n, e in errors.items()} == BAD
    assert sorted(parsed) == sorted(GOOD)
    for err in errors.values():
        assert SECRET not in err.reason
        assert err.path.startswith("corpus/")


def test_unreadable_file_in_the_corpus(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = corpus / "oauth_client.py"
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        target.chmod(0)
    else:  # root ignores file modes: refuse the open instead
        from advisor.files import source

        real_open = os.open

        def guarded_open(path: str | os.PathLike[str], flags: int, *args: int) -> int:
            if Path(path) == target:
                raise PermissionError(13, "Permission denied")
            return real_open(path, flags, *args)

        monkeypatch.setattr(source.os, "open", guarded_open)
    try:
        outcomes = {f.name: read_source(f) for f in discover([corpus])}
    finally:
        target.chmod(0o644)
    err = outcomes["oauth_client.py"]
    assert isinstance(err, FileError) and err.kind == "io"
    assert isinstance(outcomes["empty.py"], SourceFile)


@pytest.mark.parametrize("jobs", [1, 2], ids=["in-process", "worker-processes"])
def test_end_to_end_every_bad_file_is_an_error_and_the_oauth_file_still_counts(
    corpus: Path, jobs: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from advisor import engine
    from advisor.engine import ScanOptions, analyze_paths

    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 1)  # the pool, even for a small tree
    result = analyze_paths([corpus], ScanOptions(use_cache=False, jobs=jobs))

    by_path = {e.path: e for e in result.errors}
    assert {p: e.kind for p, e in by_path.items()} == {f"corpus/{n}": k for n, k in BAD.items()}
    assert result.files_scanned == len(GOOD) + len(BAD)

    usages = [u for u in result.usages if u.path == "corpus/oauth_client.py"]
    assert [(u.library, u.operation, u.flow, u.client_auth) for u in usages] == [
        ("requests-oauthlib", "token_request", "client_credentials", "basic")
    ]
    assert all(u.path.startswith("corpus/") for u in result.usages)
    assert not any("private" in u.path or "outside" in u.path for u in result.usages)
    for err in result.errors:
        assert SECRET not in err.reason


def test_a_deeply_nested_module_imported_by_another_does_not_crash_the_run(
    tmp_path: Path,
) -> None:
    import subprocess
    import textwrap

    (tmp_path / "deep.py").write_text(
        "import requests\nTOKEN_URL = 'https://api.treddy.example/oauth/token'\n"
        "x = " + "[" * 200_000 + "]" * 200_000 + "\n"
    )
    (tmp_path / "client.py").write_text(
        "import requests\nfrom deep import TOKEN_URL\n"
        "requests.post(TOKEN_URL, data={'grant_type': 'client_credentials'}, auth=(cid, sec))\n"
    )
    code = """
        from advisor.engine import ScanOptions, analyze_paths
        result = analyze_paths(["."], ScanOptions(use_cache=False, jobs=1))
        print(sorted(e.path for e in result.errors), len(result.usages))
    """
    # a child process: the failure mode is a segfault
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "['deep.py'] 1"


ESCAPES = r"""import re

import requests

DIGITS = re.compile("\d+")  # an invalid escape sequence: a SyntaxWarning from Python 3.12 on


def token():
    return requests.post(
        "https://auth.treddy.com/oauth/token",
        data={"grant_type": "client_credentials", "client_secret": "tr_sk\d_7f3c9a1e5b2d8046"},
    ).json()["access_token"]
"""


@pytest.mark.parametrize(
    "args",
    [
        ("check", "--show-source"),
        ("check", "--format", "json"),
        ("check", "--format", "sarif"),
        ("check", "--unsafe-fixes", "--diff"),
    ],
    ids=["text", "json", "sarif", "fix-diff"],
)
def test_the_scanned_code_s_compiler_warnings_are_not_printed(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    import subprocess

    (tmp_path / "client.py").write_text(ESCAPES)
    done = subprocess.run(
        # -W always: every warning that is not filtered out is printed, whatever its category
        [sys.executable, "-W", "always", "-m", "advisor", *args, "--no-cache", "client.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    expected = "TREDDY_CLIENT_SECRET" if "--diff" in args else "TRD301"  # the fix, or the finding
    assert expected in done.stdout, done.stdout
    assert "escape sequence" not in done.stderr, done.stderr
    assert "Warning" not in done.stderr, done.stderr
