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


def _finish_run_into_taken_name(root, marker, barrier):
    """A child process: stage a run, then rename it onto the name the other child takes too."""
    from pipeline import rundir

    real = rundir._unique_destination
    calls = []

    def same_name_for_both(root_, stem):
        calls.append(stem)
        if len(calls) == 1:
            barrier.wait(timeout=30)  # both children rename at the same moment
            return root_ / stem  # as if each had checked the name before the other took it
        return real(root_, stem)

    rundir._unique_destination = same_name_for_both
    with rundir.run_folder(root, "run") as holder:
        (holder.staging / "who.txt").write_text(marker)


def test_two_runs_finishing_into_one_name_both_survive(tmp_path):
    import multiprocessing

    context = multiprocessing.get_context("spawn")  # fork warns in a threaded test process
    barrier = context.Barrier(2)
    children = [context.Process(target=_finish_run_into_taken_name, args=(tmp_path, marker, barrier))
                for marker in ("first", "second")]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=60)
    assert [child.exitcode for child in children] == [0, 0]
    folders = sorted(p.name for p in tmp_path.iterdir())
    assert folders == ["run", "run-2"]  # no staging folder left, neither run lost
    assert sorted((tmp_path / name / "who.txt").read_text() for name in folders) == ["first", "second"]


def _tag_of_finished_process():
    """The owner tag of a real process that has exited."""
    import subprocess
    import sys

    code = "from pipeline.rundir import owner_tag; print(owner_tag())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_staging_folders_of_dead_owners_are_removed_and_logged(tmp_path, caplog):
    import os

    from pipeline.rundir import owner_tag

    dead = tmp_path / f".old.partial-{_tag_of_finished_process()}abc"
    (dead / "model").mkdir(parents=True)
    # the pid of a live process, but not the process that made the name: a reused pid
    reused = tmp_path / f".reused.partial-p{os.getpid()}s1-abc"
    reused.mkdir()
    alive = tmp_path / f".alive.partial-{owner_tag()}abc"  # this process: still running
    alive.mkdir()
    foreign = tmp_path / ".someone.partial-else"  # no owner tag: not ours to judge
    foreign.mkdir()
    with caplog.at_level(logging.WARNING, logger="pipeline.rundir"):
        with run_folder(tmp_path, "run"):
            pass
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, foreign.name, "run"])
    removed = " ".join(r.getMessage() for r in caplog.records)
    assert dead.name in removed and reused.name in removed and alive.name not in removed
