"""`treddy-advisor check`: exit codes, flags over config, formats, suppressions, baseline, cache."""

from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from advisor.cli.main import main

SECRET = "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"

# A raw token request with the secret in the body and TLS verification off: TRD201, TRD301,
# TRD402 (errors) and TRD105 (no scope, a warning).
VIOLATING = f'''\
import requests

TOKEN_URL = "https://auth.treddy.com/oauth/token"


def get_token():
    r = requests.post(
        TOKEN_URL,
        data={{"grant_type": "client_credentials", "client_secret": "{SECRET}"}},
        verify=False,
    )
    return r.json()["access_token"]
'''

CLEAN = """\
import os

import requests

TOKEN_URL = "https://auth.treddy.com/oauth/token"


def get_token():
    r = requests.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials", "scope": "deals:read"},
        auth=(os.environ["TREDDY_CLIENT_ID"], os.environ["TREDDY_CLIENT_SECRET"]),
    )
    return r.json()["access_token"]
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    (tmp_path / "pyproject.toml").write_text("[tool.treddy-advisor]\n")
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def check(*args: str) -> Result:
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


def rules_in(result: Result) -> list[str]:
    return [f["rule"] for f in json.loads(result.stdout)["findings"]]


def test_violating_file_exits_1_with_one_line_per_finding(project: Path) -> None:
    write(project / "app.py", VIOLATING)
    result = check("app.py")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "app.py:9:" in result.stdout and "TRD301" in result.stdout
    assert any(line.startswith("app.py:7:") and "TRD201" in line for line in lines)
    assert SECRET not in result.stdout
    assert "\x1b[" not in result.stdout  # not a terminal: no colour


def test_clean_file_exits_0(project: Path) -> None:
    write(project / "app.py", CLEAN)
    result = check("app.py")
    assert result.exit_code == 0, result.stdout
    assert "All checks passed" in result.stdout


def test_exit_zero_and_fail_on(project: Path) -> None:
    write(project / "app.py", VIOLATING)
    assert check("app.py", "--exit-zero").exit_code == 0
    # TRD105 alone is a warning: below the default fail-on=error.
    assert check("app.py", "--select", "TRD105").exit_code == 0
    assert check("app.py", "--select", "TRD105", "--fail-on", "warning").exit_code == 1
    assert check("app.py", "--select", "TRD105", "--fail-on", "info").exit_code == 1


def test_color_always_and_show_source_masks_the_secret(project: Path) -> None:
    write(project / "app.py", VIOLATING)
    result = check("app.py", "--color", "always", "--show-source")
    assert "\x1b[" in result.stdout
    assert "9 |" in result.stdout
    assert SECRET not in result.stdout


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('selct = ["TRD1"]', "unknown key 'selct'"),
        ('fail-on = "fatal"', "'fail-on' must be one of info, warning, error"),
        ('select = ["TRD999"]', "'select': TRD999 matches no rule"),
        ('policy = "missing.toml"', "missing.toml"),
    ],
)
def test_bad_config_is_exit_2_with_one_line_on_stderr(
    project: Path, config: str, message: str
) -> None:
    write(project / "app.py", VIOLATING)
    (project / "pyproject.toml").write_text(f"[tool.treddy-advisor]\n{config}\n")
    result = check("app.py")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("treddy-advisor: error:")


def test_bad_policy_file_and_bad_flags_are_exit_2(project: Path) -> None:
    write(project / "app.py", VIOLATING)
    (project / "policy.toml").write_text("this is [not toml")
    result = check("app.py", "--policy", "policy.toml")
    assert result.exit_code == 2 and "policy.toml" in result.stderr
    assert check("app.py", "--select", "E501").exit_code == 2
    assert check("app.py", "--format", "xml").exit_code == 2
    assert check("app.py", "--fail-on", "critical").exit_code == 2


def test_command_line_overrides_config(project: Path) -> None:
    write(project / "app.py", VIOLATING)
    (project / "pyproject.toml").write_text(
        '[tool.treddy-advisor]\nselect = ["TRD3"]\nfail-on = "info"\n'
    )
    assert rules_in(check("app.py", "--format", "json")) == ["TRD301"]
    assert sorted(rules_in(check("app.py", "--format", "json", "--select", "TRD1,TRD4"))) == [
        "TRD105",
        "TRD402",
    ]
    assert sorted(rules_in(check("app.py", "--format", "json", "--extend-select", "TRD402"))) == [
        "TRD301",
        "TRD402",
    ]
    assert check("app.py", "--select", "TRD105").exit_code == 1  # fail-on info from config
    assert check("app.py", "--select", "TRD105", "--fail-on", "error").exit_code == 0


def test_ignore_and_per_file_ignores_from_config(project: Path) -> None:
    write(project / "app.py", VIOLATING)
    write(project / "scripts" / "seed.py", VIOLATING)
    (project / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [tool.treddy-advisor]
            ignore = ["TRD105"]
            per-file-ignores = { "scripts/*" = ["TRD3", "TRD402"] }
            """
        )
    )
    doc = json.loads(check(".", "--format", "json").stdout)
    by_path: dict[str, list[str]] = {}
    for f in doc["findings"]:
        by_path.setdefault(f["path"], []).append(f["rule"])
    assert sorted(by_path["app.py"]) == ["TRD201", "TRD301", "TRD402"]
    assert by_path["scripts/seed.py"] == ["TRD201"]
    # --ignore adds to the configured list.
    assert rules_in(check("app.py", "--format", "json", "--ignore", "TRD3,TRD402")) == ["TRD201"]


