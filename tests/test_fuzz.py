"""The atheris fuzz targets of bench/fuzz.py, each run for a bounded time: no crash."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
FUZZ = Path(__file__).resolve().parent.parent / "bench" / "fuzz.py"


@pytest.mark.parametrize("target", ["normalize", "tables"])
def test_fuzz_target_does_not_crash(target):
    pytest.importorskip("atheris", reason="atheris (coverage-guided fuzzer) is not installed")
    r = subprocess.run([sys.executable, str(FUZZ), target, "-max_total_time=20", "-rss_limit_mb=2048"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Done" in r.stderr or "done" in r.stderr.lower()
