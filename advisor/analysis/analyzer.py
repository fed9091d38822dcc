"""Per-file analysis: prefilter, parse once, index once, run every detector on the same tree."""

from __future__ import annotations

import contextlib
import importlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from advisor.files.source import SourceFile, display_path, read_source
from advisor.model import FileError, FileFacts, Span

if TYPE_CHECKING:
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    from advisor.analysis.context import ForeignNode, ModuleContext
    from advisor.analysis.index import ModuleIndex, build_index
    from advisor.analysis.values import B64, ClassRef, DictV, Evaluator, FuncRef, SeqV, Text, V

_engine_ready = False


def _import_engine() -> None:
    """Import libcst and the modules built on it, on the first file that needs a parse.

    ``import libcst`` alone takes about 0.2 s, more than everything else a pre-commit run on a
    file without OAuth vocabulary does; such runs (and scans of such files) never pay for it.
    The names are bound as globals of this module so that the code below reads as usual.
    """
    global cst
    global MetadataWrapper, PositionProvider
    global ForeignNode, ModuleContext
    global ModuleIndex, build_index
    global B64, ClassRef, DictV, Evaluator, FuncRef, SeqV, Text, V
    global _engine_ready
    if _engine_ready:
        return
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    from advisor.analysis.context import ForeignNode, ModuleContext
    from advisor.analysis.index import ModuleIndex, build_index
    from advisor.analysis.values import B64, ClassRef, DictV, Evaluator, FuncRef, SeqV, Text, V

    _engine_ready = True


# Stage 1: OAuth/credential vocabulary. A file without any of these words cannot contain an
# OAuth client interaction, a client secret passed by role, or an insecure-transport override.
VOCABULARY = re.compile(
    rb"oauth|client_secret|client_id|grant_type|fetch_token|token_url|access_token|"
    rb"refresh_token|authorization|basic|msal|authlib|token_endpoint|response_type|"
    rb"code_challenge|insecure_transport|acquire_token|clientsecret|client_credential",
    re.IGNORECASE,
)
# The same words searched in lower-cased bytes: for an alternation of plain ASCII words this is
# equivalent to the IGNORECASE search and about eight times faster in CPython's regex engine.
_VOCABULARY_FOLDED = re.compile(VOCABULARY.pattern.lower())
# While the pattern is a bare list of words, substring tests are faster still (about 2.5x).
_VOCABULARY_WORDS = (
    tuple(_VOCABULARY_FOLDED.pattern.split(b"|"))
    if re.fullmatch(rb"[a-z0-9_]+(?:\|[a-z0-9_]+)*", _VOCABULARY_FOLDED.pattern)
    else None
)
NO_VOCABULARY = "no OAuth vocabulary"

# Stage 2: the usage detectors need an HTTP or OAuth library imported, or the raw protocol
# words that a hand-written token request cannot do without.
# urllib is imported all over code that sends nothing (``urllib.parse``, ``url2pathname``), so it
# counts only where a request is made: ``urlopen(...)`` or ``Request(...)``.
LIBRARY_IMPORT = re.compile(
    rb"^[ \t]*(?:from|import)[ \t]+(?:requests|httpx|aiohttp|urllib2|urllib3|"
    rb"requests_oauthlib|oauthlib|authlib|msal|google_auth_oauthlib|httpx_oauth|"
    rb"oauth2client|requests_oauth2client)\b"
    rb"|urlopen|\bRequest\(",
    re.MULTILINE,
)
PROTOCOL_WORDS = re.compile(
    rb"grant_type|response_type|INSECURE_TRANSPORT|fetch_token|authorization_url|"
    rb"authorize_access_token|fetch_access_token|authorize_redirect|acquire_token_"
)

# Detector modules, each with ROOTS (import roots that make it relevant) and detect(ctx).
DETECTORS = (
    "advisor.detectors.requests_oauthlib",
    "advisor.detectors.oauthlib_direct",
    "advisor.detectors.authlib",
    "advisor.detectors.msal",
    "advisor.detectors.httpx_oauth",
    "advisor.detectors.client_libraries",
    "advisor.detectors.raw_http",
    "advisor.detectors.transport",
    # last: it only adds literals that no role-based detector reported
    "advisor.detectors.named_secrets",
)


