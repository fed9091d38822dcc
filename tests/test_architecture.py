"""The package layout is the pipeline (docs/architecture.md): no import cycles, no stage that
reaches into a later one, and a console-script path that stays cheap.

Every module under ``advisor/`` is parsed with ``ast``, never imported. An import counts wherever
it is written: at the top, inside a function (a lazy import is still a dependency), under
``TYPE_CHECKING``, or as a string naming a module (``importlib.import_module("advisor.x")``).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "advisor"

# Modules that import nothing heavy at the top: the console script's way to a replay or to the
# resident process, before click, libcst or the analyzer are imported.
LAUNCHER_PATH = (
    "advisor",
    "advisor.cli",
    "advisor.cli.launcher",
    "advisor.cli.resident",
    "advisor.exits",
    "advisor.speed",
    "advisor.speed.replay",
    "advisor.speed.fingerprint",
)
HEAVY = ("click", "libcst", "jinja2", "markupsafe", "pathspec")

# Stage -> stages it must never import. A stage is the subpackage (``advisor.policy.x`` is
# ``policy``); a loose module is its own stage (``model``, ``engine``, ``config``, ...).
LATER = ("engine", "cli", "report", "reporters", "fix")
FORBIDDEN: dict[str, set[str]] = {
    "model": {"files", "analysis", "detectors", "policy", "speed", *LATER},
    "exits": {"model", "config", "redaction", "files", "analysis", "detectors", "policy", "speed"}
    | set(LATER),
    "config": {"files", "analysis", "detectors", "policy", "speed", *LATER},
    "redaction": {"files", "analysis", "detectors", "policy", "speed", *LATER},
    "files": {"analysis", "detectors", "policy", "speed", *LATER},
    "analysis": {"policy", "speed", *LATER},
    "detectors": {"policy", "speed", *LATER},
    "policy": {"files", "analysis", "detectors", "speed", *LATER},
    "speed": {"analysis", "detectors", *LATER},
    "report": {"cli", "fix", "speed"},
    "reporters": {"analysis", "detectors", "policy", "speed", *LATER},
    "fix": {"cli", "report", "reporters"},
    "engine": {"cli", "report", "reporters", "fix"},
}


def module_name(path: Path, base: Path) -> str:
    parts = list(path.relative_to(base.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(base: Path) -> dict[str, Path]:
    return {
        module_name(p, base): p for p in sorted(base.rglob("*.py")) if "__pycache__" not in p.parts
    }


def _resolve(name: str, level: int, here: str, is_package: bool) -> str:
    if not level:
        return name
    parts = here.split(".")
    if not is_package:
        parts.pop()
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    return ".".join([*parts, name] if name else parts)


def imports_of(name: str, path: Path, known: set[str], *, top_level_only: bool = False) -> set[str]:
    """The modules ``name`` imports: module names, or ``known`` modules where one is named."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    nodes = tree.body if top_level_only else ast.walk(tree)
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module or "", node.level, name, path.name == "__init__.py")
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)
        elif (
            not top_level_only
            and isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value in known
        ):
            found.add(node.value)  # importlib.import_module("advisor.detectors.msal"), _LAZY maps
    found.discard(name)
    return found


def import_graph(base: Path) -> dict[str, set[str]]:
    mods = modules(base)
    known = set(mods)
    return {name: imports_of(name, path, known) & known for name, path in mods.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def violations(graph: dict[str, set[str]]) -> list[str]:
    out = []
    for importer, targets in sorted(graph.items()):
        banned = FORBIDDEN.get(stage(importer), set())
        for target in sorted(targets):
            if stage(target) != stage(importer) and stage(target) in banned:
                out.append(f"{importer} imports {target}")
    return out


# --------------------------------------------------------------------------- the layout


def test_no_import_cycle_lazy_imports_included() -> None:
    assert cycles(import_graph(PACKAGE)) == []


def test_no_stage_imports_a_later_one() -> None:
    assert violations(import_graph(PACKAGE)) == []


def test_the_launcher_path_imports_nothing_heavy_at_the_top() -> None:
    mods = modules(PACKAGE)
    known = set(mods)
    for name in LAUNCHER_PATH:
        top = imports_of(name, mods[name], known, top_level_only=True)
        heavy = sorted(m for m in top if m.split(".")[0] in HEAVY)
        ours = sorted(m for m in top if m.startswith("advisor") and m not in LAUNCHER_PATH)
        assert heavy == [] and ours == [], name


def test_every_package_is_shipped_and_says_what_it_does() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(pyproject["tool"]["setuptools"]["packages"])
    packages = {module_name(p, PACKAGE) for p in PACKAGE.rglob("__init__.py")}
    assert packages - listed == set()
    for name in packages:
        init = PACKAGE.parent.joinpath(*name.split("."), "__init__.py")
        tree = ast.parse(init.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{name}/__init__.py has no docstring"
        top = imports_of(name, init, set(), top_level_only=True)
        assert not [m for m in top if m.split(".")[0] in HEAVY], name


def test_at_most_eight_loose_modules() -> None:
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(loose) <= 8, loose


# --------------------------------------------------------------------------- the checks can fail


def _write(base: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = base / "advisor" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return base / "advisor"


@pytest.mark.parametrize(
    "launcher",
    [
        "from advisor.cli.main import entry\n",  # at the top
        "def entry():\n    from advisor.cli import main\n    main.entry()\n",  # lazily
    ],
)
def test_a_lazy_cycle_is_found(tmp_path: Path, launcher: str) -> None:
    # The old layout's cycle: cli -> launcher (exit_status, inside a function) -> cli.
    base = _write(
        tmp_path,
        {
            "__init__.py": "",
            "cli/__init__.py": '"""cli"""\n',
            "cli/launcher.py": launcher + "def exit_status(done):\n    return 0\n",
            "cli/main.py": "def entry():\n    from .launcher import exit_status\n",
        },
    )
    assert cycles(import_graph(base)) == [["advisor.cli.launcher", "advisor.cli.main"]]


def test_a_string_import_counts(tmp_path: Path) -> None:
    base = _write(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "import importlib\nimportlib.import_module('advisor.b')\n",
            "b.py": "def f():\n    import advisor.a\n",
        },
    )
    assert cycles(import_graph(base)) == [["advisor.a", "advisor.b"]]


def test_a_stage_violation_is_found(tmp_path: Path) -> None:
    base = _write(
        tmp_path,
        {
            "__init__.py": "",
            "detectors/__init__.py": "",
            "detectors/x.py": "def f():\n    from advisor.policy.policy import evaluate\n",
            "policy/__init__.py": "",
            "policy/policy.py": "def evaluate():\n    pass\n",
            "speed/__init__.py": "",
            "speed/cache.py": "from advisor.cli import main\n",
            "cli/__init__.py": "",
            "cli/main.py": "",
        },
    )
    assert violations(import_graph(base)) == [
        "advisor.detectors.x imports advisor.policy.policy",
        "advisor.speed.cache imports advisor.cli.main",
    ]
