"""Processes killed outright (``kill -9``, the out-of-memory killer): nothing outlives them.

A run killed with SIGKILL cannot clean up after itself. Its worker processes and
joblib's resource trackers must still end within seconds, its fit cache must sit
inside its staging folder (never in the system's temporary folder), and the next
run must remove the staging folder. A worker killed by the system is exit 75.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from pipeline.cli import main
from pipeline.errors import EXIT_TEMPFAIL, environment_fault
from tests.conftest import make_mixed_frame
from tests.hardening import corpus

ROOT = Path(__file__).resolve().parents[2]
# Workers check their parent twice a second; trackers end once the workers are gone.
_OUTLIVE_S = 10.0


def _start_run(tmp_path, n_rows, *extra):
    data = corpus._csv(tmp_path, corpus.base_frame(n=n_rows))
    out, scratch = tmp_path / "runs", tmp_path / "tmp"
    scratch.mkdir()
    # Files, not pipes: a pipe stays open while any child holds it, and whether the
    # children end is what is tested, not something to wait on.
    with open(tmp_path / "stderr.txt", "w") as stderr:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "cli.py"), "-q", "run", "--data", str(data), "--target", "label",
             "--models", "rf", "--n-jobs", "2", "--out", str(out), *extra],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr, env={**os.environ, "TMPDIR": str(scratch)},
        )
    return process, out, scratch


def _staging(out):
    return [p for p in out.iterdir() if ".partial-" in p.name] if out.exists() else []


def _wait_for(condition, process, timeout=240.0, poll=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if condition():
            return True
        time.sleep(poll)
    return False


def _searching(out):
    """The fits have started, with the fit cache inside the staging folder."""
    return any(any(p.name.startswith("dmflow-cache-") for p in s.iterdir())
               and "Searching" in (s / "run.log").read_text() for s in _staging(out))


def _writing(out):
    """The run is writing its folder: config.yaml, its first file, is there (the model and report follow)."""
    return any((s / "config.yaml").exists() for s in _staging(out))


def _ended(process, tmp_path):
    """Why a run ended before the moment a test waited for."""
    if process.poll() is None:
        return "the run never reached that moment"
    return f"the run ended first (exit {process.returncode}): {(tmp_path / 'stderr.txt').read_text()[-2000:]}"


def _kill(process):
    if process.poll() is None:
        process.kill()
    process.wait()


@pytest.mark.parametrize("moment, n_rows, extra", [(_searching, 6000, ()),
                                                  (_writing, 6000, ("--cv", "2", "--n-candidates", "1"))],
                         ids=["search", "writing"])
def test_kill_9_leaves_nothing_that_outlives_the_run(tmp_path, moment, n_rows, extra, capsys):
    process, out, scratch = _start_run(tmp_path, n_rows, *extra)
    try:
        # the workers start once the fits run in the run's own process took a second (START_AFTER_S)
        assert _wait_for(lambda: len(psutil.Process(process.pid).children(recursive=True)) >= 2, process), \
            _ended(process, tmp_path)
        assert _wait_for(lambda: moment(out), process), _ended(process, tmp_path)
        if moment is _searching:
            time.sleep(1.0)  # well inside the fits
        family = psutil.Process(process.pid).children(recursive=True)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        _kill(process)
    assert process.returncode == -signal.SIGKILL
    _, alive = psutil.wait_procs(family, timeout=_OUTLIVE_S)
    assert alive == [], [" ".join(p.cmdline()) for p in alive]
    assert os.listdir(scratch) == []  # the fit cache was never in the temporary folder
    (left,) = _staging(out)  # all that is left: the staging folder, removed by the next run

    make_mixed_frame(n=120).to_csv(tmp_path / "next.csv", index=False)
    code = main(["-q", "run", "--data", str(tmp_path / "next.csv"), "--target", "label",
                 "--models", "logreg", "--n-jobs", "1", "--cv", "2", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    (finished,) = out.iterdir()
    assert not finished.name.startswith(".")
    assert f"Removed {left}, left behind by a process that was killed" in err


def _killed_by_the_system():
    os.kill(os.getpid(), signal.SIGKILL)  # what the out-of-memory killer does to a worker


def test_worker_killed_by_the_system_is_exit_75():
    from joblib import Parallel, delayed
    from joblib.externals.loky.process_executor import TerminatedWorkerError

    with pytest.raises(TerminatedWorkerError) as caught:
        Parallel(n_jobs=2)(delayed(_killed_by_the_system)() for _ in range(2))
    code, message = environment_fault(caught.value)
    assert code == EXIT_TEMPFAIL
    assert "killed by the operating system" in message and "memory" in message and "--n-jobs 1" in message
    try:  # as the search re-raises it
        raise RuntimeError("search failed") from caught.value
    except RuntimeError as wrapped:
        assert environment_fault(wrapped) == (code, message)


def test_predict_removes_partial_files_of_killed_predicts(tmp_path, capsys):
    make_mixed_frame(n=120).to_csv(tmp_path / "rows.csv", index=False)
    assert main(["-q", "run", "--data", str(tmp_path / "rows.csv"), "--target", "label", "--models", "logreg",
                 "--n-jobs", "1", "--cv", "2", "--out", str(tmp_path / "runs")]) == 0
    model = Path(capsys.readouterr().out.strip()) / "model"
    # the tag of a real process that has exited, as a predict killed while writing leaves it
    done = subprocess.run([sys.executable, "-c", "from pipeline.rundir import owner_tag; print(owner_tag())"],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    orphan = tmp_path / f".preds.csv.{done.stdout.strip()}abc123.partial"
    orphan.write_text("prediction\nyes\n")
    other = tmp_path / f".other.csv.{done.stdout.strip()}abc123.partial"  # another output's: not touched
    other.write_text("prediction\n")
    assert main(["-q", "predict", "--model", str(model), "--data", str(tmp_path / "rows.csv"),
                 "--out", str(tmp_path / "preds.csv")]) == 0
    assert not orphan.exists() and other.exists()
    assert (tmp_path / "preds.csv").is_file()