def _load_detectors() -> list:
    mods = []
    for name in DETECTORS:
        try:
            mods.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return mods


_DETECTOR_MODULES: list | None = None


def detector_modules() -> list:
    global _DETECTOR_MODULES
    if _DETECTOR_MODULES is None:
        _DETECTOR_MODULES = _load_detectors()
    return _DETECTOR_MODULES


def module_name_for(path: Path, packages: dict[Path, tuple[str, ...]] | None = None) -> str:
    """Dotted module name, following __init__.py files upwards.

    ``packages`` memoises the package of each directory over many files of one scan.
    """
    path = path.resolve()
    parts = _package_of(path.parent, {} if packages is None else packages)
    if path.stem != "__init__":
        parts = (*parts, path.stem)
    return ".".join(parts)


def _package_of(d: Path, memo: dict[Path, tuple[str, ...]]) -> tuple[str, ...]:
    known = memo.get(d)
    if known is None:
        if d.parent != d and (d / "__init__.py").exists():
            known = (*_package_of(d.parent, memo), d.name)
        else:
            known = ()
        memo[d] = known
    return known


@dataclass
class _Loaded:
    path: str
    module: cst.Module
    index: ModuleIndex
    evaluator: Evaluator
    digest: str = ""
    positions: object | None = None


class Project:
    """The scanned files by module name, for constants imported across modules.

    A module is parsed on demand (even when the prefilter skipped it in the main pass) the first
    time another module imports a constant from it.
    """

    def __init__(self, modules: dict[str, Path]) -> None:
        self._modules: dict[str, Path] | None = modules
        self._files: list[Path] = []
        # insertion-ordered: the oldest loaded modules are dropped first (see ``trim``)
        self._loaded: dict[str, _Loaded | None] = {}
        self._node_owner: dict[int, _Loaded] = {}
        self._resolving: set[str] = set()
        self._texts: dict[str, bytes] = {}
        self._roots: list[tuple[Path, frozenset[str]]] | None = None
        self._absent: set[str] = set()
        # display path -> digest of every module a resolution read, since the last reset
        self.used: dict[str, str] = {}

    @classmethod
    def from_files(cls, files: list[Path]) -> Project:
        # The module table is built on the first cross-module lookup: most scans never make one,
        # and building it costs a few file-system calls per scanned file in every worker.
        project = cls({})
        project._modules = None
        project._files = list(files)
        return project

    @property
    def modules(self) -> dict[str, Path]:
        if self._modules is None:
            self._modules = self._module_table(self._files)
        return self._modules

    @modules.setter
    def modules(self, value: dict[str, Path]) -> None:
        self._modules = value

    def path_of(self, modname: str) -> Path | None:
        """The file of a project module: a scanned one, else one beside the scanned files.

        pre-commit passes only the files that changed; a constant imported from an unchanged
        ``settings.py`` must resolve as it does when the whole tree is scanned. Modules are
        looked for only under the source roots of the scanned files (the directory above each
        one's top-level package), never on ``sys.path``.
        """
        path = self.modules.get(modname)
        if path is not None or not modname or modname in self._absent:
            return path
        parts = modname.split(".")
        if not all(p.isidentifier() for p in parts):
            return None
        for root, names in self._source_roots():
            if parts[0] not in names and parts[0] + ".py" not in names:
                # a namespace package (PEP 420: no __init__.py), as ``google/`` of
                # ``google.oauth2``: its directory is the root found for its subpackages
                if root.name != parts[0] or len(parts) < 2:
                    continue  # one listing per root, not a stat per root and module name
                root = root.parent
            for candidate in (
                root.joinpath(*parts[:-1], parts[-1] + ".py"),
                root.joinpath(*parts, "__init__.py"),
            ):
                try:
                    if candidate.is_file():
                        self.modules[modname] = candidate
                        return candidate
                except OSError:
                    continue
        self._absent.add(modname)
        return None

    def _source_roots(self) -> list[tuple[Path, frozenset[str]]]:
        if self._roots is None:
            roots: dict[Path, frozenset[str]] = {}
            packages: dict[Path, tuple[str, ...]] = {}
            cwd = Path.cwd()
            for directory in dict.fromkeys(f.parent for f in self._files):
                try:
                    absolute = directory.resolve()
                    depth = len(_package_of(absolute, packages))
                except (OSError, RuntimeError):
                    continue
                root = absolute.parents[depth - 1] if depth else absolute
                with contextlib.suppress(ValueError):  # shown like the scanned files
                    root = root.relative_to(cwd)
                if root not in roots:
                    try:
                        roots[root] = frozenset(os.listdir(root))
                    except OSError:
                        continue
            self._roots = list(roots.items())
        return self._roots

    @staticmethod
    def _module_table(files: list[Path]) -> dict[str, Path]:
        mods: dict[str, Path] = {}
        packages: dict[Path, tuple[str, ...]] = {}
        for f in files:
            try:
                name = module_name_for(f, packages)
            except OSError:
                continue
            mods.setdefault(name, f)
            # also index by the short name for flat script directories
            mods.setdefault(f.stem, f)
        return mods

    def _load(self, modname: str) -> _Loaded | None:
        _import_engine()
        if modname in self._loaded:
            hit = self._loaded.pop(modname)
            self._loaded[modname] = hit  # most recently used last
            return hit
        self._loaded[modname] = None
        path = self.path_of(modname)
        if path is None:
            return None
        src = read_source(path)
        if isinstance(src, FileError):
            return None
        module = parse(src.text, src.display_path)
        if isinstance(module, FileError):
            return None
        try:
            index = build_index(module, modname)
        except (RecursionError, ValueError):
            return None
        loaded = _Loaded(src.display_path, module, index, None, src.digest)  # type: ignore[arg-type]
        loaded.evaluator = Evaluator(index, self.resolver_for(), self.class_for)
        self._loaded[modname] = loaded
        return loaded

    def resolver_for(self):  # noqa: ANN201
        def resolve(qualname: str) -> V | None:
            if qualname in self._resolving:
                return None
            mod, _, attr = qualname.rpartition(".")
            if not mod:
                return None
            if not self._may_define(mod, attr):
                return None
            loaded = self._load(mod)
            if loaded is None:
                return None
            info = loaded.index.scopes.get(id(loaded.module))
            if info is None or attr not in info.bindings:
                return None
            self._resolving.add(qualname)
            try:
                b = info.bindings[attr][-1]
                if b.kind == "class" and isinstance(b.value, cst.ClassDef):
                    # a project subclass of a library client acts as its library base, and its
                    # methods and attributes are read where it is defined
                    base = loaded.evaluator.class_base_qualname(b.value)
                    self.used[loaded.path] = loaded.digest
                    return ClassRef(b.value, base, loaded.evaluator)
                if b.kind == "def" and isinstance(b.value, cst.FunctionDef):
                    self.used[loaded.path] = loaded.digest
                    return FuncRef(
                        b.value, None, loaded.evaluator, lambda out: self._own(loaded, out)
                    )
                if b.kind not in ("assign",):
                    return None
                v = loaded.evaluator.eval(b.value)
                self._own(loaded, v)
                self.used[loaded.path] = loaded.digest
                return v
            finally:
                self._resolving.discard(qualname)

        return resolve

    def class_for(self, qualname: str) -> tuple[cst.ClassDef, Evaluator] | None:
        """The definition of a class of another project module, with that module's evaluator."""
        mod, _, attr = qualname.rpartition(".")
        if not mod or not self._may_define(mod, attr):
            return None
        loaded = self._load(mod)
        if loaded is None:
            return None
        info = loaded.index.scopes.get(id(loaded.module))
        bindings = info.bindings.get(attr) if info is not None else None
        if not bindings or bindings[-1].kind != "class":
            return None
        node = bindings[-1].value
        if not isinstance(node, cst.ClassDef):
            return None
        self.used[loaded.path] = loaded.digest
        return node, loaded.evaluator

    def _may_define(self, modname: str, attr: str) -> bool:
        """Cheap text check before parsing a module: is ``attr`` assigned at its top level?

        Most attribute accesses on project modules are functions and classes; parsing a module
        for each would cost more than the whole file being analysed.
        """
        path = self.path_of(modname)
        if path is None or not attr.isidentifier():
            return False
        text = self._texts.get(modname)
        if text is None:
            try:
                text = path.read_bytes()
            except OSError:
                text = b""
            self._texts[modname] = text
        name = re.escape(attr.encode())
        pattern = (
            rb"^(?:"
            + name
            + rb"\s*(?::[^=\n]*)?=[^=]|(?:class|def|async\s+def)\s+"
            + name
            + rb"\b)"
        )
        return re.search(pattern, text, re.MULTILINE) is not None

    MAX_LOADED = 32

    def trim(self) -> None:
        """Forget the least recently used imported modules beyond ``MAX_LOADED``.

        Called between files, never during one (facts locate their literals while the file is
        analysed), so that a scan of tens of thousands of files keeps a bounded number of
        foreign parse trees alive.
        """
        excess = len(self._loaded) - self.MAX_LOADED
        if excess <= 0:
            return
        for name in list(self._loaded)[:excess]:
            gone = self._loaded.pop(name)
            if gone is not None:
                self._node_owner = {k: v for k, v in self._node_owner.items() if v is not gone}

    def _own(self, loaded: _Loaded, v: V, depth: int = 0) -> None:
        """Remember which module the literals inside a resolved value come from."""
        if depth > 6:
            return
        if isinstance(v, Text):
            for n in v.nodes:
                self._node_owner[id(n)] = loaded
            for p in v.holes:
                self._own(loaded, p, depth + 1)
        elif isinstance(v, DictV):
            for item in v.items.values():
                self._own(loaded, item, depth + 1)
        elif isinstance(v, SeqV):
            for item in v.items:
                self._own(loaded, item, depth + 1)
        elif isinstance(v, B64):
            self._own(loaded, v.inner, depth + 1)

    def foreign(self, node: cst.CSTNode) -> ForeignNode | None:
        _import_engine()
        loaded = self._node_owner.get(id(node))
        if loaded is None:
            return None

        def locate(n: cst.CSTNode) -> Span | None:
            if loaded.positions is None:
                loaded.positions = MetadataWrapper(loaded.module, unsafe_skip_copy=True).resolve(
                    PositionProvider
                )
            rng = loaded.positions.get(n)  # type: ignore[attr-defined]
            if rng is None:
                return None
            return Span(rng.start.line, rng.start.column, rng.end.line, rng.end.column)

        return ForeignNode(loaded.path, locate)


