"""Ctrl-C and SIGTERM in the middle of a run: exit 130 / 143, and no folder left behind."""

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


@pytest.mark.parametrize("signum, n_jobs, code", [(signal.SIGINT, 1, 130), (signal.SIGTERM, 2, 143)],
                         ids=["SIGINT", "SIGTERM"])
def test_repeated_signals_mid_run_exit_with_the_signal_code_and_clean_up(tmp_path, signum, n_jobs, code):
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
        # an impatient user or a scheduler repeats the signal while the run cleans up
        for _ in range(3):
            process.send_signal(signum)
            time.sleep(0.2)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == code, stderr
    assert "Interrupted; nothing was left half-written." in stderr and "Traceback" not in stderr
    assert "Exception ignored" not in stderr
    assert stdout == ""
    assert sorted(p.name for p in out.iterdir()) == []  # no run folder, no staging folder
    assert sorted(p.name for p in scratch.iterdir()) == []  # nor the fit cache
