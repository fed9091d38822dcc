"""The progress line: a file count, a bar and an ETA in bytes, the slow file named.

A fake clock drives it; nothing here reads real time."""

from __future__ import annotations

import io

from advisor.progress import Progress


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def bar(total: int, clock: Clock) -> Progress:
    return Progress(total, io.StringIO(), clock=clock, width=200, tick=None)


def test_counts_files_answered_without_analysis() -> None:
    clock = Clock()
    p = bar(1309, clock)
    p.advance(312)
    assert p.render().startswith("Analysing  312/1309 files")
    assert "ETA" not in p.render()  # nothing analysed yet: no rate to go by


def test_eta_comes_from_bytes_not_files() -> None:
    clock = Clock()
    p = bar(4, clock)
    # one large file and three small ones: a file-count ETA would say 3x the time spent
    p.analysing([("big.py", 900), ("a.py", 50), ("b.py", 25), ("c.py", 25)])
    clock.now += 9.0
    p.analysed()  # 900 bytes in 9 s: 100 B/s, 100 bytes left
    line = p.render()
    assert "1/4 files" in line
    assert "90%" in line
    assert "ETA 1 s" in line
    clock.now += 0.5
    p.analysed()
    assert "ETA 0 s" in p.render()  # 950 bytes in 9.5 s, 50 left


def test_names_the_file_waited_for_after_a_second() -> None:
    clock = Clock()
    p = bar(3, clock)
    p.analysing([("pkg/fast.py", 10), ("pkg/tests/test_slow.py", 10_000), ("pkg/z.py", 10)])
    clock.now += 0.2
    p.analysed()
    clock.now += 0.9
    assert "test_slow" not in p.render()  # under a second: not named
    clock.now += 3.0
    assert "(4 s on pkg/tests/test_slow.py)" in p.render()
    p.analysed()
    assert "test_slow" not in p.render()
    p.analysed()
    assert "3/3 files" in p.render() and "100%" in p.render()


def test_long_durations_and_narrow_terminals() -> None:
    clock = Clock()
    p = Progress(2, io.StringIO(), clock=clock, width=40, tick=None)
    p.analysing([("a" * 80 + ".py", 10), ("b.py", 10_000)])
    clock.now += 75
    line = p.render()
    assert len(line) <= 40 and line.endswith("…")
    p.width = 300
    assert "(1:15 on " in p.render()
    p.width = 80  # the path loses its beginning, not its file name
    assert p.render().endswith("aaaa.py)") and "(1:15 on …a" in p.render()


def test_draws_on_the_stream_and_ends_the_line() -> None:
    clock = Clock()
    out = io.StringIO()
    with Progress(2, out, clock=clock, width=100, tick=None) as p:
        p.advance()
        p.analysing([("x.py", 5)])
        p.analysed()
    text = out.getvalue()
    assert text.startswith("\r") and text.endswith("\n")
    assert "2/2 files" in text.splitlines()[-1]


def test_a_scan_reports_every_file(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from advisor import engine

    (tmp_path / "plain.py").write_text("x = 1\n")
    (tmp_path / "client.py").write_text(
        "import requests\n\n"
        "def token(cid, secret):\n"
        '    return requests.post("https://auth.example.com/oauth/token",\n'
        '                         data={"grant_type": "client_credentials"},\n'
        "                         auth=(cid, secret))\n"
    )
    out = io.StringIO()
    made: list[Progress] = []

    def progress(options, total):  # type: ignore[no-untyped-def]
        made.append(Progress(total, out, clock=Clock(), width=200, tick=None))
        return made[-1]

    monkeypatch.setattr(engine, "_progress", progress)
    engine.scan([tmp_path], engine.ScanOptions(use_cache=False, jobs=1))
    (p,) = made
    assert (p.files_done, p.total_files) == (2, 2)
    assert p.bytes_total == p.bytes_done == len((tmp_path / "client.py").read_text())
    assert out.getvalue().splitlines()[-1].lstrip("\r").startswith("Analysing 2/2 files")
