"""File discovery: what is walked, what is pruned, what is skipped and why."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from advisor.files import discovery
from advisor.files.discovery import (
    SKIP_DIR_SYMLINK,
    SKIP_EXCLUDED,
    SKIP_MISSING,
    SKIP_NOT_REGULAR,
    SKIP_SYMLINK_BROKEN,
    SKIP_SYMLINK_LOOP,
    SKIP_SYMLINK_OUTSIDE,
    SKIP_UNLISTABLE,
    compile_patterns,
    discover,
)

needs_symlinks = pytest.mark.skipif(
    sys.platform == "win32", reason="symlinks need privileges on Windows"
)


def touch(root: Path, *names: str, text: str = "x = 1\n") -> None:
    for name in names:
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def run(*paths: str | Path, **kwargs: object) -> tuple[list[str], list[tuple[str, str]]]:
    skipped: list[tuple[str, str]] = []
    found = discover(
        list(paths), on_skip=lambda p, why: skipped.append((p.as_posix(), why)), **kwargs
    )
    return [p.as_posix() for p in found], skipped


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_walks_directories_recursively_in_sorted_order(project: Path) -> None:
    touch(project, "b.py", "a.py", "pkg/z.py", "pkg/sub/m.py", "pkg/__init__.py", "README.md")
    found, _ = run(".")
    assert found == ["a.py", "b.py", "pkg/__init__.py", "pkg/sub/m.py", "pkg/z.py"]


def test_arguments_keep_their_order_and_each_file_is_yielded_once(project: Path) -> None:
    touch(project, "src/a.py", "src/b.py", "tools/t.py")
    found, _ = run("tools", "src/b.py", "src", "./src/a.py")
    assert found == ["tools/t.py", "src/b.py", "src/a.py"]


def test_stubs_are_not_collected_but_named_files_are_taken_whatever_their_suffix(
    project: Path,
) -> None:
    touch(project, "pkg/api.py", "pkg/api.pyi", "bin/deploy")
    found, _ = run("pkg", "bin/deploy")
    assert found == ["pkg/api.py", "bin/deploy"]


@pytest.mark.parametrize(
    "skipped_dir",
    [
        ".git", ".hg", "__pycache__", "node_modules", "site-packages", "dist-packages",
        ".venv", "venv", ".tox", ".nox", ".mypy_cache", "build", "dist", ".eggs",
        "treddy_client.egg-info",
    ],
)  # fmt: skip
def test_well_known_directories_are_pruned(project: Path, skipped_dir: str) -> None:
    touch(project, "app.py", f"{skipped_dir}/inside.py", f"pkg/{skipped_dir}/nested.py")
    found, skipped = run(".")
    assert found == ["app.py"]
    assert skipped == []


def test_virtualenv_is_recognised_by_its_marker_not_its_name(project: Path) -> None:
    touch(project, "app.py", "envs/py311/lib/python3.11/requests/sessions.py")
    (project / "envs/py311/pyvenv.cfg").write_text("home = /usr/bin\n")
    touch(project, "tools/conda-env/lib/mod.py")
    (project / "tools/conda-env/conda-meta").mkdir()
    touch(project, "envs/notes/real.py")  # a sibling without the marker is ordinary code
    found, _ = run(".")
    assert found == ["app.py", "envs/notes/real.py"]


def test_a_pruned_directory_named_on_the_command_line_is_scanned(project: Path) -> None:
    touch(project, "build/gen.py")
    assert run("build")[0] == ["build/gen.py"]


def test_root_and_nested_gitignore_with_negation(project: Path) -> None:
    (project / ".gitignore").write_text("generated_*.py\nlocal/\n*.tmp.py\n")
    touch(project, "app.py", "generated_client.py", "local/settings.py", "x.tmp.py")
    touch(project, "pkg/a.py", "pkg/secret_cfg.py", "pkg/generated_keep.py")
    (project / "pkg/.gitignore").write_text("secret_cfg.py\n!generated_keep.py\n")
    found, _ = run(".")
    assert found == ["app.py", "pkg/a.py", "pkg/generated_keep.py"]


def test_files_below_an_ignored_directory_stay_ignored(project: Path) -> None:
    # git does not look inside an ignored directory, so a deeper negation cannot re-include
    (project / ".gitignore").write_text("vendor/\n")
    touch(project, "vendor/lib.py", "main.py")
    (project / "vendor/.gitignore").write_text("!lib.py\n")
    assert run(".")[0] == ["main.py"]
    assert run("vendor")[0] == ["vendor/lib.py"]  # a directory named explicitly is walked


def test_a_named_directory_the_rules_above_it_ignore_is_checked_with_its_own_rules(
    project: Path,
) -> None:
    # vendored code under review: naming it is the user's choice, so the root .gitignore that
    # ignores the whole directory is left out of its walk; the rules inside it still hold
    (project / ".git" / "info").mkdir(parents=True)
    (project / ".git" / "info" / "exclude").write_text("client.py\n")
    (project / ".gitignore").write_text("third_party/\n*_generated.py\n")
    touch(project, "app.py", "third_party/oauth/client.py", "third_party/oauth/api_generated.py")
    touch(project, "third_party/oauth/tests/test_client.py")
    (project / "third_party/oauth/.gitignore").write_text("tests/\n")
    assert run(".")[0] == ["app.py"]
    assert run("third_party/oauth")[0] == [
        "third_party/oauth/api_generated.py",
        "third_party/oauth/client.py",
    ]
    assert run("third_party")[0] == run("third_party/oauth")[0]


def test_a_repository_nested_in_the_project_has_its_own_rules(project: Path) -> None:
    (project / ".git").mkdir()
    (project / ".gitignore").write_text("checkouts/\n")
    touch(project, "checkouts/sdk/src/client.py", "checkouts/sdk/src/scratch.py")
    (project / "checkouts/sdk/.git/info").mkdir(parents=True)
    (project / "checkouts/sdk/.git/info/exclude").write_text("scratch.py\n")
    assert run(".")[0] == []
    assert run("checkouts/sdk/src")[0] == ["checkouts/sdk/src/client.py"]


@pytest.mark.parametrize("git_marker", ["directory", "file"])
def test_a_repository_met_during_the_walk_answers_to_its_own_rules_only(
    project: Path, git_marker: str
) -> None:
    (project / ".git").mkdir()
    (project / ".gitignore").write_text("local_settings.py\ngenerated/\nthird_party/\n")
    touch(
        project,
        "local_settings.py",
        "app.py",
        "generated/api.py",
        "vendor/sdk/local_settings.py",
        "vendor/sdk/generated/client.py",
        "vendor/sdk/build_out/gen.py",
        "vendor/sdk/src/oauth.py",
        "third_party/lib/.git/HEAD",
        "third_party/lib/mod.py",
    )
    if git_marker == "directory":
        (project / "vendor/sdk/.git/info").mkdir(parents=True)
        (project / "vendor/sdk/.git/info/exclude").write_text("src/\n")
    else:  # a submodule's checkout: .git is a file pointing into the outer repository
        (project / "vendor/sdk/.git").write_text("gitdir: ../../.git/modules/sdk\n")
    (project / "vendor/sdk/.gitignore").write_text("build_out/\n")
    found = run(".")[0]
    expected = [
        "app.py",
        "vendor/sdk/generated/client.py",  # the outer rules do not reach into it
        "vendor/sdk/local_settings.py",
    ]
    if git_marker == "file":
        expected.append("vendor/sdk/src/oauth.py")  # no info/exclude of its own there
    assert found == sorted(expected)
    assert "third_party/lib/mod.py" not in found  # ignored from outside: never entered


def test_gitignore_does_not_apply_to_files_named_on_the_command_line(project: Path) -> None:
    # As in git, ignore rules concern untracked files; pre-commit names tracked files only, and a
    # force-added ignored file (local settings) is where secrets hide.
    (project / ".gitignore").write_text("*_pb2.py\nlocal_settings.py\nbuild/\n")
    touch(project, "api_pb2.py", "api.py", "local_settings.py", "build/gen/client.py")
    found, skipped = run("api_pb2.py", "api.py", "local_settings.py", "build/gen/client.py")
    assert found == ["api_pb2.py", "api.py", "local_settings.py", "build/gen/client.py"]
    assert skipped == []
    assert run(".")[0] == ["api.py"]  # the walk still honours them


def test_excludes_still_apply_to_files_named_on_the_command_line(project: Path) -> None:
    touch(project, "migrations/0001.py", "api.py")
    found, skipped = run("migrations/0001.py", "api.py", excludes=["migrations/"])
    assert found == ["api.py"]
    assert skipped == [("migrations/0001.py", SKIP_EXCLUDED)]


def test_gitignore_is_read_from_the_repository_root_above_the_scanned_directory(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / ".git" / "info").mkdir(parents=True)
    (project / ".git" / "info" / "exclude").write_text("scratch.py\n")
    (project / ".gitignore").write_text("src/legacy/\n")
    touch(project, "src/app.py", "src/legacy/old.py", "src/scratch.py")
    monkeypatch.chdir(project / "src")
    assert run(".")[0] == ["app.py"]


def test_excludes_are_gitignore_patterns_relative_to_the_project_root(project: Path) -> None:
    touch(project, "src/app.py", "src/migrations/0001.py", "tests/fixtures/bad.py", "t/x_test.py")
    found, _ = run(".", excludes=["migrations/", "tests/fixtures", "*_test.py"])
    assert found == ["src/app.py"]


def test_excludes_apply_to_files_named_on_the_command_line(project: Path) -> None:
    # pre-commit passes every staged file by name
    touch(project, "src/app.py", "tests/fixtures/leaky.py")
    found, skipped = run("src/app.py", "tests/fixtures/leaky.py", excludes=["tests/fixtures/"])
    assert found == ["src/app.py"]
    assert skipped == [("tests/fixtures/leaky.py", SKIP_EXCLUDED)]


def test_excludes_are_anchored_at_an_explicit_root(project: Path) -> None:
    touch(project, "repo/gen/a.py", "repo/b.py")
    found, _ = run("repo", excludes=["/gen/"], root=project / "repo")
    assert found == ["repo/b.py"]


def test_an_invalid_exclude_pattern_is_a_clear_value_error() -> None:
    with pytest.raises(ValueError, match="invalid exclude pattern"):
        compile_patterns(["ok/", "!"])


def test_a_broken_gitignore_line_is_ignored_like_git_does(project: Path) -> None:
    (project / ".gitignore").write_bytes(b"!\n\xff\xfe\nskip_me.py\n")
    touch(project, "skip_me.py", "keep.py")
    assert run(".")[0] == ["keep.py"]


def test_missing_argument_is_reported(project: Path) -> None:
    touch(project, "a.py")
    assert run("nope.py", "a.py") == (["a.py"], [("nope.py", SKIP_MISSING)])


def test_directory_named_like_a_python_file_is_walked_not_read(project: Path) -> None:
    touch(project, "x.py/inner.py", "y.py")
    assert run(".")[0] == ["x.py/inner.py", "y.py"]


def test_odd_file_names_are_found(project: Path) -> None:
    names = ["with space.py", "ünïcødé_模块.py", "<b>&amp;.py", "quote'\"q.py", "-dash.py"]
    touch(project, *names)
    assert sorted(run(".")[0]) == sorted(names)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_skipped_without_being_opened(project: Path) -> None:
    touch(project, "a.py")
    os.mkfifo(project / "pipe.py")
    # opening the FIFO would block this test forever; reaching the assert proves it was not
    found, skipped = run(".", "pipe.py")
    assert found == ["a.py"]
    assert skipped == [("pipe.py", SKIP_NOT_REGULAR), ("pipe.py", SKIP_NOT_REGULAR)]


@needs_symlinks
def test_symlink_to_a_file_outside_the_roots_is_not_followed(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "private.py"
    outside.write_text("SECRET = 1\n")
    touch(project, "a.py")
    (project / "link.py").symlink_to(outside)
    found, skipped = run(".")
    assert found == ["a.py"]
    assert skipped == [("link.py", SKIP_SYMLINK_OUTSIDE)]


@needs_symlinks
def test_symlink_to_a_directory_outside_is_reported_and_not_walked(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("elsewhere")
    touch(outside, "leak.py")
    touch(project, "a.py")
    (project / "vendor").symlink_to(outside, target_is_directory=True)
    assert run(".") == (["a.py"], [("vendor", SKIP_SYMLINK_OUTSIDE)])


@needs_symlinks
def test_symlink_inside_the_root_yields_each_real_file_once(project: Path) -> None:
    touch(project, "pkg/real.py")
    (project / "alias.py").symlink_to(project / "pkg/real.py")
    (project / "pkg_link").symlink_to(project / "pkg", target_is_directory=True)
    found, skipped = run(".")
    assert found == ["alias.py"]  # the first path reaching the file, in walk order
    assert skipped == [("pkg_link", SKIP_DIR_SYMLINK)]


@needs_symlinks
def test_symlink_loops_and_dangling_links_are_skipped(project: Path) -> None:
    touch(project, "ok.py")
    (project / "a.py").symlink_to("b.py")
    (project / "b.py").symlink_to("a.py")
    (project / "self.py").symlink_to("self.py")
    (project / "gone.py").symlink_to("does_not_exist.py")
    (project / "sub").mkdir()
    (project / "sub" / "up").symlink_to("..", target_is_directory=True)
    found, skipped = run(".")
    assert found == ["ok.py"]
    assert sorted(skipped) == [
        ("a.py", SKIP_SYMLINK_LOOP),
        ("b.py", SKIP_SYMLINK_LOOP),
        ("gone.py", SKIP_SYMLINK_BROKEN),
        ("self.py", SKIP_SYMLINK_LOOP),
        ("sub/up", SKIP_DIR_SYMLINK),
    ]


@needs_symlinks
def test_symlinked_file_argument_pointing_outside_the_project_is_refused(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "x.py"
    outside.write_text("x = 1\n")
    (project / "named.py").symlink_to(outside)
    assert run("named.py") == ([], [("named.py", SKIP_SYMLINK_OUTSIDE)])


def test_unlistable_directory_is_reported_and_the_rest_still_found(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # chmod 000 does not stop root (the CI user), so the refusal is simulated at os.scandir
    touch(project, "a.py", "locked/hidden.py", "z/b.py")
    real_scandir = os.scandir

    def scandir(path: str | os.PathLike[str]) -> object:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(discovery.os, "scandir", scandir)
    found, skipped = run(".")
    assert found == ["a.py", "z/b.py"]
    assert skipped == [("locked", f"{SKIP_UNLISTABLE}: Permission denied")]


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can list any directory"
)
def test_unlistable_directory_for_real(project: Path) -> None:
    touch(project, "a.py", "locked/hidden.py")
    (project / "locked").chmod(0)
    try:
        found, skipped = run(".")
    finally:
        (project / "locked").chmod(0o755)
    assert found == ["a.py"]
    assert skipped[0][0] == "locked"


def test_directory_trees_deeper_than_the_recursion_limit(project: Path) -> None:
    depth = 400
    deep = "d"
    for _ in range(depth):  # os.makedirs itself recurses once per level
        os.mkdir(deep)
        deep += "/d"
    leaf = deep.rsplit("/", 1)[0] + "/leaf.py"
    Path(leaf).write_text("x = 1\n")
    # a low limit keeps the tree small; a walker recursing once per level would exceed it
    saved = sys.getrecursionlimit()
    sys.setrecursionlimit(300)
    try:
        found = run(".")[0]
    finally:
        sys.setrecursionlimit(saved)
    assert found == [leaf]


@pytest.mark.parametrize("scan", [".", "app", ".."])
def test_per_directory_decisions_equal_per_entry_decisions(project: Path, scan: str) -> None:
    # The walk decides excludes and .gitignore once per directory; the per-path rules are the
    # specification.
    (project / ".git").mkdir()
    (project / ".gitignore").write_text("*.gen.py\nbuild_out/\n!keep.gen.py\n")
    touch(project, "app/a.py", "app/x.gen.py", "app/keep.gen.py", "app/build_out/b.py")
    touch(project, "app/sub/c.py", "app/sub/d.py", "migrations/0001.py", "tools/t.py")
    (project / "app/sub/.gitignore").write_text("d.py\n")
    spec = discovery.compile_patterns(["migrations/", "tools/t.py", "app/sub/c.py"])
    walker = discovery._Walker(spec, str(project), True, None)
    scan_base = os.path.abspath(scan)
    checked = 0
    for dirpath, dirnames, filenames in os.walk(scan_base):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in [*dirnames, *filenames]:
            is_dir = name in dirnames
            full = os.path.join(dirpath, name)
            expected = walker.excluded(full, is_dir, scan_base, walked=True) is not None
            assert walker.excluded_entry(dirpath, name, is_dir, scan_base) == expected, full
            checked += 1
    assert checked >= 9
