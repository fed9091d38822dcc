"""``check --daemon``: a resident process answers like a run of one's own, or not at all."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="POSIX only")

VIOLATING = (Path(__file__).parent / "fixtures" / "clients" / "body_secret_client.py").read_text()
SERVED = re.compile(r"\[served by resident process (\d+)\]")


@pytest.fixture
def env() -> Iterator[dict[str, str]]:
    # a short directory: a socket path has at most 104-108 bytes
    runtime = Path(tempfile.mkdtemp(prefix="ta-", dir="/tmp"))
    environ = {k: v for k, v in os.environ.items() if k != "CI"}
    environ.update(
        XDG_RUNTIME_DIR=str(runtime),
        TREDDY_ADVISOR_DAEMON_DEBUG="1",
        TREDDY_ADVISOR_DAEMON_IDLE="60",
    )
    yield environ
    for sock in runtime.rglob("*.sock"):  # stop what the test started
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(str(sock))
            except OSError:
                continue
        sock.unlink()  # the server stops when its socket is gone
    shutil.rmtree(runtime, ignore_errors=True)


def advisor(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "advisor", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def wait_for_server(env: dict[str, str]) -> Path:
    runtime = Path(env["XDG_RUNTIME_DIR"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for sock in runtime.rglob("*.sock"):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                try:
                    probe.connect(str(sock))
                    return sock
                except OSError:
                    pass
        time.sleep(0.2)
    raise AssertionError("no resident process came up")


def project(root: Path, config: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(f"[tool.treddy-advisor]\n{config}")
    (root / "client.py").write_text(VIOLATING)
    return root


def rules(out: str) -> set[str]:
    return {f["rule"] for f in json.loads(out)["findings"]}


def test_later_runs_are_served_with_the_same_result(tmp_path: Path, env: dict[str, str]) -> None:
    root = project(tmp_path / "app")
    args = ("check", ".", "--format", "json", "--daemon")
    first = advisor(*args, cwd=root, env=env)
    assert first.returncode == 1 and not SERVED.search(first.stderr)  # ran here, started one
    wait_for_server(env)
    second = advisor(*args, cwd=root, env=env)
    assert SERVED.search(second.stderr), second.stderr
    assert second.returncode == first.returncode
    assert json.loads(second.stdout) == json.loads(first.stdout)
    assert rules(second.stdout) >= {"TRD201", "TRD301"}
    # a file edited since: analysed again, not answered from the process's memory
    (root / "client.py").write_text(VIOLATING.replace("CLIENT_SECRET = ", "CLIENT_SECRET = None #"))
    third = advisor(*args, cwd=root, env=env)
    assert SERVED.search(third.stderr) and "TRD301" not in rules(third.stdout)


def test_each_run_has_its_own_directory_configuration_and_errors(
    tmp_path: Path, env: dict[str, str]
) -> None:
    strict = project(tmp_path / "strict")
    lenient = project(tmp_path / "lenient", 'ignore = ["TRD301"]\n')
    broken = project(tmp_path / "broken", "selekt = ['TRD2']\n")
    advisor("check", ".", "--daemon", cwd=strict, env=env)
    wait_for_server(env)
    a = advisor("check", ".", "--format", "json", "--daemon", cwd=strict, env=env)
    b = advisor("check", ".", "--format", "json", "--daemon", cwd=lenient, env=env)
    c = advisor("check", ".", "--daemon", cwd=broken, env=env)
    assert all(SERVED.search(run.stderr) for run in (a, b, c))
    assert "TRD301" in rules(a.stdout) and "TRD301" not in rules(b.stdout)
    assert c.returncode == 2 and "selekt" in c.stderr


def test_parallel_clients_are_each_answered_for_their_own_project(
    tmp_path: Path, env: dict[str, str]
) -> None:
    # pre-commit splits the file list across parallel hook processes: all of them at once.
    strict = project(tmp_path / "strict")
    lenient = project(tmp_path / "lenient", 'ignore = ["TRD301"]\n')
    advisor("check", ".", "--daemon", cwd=strict, env=env)
    wait_for_server(env)
    args = [sys.executable, "-m", "advisor", "check", ".", "--format", "json", "--daemon"]
    runs = [
        subprocess.Popen(args, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for root in (strict, lenient) * 4
    ]
    answers = [(run.communicate(timeout=120), run.returncode) for run in runs]
    residents = set()
    for i, ((out, err), code) in enumerate(answers):
        served = SERVED.search(err.decode())
        assert served and code == 1, err.decode()
        residents.add(served.group(1))
        assert ("TRD301" in rules(out.decode())) == (i % 2 == 0)
    assert len(residents) == 1  # one resident process answered them all


def test_a_stale_socket_means_a_run_here(tmp_path: Path, env: dict[str, str]) -> None:
    root = project(tmp_path / "app")
    advisor("check", ".", "--daemon", cwd=root, env=env)
    sock = wait_for_server(env)
    pid = int(SERVED.findall(advisor("check", ".", "--daemon", cwd=root, env=env).stderr)[0])
    os.kill(pid, signal.SIGKILL)  # dies without removing its socket
    time.sleep(0.5)
    assert sock.exists()
    run = advisor("check", ".", "--format", "json", "--daemon", cwd=root, env=env)
    assert run.returncode == 1 and not SERVED.search(run.stderr)
    assert rules(run.stdout) >= {"TRD201", "TRD301"}


def test_not_in_ci_nor_through_a_directory_others_can_enter(
    tmp_path: Path, env: dict[str, str]
) -> None:
    root = project(tmp_path / "app")
    ci = advisor("check", ".", "--daemon", cwd=root, env={**env, "CI": "true"})
    assert ci.returncode == 1
    time.sleep(1.0)
    assert not list(Path(env["XDG_RUNTIME_DIR"]).rglob("*.sock"))

    shared = Path(tempfile.mkdtemp(prefix="ta-", dir="/tmp"))
    (shared / f"treddy-advisor-{os.getuid()}").mkdir(mode=0o777)
    os.chmod(shared / f"treddy-advisor-{os.getuid()}", 0o777)
    loose = advisor("check", ".", "--daemon", cwd=root, env={**env, "XDG_RUNTIME_DIR": str(shared)})
    assert loose.returncode == 1
    time.sleep(1.0)
    assert not list(shared.rglob("*.sock"))
    shutil.rmtree(shared)


def test_the_process_quits_when_idle(tmp_path: Path, env: dict[str, str]) -> None:
    root = project(tmp_path / "app")
    env = {**env, "TREDDY_ADVISOR_DAEMON_IDLE": "2"}
    advisor("check", ".", "--daemon", cwd=root, env=env)
    sock = wait_for_server(env)
    deadline = time.monotonic() + 30
    while sock.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not sock.exists()


@pytest.mark.parametrize(
    ("tty", "extra", "env_extra", "coloured"),
    [
        (True, (), {}, True),
        (False, (), {}, False),
        (True, (), {"NO_COLOR": "1"}, False),
        (True, ("--color", "never"), {}, False),
        (False, ("--color", "always"), {}, True),
    ],
    ids=["terminal", "pipe", "no-color", "color-never", "color-always"],
)
def test_colour_follows_the_client_s_terminal(
    tmp_path: Path, tty: bool, extra: tuple[str, ...], env_extra: dict[str, str], coloured: bool
) -> None:
    from advisor.cli.main import main
    from advisor.cli.resident import _run

    root = project(tmp_path / "app")
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | env_extra
    request = {"argv": ["check", "--no-cache", *extra, "."], "cwd": str(root), "env": env}
    answer = _run(main, {**request, "tty": tty})
    assert answer["code"] == 1 and "TRD301" in str(answer["stdout"])
    assert ("\x1b[" in str(answer["stdout"])) is coloured


def test_a_report_file_has_no_colour_even_for_a_terminal(tmp_path: Path) -> None:
    from advisor.cli.main import main
    from advisor.cli.resident import _run

    root = project(tmp_path / "app")
    argv = ["check", "--no-cache", ".", "--output-file", "report.txt"]
    answer = _run(main, {"argv": argv, "cwd": str(root), "env": dict(os.environ), "tty": True})
    report = (root / "report.txt").read_text()
    assert answer["code"] == 1 and "TRD301" in report and "\x1b[" not in report


def test_served_on_a_terminal_a_report_file_still_has_no_colour(
    tmp_path: Path, env: dict[str, str]
) -> None:
    import pty

    root = project(tmp_path / "app")
    args = [sys.executable, "-m", "advisor", "check", "--daemon", ".", "-o", "report.txt"]

    def on_a_terminal() -> str:
        pid, fd = pty.fork()
        if pid == 0:  # the child: stdout and stderr are the terminal
            os.chdir(root)
            os.execve(sys.executable, args, env)
        seen = b""
        with contextlib.suppress(OSError):  # EIO once the child has closed the terminal
            while chunk := os.read(fd, 4096):
                seen += chunk
        os.waitpid(pid, 0)
        os.close(fd)
        return seen.decode(errors="replace")

    on_a_terminal()
    wait_for_server(env)
    assert SERVED.search(on_a_terminal())
    report = (root / "report.txt").read_text()
    assert "TRD301" in report and "\x1b[" not in report


def test_interrupted_while_waiting_ends_like_a_run_of_its_own(
    tmp_path: Path, env: dict[str, str]
) -> None:
    root = project(tmp_path / "app")
    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "from advisor.cli.resident import socket_path; print(socket_path())",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as silent:  # takes it, never answers
        silent.bind(where)
        silent.listen()
        client = subprocess.Popen(
            [sys.executable, "-m", "advisor", "check", "--daemon", "."],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        conn, _ = silent.accept()
        with conn:
            conn.recv(1 << 16)  # the request has arrived: the client now waits for an answer
            time.sleep(0.3)
            client.send_signal(signal.SIGINT)
            out, err = client.communicate(timeout=60)
    assert client.returncode == 1
    assert err == "Aborted!\n", err


def test_a_process_of_another_build_does_not_answer_in_its_name(
    tmp_path: Path, env: dict[str, str]
) -> None:
    # the name a client of another analyzer build (another checkout) would have asked for
    runtime = Path(env["XDG_RUNTIME_DIR"])
    (runtime / f"treddy-advisor-{os.getuid()}").mkdir(mode=0o700)
    foreign = runtime / f"treddy-advisor-{os.getuid()}" / "0123456789abcdef.sock"
    server = subprocess.Popen(
        [sys.executable, "-m", "advisor.cli.resident", str(foreign)],
        env={**env, "TREDDY_ADVISOR_DAEMON_IDLE": "600"},  # one that served would stay
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert server.wait(timeout=60) == 0  # it leaves without serving
    finally:
        server.kill()
    assert not foreign.exists()
