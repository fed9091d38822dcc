"""What kind of application is this? Cheap evidence from imports and project files.

The flow Treddy's page recommends depends on the kind of application: a long-running server can
keep a secret, a CLI or daemon has no user, and a desktop, mobile or in-browser app cannot keep a
secret at all. The evidence comes from regular expressions over import lines (no parse, so it
also works on files the OAuth prefilter skipped) and from project files found next to the
scanned roots (requirements, pyproject.toml, PyInstaller/buildozer spec files, Procfile, ...).

Precedence of :func:`infer_kind`: ``distributed_app`` > ``web_server`` > ``cli_daemon``. A
codebase that ships any part of itself to users' machines (a GUI toolkit, a packager, browser
Python) is the risk case: whatever secret it embeds leaves the partner's control, so that
evidence wins over a web framework or a ``__main__`` guard found elsewhere. A web framework wins
over CLI evidence because web apps routinely carry a CLI entry point too. Evidence from test
files counts only when nothing else is found.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from advisor.files.source import display_path
from advisor.model import AppEvidence

if TYPE_CHECKING:
    from advisor.files.discovery import WalkRecord

KINDS = ("distributed_app", "web_server", "cli_daemon")
KIND_PHRASES = {
    "web_server": "a long-running server",
    "cli_daemon": "a CLI or daemon",
    "distributed_app": "a desktop, mobile or in-browser app",
}
KIND_LABELS = {
    "web_server": "Long-running server application",
    "cli_daemon": "CLI, daemon or backend job",
    "distributed_app": "Desktop, mobile or in-browser application",
}
MAX_BYTES = 2 * 1024 * 1024

# Top-level module -> (kind, what it is). Matched against the first component of an import.
MODULES: dict[str, tuple[str, str]] = {
    "flask": ("web_server", "Flask web framework"),
    "django": ("web_server", "Django web framework"),
    "fastapi": ("web_server", "FastAPI web framework"),
    "starlette": ("web_server", "Starlette web framework"),
    "tornado": ("web_server", "Tornado web server"),
    "pyramid": ("web_server", "Pyramid web framework"),
    "bottle": ("web_server", "Bottle web framework"),
    "sanic": ("web_server", "Sanic web framework"),
    "quart": ("web_server", "Quart web framework"),
    "falcon": ("web_server", "Falcon web framework"),
    "litestar": ("web_server", "Litestar web framework"),
    "click": ("cli_daemon", "click command-line interface"),
    "argparse": ("cli_daemon", "argparse command-line interface"),
    "typer": ("cli_daemon", "Typer command-line interface"),
    "fire": ("cli_daemon", "Python Fire command-line interface"),
    "docopt": ("cli_daemon", "docopt command-line interface"),
    "schedule": ("cli_daemon", "schedule job scheduler"),
    "apscheduler": ("cli_daemon", "APScheduler job scheduler"),
    "celery": ("cli_daemon", "Celery task worker"),
    "rq": ("cli_daemon", "RQ task worker"),
    "dramatiq": ("cli_daemon", "Dramatiq task worker"),
    "huey": ("cli_daemon", "Huey task worker"),
    "tkinter": ("distributed_app", "Tk desktop GUI (tkinter)"),
    "Tkinter": ("distributed_app", "Tk desktop GUI (Tkinter)"),
    "customtkinter": ("distributed_app", "Tk desktop GUI (customtkinter)"),
    "PyQt5": ("distributed_app", "Qt desktop GUI (PyQt5)"),
    "PyQt6": ("distributed_app", "Qt desktop GUI (PyQt6)"),
    "PySide2": ("distributed_app", "Qt desktop GUI (PySide2)"),
    "PySide6": ("distributed_app", "Qt desktop GUI (PySide6)"),
    "qtpy": ("distributed_app", "Qt desktop GUI (QtPy)"),
    "wx": ("distributed_app", "wxPython desktop GUI"),
    "kivy": ("distributed_app", "Kivy desktop/mobile GUI"),
    "kivymd": ("distributed_app", "KivyMD mobile GUI"),
    "toga": ("distributed_app", "BeeWare Toga desktop/mobile GUI"),
    "pygame": ("distributed_app", "pygame desktop game"),
    "rumps": ("distributed_app", "rumps macOS menu-bar app"),
    "flet": ("distributed_app", "Flet desktop/mobile GUI"),
    "PyInstaller": ("distributed_app", "PyInstaller packaging"),
    "briefcase": ("distributed_app", "BeeWare Briefcase packaging"),
    "pyscript": ("distributed_app", "PyScript: Python running in the browser"),
    "pyodide": ("distributed_app", "Pyodide: Python running in the browser"),
    "js": ("distributed_app", "Pyodide's js module: Python running in the browser"),
    "browser": ("distributed_app", "Brython's browser module: Python running in the browser"),
}
# `from aiohttp import web` / `import aiohttp.web`: the server half of aiohttp, not the client.
SUBMODULES: dict[str, tuple[str, str]] = {
    "aiohttp.web": ("web_server", "aiohttp web server"),
}

_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(?P<from>\.*[\w.]*)[ \t]+import[ \t]+(?P<names>\([^)]*\)|[^\n#;]+)"
    r"|import[ \t]+(?P<mods>[^\n#;]+))",
    re.MULTILINE,
)
_MAIN_GUARD = re.compile(
    r"""^if[ \t]+__name__[ \t]*==[ \t]*(['"])__main__\1[ \t]*:""", re.MULTILINE
)

# Project files -------------------------------------------------------------------------------

# Distribution names (as in requirements) -> (kind, what it is).
PACKAGES: dict[str, tuple[str, str]] = {
    "pyinstaller": ("distributed_app", "PyInstaller packaging"),
    "py2app": ("distributed_app", "py2app macOS app packaging"),
    "py2exe": ("distributed_app", "py2exe Windows packaging"),
    "cx-freeze": ("distributed_app", "cx_Freeze executable packaging"),
    "briefcase": ("distributed_app", "BeeWare Briefcase packaging"),
    "toga": ("distributed_app", "BeeWare Toga GUI"),
    "kivy": ("distributed_app", "Kivy GUI"),
    "buildozer": ("distributed_app", "Buildozer Android packaging"),
    "pyqt5": ("distributed_app", "Qt GUI (PyQt5)"),
    "pyqt6": ("distributed_app", "Qt GUI (PyQt6)"),
    "pyside2": ("distributed_app", "Qt GUI (PySide2)"),
    "pyside6": ("distributed_app", "Qt GUI (PySide6)"),
    "wxpython": ("distributed_app", "wxPython GUI"),
    "pygame": ("distributed_app", "pygame"),
    "rumps": ("distributed_app", "rumps macOS menu-bar app"),
    "flask": ("web_server", "Flask"),
    "django": ("web_server", "Django"),
    "fastapi": ("web_server", "FastAPI"),
    "gunicorn": ("web_server", "gunicorn WSGI server"),
    "uvicorn": ("web_server", "uvicorn ASGI server"),
    "waitress": ("web_server", "waitress WSGI server"),
    "celery": ("cli_daemon", "Celery worker"),
    "apscheduler": ("cli_daemon", "APScheduler"),
    "dramatiq": ("cli_daemon", "Dramatiq worker"),
}
_REQUIREMENT_FILES = re.compile(r"^(requirements.*\.(txt|in)|Pipfile|setup\.cfg)$", re.IGNORECASE)
_METADATA_FILES = ("pyproject.toml", "setup.py")
_REQ_LINE = re.compile(r"^[ \t]*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)", re.MULTILINE)
# A requirement inside a quoted string: "PyInstaller>=6", 'kivy[base]', "flask"
_REQ_QUOTED = re.compile(r"""["'](?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)[ \t]*(?=[<>=!~;\[ \t"'])""")
_GUI_SCRIPTS = re.compile(r"^\[project\.gui-scripts\]", re.MULTILINE)
_CONSOLE_SCRIPTS = re.compile(r"^\[(project\.scripts|tool\.poetry\.scripts)\]", re.MULTILINE)
_PROCFILE = re.compile(r"^(?P<proc>[\w-]+)[ \t]*:", re.MULTILINE)
_WEB_CONFIGS = {
    "gunicorn.conf.py": "gunicorn configuration",
    "gunicorn_config.py": "gunicorn configuration",
    "gunicorn.py": "gunicorn configuration",
    "uvicorn.conf.py": "uvicorn configuration",
    "wsgi.py": "WSGI entry point",
    "asgi.py": "ASGI entry point",
    "manage.py": "Django manage.py",
}
# A PyInstaller .spec file is Python that builds an Analysis/EXE pipeline.
_PYINSTALLER_SPEC = re.compile(r"\b(Analysis|EXE|BUNDLE)\s*\(")


def _norm_dist(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def evidence_in_text(path: str, text: str) -> list[AppEvidence]:
    """Application-kind evidence in one Python file's text (``path`` is its display path)."""
    found: list[AppEvidence] = []
    seen: set[tuple[str, str]] = set()

    def add(pos: int, kind: str, evidence: str, what: str) -> None:
        # One piece of evidence per framework and file (its first import): a Django module
        # imports Django a dozen times, and each copy would be cached, merged and deduplicated.
        if (kind, what) in seen:
            return
        seen.add((kind, what))
        found.append(AppEvidence(path, text.count("\n", 0, pos) + 1, kind, evidence))  # type: ignore[arg-type]

    for m in _IMPORT.finditer(text):
        for module, shown in _imported_modules(m):
            hit = SUBMODULES.get(module) or SUBMODULES.get(module.rsplit(".", 1)[0])
            if hit is None:
                hit = MODULES.get(module.split(".", 1)[0])
            if hit is not None:
                add(m.start(), hit[0], f"imports {shown}: {hit[1]}", hit[1])
    m = _MAIN_GUARD.search(text) if "__main__" in text else None
    if m:
        evidence = 'runs as a script (if __name__ == "__main__")'
        add(m.start(), "cli_daemon", evidence, evidence)
    return found


def _imported_modules(m: re.Match[str]) -> Iterable[tuple[str, str]]:
    """(dotted module, how to show it) for each thing an import statement brings in."""
    if m.group("from") is not None:
        base = m.group("from")
        if base.startswith("."):
            return  # a relative import names the project's own modules
        names = m.group("names").strip("() \t\n")
        yield base, base
        for name in names.split(","):
            name = name.strip().split(" as ")[0].strip()
            if name and name != "*":
                # `from aiohttp import web` brings in the aiohttp.web module.
                full = f"{base}.{name}"
                if full in SUBMODULES:
                    yield full, full
        return
    for part in m.group("mods").split(","):
        module = part.strip().split(" as ")[0].strip()
        if re.fullmatch(r"[\w.]+", module or ""):
            yield module, module


def _project_dirs(files: Iterable[Path], roots: Iterable[str | Path]) -> list[Path]:
    """Directories whose project files describe the scanned code.

    The scanned roots (a file's directory for a file), every directory holding a scanned file,
    and the ancestors of each root up to the project root (the first directory with ``.git``,
    ``pyproject.toml`` or ``setup.py``), at most three levels up.
    """
    dirs: dict[Path, None] = {}
    for root in roots:
        p = Path(root)
        start = p if p.is_dir() else p.parent
        d = start.resolve()
        for _ in range(4):
            dirs.setdefault(d, None)
            if any((d / marker).exists() for marker in (".git", "pyproject.toml", "setup.py")):
                break
            if d.parent == d:
                break
            d = d.parent
    parents = {os.path.dirname(os.fspath(f)) or "." for f in files}
    for parent in sorted(parents):  # each directory once, not each file
        # abspath, not realpath: the walk never follows a directory link, and dedupe() merges
        # evidence that a linked root would show twice.
        dirs.setdefault(Path(os.path.abspath(parent)), None)
    return list(dirs)


def _read(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def project_evidence(
    files: Iterable[Path], roots: Iterable[str | Path], record: WalkRecord | None = None
) -> list[AppEvidence]:
    """Evidence from packaging and deployment files next to the scanned code.

    ``record`` collects the directories listed and the files read, so that a later run can
    tell whether the result still holds.
    """
    found: list[AppEvidence] = []
    for d in _project_dirs(files, roots):
        if record is not None:
            record.directory(str(d))
        try:
            entries = sorted(e.name for e in os.scandir(d) if e.is_file())
        except OSError:
            continue
        for name in entries:
            if not is_project_file(name):
                continue
            if record is not None:
                record.probe(str(d / name))  # its content decides, whatever it says now
            found.extend(_file_evidence(d / name, name))
    return found


def is_project_file(name: str) -> bool:
    """Packaging, deployment and entry-point files whose content tells the application kind."""
    return bool(
        _REQUIREMENT_FILES.match(name)
        or name in _METADATA_FILES
        or name.lower().endswith(".spec")
        or name == "Procfile"
        or name in _WEB_CONFIGS
    )


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _file_evidence(path: Path, name: str) -> list[AppEvidence]:
    """Evidence in one file for which ``is_project_file(name)`` holds."""
    low = name.lower()
    is_req = bool(_REQUIREMENT_FILES.match(name))
    text = _read(path)
    if text is None:
        return []
    shown = display_path(path)
    out: list[AppEvidence] = []

    def add(pos: int, kind: str, evidence: str) -> None:
        out.append(AppEvidence(shown, _line_of(text, pos), kind, evidence))  # type: ignore[arg-type]

    if name == "buildozer.spec":
        add(0, "distributed_app", "buildozer.spec (Kivy app packaged for Android/iOS)")
        return out
    if low.endswith(".spec"):
        m = _PYINSTALLER_SPEC.search(text)
        if m:
            add(m.start(), "distributed_app", f"{name} (PyInstaller build specification)")
        return out
    if name == "Procfile":
        for m in _PROCFILE.finditer(text):
            proc = m.group("proc")
            if proc == "web":
                add(m.start(), "web_server", "Procfile declares a web process")
            elif proc in ("worker", "clock", "scheduler"):
                add(m.start(), "cli_daemon", f"Procfile declares a {proc} process")
        return out
    if name in _WEB_CONFIGS:
        add(0, "web_server", f"{name} ({_WEB_CONFIGS[name]})")
        return out
    # Requirements files list one name a line; setup.py quotes them; pyproject.toml does both
    # (PEP 621 arrays quote them, Poetry tables use them as keys).
    patterns = [_REQ_LINE] if is_req else [_REQ_QUOTED]
    if name == "pyproject.toml":
        patterns.append(_REQ_LINE)
    seen: set[str] = set()
    for pattern in patterns:
        for m in pattern.finditer(text):
            dist = _norm_dist(m.group("name"))
            hit = PACKAGES.get(dist)
            if hit and dist not in seen:
                seen.add(dist)
                add(m.start(), hit[0], f"{name} requires {m.group('name')}: {hit[1]}")
    if name == "pyproject.toml":
        m = _GUI_SCRIPTS.search(text)
        if m:
            add(m.start(), "distributed_app", "pyproject.toml declares GUI entry points")
        m = _CONSOLE_SCRIPTS.search(text)
        if m:
            add(m.start(), "cli_daemon", "pyproject.toml declares console scripts")
    return out


def scan_app_kind(files: Iterable[str | Path], roots: Iterable[str | Path]) -> list[AppEvidence]:
    """Evidence from the scanned Python files and from project files next to the roots.

    Never raises on an unreadable file; files larger than 2 MiB are skipped.
    """
    paths = [Path(f) for f in files]
    found: list[AppEvidence] = []
    for path in paths:
        text = _read(path)
        if text is not None:
            found.extend(evidence_in_text(display_path(path), text))
    found.extend(project_evidence(paths, roots))
    return dedupe(found)


def dedupe(items: Iterable[AppEvidence]) -> list[AppEvidence]:
    seen: set[tuple[str, int, str, str]] = set()
    out = []
    for e in items:
        key = (e.path, e.line, e.kind, e.evidence)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def _is_test_path(path: str) -> bool:
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    return (
        any(p in ("tests", "test", "testing") for p in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def infer_kind(evidence: Iterable[AppEvidence]) -> tuple[str | None, list[str]]:
    """The application kind the evidence points to, and why (one reason per line).

    Returns ``(None, [...])`` when there is no evidence. See the module docstring for the
    precedence.
    """
    items = list(evidence)
    if not items:
        return None, ["No evidence of a web framework, CLI/daemon or desktop/mobile toolkit."]
    main = [e for e in items if not _is_test_path(e.path)]
    from_tests = not main
    pool = main or items
    by_kind = {k: [e for e in pool if e.kind == k] for k in KINDS}
    kind = next(k for k in KINDS if by_kind[k])
    chosen = by_kind[kind]
    reasons = [f"{e.evidence} ({e.path}:{e.line})" for e in chosen[:5]]
    if len(chosen) > 5:
        reasons.append(f"... and {len(chosen) - 5} more")
    others = [k for k in KINDS if k != kind and by_kind[k]]
    if others and kind == "distributed_app":
        reasons.append(
            "Also found evidence of "
            + " and ".join(KIND_PHRASES[k] for k in others)
            + ". A part that is shipped to users' machines cannot keep a secret, so it decides."
        )
    elif others:
        reasons.append(
            "Also found evidence of "
            + " and ".join(KIND_PHRASES[k] for k in others)
            + f"; the evidence of {KIND_PHRASES[kind]} takes precedence."
        )
    if from_tests:
        reasons.append("All of this evidence comes from test files.")
    return kind, reasons
