"""A repeated check is answered from its last report while nothing it read has changed.

Each test runs the console script (``python -m advisor``) as users do. Whether a run was
answered from the record shows in what it imported: a replay never imports click
(``-X importtime`` lists every import on stderr without changing the command line or the
environment the record is keyed by).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from timestamps import age, age_tree

from advisor.speed import replay

pytestmark = pytest.mark.skipif(os.name != "posix", reason="records are made on POSIX only")

FIXTURES = Path(__file__).parent / "fixtures" / "clients"
VIOLATING = (FIXTURES / "body_secret_client.py").read_text()
CLEAN = "import requests\n\nrequests.get('https://example.com/health', timeout=5)\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "app").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "pyproject.toml").write_text("[tool.treddy-advisor]\n")
    (root / "app" / "client.py").write_text(VIOLATING)
    (root / "app" / "health.py").write_text(CLEAN)
    # The first run would create the cache directory, changing the root directory's time; a
    # record made by that run would only ever miss. Users get their record a run later.
    (root / ".treddy_advisor_cache").mkdir()
    age_tree(root)
    return root


class Run:
    def __init__(self, done: subprocess.CompletedProcess[str]) -> None:
        self.code = done.returncode
        self.out = done.stdout
        lines = done.stderr.splitlines()
        self.imported = {
            line.rsplit("|", 1)[1].strip() for line in lines if line.startswith("import time:")
        }
        self.err = "\n".join(line for line in lines if not line.startswith("import time:"))

    @property
    def replayed(self) -> bool:
        return "click" not in self.imported


def advisor(root: Path, *args: str, env: dict[str, str] | None = None) -> Run:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "advisor", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    return Run(done)


def records(root: Path) -> list[Path]:
    return sorted((root / ".treddy_advisor_cache" / "replay").glob("*.marshal"))


def test_an_unchanged_repeat_prints_the_same_report_without_importing_the_analyzer(
    project: Path,
) -> None:
    first = advisor(project, "check", "app")
    assert first.code == 1 and "TRD301" in first.out and not first.replayed
    assert len(records(project)) == 1
    again = advisor(project, "check", "app")
    assert again.replayed
    assert (again.code, again.out, again.err) == (first.code, first.out, first.err)
    assert "libcst" not in again.imported


def test_every_format_is_replayed_as_printed(project: Path) -> None:
    for fmt in ("json", "sarif", "github", "gitlab", "junit"):
        first = advisor(project, "check", "app", "--format", fmt)
        again = advisor(project, "check", "app", "--format", fmt)
        assert again.replayed, fmt
        assert (again.code, again.out) == (first.code, first.out), fmt
    assert json.loads(advisor(project, "check", "app", "--format", "json").out)["findings"]


def test_an_edited_file_is_checked_again(project: Path) -> None:
    advisor(project, "check", "app")
    client = project / "app" / "client.py"
    client.write_text(CLEAN)
    age(client)  # an old time too: the size alone must tell
    after = advisor(project, "check", "app")
    assert not after.replayed
    assert after.code == 0 and "TRD301" not in after.out


def test_a_file_rewritten_with_its_old_size_and_time_is_not_replayed(project: Path) -> None:
    advisor(project, "check", "app")
    client = project / "app" / "client.py"
    before = client.stat()
    client.write_text(VIOLATING.replace("tr_", "xx_"))  # same length
    os.utime(client, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (client.stat().st_size, client.stat().st_mtime_ns) == (
        before.st_size,
        before.st_mtime_ns,
    )
    assert not advisor(project, "check", "app").replayed  # its change time tells


def test_installing_a_package_is_seen(project: Path, tmp_path: Path) -> None:
    site = tmp_path / "lib" / "site-packages"
    site.mkdir(parents=True)
    age(site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    advisor(project, "check", "app", env=env)
    assert advisor(project, "check", "app", env=env).replayed
    (site / "libcst-9.9.dist-info").mkdir()  # what pip leaves behind
    assert not advisor(project, "check", "app", env=env).replayed


def test_a_new_file_is_found(project: Path) -> None:
    advisor(project, "check", "app")
    (project / "app" / "extra").mkdir()
    (project / "app" / "extra" / "second.py").write_text(VIOLATING)
    after = advisor(project, "check", "app")
    assert not after.replayed
    assert "second.py" in after.out


def test_configuration_changes_are_seen(project: Path) -> None:
    first = advisor(project, "check", "app")
    assert "TRD301" in first.out
    config = project / "pyproject.toml"
    config.write_text('[tool.treddy-advisor]\nignore = ["TRD301"]\n')
    age(config)
    after = advisor(project, "check", "app")
    assert not after.replayed and "TRD301" not in after.out


def test_a_configuration_appearing_above_the_scanned_directory_is_seen(tmp_path: Path) -> None:
    root = tmp_path / "mono"
    service = root / "service"
    (service / "src").mkdir(parents=True)
    (service / "src" / "client.py").write_text(VIOLATING)
    (service / ".treddy_advisor_cache").mkdir()
    age_tree(tmp_path)  # with no configuration, the packaging evidence is looked for above
    first = advisor(service, "check", "src")
    assert "TRD301" in first.out and records(service)
    config = service / "pyproject.toml"
    config.write_text('[tool.treddy-advisor]\nignore = ["TRD301"]\n')
    age(config, service)  # the directory's time put back: only the file's own stamp tells
    after = advisor(service, "check", "src")
    assert not after.replayed and "TRD301" not in after.out


def test_a_configuration_file_given_on_the_command_line_is_part_of_the_record(
    project: Path, tmp_path: Path
) -> None:
    config = tmp_path / "treddy.toml"
    config.write_text("ignore = []\n")
    age(config)
    first = advisor(project, "check", "app", "--config", str(config))
    assert "TRD301" in first.out
    assert advisor(project, "check", "app", "--config", str(config)).replayed
    config.write_text('ignore = ["TRD301"]\n')
    age(config)
    after = advisor(project, "check", "app", "--config", str(config))
    assert not after.replayed and "TRD301" not in after.out


def test_the_environment_and_the_command_line_are_part_of_the_key(project: Path) -> None:
    advisor(project, "check", "app")
    assert advisor(project, "check", "app").replayed
    other_env = {**os.environ, "NO_COLOR": "1"}
    assert not advisor(project, "check", "app", env=other_env).replayed
    assert not advisor(project, "check", "app", "--select", "TRD301").replayed
    assert not advisor(project, "check", "./app").replayed
    utf8 = subprocess.run(
        [sys.executable, "-X", "utf8", "-X", "importtime", "-m", "advisor", "check", "app"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert "click" in utf8.stderr  # another interpreter flag: run in full


def test_a_baseline_edit_is_seen(project: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    advisor(project, "check", "app", "--write-baseline", str(baseline))
    age(baseline)
    quiet = advisor(project, "check", "app", "--baseline", str(baseline))
    assert (
        quiet.code == 0 and advisor(project, "check", "app", "--baseline", str(baseline)).replayed
    )
    baseline.write_text(json.dumps({**json.loads(baseline.read_text()), "findings": []}))
    age(baseline)
    after = advisor(project, "check", "app", "--baseline", str(baseline))
    assert not after.replayed and after.code == 1


def test_report_files_are_written_again(project: Path, tmp_path: Path) -> None:
    out, extra = tmp_path / "reports" / "result.sarif", tmp_path / "r.json"
    args = ["check", "app", "--format", "sarif", "-o", str(out), "--report", f"json:{extra}"]
    first = advisor(project, *args)
    assert first.code == 1 and first.out == ""
    sarif, report = out.read_text(), extra.read_text()
    out.unlink()
    extra.write_text("stale")
    again = advisor(project, *args)
    assert again.replayed and (again.code, again.out) == (1, "")
    assert out.read_text() == sarif and extra.read_text() == report


@pytest.mark.parametrize("extra", [["--no-cache"], ["--diff"], ["--fix"]])
def test_runs_that_do_more_than_print_are_never_recorded(project: Path, extra: list[str]) -> None:
    advisor(project, "check", "app", *extra)
    assert records(project) == []
    assert not advisor(project, "check", "app", *extra).replayed


def test_file_arguments_are_not_recorded(project: Path) -> None:
    advisor(project, "check", "app/client.py")
    assert records(project) == []


def test_a_run_over_files_changed_in_the_last_seconds_is_not_recorded(project: Path) -> None:
    client = project / "app" / "client.py"
    client.write_text(VIOLATING + "\n")
    # a time after the run's start, however slow the machine: the same as a change made
    # within the last two seconds before it, deterministically
    age(client, seconds=-60)
    advisor(project, "check", "app")
    assert records(project) == []


def test_a_damaged_record_is_a_miss(project: Path) -> None:
    first = advisor(project, "check", "app")
    (record,) = records(project)
    record.write_bytes(b"\x00not a record")
    after = advisor(project, "check", "app")
    assert not after.replayed and (after.code, after.out) == (first.code, first.out)


def test_a_record_is_found_from_a_subdirectory_and_in_a_given_cache_dir(
    project: Path, tmp_path: Path
) -> None:
    advisor(project / "app", "check", ".")
    assert advisor(project / "app", "check", ".").replayed
    cache = tmp_path / "elsewhere"
    advisor(project, "check", "app", "--cache-dir", str(cache))
    assert list((cache / "replay").glob("*.marshal"))
    assert advisor(project, "check", "app", "--cache-dir", str(cache)).replayed
    assert not advisor(project, "check", "app", f"--cache-dir={cache}").replayed  # another key
    assert advisor(project, "check", "app", f"--cache-dir={cache}").replayed


def test_standard_error_output_other_than_the_progress_bar_prevents_a_record() -> None:
    raw = io.StringIO()
    watched = replay._Watched(raw)
    watched.write("")
    assert not watched.written
    watched.unwatched.write("Analysing [####]")
    assert not watched.written
    watched.write("warning: something\n")
    assert watched.written and raw.getvalue().endswith("something\n")


def test_old_records_are_pruned(tmp_path: Path) -> None:
    place = tmp_path / "replay"
    place.mkdir()
    for i in range(replay.KEEP + 5):
        (place / f"{i:04d}.marshal").write_bytes(b"")
        age(place / f"{i:04d}.marshal", seconds=1000 - i)
    replay._prune(str(place))
    kept = sorted(p.name for p in place.iterdir())
    assert len(kept) == replay.KEEP
    assert kept[0] == f"{5:04d}.marshal"  # the oldest went


def test_the_console_script_looks_where_the_cache_is() -> None:
    from advisor.config import CACHE_DIR_NAME

    assert replay.CACHE_DIR_NAME == CACHE_DIR_NAME


def test_a_replay_always_says_what_a_run_without_any_cache_says(project: Path) -> None:
    """Random edits of the tree; after each, the recorded command answers exactly what a run
    that reads every file (``--no-cache``) answers, whether it was replayed or not."""
    import random

    rng = random.Random(20261129)
    app = project / "app"
    config = project / "pyproject.toml"
    # All of different sizes: two contents of one size and one time are the blind spot this
    # cache shares with Ruff's (a file rewritten without its time changing).
    contents = [VIOLATING, CLEAN, "x = 1\n", VIOLATING.replace("client_secret", "secret")]
    assert len({len(c) for c in contents}) == len(contents)

    def python_files() -> list[Path]:
        return sorted(app.rglob("*.py"))

    def edit() -> list[Path]:
        victim = rng.choice(python_files())
        victim.write_text(rng.choice(contents))
        return [victim]

    def add() -> list[Path]:
        folder = app / rng.choice(["", "sub", "sub/deeper"])
        made = [d for d in (folder, *folder.parents) if not d.exists()]
        folder.mkdir(parents=True, exist_ok=True)
        new = folder / f"m{rng.randrange(1000)}.py"
        new.write_text(rng.choice(contents))
        return [new, *made, *(d.parent for d in made), folder]

    def remove() -> list[Path]:
        files = python_files()
        if len(files) < 2:
            return []
        victim = rng.choice(files)
        victim.unlink()
        return [victim.parent]

    def rename() -> list[Path]:
        victim = rng.choice(python_files())
        target = victim.with_name(f"r{rng.randrange(1000)}.py")
        victim.rename(target)
        return [target, target.parent]

    def configure() -> list[Path]:
        ignored = rng.choice(["[]", '["TRD301"]', '["TRD2"]'])
        config.write_text(f"[tool.treddy-advisor]\nignore = {ignored}\n")
        return [config]

    def gitignore() -> list[Path]:
        ignore = project / ".gitignore"
        created = not ignore.exists()
        ignore.write_text(rng.choice(["", "sub/\n", "m*.py\n"]))
        return [ignore, project] if created else [ignore]

    def touch() -> list[Path]:
        victim = rng.choice(python_files())
        os.utime(victim)
        return [victim]

    operations = [edit, add, remove, rename, configure, gitignore, touch]
    replays = 0
    for step in range(12):
        changed = rng.choice(operations)()
        if rng.random() < 0.75:
            # as if the change were older than a timestamp tick; what did not change keeps
            # its time, so a record that overlooked a change would be replayed
            age(*[p for p in changed if p.exists()], seconds=7200 - step)
        for _ in range(2):
            run = advisor(project, "check", "app")
            truth = advisor(project, "check", "app", "--no-cache")
            assert (run.code, run.out) == (truth.code, truth.out), (step, changed)
            replays += run.replayed
    assert replays >= 4  # the comparison has to have met replays to mean anything


def test_a_replay_into_a_closed_pipe_ends_like_a_run_of_its_own(project: Path) -> None:
    # SARIF: more than the output buffer, so that the write itself fails, not only the flush
    assert len(advisor(project, "check", "app", "--format", "sarif").out) > io.DEFAULT_BUFFER_SIZE
    reader = subprocess.Popen(["true"], stdin=subprocess.PIPE)
    reader.wait()  # gone before anything is written: the pipe is broken
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "advisor", "check", "app", "--format", "sarif"],
        cwd=project,
        stdout=reader.stdin,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )
    reader.stdin.close()  # type: ignore[union-attr]
    run = Run(done)
    assert run.replayed  # answered from the record, not run again
    assert run.code == 1 and "Traceback" not in run.err
