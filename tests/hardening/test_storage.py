"""The machine refuses a write: a full disk and a read-only file system exit 74, naming the path.

The faults are real: a small tmpfs filled up, and one mounted read-only. Mounting
needs root (or CAP_SYS_ADMIN), which CI has; elsewhere these tests are skipped
with the reason.
"""

import subprocess
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.errors import EXIT_IOERR
from tests.conftest import make_mixed_frame


def _mount_tmpfs(point, options):
    point.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],
                              capture_output=True, text=True)
    except FileNotFoundError:
        pytest.skip("cannot mount a tmpfs here: no mount command")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")


@pytest.fixture
def small_csv(tmp_path):
    path = tmp_path / "small.csv"
    make_mixed_frame(n=200).to_csv(path, index=False)
    return path


@pytest.fixture
def mounted(tmp_path):
    """Mount tmpfs file systems under tmp_path; unmount them afterwards."""
    points = []

    def mount(name, options):
        point = tmp_path / name
        _mount_tmpfs(point, options)
        points.append(point)
        return point

    yield mount
    for point in points:
        subprocess.run(["umount", "-l", str(point)], check=False)


def _fill(disk, leave_bytes):
    """Fill the file system at ``disk`` until only ``leave_bytes`` are free."""
    free = _free(disk)
    with open(disk / "filler", "wb") as handle:
        handle.write(b"\0" * max(0, free - leave_bytes))
    return disk / "filler"


def _free(disk):
    import shutil

    return shutil.disk_usage(disk).free


def _run(data, out, capsys):
    code = main(["-q", "run", "--data", str(data), "--target", "label", "--models", "logreg",
                 "--n-jobs", "1", "--cv", "2", "--out", str(out)])
    return code, capsys.readouterr()


def test_full_disk_exits_74_naming_the_folder_and_leaves_nothing(mounted, small_csv, capsys):
    disk = mounted("disk", "size=1m")
    filler = _fill(disk, leave_bytes=64 * 1024)  # the log fits, the model and report do not
    code, output = _run(small_csv, disk / "runs", capsys)
    assert code == EXIT_IOERR, output.err
    assert "No space left on device" in output.err and str(disk / "runs") in output.err
    assert "--out" in output.err and "bug" not in output.err and "Traceback" not in output.err
    assert output.out == ""
    assert sorted(p.name for p in disk.iterdir()) == ["filler", "runs"]
    assert list((disk / "runs").iterdir()) == []  # the staging folder went
    filler.unlink()
    assert _free(disk) > 900 * 1024  # nothing half-written holds space


def test_read_only_folder_exits_74_for_run_and_predict(mounted, small_csv, tmp_path, capsys):
    disk = mounted("readonly", "size=1m,ro")
    code, output = _run(small_csv, disk / "runs", capsys)
    assert code == EXIT_IOERR, output.err
    assert "Read-only file system" in output.err and str(disk / "runs") in output.err
    assert "writable folder (--out)" in output.err and "Traceback" not in output.err

    code, output = _run(small_csv, tmp_path / "runs", capsys)
    assert code == 0, output.err
    model = Path(output.out.strip()) / "model"
    code = main(["-q", "predict", "--model", str(model), "--data", str(small_csv),
                 "--out", str(disk / "predictions.csv")])
    err = capsys.readouterr().err
    assert code == EXIT_IOERR, err
    assert "Read-only file system" in err and str(disk) in err
    assert list(disk.iterdir()) == []
