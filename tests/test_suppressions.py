"""Inline suppressions read with tokenize and matched against a finding's whole span."""

from __future__ import annotations

import textwrap

from advisor.model import Finding, Related, Span
from advisor.policy.suppressions import (
    ALL,
    UNUSED_RULE,
    FileSuppressions,
    apply,
    parse_comment,
    scan,
    unused_findings,
)


def finding(
    rule: str,
    line: int,
    end_line: int | None = None,
    path: str = "app.py",
    related: list[Related] | None = None,
) -> Finding:
    return Finding(
        rule=rule,
        name="x",
        category="secret",
        severity="error",
        confidence="high",
        path=path,
        span=Span(line, 4, end_line or line, 10),
        message="m",
        related=related or [],
    )


def suppressions_of(code: str) -> FileSuppressions:
    return FileSuppressions(scan(textwrap.dedent(code)))


def test_comment_forms() -> None:
    assert parse_comment("# noqa") == ([ALL], "", "noqa")
    assert parse_comment("# noqa: TRD301") == (["TRD301"], "", "noqa")
    assert parse_comment("#noqa:TRD301,trd201") == (["TRD301", "TRD201"], "", "noqa")
    assert parse_comment("# treddy: ignore[TRD301, TRD201] fixture value") == (
        ["TRD301", "TRD201"],
        "fixture value",
        "treddy",
    )
    assert parse_comment("# treddy: ignore") == ([ALL], "", "treddy")
    assert parse_comment("# type: ignore  # noqa: TRD402") == (["TRD402"], "", "noqa")
    assert parse_comment("# noqa is explained in the docs") is not None
    assert parse_comment("# see the noqa docs") is None
    assert parse_comment("# noqacheck") is None
    assert parse_comment("# treddy ignores nothing here") is None


def test_noqa_inside_a_string_literal_is_not_a_comment() -> None:
    sups = scan('secret = "abc # noqa: TRD301"\nother = """\n# noqa\n"""\n')
    assert sups == []


def test_multi_line_call_is_suppressed_from_any_of_its_lines() -> None:
    code = """
    session.fetch_token(
        TOKEN_URL,
        client_secret="tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        include_client_id=True,
    )  # noqa: TRD201
    """
    sups = suppressions_of(code)
    kept, n = apply([finding("TRD201", 2, 6), finding("TRD301", 2, 6)], {"app.py": sups})
    assert n == 1
    assert [f.rule for f in kept] == ["TRD301"]


def test_suppression_on_an_inner_line_of_the_construct() -> None:
    code = """
    session.fetch_token(
        TOKEN_URL,
        include_client_id=True,  # treddy: ignore[TRD201] legacy partner, migrating in Q3
    )
    """
    kept, n = apply([finding("TRD201", 2, 5)], {"app.py": suppressions_of(code)})
    assert (kept, n) == ([], 1)


def test_comment_line_above_counts_but_trailing_comment_of_previous_statement_does_not() -> None:
    code = """
    # treddy: ignore[TRD402] internal CA, pinned elsewhere
    r = requests.post(TOKEN_URL, verify=False)
    x = compute()  # noqa: TRD402
    y = requests.post(TOKEN_URL, verify=False)
    """
    sups = suppressions_of(code)
    kept, n = apply([finding("TRD402", 3), finding("TRD402", 5)], {"app.py": sups})
    assert n == 1
    assert [f.span.line for f in kept] == [5]


def test_comment_block_above_with_several_lines() -> None:
    code = """
    # treddy: ignore[TRD301] test fixture
    # (the value is a dummy, rotated weekly)
    SECRET = "tr_sk_test_000000000000000000000000"
    """
    kept, n = apply([finding("TRD301", 4)], {"app.py": suppressions_of(code)})
    assert n == 1 and kept == []


def test_other_codes_and_other_files_do_not_suppress() -> None:
    code = """
    r = requests.post(TOKEN_URL, verify=False)  # noqa: E501, TRD401
    """
    sups = suppressions_of(code)
    kept, n = apply([finding("TRD402", 2), finding("TRD402", 2, path="other.py")], {"app.py": sups})
    assert n == 0 and len(kept) == 2


def test_blanket_noqa_suppresses_every_rule_on_the_line() -> None:
    kept, n = apply(
        [finding("TRD402", 2), finding("TRD401", 2)],
        {"app.py": suppressions_of("\nr = requests.post(URL, verify=False)  # noqa\n")},
    )
    assert (kept, n) == ([], 2)


def test_suppression_at_a_related_location_in_the_same_file() -> None:
    code = """
    SECRET = "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"  # noqa: TRD301
    """
    related = [Related("app.py", Span(2, 9, 2, 50), "the literal")]
    kept, n = apply([finding("TRD301", 20, related=related)], {"app.py": suppressions_of(code)})
    assert (kept, n) == ([], 1)


def test_unused_suppressions_are_reported_per_code() -> None:
    code = """
    a = post(URL, verify=False)  # noqa: TRD402, TRD301
    b = 1  # treddy: ignore[TRD999]
    c = 2  # treddy: ignore
    d = 3  # noqa
    e = 4  # noqa: TRD105
    """
    per_file = {"app.py": suppressions_of(code)}
    kept, n = apply([finding("TRD402", 2)], per_file)
    assert n == 1
    known = {"TRD402", "TRD301", "TRD105"}
    unused = unused_findings(per_file, known, enabled=lambda code: code != "TRD105")
    assert all(f.rule == UNUSED_RULE for f in unused)
    by_line = {f.span.line: f.message for f in unused}
    assert "TRD301" in by_line[2] and "TRD402" not in by_line[2]
    assert "unknown rule code TRD999" in by_line[3]
    assert "blanket" in by_line[4]
    # A bare noqa may belong to flake8/Ruff; a disabled rule's code may be needed later.
    assert 5 not in by_line and 6 not in by_line


def test_unterminated_file_keeps_comments_seen_before_the_error() -> None:
    sups = scan("x = post(URL, verify=False)  # noqa: TRD402\ny = (\n")
    assert [(s.line, s.codes) for s in sups] == [(1, ["TRD402"])]
