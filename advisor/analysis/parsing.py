"""Parsing untrusted source with libcst, and running per-file work so that it cannot crash the run.

Three layers keep one hostile file from taking the scan down:

1. ``precheck`` scans the text (regular expressions, no parser) for nesting that would crash or
   stall libcst: its native parser overflows the C stack past roughly 1,400 nested brackets
   (a segfault, which no ``except`` can catch) and takes quadratic time on very long operator
   chains (``a + a + ...``, ``x.y.z...``). Such files are refused fast with kind ``limit``.
2. ``parse_module`` turns every parser failure into a ``FileError``: ``syntax`` with line and
   column (and CPython's own hint, e.g. for Python 2 code), ``limit`` for recursion or memory
   exhaustion, ``internal`` for anything else.
3. ``guarded`` runs a whole per-file analysis in a worker thread with a large stack and a raised
   recursion limit (libcst visitors recurse once per tree level, and generated modules such as
   CPython's ``pydoc_data/topics.py`` are thousands of levels deep), under a time limit, and turns
   any exception into a ``FileError``. Messages name the exception type and where it was raised,
   never the file's content; quoted or token-like fragments of exception messages are redacted.

The time limit does not use signals, so it works in any thread and on any platform: when the
deadline passes, ``FileTimeout`` is raised asynchronously inside the worker thread (CPython's
``PyThreadState_SetAsyncExc``); it takes effect at the next Python bytecode, so a single long call
into native code (the libcst parser) finishes first, which ``precheck`` keeps short. On an
interpreter without that API the limit degrades to waiting (the work is never killed, only
abandoned after the deadline and a grace period).
"""

from __future__ import annotations

import re
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import libcst as cst

from advisor.model import FileError, redact

T = TypeVar("T")

# CPython's tokenizer refuses more than 200 nested brackets ("too many nested parentheses"), so
# deeper nesting is not runnable Python anyway; libcst would crash the process well beyond it.
MAX_BRACKET_DEPTH = 200
# Estimated depth of one expression tree (operators, attribute/call chains, implicitly
# concatenated strings). libcst parses 2,000 chained operators in under 2 s; it is quadratic.
MAX_EXPRESSION_DEPTH = 2500
# Seconds per file for guarded work; None disables the limit.
DEFAULT_TIME_LIMIT: float | None = 60.0
# How long an interrupted worker gets to unwind before it is abandoned.
TIMEOUT_GRACE = 5.0
# Worker thread stack and recursion limit: a libcst visitor uses a handful of Python frames per
# tree level; 512 MiB of (lazily committed) stack is ample for this many frames.
WORKER_STACK_BYTES = 512 * 1024 * 1024
WORKER_RECURSION_LIMIT = 60_000


class FileTimeout(BaseException):
    """Raised inside a guarded worker when its time limit expires.

    A BaseException so that a detector's ``except Exception`` cannot swallow it.
    """


@dataclass(frozen=True)
class Complexity:
    bracket_depth: int
    expression_depth: int
    # 1-based line where each maximum was first reached, for the message
    bracket_line: int
    expression_line: int


_STRING = (
    r"(?:[rRbBuUfF]{1,2})?"
    r"(?:'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'(?:[^'\\\r\n]|\\.)*'"
    r'|"(?:[^"\\\r\n]|\\.)*")'
)
_TOKEN = re.compile(
    rf"""
    (?P<comment>\#[^\r\n]*)
    |(?P<string>{_STRING})
    |(?P<name>[^\W\d]\w*)
    |(?P<number>\d[\w.]*)
    |(?P<open>[(\[{{])
    |(?P<close>[)\]}}])
    |(?P<cont>\\\r?\n)
    |(?P<newline>\r\n|\r|\n)
    |(?P<reset>==|!=|<=|>=|->|:=|[-+*/%@&|^]=|\*\*=|//=|<<=|>>=|[=,;:<>])
    |(?P<op>\*\*|//|<<|>>|[-+*/%@&|^~.])
    """,
    re.VERBOSE | re.DOTALL,
)
# Keywords that add a level to libcst's expression tree (boolean operators, ternaries, ...).
_NESTING_KEYWORDS = frozenset({"and", "or", "not", "if", "else", "lambda", "await"})


