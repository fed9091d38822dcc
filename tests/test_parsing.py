"""Parsing untrusted text and guarding per-file work."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import libcst as cst
import pytest

from advisor.analysis import parsing
from advisor.analysis.parsing import FileTimeout, guarded, measure, parse_module, precheck
from advisor.model import FileError

SECRET = "tr_sk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"


def concatenated_strings(n: int) -> str:
    body = "".join(f"    'topic line {i}\\n'\n" for i in range(n))
    return f"topics = {{\n  'assert': (\n{body}  ),\n}}\n"


def test_valid_module_parses() -> None:
    mod = parse_module("import requests\nrequests.post(URL, data={'grant_type': 'x'})\n", "a.py")
    assert isinstance(mod, cst.Module)


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("x = 1\ndef f(:\n    pass\n", "line 2, column 7", "invalid syntax"),
        ("x = (\n", "line 1, column 5", "never closed"),
        ("if x:\npass\n", "line 2", "indent"),
        ("x = 'abc\n", "line 1, column 5", "unterminated string"),
    ],
)
def test_syntax_errors_carry_line_and_column(text: str, where: str, words: str) -> None:
    err = parse_module(text, "bad.py")
    assert isinstance(err, FileError)
    assert err.kind == "syntax"
    assert err.path == "bad.py"
    assert where in err.reason
    assert words in err.reason


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("print 'token: %s' % token\n", "Missing parentheses in call to 'print'"),
        ("exec 'import os'\n", "Missing parentheses in call to 'exec'"),
        ("x = `token`\n", "line 1, column 5"),
        ("MODE = 0644\n", "leading zeros"),
        ("if a <> b:\n    pass\n", "line 1"),
    ],
)
def test_python_2_code_is_a_syntax_error_with_a_hint(text: str, hint: str) -> None:
    err = parse_module(text, "py2.py")
    assert isinstance(err, FileError)
    assert err.kind == "syntax"
    assert hint in err.reason


def test_syntax_error_reason_never_quotes_the_source() -> None:
    err = parse_module(f"CLIENT_SECRET = '{SECRET}' oops\n", "leak.py")
    assert isinstance(err, FileError)
    assert SECRET not in err.reason
    assert "oops" not in err.reason


def test_code_cpython_rejects_only_for_semantics_still_parses() -> None:
    # libcst is the authority on what can be analysed; CPython only improves error messages
    assert isinstance(parse_module("def f():\n    return\n    yield\n", "ok.py"), cst.Module)


def test_measure_ignores_brackets_in_strings_and_comments() -> None:
    c = measure('x = \'(((((\'  # ))))\ny = """[[[[\n]]"""\nz = f(g(h()))\n')
    assert c.bracket_depth == 3
    assert c.bracket_line == 4


def test_measure_counts_operator_chains_and_adjacent_strings() -> None:
    assert measure("x = " + " + ".join(["a"] * 50) + "\n").expression_depth >= 49
    assert measure("x = a" + ".b" * 30 + "\n").expression_depth >= 30
    assert measure(concatenated_strings(100)).expression_depth >= 99
    # commas and new statements start a new expression
    flat = "x = [" + ", ".join(["a + b"] * 500) + "]\n" + "y = c + d\n" * 500
    assert measure(flat).expression_depth < 10


def run_isolated(code: str) -> subprocess.CompletedProcess[str]:
    """Run in a child: a libcst stack overflow is a segfault that would kill pytest itself."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "expression",
    [
        "'(' * 3000 + '1' + ')' * 3000",  # libcst segfaults past ~1,400 brackets
        "'[' * 100000 + ']' * 100000",
        "'{' * 5000",  # unbalanced too
    ],
)
def test_deep_bracket_nesting_is_refused_fast_without_crashing(expression: str) -> None:
    proc = run_isolated(
        f"""
        import time
        from advisor.analysis.parsing import parse_module
        text = "x = " + {expression} + "\\n"
        t = time.perf_counter()
        err = parse_module(text, "deep.py")
        assert time.perf_counter() - t < 2, time.perf_counter() - t
        print(err.kind, err.reason)
        """
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("limit brackets nested")


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "+".join(["1"] * 5000) + "\n",  # libcst takes ~30 s on this
        "x = a" + ".b" * 5000 + "\n",
        "x = f" + "()" * 5000 + "\n",
        "x = " + "-" * 5000 + "1\n",
        "x = " + " or ".join(["a"] * 5000) + "\n",
        concatenated_strings(5000),
    ],
    ids=["plus", "attributes", "calls", "unary", "or", "strings"],
)
def test_long_expression_chains_are_refused_fast(text: str) -> None:
    started = time.perf_counter()
    err = parse_module(text, "chain.py")
    assert time.perf_counter() - started < 2
    assert isinstance(err, FileError)
    assert err.kind == "limit"
    assert "expression nested" in err.reason


