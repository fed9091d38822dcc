"""A resident analyzer process: ``treddy-advisor check --daemon`` (POSIX).

A pre-commit run on one changed file spends most of its time importing the analyzer (libcst
alone takes 0.4 s on a small machine) before it looks at the file. With ``--daemon`` the first
run starts a background process that keeps everything imported, and later runs hand it their
command line through a Unix socket and print what it answers: the same output, exit code and
cache as a run of their own, without the imports. This is what dmypy does for mypy.

- Opt-in, and never in CI (``CI`` set): a daemon there outlives nothing useful.
- One process per user, interpreter and analyzer build: the socket name carries a digest of
  the analyzer's files (``advisor.speed.fingerprint``), so an upgrade or an edit starts a new one and
  the old one idles out. It quits after ``TREDDY_ADVISOR_DAEMON_IDLE`` seconds (default 900)
  without a request.
- The socket lives in a directory only its user can enter (0700, owner checked), so no other
  account can hand it a command line.
- Each request is served in a child forked from the resident process, in the client's working
  directory and environment, so parallel clients run side by side and no run leaves state behind.
- Whatever goes wrong on the way (no process yet, a stale socket, a crash) the client runs the
  check itself; nothing is lost but time.
"""

from __future__ import annotations

# The client side runs before anything else is imported (``advisor.cli.launcher``): it keeps to
# modules that cost nothing to import; the server side imports what it needs inside ``serve``.
import io  # already loaded by the interpreter: sys.stdout is an io object
import marshal
import os
import socket
import stat
import sys

FLAG = "--daemon"
IDLE_ENV = "TREDDY_ADVISOR_DAEMON_IDLE"
DEBUG_ENV = "TREDDY_ADVISOR_DAEMON_DEBUG"  # tests: the client says who served the run
DEFAULT_IDLE_SECONDS = 900.0
MAX_REQUEST_BYTES = 16 * 1024 * 1024


def available() -> bool:
    return hasattr(socket, "AF_UNIX") and hasattr(os, "getuid") and not os.environ.get("CI")


def socket_path() -> str | None:
    """The socket of this user's resident process for this interpreter and analyzer build."""
    if not available():
        return None
    from advisor import __version__
    from advisor.speed.fingerprint import code_checksum

    base = os.environ.get("XDG_RUNTIME_DIR") or os.environ.get("TMPDIR") or "/tmp"
    directory = os.path.join(base, f"treddy-advisor-{os.getuid()}")
    try:
        os.mkdir(directory, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        st = os.lstat(directory)
    except OSError:
        return None
    # Someone else's directory, or one others can enter, is not ours to talk through.
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        return None
    name = code_checksum(__version__, sys.executable, sys.version)
    path = os.path.join(directory, f"{name}.sock")
    # sun_path holds 108 bytes on Linux, 104 on macOS: a longer path cannot be bound.
    return path if len(os.fsencode(path)) < 104 else None


# --- client ------------------------------------------------------------------------------------


def run_client(argv: list[str]) -> int | None:
    """Have the resident process run ``argv``; None when it cannot (then run it here).

    Prints the run's output and returns its exit code. Starts the process for next time when
    there is none.
    """
    path = socket_path()
    if path is None:
        return None
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(path)
    except OSError:
        _start(path)
        return None
    request = {
        "argv": argv,
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "tty": sys.stdout.isatty(),  # for --color auto: the client's terminal, not ours
    }
    try:
        with conn:
            # marshal: both ends are the same interpreter build (the socket's name says so), and
            # it costs no import, unlike json
            conn.sendall(marshal.dumps(request))
            conn.shutdown(socket.SHUT_WR)
            chunks = []
            while chunk := conn.recv(1 << 16):
                chunks.append(chunk)
        answer = marshal.loads(b"".join(chunks))
        out, err, code = str(answer["stdout"]), str(answer["stderr"]), int(answer["code"])
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        return None  # the process went away mid-run: run here
    except KeyboardInterrupt:  # as click ends a run of one's own
        sys.stderr.write("Aborted!\n")
        return 1
    sys.stdout.write(out)
    sys.stderr.write(err)
    if os.environ.get(DEBUG_ENV):
        sys.stderr.write(f"[served by resident process {answer.get('pid')}]\n")
    return code


def _start(path: str) -> None:
    import subprocess

    try:  # noqa: SIM105 - contextlib is not imported on the client path
        subprocess.Popen(
            [sys.executable, "-m", "advisor.cli.resident", path],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # not killed with the hook's process group
            cwd="/",
        )
    except OSError:
        pass


# --- server ------------------------------------------------------------------------------------


def serve(path: str, idle_seconds: float | None = None) -> None:
    """Answer requests on ``path`` until nothing has come for ``idle_seconds``."""
    if socket_path() != path:
        # The socket's name says which analyzer build answers on it. This process imported
        # another one (the client ran a checkout from its working directory or PYTHONPATH,
        # this one runs from "/"): it must not answer in that build's name.
        return
    import contextlib
    import socketserver
    import time

    from advisor.cli.main import main

    _warm_up(main)
    if idle_seconds is None:
        idle_seconds = float(os.environ.get(IDLE_ENV, DEFAULT_IDLE_SECONDS))
    if _alive(path):
        return  # another one won the race to start
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)  # a stale socket of a process that died
    last = time.monotonic()
    resident_pid = os.getpid()  # the answer names this process, not the child that ran

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            raw = self.rfile.read(MAX_REQUEST_BYTES)
            try:
                request = marshal.loads(raw)
                answer = _run(main, request)
            except (ValueError, KeyError, TypeError, EOFError) as exc:
                answer = {"stdout": "", "stderr": f"bad request: {exc}\n", "code": 2}
            answer["pid"] = resident_pid
            self.wfile.write(marshal.dumps(answer))

    class Server(socketserver.ForkingMixIn, socketserver.UnixStreamServer):
        # Each request in a child forked from this process: runs of parallel hook processes
        # (pre-commit splits the file list) proceed side by side, and whatever a run changes
        # (working directory, environment, module state) goes away with its child.
        def process_request(self, request: object, client_address: object) -> None:
            nonlocal last
            last = time.monotonic()
            super().process_request(request, client_address)

    old_umask = os.umask(0o177)  # the socket file: owner only
    try:
        server = Server(path, Handler)
    finally:
        os.umask(old_umask)
    server.timeout = 1.0
    mine = os.stat(path).st_ino
    try:
        # Until idle, or until the socket is deleted or taken over by another process.
        while time.monotonic() - last < idle_seconds and _inode(path) == mine:
            server.handle_request()
            server.collect_children()
    finally:
        server.server_close()  # waits for the runs still going
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == mine:  # not a successor's socket
                os.unlink(path)