def measure(text: str) -> Complexity:
    """Bracket depth and an estimate of the deepest expression tree, from the text alone.

    The estimate counts, along the current bracket path, the operators, calls, subscripts and
    adjacent string literals that libcst nests one inside the other; separators (``,`` ``:``
    ``=`` and the end of a logical line) start a new expression.
    """
    # stack of [expression depth at the bracket's opening, current depth]
    stack: list[list[int]] = [[0, 0]]
    max_brackets = max_expr = 0
    bracket_line = expr_line = 1
    line = 1
    prev = ""
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "comment":
            continue
        if kind == "newline" or kind == "cont":
            line += 1
            if kind == "newline" and len(stack) == 1:
                stack[0][1] = 0
                prev = ""
            continue
        top = stack[-1]
        if kind == "string":
            if prev == "string":
                top[1] += 1
            line += m.group().count("\n")
        elif kind == "name":
            if m.group() in _NESTING_KEYWORDS:
                top[1] += 1
        elif kind == "op":
            top[1] += 1
        elif kind == "reset":
            top[1] = top[0]
        elif kind == "open":
            top[1] += 1
            stack.append([top[1], top[1]])
            if len(stack) - 1 > max_brackets:
                max_brackets = len(stack) - 1
                bracket_line = line
        elif kind == "close" and len(stack) > 1:
            stack.pop()
        depth = stack[-1][1]
        if depth > max_expr:
            max_expr = depth
            expr_line = line
        prev = kind or ""
    return Complexity(max_brackets, max_expr, bracket_line, expr_line)


def precheck(text: str, path: str) -> FileError | None:
    """A FileError when the text is too deeply nested to parse safely, else None."""
    c = measure(text)
    if c.bracket_depth > MAX_BRACKET_DEPTH:
        return FileError(
            path,
            f"brackets nested {c.bracket_depth} deep at line {c.bracket_line} "
            f"(limit {MAX_BRACKET_DEPTH}, as in CPython); not analysed",
            "limit",
        )
    if c.expression_depth > MAX_EXPRESSION_DEPTH:
        return FileError(
            path,
            f"expression nested about {c.expression_depth} levels deep at line "
            f"{c.expression_line} (limit {MAX_EXPRESSION_DEPTH}); not analysed",
            "limit",
        )
    return None


_LIBCST_POSITION = re.compile(r"error at (\d+):(\d+)")


def _syntax_error(exc: cst.ParserSyntaxError, text: str, path: str) -> FileError:
    """Prefer CPython's diagnosis (better positions, hints such as Python 2 ``print``)."""
    cpython = _cpython_syntax_error(text)
    if cpython is not None:
        msg, line, col = cpython
        return FileError(
            path, f"syntax error at line {line}, column {col}: {msg}", "syntax", line, col - 1
        )
    message = exc.message.split("\n", 1)[0]
    pos = _LIBCST_POSITION.search(message)
    line, col = (int(pos[1]), int(pos[2]) + 1) if pos else (exc.raw_line, exc.raw_column + 1)
    if ": expected one of" in message:
        message = message.split(": expected one of", 1)[0] + ": unexpected token"
    message = _LIBCST_POSITION.sub("error", message)
    return FileError(
        path, f"syntax error at line {line}, column {col}: {message}", "syntax", line, col - 1
    )


def _cpython_syntax_error(text: str) -> tuple[str, int, int] | None:
    # compile(..., PyCF_ONLY_AST) only parses: nothing in the file is imported or executed.
    import ast

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<scanned>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        return _clip(exc.msg or "invalid syntax"), exc.lineno or 1, exc.offset or 1
    except (KeyboardInterrupt, SystemExit, FileTimeout):
        raise
    except BaseException:  # RecursionError, MemoryError, ValueError: keep libcst's diagnosis
        return None
    return None


def _clip(message: str, limit: int = 160) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1] + "…"


def parse_module(text: str, path: str) -> cst.Module | FileError:
    """Parse with libcst; never raises (except ``FileTimeout`` inside a guarded worker)."""
    import libcst as cst  # lazily: a run whose files all pass the prefilter never needs it

    refused = precheck(text, path)
    if refused is not None:
        return refused
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        return _syntax_error(exc, text, path)
    except RecursionError:
        return FileError(path, "too deeply nested to parse; not analysed", "limit")
    except MemoryError:
        return FileError(path, "out of memory while parsing; not analysed", "limit")
    except (KeyboardInterrupt, SystemExit, FileTimeout):
        raise
    except BaseException as exc:  # the native parser's panics are BaseExceptions
        return FileError(path, f"parser failed: {describe_exception(exc)}", "internal")


# --- exceptions described without leaking content ----------------------------------------------

_QUOTED = re.compile(r"""(?P<q>['"])(?P<body>(?:(?!(?P=q)).){8,})(?P=q)""")
_TOKENISH = re.compile(r"[A-Za-z0-9_\-+/=.]{20,}")