def test_precheck_accepts_ordinary_code() -> None:
    ordinary = "import requests\n" + "resp = requests.post(u, data={'a': 1}, auth=(i, s))\n" * 2000
    assert precheck(ordinary, "ok.py") is None


class _Walk(cst.CSTVisitor):
    def __init__(self) -> None:
        self.strings = 0

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self.strings += 1


def walk(module: cst.Module) -> int:
    visitor = _Walk()
    module.visit(visitor)
    return visitor.strings


def test_pydoc_topics_style_module_is_analysed_inside_guarded() -> None:
    # thousands of implicitly concatenated strings: accepted by precheck, but libcst's visitor
    # recursion needs more than the default limit, which guarded provides in its worker
    module = parse_module(concatenated_strings(2000), "topics.py")
    assert isinstance(module, cst.Module)
    with pytest.raises(RecursionError):
        walk(module)
    assert guarded("topics.py", walk, module) == 2001
    assert sys.getrecursionlimit() < parsing.WORKER_RECURSION_LIMIT


def test_guarded_turns_recursion_error_into_a_limit_error() -> None:
    def recurse(n: int) -> int:
        return recurse(n + 1)

    err = guarded("r.py", recurse, 0)
    assert isinstance(err, FileError)
    assert (err.path, err.kind) == ("r.py", "limit")


def test_guarded_memory_error_is_a_limit_error() -> None:
    def exhaust() -> None:
        raise MemoryError

    err = guarded("m.py", exhaust)
    assert isinstance(err, FileError) and err.kind == "limit"


def test_guarded_internal_error_names_type_and_place_but_not_content() -> None:
    def detector_bug(value: str) -> None:
        raise KeyError(value)

    err = guarded("bug.py", detector_bug, SECRET)
    assert isinstance(err, FileError)
    assert err.kind == "internal"
    assert "KeyError" in err.reason
    assert "test_parsing.py" in err.reason and "detector_bug" in err.reason
    assert SECRET not in err.reason
    assert SECRET[:2] in err.reason  # redacted, still recognisable


def test_guarded_scrubs_unquoted_token_like_words() -> None:
    def fail() -> None:
        raise ValueError(f"bad header Basic {SECRET} in call")

    err = guarded("v.py", fail)
    assert isinstance(err, FileError)
    assert SECRET not in err.reason
    assert "bad header Basic" in err.reason


def test_guarded_passes_values_and_file_errors_through() -> None:
    assert guarded("a.py", lambda x, y=0: x + y, 2, y=3) == 5
    passed = FileError("a.py", "syntax error at line 1, column 1: invalid syntax", "syntax")
    assert guarded("a.py", lambda: passed) is passed


def test_guarded_time_limit_interrupts_a_runaway_analysis() -> None:
    caught: list[str] = []

    def spin() -> None:
        try:
            while True:
                pass
        except Exception:  # a detector's broad except must not swallow the timeout
            caught.append("swallowed")

    started = time.perf_counter()
    err = guarded("slow.py", spin, time_limit=0.3)
    assert time.perf_counter() - started < 3
    assert isinstance(err, FileError)
    assert err.kind == "limit"
    assert "time limit of 0.3 s" in err.reason
    assert caught == []


def test_guarded_without_time_limit() -> None:
    assert guarded("a.py", lambda: "done", time_limit=None) == "done"


def test_guarded_lets_keyboard_interrupt_through() -> None:
    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        guarded("k.py", interrupted)


def test_guarded_runs_inline_when_no_worker_thread_can_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parsing, "_start_worker", lambda target: None)

    def boom() -> None:
        raise RuntimeError("x")

    assert guarded("a.py", lambda: 7) == 7
    err = guarded("a.py", boom)
    assert isinstance(err, FileError) and err.kind == "internal"


def test_file_timeout_is_not_an_exception_subclass() -> None:
    assert not issubclass(FileTimeout, Exception)


def test_parser_failure_of_any_kind_becomes_internal(monkeypatch: pytest.MonkeyPatch) -> None:
    class PanicException(BaseException):  # what a Rust panic looks like from Python
        pass

    def panic(text: str) -> None:
        raise PanicException("index out of bounds")

    import libcst

    monkeypatch.setattr(libcst, "parse_module", panic)
    err = parse_module("x = 1\n", "p.py")
    assert isinstance(err, FileError)
    assert err.kind == "internal"
    assert "PanicException" in err.reason
