"""`treddy-advisor clean` removes the cache a check of the same paths uses, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli.main import main

CLIENT = (Path(__file__).parent / "fixtures" / "clients" / "body_secret_client.py").read_text()


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.treddy-advisor]\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "client.py").write_text(CLIENT)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_clean_removes_the_cache_the_check_used(project: Path) -> None:
    assert run("check", "src").exit_code == 1
    cache = project / ".treddy_advisor_cache"
    assert any(cache.rglob("*.json"))
    done = run("clean", "src")
    assert done.exit_code == 0 and "Removed" in done.output and not cache.exists()
    again = run("clean", "src")
    assert again.exit_code == 0 and "Nothing to clean" in again.output
    assert run("check", "src").exit_code == 1  # and the next check builds it again
    assert cache.is_dir()


def test_clean_finds_the_project_cache_from_a_subdirectory(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("check", "src")
    monkeypatch.chdir(project / "src")
    assert run("clean").exit_code == 0
    assert not (project / ".treddy_advisor_cache").exists()


def test_a_given_cache_dir_is_removed_only_when_it_is_a_treddy_advisor_cache(
    project: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "ci-cache"
    run("check", "src", "--cache-dir", str(elsewhere))
    assert run("clean", "--cache-dir", str(elsewhere)).exit_code == 0
    assert not elsewhere.exists()

    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me\n")
    refused = run("clean", "--cache-dir", str(precious))
    assert refused.exit_code == 2 and "not a treddy-advisor cache" in refused.output
    assert (precious / "notes.txt").read_text() == "keep me\n"
