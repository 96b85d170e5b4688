"""Ctrl-C and SIGTERM in the middle of a run: exit 130, and no folder left behind."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.hardening import corpus

ROOT = Path(__file__).resolve().parents[2]


def _wait_for_staging(out, process, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if out.exists() and any(".partial-" in p.name for p in out.iterdir()):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("signum, n_jobs", [(signal.SIGINT, 1), (signal.SIGTERM, 2)],
                         ids=["SIGINT", "SIGTERM"])
def test_signal_mid_run_exits_130_and_cleans_up(tmp_path, signum, n_jobs):
    data = corpus._csv(tmp_path, corpus.base_frame(n=6000))  # a random forest search of several seconds
    out, scratch = tmp_path / "runs", tmp_path / "tmp"
    scratch.mkdir()
    # A shell starts background jobs with SIGINT ignored, and a child inherits that (the
    # run then rightly carries on); Ctrl-C in a terminal reaches a run that handles it.
    # A handler here is reset to the default in the child, which then raises on SIGINT.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "cli.py"), "-q", "run", "--data", str(data), "--target", "label",
             "--models", "rf", "--n-jobs", str(n_jobs), "--out", str(out)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "TMPDIR": str(scratch)},  # to see that temporary files go too
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        assert _wait_for_staging(out, process), "the run never started writing"
        time.sleep(0.5)  # well inside the model search
        assert process.poll() is None, "the run finished before it could be interrupted"
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, stderr
    assert "Interrupted; nothing was left half-written." in stderr and "Traceback" not in stderr
    assert stdout == ""
    assert sorted(p.name for p in out.iterdir()) == []  # no run folder, no staging folder
    assert sorted(p.name for p in scratch.iterdir()) == []  # nor the fit cache