def parse(text: str, path: str) -> cst.Module | FileError:
    _import_engine()
    try:
        from advisor.analysis.parsing import parse_module  # hardened parser, when present
    except ImportError:
        parse_module = None
    if parse_module is not None:
        return parse_module(text, path)
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        return FileError(path, f"syntax error at {exc.raw_line}:{exc.raw_column}", "syntax")


def analyze_source(src: SourceFile, project: Project | None = None) -> FileFacts | FileError:
    data = src.text.encode("utf-8", "surrogatepass")
    skipped = skip_reason(data)
    if skipped is not None:
        return skipped_facts(src, skipped)
    return _analyze_prefiltered(src, project, data)


def _analyze_prefiltered(
    src: SourceFile, project: Project | None, data: bytes
) -> FileFacts | FileError:
    """``analyze_source`` for a file the prefilter has already let through (``data``: its bytes)."""
    from advisor.analysis.appkind import evidence_in_text

    facts = FileFacts(path=src.display_path)
    facts.app_evidence = evidence_in_text(src.display_path, src.text)
    _import_engine()
    protocol_words = PROTOCOL_WORDS.search(data) is not None
    module = parse(src.text, src.display_path)
    if isinstance(module, FileError):
        return module
    modname = module_name_for(src.path) if src.path.exists() else src.path.stem
    try:
        index = build_index(module, modname)
        project = project or Project({})
        project.trim()
        evaluator = Evaluator(index, project.resolver_for(), project.class_for)
        project.used = {}
        ctx = ModuleContext(src.display_path, module, index, evaluator, facts, project.foreign)
        ctx.text = src.text
        for det in detector_modules():
            roots = getattr(det, "ROOTS", None)
            # With protocol words in the text, the client may come from another project module
            # (a subclass, a shared session, a registry): run every detector.
            if roots and not protocol_words and not index.imports.imports_any(roots):
                continue
            det.detect(ctx)
    except RecursionError:
        return FileError(src.display_path, "nesting too deep to analyse", "limit")
    facts.depends_on = {p: d for p, d in project.used.items() if p != src.display_path}
    return facts


