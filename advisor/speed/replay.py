"""Answering a repeated check from its last output, when nothing it read has changed.

A warm scan of a large tree spends most of its time on what every run pays: starting Python,
importing click and the data model, then one stat per directory and file to prove that nothing
changed. Run again in the same place, with the same command line and environment, over the same
files, a check prints the same report. So a check keeps its report together with a list of
everything it depended on, and the console script (``advisor.cli.launcher``) compares that list
with the disk before it imports click or anything of the analyzer, the way make trusts a target
that is newer than its prerequisites. Anything different, or anything this module cannot
vouch for, and the check runs in full, as it would have anyway.

A record depends on:

- the command line, the working directory, the whole environment, whether standard output and
  error are terminals, the output's encoding, the interpreter and its flags, the analyzer's own
  code and rule files and libcst's version (``fingerprint.code_signature``), and the package
  directories of the import path (a package installed, upgraded or removed changes its
  site-packages directory's time);
- every directory the walk listed and every ignore file and repository marker it probed
  (``discovery.WalkRecord``), and the packaging files read for the application kind;
- every checked file, and every other file a result was computed from, by size, modification
  and change time (a ``chmod`` counts);
- the configuration file and every ``pyproject.toml`` looked at on the way to it, the policy
  file and the baseline file.

Only a run that writes nothing but its reports is recorded: the cache on, every argument a
directory (pre-commit's file lists change with every commit; its hook has ``--daemon``), no
``--fix``, ``--diff``, baseline writing or pruning, and nothing on standard error but the
progress bar. Report files (``--output-file``, ``--report``) are written again by a replay. A
run that saw anything modified within two seconds of its start is not recorded: a second change
within the same timestamp tick would go unnoticed (the stat index follows the same rule).
"""

from __future__ import annotations

# Imported by the console script before anything else: standard modules that cost nothing.
import marshal
import os
import sys
import time
import zlib

TYPE_CHECKING = False  # typing itself costs 10 ms to import; type checkers read this as True
if TYPE_CHECKING:
    from collections.abc import Iterable

FORMAT = 2
DIR_NAME = "replay"
# Records kept per cache directory: one per command line and environment in use.
KEEP = 16
SETTLE_NS = 2_000_000_000
CACHE_DIR_NAME = ".treddy_advisor_cache"  # advisor.config.CACHE_DIR_NAME, without importing it
CACHE_DIR_FLAG = "--cache-dir"


def stamp(path: str) -> tuple[int, int, int] | None:
    """Size, modification and change time, or None for a path that is not there.

    The change time moves with a ``chmod`` too: a file that could not be read, and is readable
    now, is read again, not replayed as unreadable.
    """
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return False


def _material(argv: list[str]) -> tuple[object, ...]:
    return (
        FORMAT,
        tuple(argv),
        os.getcwd(),
        tuple(sorted(os.environ.items())),
        _isatty(sys.stdout),
        _isatty(sys.stderr),
        getattr(sys.stdout, "encoding", None),
        sys.version,
        sys.executable,
        tuple(sys.flags),  # -X utf8, -O, -I ...
    )


def _name(material: tuple[object, ...]) -> str:
    # repr, not marshal: marshal's bytes depend on which objects happen to be shared
    data = repr(material).encode("utf-8", "surrogatepass")
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}.marshal"