def _scrub(message: str) -> str:
    """Redact quoted fragments and long token-like words: they may come from the scanned file."""
    message = _QUOTED.sub(lambda m: m["q"] + redact(m["body"]) + m["q"], message)
    message = _TOKENISH.sub(
        lambda m: m.group() if m.group().isalpha() else redact(m.group()), message
    )
    return _clip(message)


def describe_exception(exc: BaseException) -> str:
    """``Type: message (at module.py:LINE in function)`` with the message scrubbed."""
    text = f"{type(exc).__name__}"
    msg = str(exc)
    if msg:
        text += f": {_scrub(msg)}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
    # The innermost frame of this project's code says which detector failed.
    ours = [f for f in frames if "advisor" in f.filename.replace("\\", "/").split("/")]
    where = (ours or frames)[-1:] if frames else []
    if where:
        f = where[0]
        name = f.filename.replace("\\", "/").rsplit("/", 1)[-1]
        text += f" (at {name}:{f.lineno} in {f.name})"
    return text


# --- guarded per-file work ----------------------------------------------------------------------

_limit_lock = threading.Lock()
_limit_users = 0
_saved_limit = 0


@contextmanager
def _raised_recursion_limit(limit: int) -> Iterator[None]:
    # The limit is process-wide; it is raised while any guarded worker runs and restored after
    # the last one. Only worker threads (with their large stacks) recurse that deep.
    global _limit_users, _saved_limit
    with _limit_lock:
        if _limit_users == 0:
            _saved_limit = sys.getrecursionlimit()
            sys.setrecursionlimit(max(_saved_limit, limit))
        _limit_users += 1
    try:
        yield
    finally:
        with _limit_lock:
            _limit_users -= 1
            if _limit_users == 0:
                sys.setrecursionlimit(_saved_limit)


_stack_lock = threading.Lock()


def _start_worker(target: Callable[[], None]) -> threading.Thread | None:
    """A started daemon thread with a large stack, or None when the platform refuses one."""
    with _stack_lock:
        try:
            old = threading.stack_size(WORKER_STACK_BYTES)
        except (ValueError, RuntimeError):
            return None
        try:
            thread = threading.Thread(target=target, name="advisor-guarded", daemon=True)
            thread.start()
        except RuntimeError:
            return None
        finally:
            threading.stack_size(old)
    return thread


def _interrupt(thread: threading.Thread) -> None:
    try:
        import ctypes

        set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
    except (ImportError, AttributeError):  # not CPython
        return
    set_async_exc(ctypes.c_ulong(thread.ident or 0), ctypes.py_object(FileTimeout))


_UNSET: Any = object()


def guarded(
    path: str, fn: Callable[..., T], *args: Any, time_limit: float | None = _UNSET, **kwargs: Any
) -> T | FileError:
    """Run ``fn(*args, **kwargs)`` for one file; every failure becomes a ``FileError``.

    ``time_limit`` (seconds; default ``DEFAULT_TIME_LIMIT``; None: no limit) bounds the work.
    RecursionError, MemoryError and the time limit give kind ``limit``; any other exception
    gives ``internal`` with the exception type and where it was raised. A FileError returned by
    ``fn`` is passed through. KeyboardInterrupt and SystemExit propagate.
    """
    limit = DEFAULT_TIME_LIMIT if time_limit is _UNSET else time_limit
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # reported to the caller's thread below
            outcome["error"] = exc

    with _raised_recursion_limit(WORKER_RECURSION_LIMIT):
        thread = _start_worker(work)
        if thread is not None:
            thread.join(limit)
            if thread.is_alive():
                _interrupt(thread)
                thread.join(TIMEOUT_GRACE)
                if thread.is_alive():
                    return FileError(
                        path, f"analysis exceeded the time limit of {limit:g} s; abandoned", "limit"
                    )
    if thread is None:
        work()  # no worker thread available: run here, at the default recursion limit
    if "error" not in outcome:
        return outcome.get("value")  # type: ignore[return-value]
    return _as_file_error(path, outcome["error"], limit)


def _as_file_error(path: str, exc: BaseException, limit: float | None) -> FileError:
    if isinstance(exc, (KeyboardInterrupt, SystemExit)):
        raise exc
    if isinstance(exc, FileTimeout):
        return FileError(path, f"analysis exceeded the time limit of {limit:g} s", "limit")
    if isinstance(exc, RecursionError):
        return FileError(path, "too deeply nested to analyse; not analysed", "limit")
    if isinstance(exc, MemoryError):
        return FileError(path, "out of memory while analysing; not analysed", "limit")
    return FileError(path, f"internal error: {describe_exception(exc)}", "internal")
