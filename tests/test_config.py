"""[tool.treddy-advisor] loading, validation, discovery and rule selection."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.config import (
    CACHE_DIR_NAME,
    MEMO_NAME,
    Config,
    ConfigError,
    RuleFilter,
    find_config,
    load_config,
)


def write_pyproject(directory: Path, body: str) -> Path:
    path = directory / "pyproject.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_keys_are_read_and_policy_is_relative_to_the_config_file(tmp_path: Path) -> None:
    path = write_pyproject(
        tmp_path,
        """
[tool.treddy-advisor]
select = ["TRD2", "trd301"]
ignore = ["TRD203"]
extend-exclude = ["legacy/"]
per-file-ignores = { "tests/**" = ["TRD301"] }
policy = "policies/partner.toml"
fail-on = "warning"
min-confidence = "medium"
all-providers = true
jobs = "auto"
cache = false
respect-gitignore = false
""",
    )
    config = load_config(path)
    assert config.select == ["TRD2", "TRD301"]
    assert config.ignore == ["TRD203"]
    assert config.excludes == ["legacy/"]
    assert config.per_file_ignores == {"tests/**": ["TRD301"]}
    assert config.policy == tmp_path.resolve() / "policies" / "partner.toml"
    assert (config.fail_on, config.min_confidence) == ("warning", "medium")
    assert config.all_providers is True
    assert config.jobs == 0
    assert config.cache is False and config.respect_gitignore is False
    assert config.root == tmp_path.resolve()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('selct = ["TRD1"]', "unknown key 'selct'.*did you mean 'select'"),
        ('fail-on = "critical"', "'fail-on' must be one of info, warning, error"),
        ("min-confidence = 3", "'min-confidence' must be one of low, medium, high"),
        ('select = "TRD1"', "'select' must be a list of rule codes"),
        ('select = ["E501"]', "'select': 'E501' is not a rule code"),
        ("cache = 1", "'cache' must be true or false"),
        ("jobs = -2", "'jobs' must be a non-negative integer"),
        ('per-file-ignores = ["x"]', "'per-file-ignores' must be a table"),
        ('per-file-ignores = { "a.py" = ["nope"] }', r"'per-file-ignores\.a\.py'"),
        ("policy = 3", "'policy' must be a path"),
    ],
)
def test_bad_keys_and_values_name_the_key_and_what_is_allowed(
    tmp_path: Path, body: str, expected: str
) -> None:
    path = write_pyproject(tmp_path, f"[tool.treddy-advisor]\n{body}\n")
    with pytest.raises(ConfigError, match=expected):
        load_config(path)


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    path = write_pyproject(tmp_path, "[tool.treddy-advisor\nselect = [")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_discovery_walks_up_from_the_paths_to_the_file_with_our_section(tmp_path: Path) -> None:
    ours = write_pyproject(tmp_path, "[tool.treddy-advisor]\nfail-on = 'info'\n")
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    # A nested pyproject.toml without our section (e.g. a vendored package) is skipped.
    write_pyproject(pkg, "[project]\nname = 'x'\n")
    target = pkg / "sub" / "mod.py"
    target.write_text("x = 1\n")
    assert find_config([target]) == ours
    assert find_config([pkg / "sub", tmp_path / "pkg"]) == ours


def test_no_config_found_gives_none(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("")
    write_pyproject(tmp_path, "[tool.ruff]\nline-length = 100\n")
    assert find_config([tmp_path / "a.py"]) is None


def test_a_broken_config_of_ours_is_not_skipped_during_discovery(tmp_path: Path) -> None:
    write_pyproject(tmp_path, "[tool.treddy-advisor]\nselect = [\n")
    with pytest.raises(ConfigError):
        find_config([tmp_path])


def test_dedicated_config_file_may_hold_keys_at_top_level(tmp_path: Path) -> None:
    path = tmp_path / "treddy-advisor.toml"
    path.write_text('fail-on = "warning"\nignore = ["TRD105"]\n')
    config = load_config(path)
    assert config.fail_on == "warning" and config.ignore == ["TRD105"]


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


def test_most_specific_selector_wins_and_ignore_wins_ties() -> None:
    rf = RuleFilter(Config(select=["TRD3"], ignore=["TRD"]))
    assert rf.enabled("TRD301") and not rf.enabled("TRD201")
    rf = RuleFilter(Config(select=["TRD3"], ignore=["TRD301"]))
    assert rf.enabled("TRD302") and not rf.enabled("TRD301")
    rf = RuleFilter(Config(select=["TRD301"], ignore=["TRD301"]))
    assert not rf.enabled("TRD301")
    rf = RuleFilter(Config(select=["TRD1"], extend_select=["TRD402"]))
    assert rf.enabled("TRD101") and rf.enabled("TRD402") and not rf.enabled("TRD401")
    assert RuleFilter(Config()).enabled("TRD999")


def test_per_file_ignores_use_gitignore_patterns_relative_to_the_root(tmp_path: Path) -> None:
    config = Config(
        root=tmp_path,
        per_file_ignores={"tests/**": ["TRD3"], "settings_*.py": ["TRD402"]},
    )
    rf = RuleFilter(config)
    assert not rf.allows("TRD301", str(tmp_path / "tests" / "unit" / "test_x.py"))
    assert rf.allows("TRD201", str(tmp_path / "tests" / "unit" / "test_x.py"))
    assert rf.allows("TRD301", str(tmp_path / "src" / "tests.py"))
    # A pattern without a slash matches at any depth, as in .gitignore.
    assert not rf.allows("TRD402", str(tmp_path / "deploy" / "settings_dev.py"))
    # Files outside the root are never matched by root-relative patterns.
    assert rf.allows("TRD301", str(tmp_path.parent / "tests" / "x.py"))


# --- the parsed table is remembered in the cache directory -------------------------------------


def project_with_a_cache(tmp_path: Path) -> Path:
    """A configured project whose cache directory exists (a run with the cache on was here)."""
    (tmp_path / CACHE_DIR_NAME).mkdir()
    return write_pyproject(tmp_path, '[tool.treddy-advisor]\nfail-on = "warning"\n')


def no_toml_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """A load that still needs the TOML parser fails: proves a result came from the memo."""

    def refuse() -> None:
        raise AssertionError("the TOML parser was needed")

    monkeypatch.setattr("advisor.config._toml", refuse)


def test_an_unchanged_config_is_read_without_parsing_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = project_with_a_cache(tmp_path)
    assert load_config(path).fail_on == "warning"
    assert (tmp_path / CACHE_DIR_NAME / MEMO_NAME).is_file()
    no_toml_parser(monkeypatch)
    assert load_config(path).fail_on == "warning"
    assert find_config([tmp_path]) == path


def test_an_edit_is_seen_even_with_the_same_size_and_modification_time(
    tmp_path: Path,
) -> None:
    import os

    path = project_with_a_cache(tmp_path)
    load_config(path)
    before = os.stat(path)
    path.write_text('[tool.treddy-advisor]\nfail-on = "error"\n\n\n', encoding="utf-8")
    assert os.stat(path).st_size == before.st_size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert load_config(path).fail_on == "error"


def test_no_memo_without_a_cache_directory_or_when_caching_is_off(tmp_path: Path) -> None:
    path = write_pyproject(tmp_path, '[tool.treddy-advisor]\nfail-on = "warning"\n')
    load_config(path)
    assert not (tmp_path / CACHE_DIR_NAME).exists()  # never created for a memo
    (tmp_path / CACHE_DIR_NAME).mkdir()
    load_config(path, remember=False)  # --no-cache
    write_pyproject(tmp_path, "[tool.treddy-advisor]\ncache = false\n")
    assert load_config(path).cache is False
    assert not (tmp_path / CACHE_DIR_NAME / MEMO_NAME).exists()


@pytest.mark.parametrize(
    "memo",
    [b"", b"\x00garbage", b"\xe3" + b"\x00" * 3, None],
    ids=["empty", "garbage", "truncated", "other-content"],
)
def test_a_damaged_or_foreign_memo_is_a_miss(tmp_path: Path, memo: bytes | None) -> None:
    import marshal

    path = project_with_a_cache(tmp_path)
    if memo is None:  # a well-formed memo of another content of the file
        memo = marshal.dumps((b"0" * 16, {"fail-on": "info"}))
    (tmp_path / CACHE_DIR_NAME / MEMO_NAME).write_bytes(memo)
    assert load_config(path).fail_on == "warning"


def test_a_table_marshal_cannot_hold_is_parsed_every_time(tmp_path: Path) -> None:
    path = write_pyproject(
        tmp_path,
        '[tool.treddy-advisor]\nfail-on = "warning"\n[tool.treddy-advisor.x]\nd = 1979-05-27\n',
    )
    (tmp_path / CACHE_DIR_NAME).mkdir()
    with pytest.raises(ConfigError, match="unknown key 'x'"):
        load_config(path)  # validation still runs; no memo error on the way
    assert not (tmp_path / CACHE_DIR_NAME / MEMO_NAME).exists()


def test_an_invalid_config_is_still_an_error_after_a_valid_one_was_remembered(
    tmp_path: Path,
) -> None:
    path = project_with_a_cache(tmp_path)
    load_config(path)
    write_pyproject(tmp_path, '[tool.treddy-advisor]\nfail-on = "warning\n')
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)