# Stage-2 trigger for files without an OAuth library import: a literal right after a name or a
# subscript key that can only mean a credential (see advisor/detectors/named_secrets.py).
LITERAL_AFTER_NAME = re.compile(
    rb"(?:client_?secret|access_token|refresh_token)[\"']?\]?\s*[:=]\s*[rRbBuU]*[\"']",
    re.IGNORECASE,
)
NO_LIBRARY = "no HTTP or OAuth library imported"


def skip_reason(data: bytes) -> str | None:
    """Why the prefilter lets a file go without a parse (None: it must be parsed).

    Plain text checks, no libcst: the engine runs them in the main process before deciding
    what to hand to workers.
    """
    if not has_vocabulary(data):
        return NO_VOCABULARY
    if (
        PROTOCOL_WORDS.search(data) is None
        and LITERAL_AFTER_NAME.search(data) is None
        and LIBRARY_IMPORT.search(data) is None
    ):
        return NO_LIBRARY
    return None


def has_vocabulary(data: bytes) -> bool:
    """Stage 1 of the prefilter (``VOCABULARY``, case-insensitive) on a file's bytes."""
    folded = data.lower()
    if _VOCABULARY_WORDS is not None:
        return any(word in folded for word in _VOCABULARY_WORDS)
    return _VOCABULARY_FOLDED.search(folded) is not None


