import logging

import pytest

from pipeline.rundir import run_folder


def test_complete_run_is_renamed_into_place(tmp_path):
    with run_folder(tmp_path, "run") as holder:
        (holder.staging / "metrics.json").write_text("{}")
        logging.getLogger("pipeline.test").info("hello log")
    assert holder.path == tmp_path / "run"
    assert "hello log" in (holder.path / "run.log").read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_existing_run_is_never_overwritten(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "keep.txt").write_text("old")
    with run_folder(tmp_path, "run") as holder:
        (holder.staging / "new.txt").write_text("new")
    assert holder.path.name == "run-2"
    assert (tmp_path / "run" / "keep.txt").read_text() == "old"


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_failure_or_interrupt_leaves_nothing(tmp_path, error):
    with pytest.raises(type(error)):
        with run_folder(tmp_path, "run") as holder:
            (holder.staging / "half.txt").write_text("half")
            raise error
    assert list(tmp_path.iterdir()) == []


def test_finished_run_folder_follows_the_umask(tmp_path):
    import os

    previous = os.umask(0o022)
    try:
        with run_folder(tmp_path, "run") as holder:
            pass
    finally:
        os.umask(previous)
    assert oct(holder.path.stat().st_mode & 0o777) == oct(0o755)
