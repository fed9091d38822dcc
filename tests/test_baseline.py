"""Baselines: line-independent, duplicate-counting, relative paths, no messages or secrets."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from advisor.model import Finding, Span
from advisor.policy import baseline
from advisor.policy.baseline import Baseline, BaselineError

SECRET = "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"


def finding(rule: str, line: int, fp: str, path: str = "src/app.py") -> Finding:
    return Finding(
        rule=rule,
        name="hardcoded-client-secret",
        category="secret",
        severity="error",
        confidence="high",
        path=path,
        span=Span(line, 0, line, 20),
        message=f"client secret {SECRET[:2]}… written in code",
        fingerprint=fp,
    )


def test_written_file_has_counts_and_no_messages(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "ci" / "baseline.json"
    n = baseline.write(
        target,
        [finding("TRD301", 3, "fp1"), finding("TRD301", 9, "fp1"), finding("TRD402", 5, "fp2")],
    )
    assert n == 3
    doc = json.loads(target.read_text())
    assert doc["version"] == 1
    assert doc["findings"] == [
        {"rule": "TRD301", "path": "../src/app.py", "fingerprint": "fp1", "count": 2},
        {"rule": "TRD402", "path": "../src/app.py", "fingerprint": "fp2", "count": 1},
    ]
    text = target.read_text()
    assert "message" not in text and "written in code" not in text and SECRET not in text


def test_line_moves_do_not_make_findings_new(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "baseline.json"
    baseline.write(target, [finding("TRD301", 3, "fp1")])
    new, matched = Baseline.load(target).filter([finding("TRD301", 40, "fp1")])
    assert (new, matched) == ([], 1)


def test_duplicates_are_counted(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "baseline.json"
    baseline.write(target, [finding("TRD301", line, "fp1") for line in (1, 2, 3)])
    now = [finding("TRD301", line, "fp1") for line in (1, 2, 3, 4)]
    new, matched = Baseline.load(target).filter(now)
    assert matched == 3
    assert [f.span.line for f in new] == [4]


def test_other_rule_path_or_fingerprint_is_new(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "baseline.json"
    baseline.write(target, [finding("TRD301", 1, "fp1")])
    now = [
        finding("TRD302", 1, "fp1"),
        finding("TRD301", 1, "fp1", path="src/other.py"),
        finding("TRD301", 1, "fp9"),
    ]
    new, matched = Baseline.load(target).filter(now)
    assert matched == 0 and len(new) == 3


def test_check_from_another_directory_matches_paths(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "baseline.json"
    baseline.write(target, [finding("TRD301", 1, "fp1")])
    monkeypatch.chdir(tmp_path.parent)
    moved = finding("TRD301", 7, "fp1", path=os.path.join(tmp_path.name, "src", "app.py"))
    new, matched = Baseline.load(target).filter([moved])
    assert (new, matched) == ([], 1)


def test_filtering_never_modifies_the_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "baseline.json"
    baseline.write(target, [finding("TRD301", 1, "fp1")])
    before = target.read_bytes()
    Baseline.load(target).filter([finding("TRD301", 2, "fp2")])
    assert target.read_bytes() == before


def test_findings_without_policy_fingerprint_get_a_line_free_one(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "baseline.json"
    baseline.write(target, [finding("TRD301", 1, "")])
    new, matched = Baseline.load(target).filter([finding("TRD301", 12, "")])
    assert (new, matched) == ([], 1)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"version": 7, "findings": []}', "not a treddy-advisor baseline"),
        ('{"version": 1, "findings": [{"rule": "TRD301"}]}', "malformed entry"),
    ],
)
def test_unusable_baselines_are_errors(tmp_path: Path, content: str, message: str) -> None:
    target = tmp_path / "baseline.json"
    target.write_text(content)
    with pytest.raises(BaselineError, match=message):
        Baseline.load(target)


def test_missing_baseline_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="does not exist"):
        Baseline.load(tmp_path / "none.json")


# --- --prune-baseline: the baseline only ever shrinks ------------------------------------------


def entries(target: Path) -> dict[tuple[str, str, str], int]:
    doc = json.loads(target.read_text())
    return {(e["rule"], e["path"], e["fingerprint"]): e["count"] for e in doc["findings"]}


def test_prune_drops_what_was_fixed_in_the_files_checked(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("src/app.py", "src/other.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n")
    target = tmp_path / "baseline.json"
    recorded = [finding("TRD301", line, "fp1") for line in (1, 2, 3)]
    recorded += [finding("TRD402", 5, "fp2"), finding("TRD301", 1, "fp3", path="src/other.py")]
    baseline.write(target, recorded)

    # app.py: one of three copies fixed, TRD402 fixed, and a new finding that stays new
    now = [finding("TRD301", line, "fp1") for line in (1, 2)] + [finding("TRD105", 8, "fp4")]
    base = Baseline.load(target)
    new, matched = base.filter(now)
    assert matched == 2 and [f.rule for f in new] == ["TRD105"]
    assert base.prune(["src/app.py"]) == 2
    assert entries(target) == {
        ("TRD301", "src/app.py", "fp1"): 2,
        ("TRD301", "src/other.py", "fp3"): 1,  # not checked this time: kept as it was
    }


def test_prune_drops_entries_of_files_that_are_gone(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src/app.py").write_text("x = 1\n")
    target = tmp_path / "baseline.json"
    baseline.write(target, [finding("TRD301", 1, "fp1"), finding("TRD301", 1, "fp2", "old.py")])
    base = Baseline.load(target)
    base.filter([finding("TRD301", 1, "fp1")])
    assert base.prune([]) == 1
    assert entries(target) == {("TRD301", "src/app.py", "fp1"): 1}


def test_prune_with_nothing_fixed_leaves_the_file_alone(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src/app.py").write_text("x = 1\n")
    target = tmp_path / "baseline.json"
    baseline.write(target, [finding("TRD301", 1, "fp1")])
    os.utime(target, (1_000_000_000, 1_000_000_000))
    base = Baseline.load(target)
    base.filter([finding("TRD301", 9, "fp1"), finding("TRD302", 2, "fp2")])
    assert base.prune(["src/app.py"]) == 0
    assert target.stat().st_mtime == 1_000_000_000