def _cache_dir_arg(argv: list[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == CACHE_DIR_FLAG and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(CACHE_DIR_FLAG + "="):
            return arg[len(CACHE_DIR_FLAG) + 1 :]
    return None


def _places(argv: list[str]) -> Iterable[str]:
    """Where a record of this command line may be: its ``--cache-dir``, else a project cache
    in the working directory or above it (the project root is where the configuration is)."""
    given = _cache_dir_arg(argv)
    if given is not None:
        yield os.path.join(given, DIR_NAME)
        return
    here = os.getcwd()
    while True:
        yield os.path.join(here, CACHE_DIR_NAME, DIR_NAME)
        parent = os.path.dirname(here)
        if parent == here:
            return
        here = parent


def _code() -> str:
    from advisor.speed.fingerprint import code_signature

    return code_signature()  # in full: this is for trust, not for a name


def attempt(argv: list[str]) -> tuple[str, int] | None:
    """The recorded standard output and exit code of ``argv``, if the record still holds; its
    report files are written again by then. Printing is the caller's (``emit``): from there on
    the command is answered, whatever happens to the output."""
    if os.name != "posix":
        return None
    material = _material(argv)
    name = _name(material)
    for place in _places(argv):
        try:
            with open(os.path.join(place, name), "rb") as fh:
                record = marshal.loads(fh.read())  # load(fh) reads object by object
        except OSError:
            continue
        except (ValueError, EOFError, TypeError):
            return None
        return _replay(record, material)
    return None


def _replay(record: object, material: tuple[object, ...]) -> tuple[str, int] | None:
    # Anything but what ``Recorder.save`` writes (another build, a damaged file) is a miss.
    if not (isinstance(record, tuple) and len(record) == 6 and record[0] == material):
        return None
    _, code_sig, stamps, text, reports, code = record
    if code_sig != _code() or not isinstance(text, str) or not isinstance(code, int):
        return None
    try:
        for path, expected in stamps:
            if stamp(path) != expected:
                return None
        # The report files again, as the run wrote them (a failure: the run says why).
        for path, content in reports:
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(content)
    except (OSError, TypeError, ValueError):
        return None
    return text, code


def emit(text: str, code: int) -> int:
    """Print a replayed report; the exit status, 1 when the output is gone (``| head``), as
    click makes it for a run of its own."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except (OSError, ValueError):
        return code or 1
    return code


class _Watched:
    """Standard error, noting whether anything but the progress bar wrote to it."""

    def __init__(self, stream: object) -> None:
        self.unwatched = stream  # the progress bar writes here (advisor.engine)
        self.written = False

    def write(self, text: str) -> int:
        if text:
            self.written = True
        return self.unwatched.write(text)  # type: ignore[attr-defined,no-any-return]

    def __getattr__(self, name: str) -> object:
        return getattr(self.unwatched, name)


class Recorder:
    """What may record this process's check: made by the console script only (tests make
    their own), so the resident process and click's test runner record nothing by accident."""

    def __init__(self, argv: list[str]) -> None:
        self.material = _material(argv)
        self.started_ns = time.time_ns()
        self.stderr = _Watched(sys.stderr)

    def save(
        self,
        cache_dir: str,
        directories: dict[str, int],
        files: Iterable[str],
        text: str,
        reports: list[tuple[str, str]],
        code: int,
    ) -> bool:
        """Record the output (``text`` on standard output, ``reports`` as (path, content) files)
        and ``code``; False when the inputs cannot vouch for a replay.

        ``directories`` are the walk's (path -> the time it saw); ``files`` every other path the
        run read or looked for, stamped now: anything changed since the run started has a later
        time than its start, which refuses the record.
        """
        if self.stderr.written or os.name != "posix":
            return False
        limit = self.started_ns - SETTLE_NS
        stamps: list[tuple[str, tuple[int, int, int] | None]] = []
        # Files first: a file just edited is what most often refuses a record (and, in the
        # record, what most often ends a replay), before the thousands of directories.
        # The import path's package directories: installing or removing a package (a new
        # libcst) changes the time of the site-packages directory it goes into.
        environment = [
            p for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages")
        ]
        for path in dict.fromkeys([*files, *environment]):
            now = stamp(path)
            if now is not None and now[1] >= limit:
                return False
            stamps.append((path, now))
        for path, seen in directories.items():
            now = stamp(path)
            if now is None or now[1] != seen or seen >= limit:
                return False  # listed as it was when the walk saw it, or not at all
            stamps.append((path, now))
        record = (self.material, _code(), stamps, text, reports, code)
        place = os.path.join(cache_dir, DIR_NAME)
        target = os.path.join(place, _name(self.material))
        tmp = os.path.join(place, f".tmp-{os.getpid()}-{time.monotonic_ns()}")
        try:
            os.makedirs(place, exist_ok=True)
            with open(tmp, "wb") as fh:
                marshal.dump(record, fh)
            os.replace(tmp, target)  # parallel runs: readers never see half a record
        except (OSError, ValueError):
            import contextlib  # not on the way of a replay

            with contextlib.suppress(OSError):
                os.unlink(tmp)
            return False
        _prune(place)
        return True


def _prune(place: str) -> None:
    """Keep the newest ``KEEP`` records: each environment a command ran in leaves one."""
    try:
        entries = [e for e in os.scandir(place) if e.name.endswith(".marshal")]
        if len(entries) <= KEEP:
            return
        entries.sort(key=lambda e: e.stat().st_mtime_ns, reverse=True)
        for old in entries[KEEP:]:
            os.unlink(old.path)
    except OSError:
        pass


_current: Recorder | None = None


def start(argv: list[str]) -> Recorder | None:
    """Let this process's check be recorded; standard error is watched from now on.

    Not on other systems than POSIX (records are never made there), nor without a standard
    error stream to watch.
    """
    global _current
    if os.name != "posix" or sys.stderr is None:
        return None
    _current = Recorder(argv)
    sys.stderr = _current.stderr  # type: ignore[assignment]
    return _current


def current() -> Recorder | None:
    return _current


def stop() -> None:
    global _current
    if _current is not None and sys.stderr is _current.stderr:
        sys.stderr = _current.stderr.unwatched  # type: ignore[assignment]
    _current = None
