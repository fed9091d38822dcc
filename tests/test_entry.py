"""The console entry point ends the process with ``os._exit``: nothing may be lost by that."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

VIOLATING = (Path(__file__).parent / "fixtures" / "clients" / "body_secret_client.py").read_text()


def advisor(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "advisor", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.treddy-advisor]\n")
    (tmp_path / "client.py").write_text(VIOLATING)
    (tmp_path / "plain.py").write_text("x = 1\n")
    return tmp_path


def test_findings_output_and_exit_code_survive_the_quick_exit(tmp_path: Path) -> None:
    root = project(tmp_path)
    done = advisor("check", ".", "--format", "json", cwd=root)
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)  # complete: the buffer was flushed
    assert {f["rule"] for f in doc["findings"]} >= {"TRD201", "TRD301"}


def test_clean_run_exits_zero_and_files_are_complete(tmp_path: Path) -> None:
    root = project(tmp_path)
    out = root / "reports" / "result.sarif"
    done = advisor(
        "check",
        "plain.py",
        "client.py",
        "--exit-zero",
        "--format",
        "sarif",
        "-o",
        str(out),
        cwd=root,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["runs"][0]["results"]
    assert advisor("check", "plain.py", cwd=root).returncode == 0


def test_usage_and_configuration_errors_exit_two_with_a_message(tmp_path: Path) -> None:
    root = project(tmp_path)
    done = advisor("check", ".", "--format", "nope", cwd=root)
    assert done.returncode == 2 and "nope" in done.stderr
    (root / "pyproject.toml").write_text("[tool.treddy-advisor]\nselekt = ['TRD2']\n")
    done = advisor("check", ".", cwd=root)
    assert done.returncode == 2 and "selekt" in done.stderr


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    root = project(tmp_path)
    for i in range(8):  # more output than a pipe holds (about 75 kB of SARIF)
        (root / f"client_{i}.py").write_text(VIOLATING)
    proc = subprocess.Popen(
        [sys.executable, "-m", "advisor", "check", ".", "--format", "sarif", "--no-cache"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()  # like `| head -c 10`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) != 0
    assert "Traceback" not in err
