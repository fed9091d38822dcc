"""Each finding's edits, computed on the statement its fix touches, are those of the whole-module
transform (advisor.fix.localedit), and a plain check never applies a codemod to a module."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_fix_codemods import CASES, INLINE_LITERAL, PATH, check, fixture

from advisor.fix.cstedit import apply_actions
from advisor.fix.planner import plan
from advisor.fix.textedits import text_edits

EXTRA = {
    "inline_literal": INLINE_LITERAL,
    # two fixes in one call, a secret in a method, and one at the module's top level
    "nested": '''import requests

SECRET = "tr_sk_live_0123456789abcdef0123456789abcdef"


class Client:
    """Talks to the token endpoint."""

    def token(self, cid):
        # the token request
        return requests.post(
            "https://auth.treddy.com/oauth/token",
            data={"grant_type": "client_credentials", "client_id": cid, "client_secret": SECRET},
            verify=False,
        )
''',
}


def _texts() -> dict[str, str]:
    texts = {case: fixture(case, "before") for case in CASES}
    texts.update(EXTRA)
    return texts


@pytest.mark.parametrize("case", sorted(_texts()))
def test_local_edits_are_the_whole_transform_edits(case: str) -> None:
    text = _texts()[case]
    result = check(text)
    plans = plan(result, read=lambda p: text)
    assert plans, case
    local = 0
    for fp in plans:
        for p in fp.fixes:
            whole = text_edits(PATH, text, apply_actions(fp.tree.module, p.fix.actions).code)
            assert fp.edits(p) == whole, (case, p.finding.rule)
            assert fp._local is not None  # one editor per file, kept for its other findings
            local += fp._local.edits(p.fix.actions) is not None
    if case not in ("insecure_transport",):  # a module-level statement: the whole module
        assert local, case


CODE = """import requests

def token(cid, secret):
    return requests.post("https://auth.treddy.com/oauth/token",
                         data={"grant_type": "client_credentials", "scope": "deals:read"},
                         auth=(cid, secret), verify=False)
"""


def _check(*args: str):  # type: ignore[no-untyped-def]
    from advisor.cli.main import main

    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_plain_check_never_applies_a_codemod(tmp_path: Path, monkeypatch, fmt: str) -> None:
    """The [*] marker (and JSON's fixable) come from the plan: nothing is applied to a module,
    parsed again or re-checked."""
    import advisor.fix.cstedit as cstedit
    import advisor.fix.planner as planner
    import advisor.fix.recheck as recheck

    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(CODE)

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a plain check applied or re-checked a fix")

    for target, name in (
        (planner, "apply_actions"),
        (cstedit, "apply_actions"),
        (recheck.Rechecker, "accepts"),
        (recheck.Rechecker, "counts"),
        (recheck, "parses"),
        (planner, "_parses_like"),
    ):
        monkeypatch.setattr(target, name, refuse)
    result = _check("app.py", "--no-cache", "--format", fmt)
    assert result.exit_code == 1
    if fmt == "text":
        assert "[*]" in result.stdout
        assert "1 fixable with --fix" in result.stdout
    elif fmt == "json":
        (finding,) = json.loads(result.stdout)["findings"]
        assert (finding["rule"], finding["fixable"], finding["fix_safety"]) == (
            "TRD402",
            True,
            "safe",
        )
        assert [e["replacement"] for e in finding["edits"]] == [""]
    else:
        (run,) = json.loads(result.stdout)["runs"]
        assert run["results"][0]["fixes"]


def test_diff_applies_the_fixes_of_a_file_once(tmp_path: Path, monkeypatch) -> None:
    import advisor.fix.planner as planner

    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(CODE.replace("auth=(cid, secret), ", ""))
    calls: list[int] = []
    real = planner.apply_actions

    def counting(module, actions):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(module, actions)

    monkeypatch.setattr(planner, "apply_actions", counting)
    diff = _check("app.py", "--no-cache", "--diff")
    assert diff.exit_code == 1
    assert "+" in diff.stdout and "verify=False" in diff.stdout
    assert calls == [1]
