"""The command line when a user is unlucky: Ctrl-C, huge CSV fields, one-line corpora, many large files.
Real processes, real signals, memory measured by the kernel (a bound, not a timing)."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from translit.batch import _pieces

ROOT = Path(__file__).resolve().parent.parent
FILLER = ("the delegation arrived late in the evening and the talks went on until morning, "
          "when the communique was read out to the press; ")


def translit(*args):
    return [sys.executable, "-m", "translit", *args]


def run(args, env, **kw):
    return subprocess.run(translit(*args), capture_output=True, env=env, timeout=600, **kw)


# A tiny launcher: the peak RSS the kernel reports for a child counts what its parent held when it
# forked, so the measured command is started from this small process, not from pytest or a bench.
_LAUNCHER = (
    "import os, subprocess, sys\n"
    "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "_, status, usage = os.wait4(p.pid, 0)\n"
    "print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)\n"
)


def peak_rss_mib(args, env, cwd=None) -> tuple[int, float]:
    """Exit status and peak resident memory (MiB) of a command and the processes it waited for."""
    r = subprocess.run([sys.executable, "-c", _LAUNCHER, *args], capture_output=True, text=True, env=env, cwd=cwd,
                       timeout=600, check=True)
    rc, kib = r.stdout.split()
    return int(rc), int(kib) / 1024


def _spawn_and_wait_for_part(args, env, out: Path, tmpdir: Path | None = None):
    """Start a normalization and return once its temporary output file has data in it."""
    proc = subprocess.Popen(translit(*args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 300
    while True:
        parts = [p for p in out.parent.glob(f".{out.name}.*.part") if p.stat().st_size > 0]
        if parts:
            return proc
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "no output was started"
        time.sleep(0.05)


@pytest.fixture()
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    para = "Khrushchev met Tito at Brioni; Kardelj and Mikoyan listened. " + FILLER * 3
    path.write_text((para + "\n\n") * 40_000)  # about 17 MB
    return path


def test_sigint_exits_130_and_leaves_the_old_output(corpus, tmp_path, cli_env):
    out = tmp_path / "out.xml"
    out.write_text("the previous, complete output\n")
    proc = _spawn_and_wait_for_part(["--no-db", "normalize", "--format", "tei", "-o", str(out), str(corpus)],
                                    cli_env, out)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert "interrupted" in err and "Traceback" not in err
    assert out.read_text() == "the previous, complete output\n"
    assert list(tmp_path.glob(".out.xml.*")) == []


def test_sigint_with_jobs_ends_the_workers_and_their_spool(corpus, tmp_path, cli_env):
    second = tmp_path / "second.txt"
    second.write_bytes(corpus.read_bytes())
    spool = tmp_path / "tmp"
    spool.mkdir()
    env = dict(cli_env, TMPDIR=str(spool))
    out = tmp_path / "out.jsonl"
    proc = _spawn_and_wait_for_part(["--no-db", "normalize", "--format", "spans", "-j", "2", "-o", str(out),
                                     str(corpus), str(second)], env, out)
    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(proc.pid)], capture_output=True, text=True)
    workers = [int(x) for x in children.stdout.split()]
    assert workers
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    proc.stderr.close()
    assert not out.exists() and list(tmp_path.glob(".out.jsonl.*")) == []
    assert list(spool.iterdir()) == []  # the spool directory is gone
    for pid in workers:  # and so are the workers
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


def test_output_file_is_complete_and_equals_stdout(tmp_path, cli_env):
    text = tmp_path / "a.txt"
    text.write_text("Khrushchev met Tito.\n\nNagy Imrének írt Hruscsov.\n")
    for fmt in ("text", "spans", "tei"):
        out = tmp_path / f"out.{fmt}"
        r = run(["--no-db", "normalize", "--format", fmt, "-o", str(out), str(text)], cli_env)
        assert r.returncode == 0 and r.stdout == b""
        stdout = run(["--no-db", "normalize", "--format", fmt, str(text)], cli_env).stdout
        assert out.read_bytes() == stdout and stdout
        assert (out.stat().st_mode & 0o777) == (0o666 & ~_umask())
    r = run(["--no-db", "normalize", "-o", str(tmp_path / "no" / "such" / "dir.txt"), str(text)], cli_env)
    assert r.returncode == 2 and b"no such directory" in r.stderr


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_bad_input_in_a_worker_is_an_error_with_jobs(tmp_path, cli_env):
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text("Tito.\n")
    bad.write_bytes(b"Tito \xff\n")
    out = tmp_path / "out.txt"
    r = run(["--no-db", "normalize", "-j", "2", "-o", str(out), str(good), str(bad)], cli_env)
    assert r.returncode == 2 and b"bad.txt line 1: invalid UTF-8 at byte offset 5" in r.stderr
    assert b"Traceback" not in r.stderr and not out.exists()


def test_csv_field_over_the_limit_is_a_clear_error(tmp_path, cli_env):
    big = "x" * 200_000
    imp = tmp_path / "variants.csv"
    imp.write_text(f"id,form,kind,source\nkhrushchev-nikita,Chrusjtsjov,spelling,a\nkhrushchev-nikita,\"{big}\",spelling,b\n")
    r = run(["tables", "import", str(imp)], cli_env)
    err = r.stderr.decode()
    assert r.returncode == 2 and "line 3" in err and "131,072 characters" in err and "Traceback" not in err
    assert b"Chrusjtsjov" not in run(["variants", "khrushchev-nikita"], cli_env).stdout  # nothing imported
    names = tmp_path / "names.csv"
    names.write_text(f"name,note\nHruscsov,ok\nTito,\"{big}\n")  # an unclosed quote swallows the rest
    out = tmp_path / "out.csv"
    r = run(["--no-db", "normalize", "--format", "csv", "--column", "name", "-o", str(out), str(names)], cli_env)
    err = r.stderr.decode()
    assert r.returncode == 2 and "names.csv line" in err and "csv module's limit" in err and "Traceback" not in err
    assert not out.exists()


def test_long_lines_are_cut_at_whitespace():
    import io

    line = ("Khrushchev met Tito " * 200).encode()
    pieces = list(_pieces(io.BytesIO(line + b"\nshort\n"), limit=256))
    assert b"".join(pieces) == line + b"\nshort\n"  # nothing lost
    assert len(pieces) > 10 and all(len(p) <= 512 for p in pieces)
    assert all(p.endswith((b" ", b"\n")) for p in pieces)  # cut after a space: words stay whole
    assert pieces[-1] == b"short\n"
    word = "Хрущёв".encode() * 100  # no space at all: cut between characters, never inside one
    pieces = list(_pieces(io.BytesIO(word), limit=255))
    assert b"".join(pieces) == word and len(pieces) > 3
    for p in pieces:
        p.decode("utf-8")


@pytest.mark.slow
def test_one_line_40_mb_file_in_bounded_memory(tmp_path, cli_env):
    """The issue's case: a 40 MB file without a newline took 530 MB; it is now read in pieces cut at
    whitespace.  A 4 MB one-line file is the baseline: the 10x larger file may not cost much more."""
    unit = "Khrushchev met Tito at Brioni. " + FILLER * 10
    small, big = tmp_path / "small.txt", tmp_path / "big.txt"
    small.write_text(unit * (4_000_000 // len(unit)))
    big.write_text(unit * (40_000_000 // len(unit)))
    assert b"\n" not in big.read_bytes()
    args = ["--no-db", "normalize", "--format", "spans"]
    rc_small, rss_small = peak_rss_mib(translit(*args, str(small)), cli_env)
    rc_big, rss_big = peak_rss_mib(translit(*args, str(big)), cli_env)
    print(f"one-line file peak RSS: 4 MB -> {rss_small:.0f} MiB, 40 MB -> {rss_big:.0f} MiB")
    assert rc_small == rc_big == 0
    assert rss_big < rss_small + 40 and rss_big < 150


@pytest.mark.slow
def test_jobs_stream_their_output(tmp_path, cli_env):
    """With --jobs 2 each worker spools its file's output to disk and the parent streams it out: the
    output of two files (here 2 x ~180 MB of spans) is never held in memory."""
    text = ("Tito. Kardelj. Khrushchev. Mikoyan. Nagy Imre. Gerő. " * 20 + "\n\n") * 10_000
    files = []
    for name in ("a.txt", "b.txt"):
        f = tmp_path / name
        f.write_text(text)
        files.append(str(f))
    out = tmp_path / "out.jsonl"
    rc, rss = peak_rss_mib(translit("--no-db", "normalize", "--format", "spans", "-j", "2", "-o", str(out), *files),
                           cli_env)
    size = out.stat().st_size / 2**20
    print(f"--jobs 2: {size:.0f} MiB of spans, peak RSS {rss:.0f} MiB")
    assert rc == 0 and size > 300
    assert rss < 150 < size


def test_progress_bar_by_bytes_for_one_file(tmp_path, cli_env):
    """On a terminal a single large file gets a progress bar, counted in bytes."""
    f = tmp_path / "one.txt"
    f.write_text(("Tito met Kardelj. " + FILLER + "\n") * 20_000)  # about 3 MB
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal has a size
    proc = subprocess.Popen(translit("--no-db", "normalize", "-o", str(tmp_path / "out.txt"), str(f)),
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave, env=cli_env)
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            break
        try:
            data = os.read(master, 4096)
        except OSError:  # the terminal closed: the process has ended
            break
        if not data:
            break
        seen += data
    os.close(master)
    assert proc.wait(timeout=60) == 0
    text = seen.decode(errors="replace")
    assert "normalize" in text and "100%" in text, text[-500:]
    assert "M/" in text or "MB" in text or "k/" in text or "B/s" in text, text[-500:]  # units are bytes
