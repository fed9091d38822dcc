"""Labels, matching and scores for the real-code evaluation.

A label file (labels/<package>.toml) lists, for the scanned paths of one package:

- ``[[usage]]``: every OAuth client usage a reader finds there, with the expected fields. A field
  may hold one value or a list of acceptable values (when the code allows several honest readings).
  ``optional = true`` marks a site that may or may not be reported without penalty (its fields are
  then not scored). ``findings`` lists the rules expected at the site, ``maybe_findings`` rules whose
  firing depends on a policy reading and are neither rewarded nor penalised.
- ``[[finding]]``: an expected finding not tied to a usage line (e.g. TRD301 on a literal).
- ``[[negative]]``: a file or line range where nothing must be reported (OAuth 1.0a code, server
  code, URL constants, placeholders, unrelated ``token`` variables).

The scanned paths are labelled exhaustively, so every reported usage that matches no label is a
false positive.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

FIELDS = (
    "library",
    "operation",
    "flow",
    "client_auth",
    "grant_type",
    "secret_source",
    "token_url",
)
SECRET_RULES = ("TRD301", "TRD302", "TRD303")
# Rules whose expected sites are not labelled exhaustively (they need scope/endpoint/app-kind
# judgements the labels do not record): reported counts only, no precision/recall.
UNSCORED_RULES = ("TRD001", "TRD104", "TRD105", "TRD304")
LINE_TOLERANCE = 2


@dataclass
class ExpectedUsage:
    path: str
    line: int
    end_line: int
    fields: dict[str, list[Any]]
    findings: list[str]
    maybe_findings: list[str]
    optional: bool
    why: str


@dataclass
class ExpectedFinding:
    rule: str
    path: str
    line: int
    end_line: int
    optional: bool
    why: str


@dataclass
class Negative:
    path: str
    line: int | None
    end_line: int | None
    category: str
    why: str
    # Rules that must stay silent here; empty means nothing at all (no usage, no finding).
    rules: list[str] = field(default_factory=list)

    def covers(self, path: str, line: int, end_line: int | None = None) -> bool:
        if path != self.path and not path.startswith(self.path.rstrip("/") + "/"):
            return False
        if self.line is None:
            return True
        end = end_line if end_line is not None else line
        return line <= (self.end_line or self.line) and end >= self.line


@dataclass
class Partial:
    """A scanned file labelled only for some rules (e.g. a test file kept for its literals).

    Usages reported there are not scored, nor findings of rules outside ``rules``.
    """

    path: str
    rules: list[str]
    why: str


@dataclass
class Labels:
    usages: list[ExpectedUsage]
    findings: list[ExpectedFinding]
    negatives: list[Negative]
    partials: list[Partial] = field(default_factory=list)

    def unscored(self, path: str, rule: str | None = None) -> bool:
        """True when a reported usage (rule None) or finding at path is outside the labels."""
        for part in self.partials:
            if part.path == path and (rule is None or rule not in part.rules):
                return True
        return False


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def load_labels(path: Path) -> Labels:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    usages = []
    findings = []
    for entry in data.get("usage", []):
        line = int(entry["line"])
        usage = ExpectedUsage(
            path=entry["path"],
            line=line,
            end_line=int(entry.get("end_line", line)),
            fields={k: _as_list(entry[k]) for k in FIELDS if k in entry},
            findings=list(entry.get("findings", [])),
            maybe_findings=list(entry.get("maybe_findings", [])),
            optional=bool(entry.get("optional", False)),
            why=entry.get("why", ""),
        )
        usages.append(usage)
        for rule in usage.findings + usage.maybe_findings:
            findings.append(
                ExpectedFinding(
                    rule=rule,
                    path=usage.path,
                    line=usage.line,
                    end_line=usage.end_line,
                    optional=usage.optional or rule in usage.maybe_findings,
                    why=usage.why,
                )
            )
    for entry in data.get("finding", []):
        line = int(entry["line"])
        findings.append(
            ExpectedFinding(
                rule=entry["rule"],
                path=entry["path"],
                line=line,
                end_line=int(entry.get("end_line", line)),
                optional=bool(entry.get("optional", False)),
                why=entry.get("why", ""),
            )
        )
    negatives = []
    for entry in data.get("negative", []):
        lines = entry.get("lines")
        negatives.append(
            Negative(
                path=entry["path"],
                line=int(lines[0]) if lines else None,
                end_line=int(lines[1]) if lines else None,
                category=entry.get("category", "lookalike"),
                why=entry.get("why", ""),
                rules=list(entry.get("rules", [])),
            )
        )
    partials = [
        Partial(path=e["path"], rules=list(e.get("rules", [])), why=e.get("why", ""))
        for e in data.get("partial", [])
    ]
    return Labels(usages=usages, findings=findings, negatives=negatives, partials=partials)


def _overlap_distance(lo: int, hi: int, r_lo: int, r_hi: int) -> int | None:
    """Distance between the label range and a reported range, None beyond the tolerance."""
    if r_hi < lo - LINE_TOLERANCE or r_lo > hi + LINE_TOLERANCE:
        return None
    if r_hi >= lo and r_lo <= hi:
        return 0
    return min(abs(r_lo - hi), abs(lo - r_hi))


def _norm_path(path: str) -> str:
    path = path.replace("\\", "/")
    return path[2:] if path.startswith("./") else path


def match_usages(
    expected: list[ExpectedUsage], reported: list[dict[str, Any]]
) -> tuple[list[tuple[ExpectedUsage, dict[str, Any]]], list[ExpectedUsage], list[dict[str, Any]]]:
    """One-to-one matching by path and line range; the closest candidate wins."""
    pairs: list[tuple[int, int, int]] = []
    for i, exp in enumerate(expected):
        for j, rep in enumerate(reported):
            if _norm_path(rep["path"]) != exp.path:
                continue
            r_lo = int(rep["line"])
            r_hi = int(rep.get("end_line") or r_lo)
            dist = _overlap_distance(exp.line, exp.end_line, r_lo, r_hi)
            if dist is None:
                continue
            # Prefer the same operation, then the closest start line.
            op_penalty = 0 if rep.get("operation") in exp.fields.get("operation", []) else 1
            pairs.append((op_penalty * 1000 + dist * 10 + abs(r_lo - exp.line), i, j))
    pairs.sort()
    used_e: set[int] = set()
    used_r: set[int] = set()
    matched = []
    for _, i, j in pairs:
        if i in used_e or j in used_r:
            continue
        used_e.add(i)
        used_r.add(j)
        matched.append((expected[i], reported[j]))
    missed = [e for i, e in enumerate(expected) if i not in used_e]
    extra = [r for j, r in enumerate(reported) if j not in used_r]
    return matched, missed, extra


def _field_value(rep: dict[str, Any], name: str) -> Any:
    value = rep.get(name)
    return value


@dataclass
class Score:
    """Counts for one package (or the sum of all)."""

    expected: int = 0
    reported: int = 0
    matched: int = 0
    field_expected: Counter = field(default_factory=Counter)
    field_reported: Counter = field(default_factory=Counter)
    field_correct: Counter = field(default_factory=Counter)
    rule_tp: Counter = field(default_factory=Counter)
    rule_fp: Counter = field(default_factory=Counter)
    rule_fn: Counter = field(default_factory=Counter)
    rule_reported: Counter = field(default_factory=Counter)
    negatives: int = 0
    negatives_silent: int = 0
    negative_usage_hits: int = 0
    errors: int = 0
    details: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in (
            "expected",
            "reported",
            "matched",
            "negatives",
            "negatives_silent",
            "negative_usage_hits",
            "errors",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in (
            "field_expected",
            "field_reported",
            "field_correct",
            "rule_tp",
            "rule_fp",
            "rule_fn",
            "rule_reported",
        ):
            getattr(self, name).update(getattr(other, name))


def score_package(labels: Labels, result: dict[str, Any]) -> Score:
    score = Score()
    reported_usages = [
        u for u in result.get("usages", []) if not labels.unscored(_norm_path(u["path"]))
    ]
    reported_findings = [
        f
        for f in result.get("findings", [])
        if not labels.unscored(_norm_path(f["path"]), f["rule"])
    ]
    score.errors = len(result.get("errors", []))

    matched, missed, extra = match_usages(labels.usages, reported_usages)
    optional_matched = [(e, r) for e, r in matched if e.optional]
    scored_matched = [(e, r) for e, r in matched if not e.optional]
    score.expected = sum(1 for e in labels.usages if not e.optional)
    score.reported = len(reported_usages) - len(optional_matched)
    score.matched = len(scored_matched)

    for exp in labels.usages:
        if exp.optional:
            continue
        for name in exp.fields:
            score.field_expected[name] += 1
    for exp, rep in scored_matched:
        for name in FIELDS:
            if name in exp.fields:
                score.field_reported[name] += 1
                got = _field_value(rep, name)
                if got in exp.fields[name]:
                    score.field_correct[name] += 1
                else:
                    score.details.append(
                        f"field {name} at {exp.path}:{exp.line}: expected "
                        f"{'|'.join(map(str, exp.fields[name]))}, got {got}"
                    )
    # Every reported usage without a label counts against precision of every field.
    for rep in extra:
        for name in FIELDS:
            score.field_reported[name] += 1
        score.details.append(
            f"unexpected usage at {rep['path']}:{rep['line']} "
            f"({rep.get('library')} {rep.get('operation')} {rep.get('flow')})"
        )
    for exp in missed:
        if not exp.optional:
            score.details.append(f"missed usage at {exp.path}:{exp.line} ({exp.why[:80]})")

    _score_findings(score, labels.findings, reported_findings)
    _score_negatives(score, labels.negatives, reported_usages, reported_findings)
    return score


def _score_findings(
    score: Score, expected: list[ExpectedFinding], reported: list[dict[str, Any]]
) -> None:
    used: set[int] = set()
    for rep in reported:
        score.rule_reported[rep["rule"]] += 1
    for exp in sorted(expected, key=lambda e: e.optional):
        best = None
        for j, rep in enumerate(reported):
            if j in used or rep["rule"] != exp.rule or _norm_path(rep["path"]) != exp.path:
                continue
            r_lo = int(rep["line"])
            r_hi = int(rep.get("end_line") or r_lo)
            dist = _overlap_distance(exp.line, exp.end_line, r_lo, r_hi)
            if dist is not None and (best is None or dist < best[0]):
                best = (dist, j)
        if best is not None:
            used.add(best[1])
            if not exp.optional:
                score.rule_tp[exp.rule] += 1
        elif not exp.optional:
            score.rule_fn[exp.rule] += 1
            score.details.append(f"missed finding {exp.rule} at {exp.path}:{exp.line}")
    for j, rep in enumerate(reported):
        if j not in used and rep["rule"] not in UNSCORED_RULES:
            score.rule_fp[rep["rule"]] += 1
            score.details.append(
                f"unexpected finding {rep['rule']} at {rep['path']}:{rep['line']}: "
                f"{str(rep.get('message', ''))[:90]}"
            )


def _score_negatives(
    score: Score,
    negatives: list[Negative],
    usages: list[dict[str, Any]],
    findings: list[dict[str, Any]],
) -> None:
    for neg in negatives:
        score.negatives += 1
        hits = []
        if not neg.rules:
            for rep in usages:
                if neg.covers(_norm_path(rep["path"]), int(rep["line"]), rep.get("end_line")):
                    hits.append(f"usage {rep.get('library')} {rep.get('operation')}")
                    score.negative_usage_hits += 1
        for rep in findings:
            if neg.rules and rep["rule"] not in neg.rules:
                continue
            if rep["rule"] in UNSCORED_RULES:
                continue
            if neg.covers(_norm_path(rep["path"]), int(rep["line"]), rep.get("end_line")):
                hits.append(f"finding {rep['rule']}")
        if hits:
            where = f"{neg.path}:{neg.line}" if neg.line else neg.path
            score.details.append(f"negative {neg.category} at {where} not silent: {hits[:3]}")
        else:
            score.negatives_silent += 1


def ratio(num: int, den: int) -> float | None:
    return None if den == 0 else num / den


def summary(score: Score) -> dict[str, Any]:
    """Precision/recall per field and per rule, as plain data (the --json output)."""
    fields = {}
    for name in FIELDS:
        fields[name] = {
            "expected": score.field_expected[name],
            "correct": score.field_correct[name],
            "precision": ratio(score.field_correct[name], score.field_reported[name]),
            "recall": ratio(score.field_correct[name], score.field_expected[name]),
        }
    rules = {}
    for rule in sorted(
        set(score.rule_tp) | set(score.rule_fp) | set(score.rule_fn) | set(score.rule_reported)
    ):
        tp, fp, fn = score.rule_tp[rule], score.rule_fp[rule], score.rule_fn[rule]
        rules[rule] = {
            "reported": score.rule_reported[rule],
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "scored": rule not in UNSCORED_RULES,
            "precision": ratio(tp, tp + fp) if rule not in UNSCORED_RULES else None,
            "recall": ratio(tp, tp + fn) if rule not in UNSCORED_RULES else None,
        }
    secret_tp = sum(score.rule_tp[r] for r in SECRET_RULES)
    secret_fn = sum(score.rule_fn[r] for r in SECRET_RULES)
    return {
        "usages": {
            "expected": score.expected,
            "reported": score.reported,
            "matched": score.matched,
            "precision": ratio(score.matched, score.reported),
            "recall": ratio(score.matched, score.expected),
        },
        "fields": fields,
        "rules": rules,
        "hardcoded_secrets": {
            "expected": secret_tp + secret_fn,
            "found": secret_tp,
            "recall": ratio(secret_tp, secret_tp + secret_fn),
        },
        "negatives": {
            "sites": score.negatives,
            "silent": score.negatives_silent,
            "silent_rate": ratio(score.negatives_silent, score.negatives),
            "usages_reported_in_negatives": score.negative_usage_hits,
        },
        "analyzer_errors": score.errors,
    }
