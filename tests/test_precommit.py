"""The real pre-commit tool blocks a commit with a violation and lets the fixed one through.

The git hook of a throw-away repository runs ``pre-commit try-repo <snapshot> treddy-advisor``
on the staged files, as ``pre-commit install`` would run the hook. The snapshot is this
checkout's tracked files as they are in the working tree (what ``try-repo`` itself would use),
committed once so that both commits share one hook virtualenv. Slow (that virtualenv is built
from the package registry), hence ``slow``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SECRET = "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"

VIOLATING = f"""\
import requests

TOKEN_URL = "https://auth.treddy.com/oauth/token"


def get_token():
    response = requests.post(
        TOKEN_URL,
        data={{"grant_type": "client_credentials", "scope": "deals:read"}},
        auth=("partner-client", "{SECRET}"),
    )
    return response.json()["access_token"]
"""

FIXED = VIOLATING.replace(
    f'auth=("partner-client", "{SECRET}")',
    'auth=(os.environ["TREDDY_CLIENT_ID"], os.environ["TREDDY_CLIENT_SECRET"])',
).replace("import requests\n", "import os\n\nimport requests\n")


def _pre_commit() -> str | None:
    found = shutil.which("pre-commit")
    if found:
        return found
    candidate = Path(sys.executable).with_name("pre-commit")
    return str(candidate) if candidate.exists() else None


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=300)


def snapshot_of_checkout(target: Path) -> Path:
    """A one-commit repository holding the tracked files of this checkout as they are now."""
    listed = git(REPO, "ls-files", "-z", "--cached")
    assert listed.returncode == 0, listed.stderr
    target.mkdir()
    for name in filter(None, listed.stdout.split("\0")):
        source = REPO / name
        if source.is_file():  # deleted but not yet committed: leave out
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    for args in (
        ("init", "-q"),
        ("add", "-A"),
        (
            "-c",
            "user.email=ci@example.invalid",
            "-c",
            "user.name=ci",
            "-c",
            "commit.gpgsign=false",
            "commit",
            "-q",
            "-m",
            "snapshot",
        ),
    ):
        done = git(target, *args)
        assert done.returncode == 0, done.stderr
    return target


def pre_commit_and_snapshot(tmp_path: Path) -> tuple[str, Path]:
    """The pre-commit executable and a snapshot of this checkout, or the test is skipped."""
    pre_commit = _pre_commit()
    if pre_commit is None:
        if os.environ.get("CI"):
            pytest.fail("pre-commit is not installed (pip install -e '.[test]')")
        pytest.skip("pre-commit is not installed")
    if not (REPO / ".git").exists():
        pytest.skip("needs a git checkout of treddy-advisor")
    return pre_commit, snapshot_of_checkout(tmp_path / "treddy-advisor")


@pytest.mark.slow
def test_commit_is_blocked_then_allowed_after_the_fix(tmp_path: Path) -> None:
    pre_commit, snapshot = pre_commit_and_snapshot(tmp_path)
    repo = tmp_path / "partner"
    repo.mkdir()
    assert git(repo, "init", "-q").returncode == 0
    git(repo, "config", "user.email", "dev@partner.example")
    git(repo, "config", "user.name", "Partner Dev")
    git(repo, "config", "commit.gpgsign", "false")
    hook = repo / ".git" / "hooks" / "pre-commit"
    # What `pre-commit install` writes, but running this checkout through try-repo.
    hook.write_text(
        f'#!/bin/sh\nexec "{pre_commit}" try-repo "{snapshot}" treddy-advisor --verbose\n'
    )
    hook.chmod(0o755)

    with hook_environment(tmp_path) as env:
        _blocked_then_allowed(repo, env)


@contextlib.contextmanager
def hook_environment(tmp_path: Path) -> Iterator[dict[str, str]]:
    """pre-commit's environment, with the shipped hook's resident process (``--daemon``) on.

    ``CI`` is dropped (the hook never starts one in CI) and the socket directory is the test's
    own, so that whatever resident process a run starts is stopped at the end.
    """
    runtime = Path(tempfile.mkdtemp(prefix="ta-", dir="/tmp"))  # a socket path is short
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "NO_COLOR")}
    env.update(
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        XDG_RUNTIME_DIR=str(runtime),
        TREDDY_ADVISOR_DAEMON_DEBUG="1",
        TREDDY_ADVISOR_DAEMON_IDLE="120",
    )
    try:
        yield env
    finally:
        for sock in runtime.rglob("*.sock"):
            sock.unlink()  # the resident process quits when its socket is gone
        shutil.rmtree(runtime, ignore_errors=True)


def run_in(repo: Path, env: dict[str, str], cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=repo, capture_output=True, text=True, env=env, timeout=600)


def _blocked_then_allowed(repo: Path, env: dict[str, str]) -> None:
    (repo / "client.py").write_text(VIOLATING)
    (repo / "README.md").write_text("partner integration\n")
    git(repo, "add", "client.py", "README.md")

    blocked = run_in(repo, env, ["git", "commit", "-q", "-m", "add Treddy client"])
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "TRD303" in output and "client.py:10" in output, output
    assert SECRET not in output
    assert git(repo, "rev-parse", "--verify", "-q", "HEAD").returncode != 0  # nothing committed

    (repo / "client.py").write_text(FIXED)
    git(repo, "add", "client.py")
    allowed = run_in(repo, env, ["git", "commit", "-q", "-m", "add Treddy client"])
    output = allowed.stdout + allowed.stderr
    assert allowed.returncode == 0, output
    assert "Passed" in output
    assert git(repo, "log", "--oneline").stdout.count("\n") == 1


@pytest.mark.slow
def test_the_shipped_hook_answers_later_runs_from_a_resident_process(tmp_path: Path) -> None:
    """As installed from a repository and rev (try-repo builds a new environment every run)."""
    pre_commit, snapshot = pre_commit_and_snapshot(tmp_path)
    rev = git(snapshot, "rev-parse", "HEAD").stdout.strip()
    repo = tmp_path / "partner"
    repo.mkdir()
    assert git(repo, "init", "-q").returncode == 0
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {snapshot}\n    rev: {rev}\n    hooks:\n      - id: treddy-advisor\n"
    )
    (repo / "client.py").write_text(VIOLATING)
    git(repo, "add", ".pre-commit-config.yaml", "client.py")

    with hook_environment(tmp_path) as env:
        runtime = Path(env["XDG_RUNTIME_DIR"])

        def run_hook() -> str:
            done = run_in(repo, env, [pre_commit, "run", "--verbose", "--files", "client.py"])
            output = done.stdout + done.stderr
            assert done.returncode == 1 and "TRD303" in output and SECRET not in output, output
            return output

        first = run_hook()
        assert "served by resident process" not in first  # none yet: the run was its own
        deadline = time.monotonic() + 120
        while not list(runtime.rglob("*.sock")) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)  # the socket file exists once it is bound; listening follows at once
        second = run_hook()
        assert "served by resident process" in second, second
        finding = [line for line in first.splitlines() if "TRD303" in line]
        assert finding and finding == [line for line in second.splitlines() if "TRD303" in line]