def skipped_facts(src: SourceFile, reason: str) -> FileFacts:
    """The facts of a file the prefilter let go: the reason, and its application-kind evidence.

    The evidence is read from every file: a Flask or tkinter import says what kind of
    application the project is even in a module without a single OAuth word.
    """
    from advisor.analysis.appkind import evidence_in_text

    return FileFacts(
        path=src.display_path,
        skipped=reason,
        app_evidence=evidence_in_text(src.display_path, src.text),
    )


def analyze_file(src: SourceFile, project: Project | None = None) -> FileFacts | FileError:
    data = src.text.encode("utf-8", "surrogatepass")
    reason = skip_reason(data)
    if reason is not None:
        # Skipped by regular expressions alone: no worker thread (starting one per file cost
        # more than the search on a loaded machine) and no libcst import.
        return skipped_facts(src, reason)
    try:
        from advisor.analysis.parsing import guarded
    except ImportError:
        guarded = None
    if guarded is not None:
        return guarded(src.display_path, _analyze_prefiltered, src, project, data)
    try:
        return _analyze_prefiltered(src, project, data)
    except Exception as exc:  # one bad file never stops the run
        return FileError(
            src.display_path, f"internal error: {type(exc).__name__}: {exc}", "internal"
        )


def analyze_text(text: str, path: str = "snippet.py") -> FileFacts | FileError:
    """Analyse source text (tests, editors)."""
    import hashlib

    src = SourceFile(
        Path(path),
        display_path(Path(path)),
        text,
        hashlib.blake2b(text.encode(), digest_size=16).hexdigest(),
    )
    return analyze_file(src, None)