class _Captured(io.StringIO):
    """A captured stream that says whether the client's own stream is a terminal."""

    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


# A token request of the kind the hook sees most: enough to exercise discovery, the parse, every
# detector, the shipped policy and each output format once.
_WARM_UP_SOURCE = """\
import os

import requests


def fetch_token():
    return requests.post(
        "https://auth.example.com/oauth/token",
        data={"grant_type": "client_credentials", "client_secret": os.environ["SECRET"]},
    ).json()["access_token"]
"""


def _warm_up(main: object) -> None:
    """Load, once, everything a run would otherwise load on first use.

    Each request runs in a fresh fork of this process, so whatever a run imports or parses
    itself (detectors, the shipped policy, a reporter, the TOML parser) it does again the next
    time. Running a representative check here first puts all of it in the fork's starting point.
    """
    import tempfile

    from advisor.analysis.analyzer import _import_engine
    from advisor.cli.main import FORMATS
    from advisor.speed.fingerprint import code_signature

    _import_engine()
    code_signature()  # the cache key's part; the socket's name changes with it anyway
    with tempfile.TemporaryDirectory(prefix="treddy-advisor-warm-up-") as tmp:
        with open(os.path.join(tmp, "pyproject.toml"), "w", encoding="utf-8") as fh:
            fh.write("[tool.treddy-advisor]\n")
        with open(os.path.join(tmp, "client.py"), "w", encoding="utf-8") as fh:
            fh.write(_WARM_UP_SOURCE)
        for fmt in FORMATS:
            argv = ["check", "--no-cache", "--format", fmt, "client.py"]
            _run(main, {"argv": argv, "cwd": tmp, "env": dict(os.environ)})


def _inode(path: str) -> int | None:
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def _alive(path: str) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.connect(path)
        return True
    except OSError:
        return False


def _run(main: object, request: dict[str, object]) -> dict[str, object]:
    """One command line in the client's directory and environment, output captured."""
    import contextlib

    argv = [str(a) for a in request["argv"]]
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    # Output is decided as for the client's own streams: colour when its stdout is a terminal
    # (unless NO_COLOR, --color or --output-file say otherwise); never a progress bar, which
    # would only arrive all at once at the end.
    out, err = _Captured(bool(request.get("tty"))), _Captured(False)
    code = 0
    try:
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in request["env"].items()})
        os.chdir(request["cwd"])
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main.main(args=argv, prog_name="treddy-advisor", standalone_mode=True)
            except SystemExit as done:
                from advisor.exits import exit_status

                code = exit_status(done)
            except Exception as exc:  # one bad request never takes the process down
                from advisor.analysis.parsing import describe_exception

                err.write(f"treddy-advisor: internal error: {describe_exception(exc)}\n")
                code = 2
    except OSError as exc:  # the client's directory is gone
        err.write(f"treddy-advisor: error: {exc}\n")
        code = 2
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        with contextlib.suppress(OSError):
            os.chdir(saved_cwd)
    return {"stdout": out.getvalue(), "stderr": err.getvalue(), "code": code}


if __name__ == "__main__":
    serve(sys.argv[1])
