"""A warm run reuses the last walk while no directory on the way has changed."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from timestamps import age, age_tree

from advisor.engine import ScanOptions, discover_files
from advisor.files import discovery


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "project"
    for rel in ("app/views.py", "app/api/client.py", "app/locale/de/README", "tools/run.py"):
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text("x = 1\n")
    (project / ".git").mkdir()
    (project / ".gitignore").write_text("generated/\n")
    age_tree(project)
    monkeypatch.chdir(project)
    return project


def options(tmp_path: Path, **kw: object) -> ScanOptions:
    return ScanOptions(cache_dir=tmp_path / "cache", **kw)  # type: ignore[arg-type]


class Listings:
    """Counts directory listings, the cost a reused walk saves."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original = discovery._Walker._list

        def counting(walker: discovery._Walker, directory: str):  # type: ignore[no-untyped-def]
            self.count += 1
            return original(walker, directory)

        monkeypatch.setattr(discovery._Walker, "_list", counting)


def names(files: list[Path]) -> list[str]:
    return [f.as_posix() for f in files]


def test_an_unchanged_tree_is_not_listed_again(tree: Path, tmp_path: Path, monkeypatch) -> None:
    listings = Listings(monkeypatch)
    first = discover_files(["."], options(tmp_path))
    assert listings.count > 3
    listings.count = 0
    again = discover_files(["."], options(tmp_path))
    assert listings.count == 0
    assert names(again) == names(first) == ["app/api/client.py", "app/views.py", "tools/run.py"]


def test_a_new_file_in_a_nested_directory_is_found(tree: Path, tmp_path: Path) -> None:
    discover_files(["."], options(tmp_path))
    (tree / "app/api/extra.py").write_text("y = 2\n")
    found = names(discover_files(["."], options(tmp_path)))
    assert "app/api/extra.py" in found


def test_a_removed_directory_is_noticed(tree: Path, tmp_path: Path) -> None:
    discover_files(["."], options(tmp_path))
    (tree / "tools/run.py").unlink()
    (tree / "tools").rmdir()
    assert "tools/run.py" not in names(discover_files(["."], options(tmp_path)))


