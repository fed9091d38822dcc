"""Finding fingerprints survive unrelated lines moving, and still tell findings apart."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from advisor.model import (
    Credential,
    ScanResult,
    SecretFact,
    Span,
    TransportFact,
    Usage,
    redact,
    secret_hash,
)
from advisor.policy.policy import evaluate, load_policy

POLICY = load_policy()
SECRET_A = "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
SECRET_B = "tr_sk_live_0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def secret(
    value: str, line: int, path: str = "svc/treddy.py", context: str = "Client"
) -> SecretFact:
    return SecretFact(
        path=path,
        span=Span(line, 20, line, 20 + len(value) + 2),
        role="client_secret",
        credential=Credential(
            source="literal",
            literal_path=path,
            literal_span=Span(line, 20, line, 20 + len(value) + 2),
            redacted=redact(value),
            value_hash=secret_hash(value),
        ),
        evidence="client_secret= of fetch_token",
        context=context,
    )


def usage(line: int, **kw) -> Usage:
    base = Usage(
        path="svc/treddy.py",
        span=Span(line, 8, line + 2, 9),
        library="requests",
        operation="token_request",
        flow="client_credentials",
        client_auth="body",
        token_url="https://auth.treddy.com/oauth/token",
        scopes=["deals:read"],
        client_key="requests.post",
        context="Client.token",
    )
    return replace(base, **kw)


def fingerprints(*facts) -> list[tuple[str, str]]:
    result = ScanResult(
        usages=[f for f in facts if isinstance(f, Usage)],
        secrets=[f for f in facts if isinstance(f, SecretFact)],
        transport=[f for f in facts if isinstance(f, TransportFact)],
    )
    return [(f.rule, f.fingerprint) for f in evaluate(result, POLICY)]


def test_fingerprints_are_hex_and_unique_per_finding():
    prints = fingerprints(usage(30), secret(SECRET_A, 5), secret(SECRET_B, 6))
    values = [fp for _, fp in prints]
    assert len(values) == 3 == len(set(values))
    assert all(len(fp) == 32 and int(fp, 16) >= 0 for fp in values)


def test_moving_lines_keeps_fingerprints():
    before = fingerprints(usage(30), secret(SECRET_A, 5))
    after = fingerprints(usage(47), secret(SECRET_A, 22))
    assert before == after


def test_identical_findings_get_distinct_stable_fingerprints():
    # Two identical literals in the same class: the occurrence index tells them apart, and
    # inserting lines above both does not swap or change them.
    before = fingerprints(secret(SECRET_A, 5), secret(SECRET_A, 9))
    after = fingerprints(secret(SECRET_A, 15), secret(SECRET_A, 40))
    assert before == after
    assert before[0][1] != before[1][1]


def test_fingerprint_depends_on_what_is_found():
    base = fingerprints(secret(SECRET_A, 5))
    assert fingerprints(secret(SECRET_B, 5)) != base
    assert fingerprints(secret(SECRET_A, 5, path="svc/other.py")) != base
    assert fingerprints(secret(SECRET_A, 5, context="OtherClient")) != base
    assert fingerprints(usage(30)) != fingerprints(usage(30, client_auth="query"))


def test_fingerprint_does_not_reveal_the_secret_hash():
    fact = secret(SECRET_A, 5)
    ((_, fp),) = fingerprints(fact)
    assert fact.credential.value_hash not in fp
    assert SECRET_A not in fp


@given(
    offset=st.integers(min_value=-4, max_value=500),
    lines=st.lists(st.integers(min_value=5, max_value=400), min_size=1, max_size=6, unique=True),
)
def test_shifting_every_line_by_the_same_offset_keeps_fingerprints(offset, lines):
    facts = [secret(SECRET_A if i % 2 else SECRET_B, n) for i, n in enumerate(lines)]
    facts.append(usage(450))
    moved = [
        replace(
            f, span=replace(f.span, line=f.span.line + offset, end_line=f.span.end_line + offset)
        )
        for f in facts
    ]
    assert sorted(fingerprints(*facts)) == sorted(fingerprints(*moved))
