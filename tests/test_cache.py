"""The facts cache: round trip, keys, invalidation, atomic writes, no clear-text secrets."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from advisor.model import (
    AppEvidence,
    Credential,
    FileFacts,
    SecretFact,
    Span,
    TransportFact,
    Usage,
    redact,
    secret_hash,
)
from advisor.policy.suppressions import Suppression
from advisor.speed.cache import FactsCache, cache_key, decode, default_cache_dir

SECRET = "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"


def sample_facts() -> FileFacts:
    literal = Credential(
        source="literal",
        literal_path="app.py",
        literal_span=Span(3, 16, 3, 60),
        redacted=redact(SECRET),
        value_hash=secret_hash(SECRET),
    )
    usage = Usage(
        path="app.py",
        span=Span(10, 4, 14, 5),
        library="requests-oauthlib",
        operation="token_request",
        flow="client_credentials",
        grant_type="client_credentials",
        client_auth="body",
        token_url="https://auth.treddy.com/oauth/token",
        scopes=["deals:read"],
        client_id=Credential(source="env", detail="TREDDY_CLIENT_ID"),
        secret=literal,
        api_urls=["https://api.treddy.com/v1/deals"],
        client_key="session",
        context="fetch",
        evidence=["include_client_id=True"],
        fix_hints={"include_client_id": [12, 8]},
    )
    return FileFacts(
        path="app.py",
        usages=[usage],
        secrets=[
            SecretFact(
                "app.py",
                Span(3, 16, 3, 60),
                "client_secret",
                literal,
                "client_secret= of fetch_token",
            )
        ],
        transport=[
            TransportFact(
                "app.py", Span(20, 0, 20, 30), "verify_disabled", "verify=False on a token request"
            )
        ],
        app_evidence=[AppEvidence("app.py", 1, "cli_daemon", "import click")],
        suppressions={12: ["TRD201"], 30: ["*"]},
    )


def test_facts_round_trip_through_json_exactly() -> None:
    import dataclasses

    facts = sample_facts()
    encoded = json.loads(json.dumps(dataclasses.asdict(facts)))
    assert decode(FileFacts, encoded) == facts


def test_put_get_and_content_change(tmp_path: Path) -> None:
    cache = FactsCache(default_cache_dir(tmp_path), cache_key("policy1", "cfg1"))
    sups = [
        Suppression(12, ["TRD201"], own_line=False, reason="", kind="noqa"),
        Suppression(30, ["*"], own_line=True, reason="fixture", target=31),
    ]
    cache.put("app.py", "digest-a", sample_facts(), sups)
    facts, got_sups = cache.get("app.py", "digest-a")
    assert facts == sample_facts()
    assert [(s.line, s.codes, s.kind, s.target) for s in got_sups] == [
        (12, ["TRD201"], "noqa", None),
        (30, ["*"], "treddy", 31),
    ]
    assert cache.get("app.py", "digest-b") is None
    assert cache.get("other.py", "digest-a") is None


def test_new_key_for_another_policy_or_config(tmp_path: Path) -> None:
    base = default_cache_dir(tmp_path)
    FactsCache(base, cache_key("policy1", "cfg1")).put("app.py", "d", sample_facts(), [])
    assert FactsCache(base, cache_key("policy2", "cfg1")).get("app.py", "d") is None
    assert FactsCache(base, cache_key("policy1", "cfg2")).get("app.py", "d") is None
    assert FactsCache(base, cache_key("policy1", "cfg1")).get("app.py", "d") is not None


def test_directory_is_gitignored_and_holds_no_clear_text_secret(tmp_path: Path) -> None:
    base = default_cache_dir(tmp_path)
    FactsCache(base, cache_key("p", "c")).put("app.py", "d", sample_facts(), [])
    assert base.name == ".treddy_advisor_cache"
    assert (base / ".gitignore").read_text().splitlines()[-1] == "*"
    files = [p for p in base.rglob("*") if p.is_file()]
    assert any(p.suffix == ".json" for p in files)
    for p in files:
        assert SECRET not in p.read_text()
    # No temporary files are left behind by the atomic writes.
    assert not [p for p in files if p.name.startswith(".tmp-")]


def test_corrupt_entry_is_a_miss_not_a_crash(tmp_path: Path) -> None:
    cache = FactsCache(default_cache_dir(tmp_path), cache_key("p", "c"))
    cache.put("app.py", "d", sample_facts(), [])
    for entry in cache.dir.rglob("*.json"):
        entry.write_text('{"path": "app.py", "digest": "d", "facts": {"usages": 3}}')
    assert cache.get("app.py", "d") is None
    for entry in cache.dir.rglob("*.json"):
        entry.write_text("{truncated")
    assert cache.get("app.py", "d") is None


def test_unwritable_location_is_silently_uncached(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    cache = FactsCache(blocker / "cache", cache_key("p", "c"))
    cache.put("app.py", "d", sample_facts(), [])
    assert cache.get("app.py", "d") is None


def test_the_key_changes_when_the_parser_is_upgraded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from advisor.speed import fingerprint

    site = tmp_path / "site"
    (site / "libcst").mkdir(parents=True)
    version = site / "libcst" / "_version.py"
    version.write_text('__version__ = "1.8.0"\n')
    monkeypatch.setattr(sys, "path", [str(site), *sys.path])
    monkeypatch.setattr(fingerprint, "_SIGNATURE", None)
    before = cache_key("p", "c")
    version.write_text('__version__ = "1.10.0"\n')  # pip replaces the package
    monkeypatch.setattr(fingerprint, "_SIGNATURE", None)
    assert cache_key("p", "c") != before