def test_an_environment_that_loses_its_marker_is_walked_again(tree: Path, tmp_path: Path) -> None:
    env = tree / "sandbox"
    (env / "lib").mkdir(parents=True)
    (env / "lib" / "tool.py").write_text("x = 1\n")
    (env / "pyvenv.cfg").write_text("home = /usr/bin\n")
    age_tree(tree)
    assert "sandbox/lib/tool.py" not in names(discover_files(["."], options(tmp_path)))
    before = tree.stat()
    (env / "pyvenv.cfg").unlink()  # no longer an environment: its files are project code
    # the parent's time says nothing (and is put back exactly): only the environment's own can
    os.utime(tree, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert "sandbox/lib/tool.py" in names(discover_files(["."], options(tmp_path)))


@pytest.mark.skipif(os.geteuid() == 0, reason="root can list any directory")
def test_an_unlistable_directory_is_not_trusted_to_a_recorded_walk(
    tree: Path, tmp_path: Path
) -> None:
    locked = tree / "locked"
    locked.mkdir()
    (locked / "client.py").write_text("x = 1\n")
    locked.chmod(0)
    try:
        age_tree(tree)
        assert "locked/client.py" not in names(discover_files(["."], options(tmp_path)))
        locked.chmod(0o755)  # a chmod changes no directory's modification time
        assert "locked/client.py" in names(discover_files(["."], options(tmp_path)))
    finally:
        locked.chmod(0o755)


def test_a_gitignore_edited_in_place_is_noticed(tree: Path, tmp_path: Path) -> None:
    discover_files(["."], options(tmp_path))
    (tree / ".gitignore").write_text("generated/\ntools/\n")
    age(tree)  # an in-place edit leaves the directory's time alone: the file's own must count
    assert names(discover_files(["."], options(tmp_path))) == [
        "app/api/client.py",
        "app/views.py",
    ]


def test_a_new_nested_gitignore_is_noticed(tree: Path, tmp_path: Path) -> None:
    discover_files(["."], options(tmp_path))
    (tree / "app/api/.gitignore").write_text("client.py\n")
    assert "app/api/client.py" not in names(discover_files(["."], options(tmp_path)))


def met_a_symlink(tree: Path) -> None:
    (tree / "app/link.py").symlink_to(tree / "app/views.py")
    age_tree(tree)


def changed_just_now(tree: Path) -> None:
    # A second change within the same timestamp tick would go unnoticed.
    (tree / "app/new.py").write_text("z = 3\n")


@pytest.mark.parametrize("setup", [met_a_symlink, changed_just_now], ids=lambda f: f.__name__)
def test_walks_that_are_not_reused(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setup: Callable[[Path], None]
) -> None:
    setup(tree)
    listings = Listings(monkeypatch)
    discover_files(["."], options(tmp_path))
    listings.count = 0
    discover_files(["."], options(tmp_path))
    assert listings.count > 0


def test_named_files_and_no_cache_do_not_use_it(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    discover_files(["app/views.py"], options(tmp_path))
    discover_files(["."], options(tmp_path, use_cache=False))
    assert not list((tmp_path / "cache").rglob("walk-*.json"))


def test_different_excludes_use_different_walks(tree: Path, tmp_path: Path) -> None:
    discover_files(["."], options(tmp_path))
    found = names(discover_files(["."], options(tmp_path, excludes=["app/api/"])))
    assert found == ["app/views.py", "tools/run.py"]


def evidence_kinds(tmp_path: Path) -> set[tuple[str, str]]:
    from advisor.engine import scan

    result = scan(["."], options(tmp_path)).result
    return {(e.path, e.kind) for e in result.app_evidence}


def test_packaging_evidence_is_reused_and_follows_edits(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from advisor.analysis import appkind

    (tree / "requirements.txt").write_text("requests==2.32.3\n")
    age_tree(tree)
    assert ("requirements.txt", "distributed_app") not in evidence_kinds(tmp_path)

    reads: list[str] = []
    original = appkind._file_evidence

    def counting(path: Path, name: str):  # type: ignore[no-untyped-def]
        reads.append(name)
        return original(path, name)

    monkeypatch.setattr(appkind, "_file_evidence", counting)
    evidence_kinds(tmp_path)
    assert reads == []  # nothing changed: the last run's evidence stands

    # edited in place: the directory's time does not move, the file's does
    (tree / "requirements.txt").write_text("requests==2.32.3\npyinstaller==6.10.0\n")
    age(tree)
    assert ("requirements.txt", "distributed_app") in evidence_kinds(tmp_path)
    assert reads == ["requirements.txt"]

    # a new deployment file next to the code
    (tree / "Procfile").write_text("web: gunicorn app.wsgi\n")
    assert ("Procfile", "web_server") in evidence_kinds(tmp_path)


def test_absent_ignore_files_are_left_to_their_directory_s_time(tree: Path, tmp_path: Path) -> None:
    import json

    discover_files(["."], options(tmp_path))
    (walk,) = (tmp_path / "cache").glob("*/walk-*.json")
    doc = json.loads(walk.read_text())
    listed = {os.path.abspath(d) for d in doc["directories"]}
    absent = [p for p, sig in doc["probes"].items() if sig is None]
    assert all(os.path.dirname(p) not in listed for p in absent), absent
    assert str(tree / ".gitignore") in doc["probes"]  # present: edits in place need its own time


def test_an_ignore_file_appearing_above_the_walked_directory_is_noticed(
    tree: Path, tmp_path: Path
) -> None:
    assert names(discover_files(["app/api"], options(tmp_path))) == ["app/api/client.py"]
    (tree / "app/.gitignore").write_text("client.py\n")
    age(tree / "app", tree / "app/.gitignore")  # only the file itself can tell
    assert names(discover_files(["app/api"], options(tmp_path))) == []
