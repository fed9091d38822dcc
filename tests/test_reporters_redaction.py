"""Secrets never reach a report: masking by position, by value, and across every format."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.model import (
    Credential,
    Finding,
    Related,
    RuleDoc,
    ScanResult,
    SecretFact,
    Span,
    Usage,
    redact,
    secret_hash,
)
from advisor.redaction import MASK, SecretMask, redact_source_line, secret_spans
from advisor.reporters import FORMATS, render

SECRET = "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
FRAGMENT = "9f8e7d6c5b4a"  # any recognisable piece of the secret counts as a leak
BASIC = base64.b64encode(b"my-client:" + SECRET.encode()).decode()
BASIC_FRAGMENT = BASIC[8:24]

SOURCE = f'''import requests

CLIENT_SECRET = "{SECRET}"
HEADERS = {{"Authorization": "Basic {BASIC}"}}
BACKUP = {{"secret": "{SECRET}"}}
LONG = """
{SECRET}
"""


def get_token():
    return requests.post(
        "https://api.treddy.example/oauth/token",
        data={{"grant_type": "client_credentials", "client_secret": CLIENT_SECRET}},
        headers=HEADERS,
    )
'''
LINES = SOURCE.splitlines()


def _col(line_no: int, needle: str) -> int:
    return LINES[line_no - 1].index(needle)


def _literal_span(line_no: int, value: str) -> Span:
    start = _col(line_no, value) - 1  # the opening quote
    return Span(line_no, start, line_no, start + len(value) + 2)


def _credential(span: Span, value: str) -> Credential:
    return Credential(
        source="literal",
        detail="CLIENT_SECRET",
        literal_path="app.py",
        literal_span=span,
        redacted=redact(value),
        value_hash=secret_hash(value),
    )


def planted_result() -> ScanResult:
    secret_span = _literal_span(3, SECRET)
    basic_value = f"Basic {BASIC}"
    basic_span = _literal_span(4, basic_value)
    long_span = Span(6, 7, 8, 3)  # the triple-quoted literal over three lines
    call = Span(12, 11, 16, 5)
    cred = _credential(secret_span, SECRET)
    finding = Finding(
        rule="TRD201",
        name="client-secret-in-body",
        category="client_auth",
        severity="error",
        confidence="high",
        path="app.py",
        span=call,
        message="client secret sent in the request body; Treddy expects HTTP Basic",
        fix_hint="pass auth=(client_id, client_secret) instead",
        related=[Related("app.py", secret_span, "the secret is defined here")],
        fingerprint="fp-body",
    )
    hardcoded = Finding(
        rule="TRD401",
        name="hardcoded-secret",
        category="secret",
        severity="error",
        confidence="high",
        path="app.py",
        span=Span(3, 0, 3, secret_span.end_column),
        message="client secret written in the code",
        related=[Related("app.py", long_span, "the same secret again")],  # a fact below
        fingerprint="fp-secret",
    )
    header = Finding(
        rule="TRD402",
        name="hardcoded-basic-header",
        category="secret",
        severity="warning",
        confidence="medium",
        path="app.py",
        span=Span(4, 0, 4, len(LINES[3])),
        message="Basic header with credentials written in the code",
        fingerprint="fp-header",
    )
    return ScanResult(
        files_scanned=1,
        files_parsed=1,
        usages=[
            Usage(
                "app.py",
                call,
                "requests",
                "token_request",
                flow="client_credentials",
                client_auth="body",
                secret=cred,
            )
        ],
        secrets=[
            SecretFact("app.py", secret_span, "client_secret", cred, "client_secret= in body"),
            SecretFact(
                "app.py",
                basic_span,
                "basic_header",
                _credential(basic_span, basic_value),
                "Authorization header",
            ),
            # the same secret in a triple-quoted literal: a fact of its own, masked by its span
            SecretFact(
                "app.py", long_span, "client_secret", _credential(long_span, SECRET), "literal"
            ),
        ],
        findings=[finding, hardcoded, header],
    )


RULES = [
    RuleDoc("TRD201", "client-secret-in-body", "client_auth", "error", "m", "s", "w", "e", "f"),
]


def test_mask_keeps_quotes_and_length() -> None:
    line = f'CLIENT_SECRET = "{SECRET}"'
    start = line.index('"')
    out = redact_source_line(line, [(start, len(line))])
    assert out == 'CLIENT_SECRET = "' + MASK * len(SECRET) + '"'
    assert len(out) == len(line)


def test_mask_handles_prefixes_overlaps_and_out_of_range_spans() -> None:
    line = "x = rb'abcdef' + 'ghij'"
    out = redact_source_line(line, [(4, 14), (10, 12), (17, 99)])
    assert out == "x = rb'******' + '****'"
    assert redact_source_line(line, []) == line
    assert redact_source_line(line, [(5, 5)]) == line


def test_part_of_a_literal_is_masked_entirely_but_keeps_indentation() -> None:
    assert redact_source_line("    abc def", [(0, 11)]) == "    " + MASK * 7


def test_secret_spans_cover_every_line_of_a_multiline_literal() -> None:
    spans = secret_spans(planted_result(), "app.py")
    assert spans[6] == [(7, -1)]
    assert spans[7] == [(0, -1)]
    assert spans[8] == [(0, 3)]
    assert (_col(3, SECRET) - 1, _col(3, SECRET) + len(SECRET) + 1) in spans[3]
    assert secret_spans(planted_result(), "other.py") == {}


def test_secret_spans_feed_redact_source_line_directly() -> None:
    spans = secret_spans(planted_result(), "app.py")
    shown = [redact_source_line(LINES[n - 1], spans.get(n, [])) for n in (6, 7, 8)]
    assert shown == ['LONG = """', MASK * len(SECRET), '"""']


def test_value_check_masks_the_same_secret_where_no_span_points() -> None:
    mask = SecretMask.from_result(planted_result())
    # Line 5 repeats the secret but no fact points at it: its salted hash gives it away.
    out = mask.line("app.py", 5, LINES[4])
    assert SECRET not in out
    assert out.startswith('BACKUP = {"secret": "***')


def test_credentials_from_the_environment_are_not_masked() -> None:
    span = Span(1, 0, 1, 10)
    result = ScanResult(
        secrets=[
            SecretFact(
                "env.py", span, "client_secret", Credential("env", "TREDDY_SECRET"), "env var"
            )
        ]
    )
    line = 'os.environ["TREDDY_SECRET"]'
    assert SecretMask.from_result(result).line("env.py", 1, line) == line


def test_paths_are_compared_in_slash_form() -> None:
    result = ScanResult()
    mask = SecretMask.from_result(result)
    mask.add_span(".\\pkg\\app.py", Span(1, 4, 1, 9))
    assert mask.line("pkg/app.py", 1, 'x = "abc"') == 'x = "***"'


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("show_source", [False, True])
def test_planted_secret_appears_in_no_format(fmt: str, show_source: bool) -> None:
    out = render(
        planted_result(),
        fmt,
        rules=RULES,
        show_source=show_source,
        color=True,
        source_lines=lambda path: LINES if path == "app.py" else None,
    )
    assert FRAGMENT not in out
    assert BASIC_FRAGMENT not in out
    assert "client secret" in out  # the report itself is there


def test_show_source_still_shows_the_code_around_the_secret() -> None:
    out = render(
        planted_result(),
        "text",
        rules=RULES,
        show_source=True,
        source_lines=lambda path: LINES,
    )
    assert 'CLIENT_SECRET = "' + MASK * len(SECRET) + '"' in out
    assert '"client_secret": CLIENT_SECRET' in out


@given(
    prefix=st.text(alphabet="abc =(", max_size=10),
    body=st.text(alphabet="ABCxyz0123456789_-", min_size=1, max_size=30),
    suffix=st.text(alphabet=") ,", max_size=5),
)
def test_masked_span_reveals_nothing_but_the_rest_is_untouched(
    prefix: str, body: str, suffix: str
) -> None:
    line = prefix + body + suffix
    out = redact_source_line(line, [(len(prefix), len(prefix) + len(body))])
    assert len(out) == len(line)
    assert out == prefix + MASK * len(body) + suffix


ODD_SECRET = "tr_sk_live_7a6b&5c4d:3e2f,1a0b%9c8d<7e6f>"


def _quoting_result() -> tuple[ScanResult, list[str]]:
    """A policy or detector that quotes the secret in a message: the report must still not."""
    lines = [f'client = Client(secret="{ODD_SECRET}")']
    span = Span(1, 23, 1, 23 + len(ODD_SECRET) + 2)
    cred = _credential(span, ODD_SECRET)
    cred.literal_path = "odd.py"
    leaky = Finding(
        rule="TRD401",
        name="hardcoded-secret",
        category="secret",
        severity="error",
        confidence="high",
        path="odd.py",
        span=Span(1, 0, 1, len(lines[0])),
        message=f"secret {ODD_SECRET} written in the code",
        fix_hint=f"remove {ODD_SECRET}",
    )
    usage = Usage("odd.py", Span(1, 9, 1, len(lines[0])), "authlib", "client_setup", secret=cred)
    usage.evidence.append(f"secret={ODD_SECRET!r}")
    return ScanResult(files_scanned=1, usages=[usage], findings=[leaky]), lines


@pytest.mark.parametrize("fmt", FORMATS)
def test_secret_quoted_in_a_message_is_scrubbed_from_every_format(fmt: str) -> None:
    result, lines = _quoting_result()
    out = render(result, fmt, rules=[], show_source=True, source_lines=lambda path: lines)
    assert "7a6b" not in out
    assert "[REDACTED]" in out


def test_scrubbing_needs_the_source_to_confirm_the_value() -> None:
    # Without the source the value cannot be checked against its hash, so nothing is replaced:
    # the scrubber never guesses which words of a report are secrets.
    result, _ = _quoting_result()
    out = render(result, "json", rules=[], source_lines=lambda path: None)
    assert "[REDACTED]" not in out


def test_placeholders_and_short_values_are_not_scrubbed() -> None:
    lines = ['s = Client(secret="changeme")']
    span = Span(1, 18, 1, 28)
    cred = _credential(span, "changeme")
    cred.literal_path = "p.py"
    cred.placeholder = True
    f = Finding("TRD401", "n", "secret", "info", "low", "p.py", span, "placeholder changeme")
    result = ScanResult(
        secrets=[SecretFact("p.py", span, "client_secret", cred, "e")], findings=[f]
    )
    out = render(result, "text", rules=[], source_lines=lambda path: lines)
    assert "placeholder changeme" in out


def test_related_locations_that_are_not_literals_are_shown() -> None:
    """A secret finding's related call or import is context, not a secret to mask."""
    call = Span(12, 11, 16, 5)
    result = planted_result()
    result.findings[1].related.append(Related("app.py", call, "the OAuth call that sends it"))
    mask = SecretMask.from_result(result)
    assert mask.line("app.py", 13, "        TOKEN_URL,") == "        TOKEN_URL,"
