"""The pinned corpus: read corpus.toml, download each distribution from PyPI, verify, unpack.

Third-party code is only ever downloaded into tests/eval/work/ (gitignored); nothing of it is
committed. A distribution whose sha256 differs from the pinned one is refused, so the labels
always describe the exact code they were written against.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

EVAL_DIR = Path(__file__).resolve().parent
WORK_DIR = EVAL_DIR / "work"
DOWNLOAD_DIR = WORK_DIR / "dl"
SOURCE_DIR = WORK_DIR / "src"


@dataclass
class Package:
    name: str
    version: str
    kind: str  # "sdist" or "wheel"
    filename: str
    sha256: str
    root: str  # directory of the package root inside the unpacked archive ("." for wheels)
    scan: list[str]
    labels: Path
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    # "train": the analyzer may be changed to fix its misses; "test": frozen, scored and
    # reported, never tuned on (a studied miss moves the source to "train").
    split: str = "train"

    @property
    def archive(self) -> Path:
        return DOWNLOAD_DIR / self.filename

    @property
    def unpack_dir(self) -> Path:
        return SOURCE_DIR / f"{self.name}-{self.version}"

    @property
    def root_dir(self) -> Path:
        return (self.unpack_dir / self.root).resolve()


class CorpusError(Exception):
    pass


def load_corpus(path: Path = EVAL_DIR / "corpus.toml") -> list[Package]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    packages = []
    for entry in data["package"]:
        packages.append(
            Package(
                name=entry["name"],
                version=entry["version"],
                kind=entry.get("kind", "sdist"),
                filename=entry["filename"],
                sha256=entry["sha256"],
                root=entry.get("root", "."),
                scan=list(entry["scan"]),
                labels=EVAL_DIR / "labels" / f"{entry['name']}.toml",
                notes=entry.get("notes", ""),
                tags=list(entry.get("tags", [])),
                split=_split_of(entry),
            )
        )
    return packages


def _split_of(entry: dict) -> str:
    split = entry.get("split", "train")
    if split not in ("train", "test"):
        raise CorpusError(f"{entry['name']}: split must be 'train' or 'test', not {split!r}")
    return split


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download(pkg: Package) -> None:
    """Fetch the pinned distribution with pip (PyPI only), unless a verified copy is present."""
    if pkg.archive.exists() and sha256_of(pkg.archive) == pkg.sha256:
        return
    DOWNLOAD_DIR.mkdir(parents=True, exist_ok=True)
    # the sdist of this package only: its build dependencies may come as wheels (building
    # them from source too, as ``:all:`` asks, fails for some, e.g. maturin)
    binary_choice = ["--no-binary", pkg.name] if pkg.kind == "sdist" else ["--only-binary", ":all:"]
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--disable-pip-version-check",
        "--quiet",
        *binary_choice,
        "-d",
        str(DOWNLOAD_DIR),
        f"{pkg.name}=={pkg.version}",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0 or not pkg.archive.exists():
        raise CorpusError(
            f"{pkg.name}: pip download failed or produced no {pkg.filename}: "
            f"{proc.stderr.strip()[-400:]}"
        )


def verify(pkg: Package) -> None:
    actual = sha256_of(pkg.archive)
    if actual != pkg.sha256:
        raise CorpusError(
            f"{pkg.name}: sha256 mismatch for {pkg.filename}: pinned {pkg.sha256}, got {actual}"
        )


def unpack(pkg: Package) -> None:
    marker = pkg.unpack_dir / ".unpacked-sha256"
    if marker.exists() and marker.read_text().strip() == pkg.sha256:
        return
    if pkg.unpack_dir.exists():
        shutil.rmtree(pkg.unpack_dir)
    pkg.unpack_dir.mkdir(parents=True)
    if pkg.filename.endswith((".whl", ".zip")):
        with zipfile.ZipFile(pkg.archive) as zf:
            for member in zf.namelist():
                target = (pkg.unpack_dir / member).resolve()
                if not target.is_relative_to(pkg.unpack_dir.resolve()):
                    raise CorpusError(f"{pkg.name}: unsafe member {member!r} in archive")
            zf.extractall(pkg.unpack_dir)
    else:
        with tarfile.open(pkg.archive) as tf:
            # The "data" filter refuses absolute paths, links out of the tree and devices.
            try:
                tf.extractall(pkg.unpack_dir, filter="data")
            except TypeError:  # Python without extraction filters (before 3.10.12/3.11.4)
                tf.extractall(pkg.unpack_dir)  # noqa: S202 - pinned, hash-verified archive
    marker.write_text(pkg.sha256 + "\n")


def prepare(pkg: Package) -> Path:
    """Download, verify and unpack one package; returns its root directory."""
    download(pkg)
    verify(pkg)
    unpack(pkg)
    root = pkg.root_dir
    # Mark the unpacked tree as a repository root of its own, as a checkout would be: otherwise
    # the analyzer's discovery walks up to this repository and applies its .gitignore, which
    # ignores tests/eval/work/ and so every file of the corpus.
    (root / ".git").mkdir(exist_ok=True)
    missing = [p for p in pkg.scan if not (root / p).exists()]
    if missing:
        raise CorpusError(f"{pkg.name}: scan paths missing after unpacking: {missing}")
    return root