def test_excludes_hold_for_files_passed_by_name(project: Path) -> None:
    write(project / "legacy" / "old.py", VIOLATING)
    write(project / "app.py", CLEAN)
    (project / "pyproject.toml").write_text('[tool.treddy-advisor]\nexclude = ["legacy/"]\n')
    # pre-commit passes file names; the configured exclude must still apply.
    result = check("legacy/old.py", "app.py", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["summary"]["files_scanned"] == 1
    # --exclude replaces the configured list.
    assert check("legacy/old.py", "--exclude", "nothing-here/").exit_code == 1


def test_config_is_found_from_the_paths_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    write(repo / "src" / "app.py", VIOLATING)
    (repo / "pyproject.toml").write_text('[tool.treddy-advisor]\nselect = ["TRD402"]\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = check(str(repo / "src"), "--format", "json")
    assert rules_in(result) == ["TRD402"]
    assert rules_in(check(str(repo / "src"), "--format", "json", "--isolated")) != ["TRD402"]


def test_min_confidence_drops_low_confidence_findings(project: Path) -> None:
    # A literal credential in a test file is reported with low confidence.
    write(
        project / "tests" / "test_client.py",
        """
        import requests

        def test_token():
            requests.post(
                "https://auth.treddy.com/oauth/token",
                data={"grant_type": "client_credentials", "scope": "deals:read"},
                auth=("client", "tr_sk_test_0a1b2c3d4e5f60718293a4b5c6d7e8f9"),
            )
        """,
    )
    low = json.loads(check("tests", "--format", "json").stdout)["findings"]
    assert [f["confidence"] for f in low] == ["low"]
    assert rules_in(check("tests", "--format", "json", "--min-confidence", "medium")) == []


def test_output_file_and_extra_reports_in_one_run(project: Path) -> None:
    write(project / "app.py", VIOLATING)
    result = check(
        "app.py",
        "--format",
        "json",
        "-o",
        "out/result.json",
        "--report",
        "sarif:out/r.sarif",
        "--report",
        "junit:out/junit.xml",
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    doc = json.loads((project / "out" / "result.json").read_text())
    assert len(doc["findings"]) == 4
    sarif = json.loads((project / "out" / "r.sarif").read_text())
    assert len(sarif["runs"][0]["results"]) == 4
    ET.fromstring((project / "out" / "junit.xml").read_text())
    assert check("app.py", "--report", "pdf:x.pdf").exit_code == 2


@pytest.mark.parametrize("fmt", ["json", "sarif", "github", "gitlab", "junit"])
def test_every_format_renders_and_never_shows_the_secret(project: Path, fmt: str) -> None:
    write(project / "app.py", VIOLATING)
    result = check("app.py", "--format", fmt, "--show-source")
    assert result.exit_code == 1
    out = result.stdout
    assert SECRET not in out and SECRET[8:] not in out
    if fmt in ("json", "sarif", "gitlab"):
        json.loads(out)
    elif fmt == "junit":
        ET.fromstring(out)
    else:
        assert all(
            line.startswith(("::error ", "::warning ", "::notice ")) for line in out.splitlines()
        )


def test_suppression_after_a_multi_line_call_and_noqa_in_a_string(project: Path) -> None:
    source = VIOLATING.replace("verify=False,\n    )\n", "verify=False,\n    )  # noqa: TRD402\n")
    source += 'NOTE = "# noqa: TRD301"\n'
    write(project / "app.py", source)
    doc = json.loads(check("app.py", "--format", "json").stdout)
    assert sorted(f["rule"] for f in doc["findings"]) == ["TRD105", "TRD201", "TRD301"]
    assert doc["summary"]["suppressed"] == 1


def test_treddy_ignore_above_the_call_with_reason(project: Path) -> None:
    source = VIOLATING.replace(
        "    r = requests.post(",
        "    # treddy: ignore[TRD201, TRD105] legacy gateway, tracked in OPS-42\n"
        "    r = requests.post(",
    )
    write(project / "app.py", source)
    doc = json.loads(check("app.py", "--format", "json").stdout)
    assert sorted(f["rule"] for f in doc["findings"]) == ["TRD301", "TRD402"]
    assert doc["summary"]["suppressed"] == 2


def test_unused_suppressions_are_reported_on_request(project: Path) -> None:
    write(project / "app.py", CLEAN.replace('"deals:read"},', '"deals:read"},  # noqa: TRD201'))
    assert check("app.py").exit_code == 0
    result = check("app.py", "--report-unused-suppressions", "--format", "json")
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["line"]) for f in findings] == [("TRD001", 11)]
    assert "TRD201" in findings[0]["message"]
    assert check("app.py", "--show-unused-noqa", "--fail-on", "warning").exit_code == 1


def test_baseline_reports_only_new_findings_and_is_never_rewritten(project: Path) -> None:
    write(project / "app.py", VIOLATING)
    result = check("app.py", "--write-baseline", "baseline.json")
    assert result.exit_code == 0
    assert "Recorded 4 findings" in result.stderr
    baseline = project / "baseline.json"
    assert SECRET not in baseline.read_text()
    before = baseline.read_bytes()

    result = check("app.py", "--baseline", "baseline.json", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["summary"]["baselined"] == 4

    # Lines moving does not matter.
    write(project / "app.py", "import logging\n\n\nlog = logging.getLogger()\n" + VIOLATING)
    assert check("app.py", "--baseline", "baseline.json").exit_code == 0

    # A second copy of the same construct is new, even though it is identical.
    write(project / "app.py", VIOLATING + "\n\n" + VIOLATING.split("\n\n\n")[1])
    result = check("app.py", "--baseline", "baseline.json", "--format", "json")
    doc = json.loads(result.stdout)
    assert result.exit_code == 1
    assert doc["summary"]["baselined"] == 4
    assert len(doc["findings"]) == 4
    assert baseline.read_bytes() == before

    both = check("app.py", "--baseline", "baseline.json", "--write-baseline", "b2.json")
    assert both.exit_code == 2


def test_prune_baseline_removes_fixed_findings_and_never_adds(project: Path) -> None:
    write(project / "app.py", VIOLATING)
    write(project / "legacy.py", VIOLATING)
    assert check(".", "--write-baseline", "baseline.json").exit_code == 0
    recorded = json.loads((project / "baseline.json").read_text())["findings"]
    assert {e["path"] for e in recorded} == {"app.py", "legacy.py"}

    write(project / "app.py", CLEAN)  # fixed
    write(project / "new.py", VIOLATING)  # new: reported, not recorded
    # pre-commit names the changed files only: legacy.py's entries must stay
    result = check("app.py", "new.py", "--baseline", "baseline.json", "--prune-baseline")
    assert result.exit_code == 1 and "new.py:" in result.stdout
    assert "Removed 4 fixed findings from baseline baseline.json." in result.stderr
    pruned = json.loads((project / "baseline.json").read_text())["findings"]
    assert pruned == [e for e in recorded if e["path"] == "legacy.py"]
    assert SECRET not in (project / "baseline.json").read_text()

    assert check("--prune-baseline", ".").exit_code == 2  # needs --baseline


def test_missing_baseline_is_exit_2(project: Path) -> None:
    write(project / "app.py", VIOLATING)
    result = check("app.py", "--baseline", "nope.json")
    assert result.exit_code == 2 and "nope.json" in result.stderr


def test_cache_is_used_on_the_second_run_and_invalidated_by_edits(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import advisor.engine

    write(project / "app.py", VIOLATING)
    first = check("app.py", "--format", "json")
    assert (project / ".treddy_advisor_cache" / ".gitignore").is_file()

    # Count the scan's own analyses (the autofixer may re-analyse to validate its edits).
    calls: list[str] = []
    real = advisor.engine._analyse_src

    def counting(src, project, cache):  # type: ignore[no-untyped-def]
        calls.append(Path(src.path).name)
        return real(src, project, cache)

    monkeypatch.setattr(advisor.engine, "_analyse_src", counting)
    second = check("app.py", "--format", "json")
    assert calls == []
    assert json.loads(second.stdout)["findings"] == json.loads(first.stdout)["findings"]

    check("app.py", "--no-cache")
    assert calls == ["app.py"]
    write(project / "app.py", CLEAN)
    assert check("app.py").exit_code == 0
    assert calls == ["app.py", "app.py"]


def test_cache_dir_option_and_config_switch(project: Path) -> None:
    write(project / "app.py", VIOLATING)
    check("app.py", "--cache-dir", "elsewhere")
    assert (project / "elsewhere" / ".gitignore").is_file()
    assert not (project / ".treddy_advisor_cache").exists()
    (project / "pyproject.toml").write_text("[tool.treddy-advisor]\ncache = false\n")
    check("app.py")
    assert not (project / ".treddy_advisor_cache").exists()


def test_parallel_scan_matches_serial_scan(project: Path) -> None:
    for i in range(40):
        write(project / "pkg" / f"client_{i:02d}.py", VIOLATING if i % 3 == 0 else CLEAN)
    serial = check("pkg", "--format", "json", "--jobs", "1", "--no-cache")
    parallel = check("pkg", "--format", "json", "--jobs", "2", "--no-cache")
    assert serial.exit_code == parallel.exit_code == 1
    s, p = json.loads(serial.stdout), json.loads(parallel.stdout)
    assert p["findings"] == s["findings"]
    assert len(s["findings"]) == 14 * 4


def test_one_broken_file_does_not_stop_the_run(project: Path) -> None:
    write(project / "app.py", VIOLATING)
    write(project / "broken.py", "import requests\n\ndef oauth_client(:\n    client_secret = 1\n")
    result = check(".", "--format", "json")
    doc = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [e["path"] for e in doc["errors"]] == ["broken.py"]
    assert len(doc["findings"]) == 4


def test_statistics_and_quiet(project: Path) -> None:
    write(project / "app.py", VIOLATING)
    stats = check("app.py", "--statistics")
    assert stats.exit_code == 1
    assert stats.stdout.splitlines()[0].split() == ["1", "TRD105", "missing-scope"]
    assert len(stats.stdout.splitlines()) == 4
    write(project / "app.py", CLEAN)
    quiet = check("app.py", "-q")
    assert quiet.exit_code == 0 and quiet.stdout == "" and quiet.stderr == ""


def test_cached_result_is_recomputed_when_an_imported_module_changes(project: Path) -> None:
    write(project / "pkg" / "__init__.py", "")
    write(project / "pkg" / "settings.py", 'TOKEN_URL = "http://auth.treddy.com/oauth/token"\n')
    write(
        project / "pkg" / "client.py",
        CLEAN.replace('TOKEN_URL = "https://auth.treddy.com/oauth/token"\n', "").replace(
            "import requests\n", "import requests\n\nfrom pkg.settings import TOKEN_URL\n"
        ),
    )
    assert rules_in(check("pkg", "--format", "json")) == ["TRD401"]
    write(project / "pkg" / "settings.py", 'TOKEN_URL = "https://auth.treddy.com/oauth/token"\n')
    assert rules_in(check("pkg", "--format", "json")) == []


def test_inside_a_git_repository_gitignored_files_are_skipped(project: Path) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q", str(project)], check=True)
    (project / ".gitignore").write_text("generated/\n")
    write(project / "generated" / "client.py", VIOLATING)
    write(project / "app.py", VIOLATING)
    doc = json.loads(check(".", "--format", "json").stdout)
    assert doc["summary"]["files_scanned"] == 1
    assert {f["path"] for f in doc["findings"]} == {"app.py"}
    # Files named explicitly (pre-commit names tracked ones) are analysed even when ignored.
    assert check("generated/client.py").exit_code == 1
