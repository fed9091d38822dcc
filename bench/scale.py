"""Scale run: tens of thousands of files, peak memory and time, with /usr/bin/time -v.

    python bench/scale.py [--copies N]

Builds ``bench/work/scale/`` from N copies (default 12, about 21,000 files) of the standard
library of the interpreter running this script, each copy under its own directory, and runs
``treddy-advisor check`` on it cold (no cache) with the default worker count, under
``/usr/bin/time -v``. Prints files, wall time, files per second and the peak resident memory of
the largest single process (a worker or the main process).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "work" / "scale"


def build(copies: int) -> int:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    (WORK / ".git").mkdir()  # so that this repository's .gitignore (bench/work/) does not apply
    count = 0
    for i in range(copies):
        dest = WORK / f"copy{i:02d}"
        for src in stdlib.rglob("*.py"):
            rel = src.relative_to(stdlib)
            if rel.parts[0] in ("site-packages", "test", "idlelib", "lib2to3"):
                continue
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
            count += 1
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=12)
    args = parser.parse_args()
    files = build(args.copies)
    time_bin = shutil.which("time") if not Path("/usr/bin/time").exists() else "/usr/bin/time"
    cmd = [
        sys.executable,
        "-m",
        "advisor",
        "check",
        ".",
        "--no-cache",
        "--isolated",
        "-q",
        "--exit-zero",
    ]
    if time_bin:
        cmd = [time_bin, "-v", *cmd]
    proc = subprocess.run(cmd, cwd=WORK, capture_output=True, text=True, env=os.environ.copy())
    err = proc.stderr
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", err)
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    seconds = None
    if wall:
        h = int(wall.group(1) or 0)
        seconds = h * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    print(f"files: {files} ({args.copies} copies of the standard library)")
    if seconds is not None:
        print(f"wall: {seconds:.1f} s, {files / seconds:.0f} files/s")
    if peak:
        print(f"peak resident memory (largest process): {int(peak.group(1)) / 1024:.0f} MiB")
    print(f"exit status: {proc.returncode}")
    return 0 if proc.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
