"""``dmflow predict --backend dask``: partitions scored on a cluster, equal to local predict."""

import logging
import re
import time

import pandas as pd
import pytest

distributed = pytest.importorskip(
    "distributed",
    reason="dask.distributed is an optional extra: pip install 'dmflow[distributed]'",
)

from pipeline.cli import main  # noqa: E402
from pipeline.selection import _backends  # noqa: E402
from tests.conftest import make_mixed_frame  # noqa: E402


@pytest.fixture(scope="module")
def address():
    with _backends._dask_cluster(None, 2) as client:
        yield client.scheduler.address


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    make_mixed_frame(n=200, seed=0).to_csv(folder / "train.csv", index=False)
    assert main(["-q", "run", "--data", str(folder / "train.csv"), "--target", "label", "--models", "logreg",
                 "--out", str(folder), "--n-jobs", "1", "--n-candidates", "1", "--cv", "2"]) == 0
    return next(folder.glob("*/model"))


def _partitions(folder, n=3, rows=60):
    """``n`` partition files of ``rows`` rows each, Parquet and CSV mixed; all their rows as one frame."""
    folder.mkdir()
    frames = []
    for i in range(n):
        frame = make_mixed_frame(n=rows, seed=10 + i).drop(columns="label")
        frame.insert(0, "id", range(i * rows, (i + 1) * rows))
        if i % 2:
            frame.to_csv(folder / f"part{i}.csv", index=False)
        else:
            frame.to_parquet(folder / f"part{i}.parquet", index=False)
        frames.append(frame)
    return frames


def _predict(model, data, out, address, *extra):
    return main(["-q", "predict", "--backend", "dask", "--scheduler", address, "--model", str(model),
                 "--data", str(data), "--out", str(out), *extra])


def test_partitions_scored_on_the_cluster_equal_local_predict_row_for_row(model, address, tmp_path):
    frames = _partitions(tmp_path / "rows")
    assert _predict(model, tmp_path / "rows", tmp_path / "scored", address, "--keep", "id") == 0
    files = sorted((tmp_path / "scored").iterdir())
    assert [f.suffix for f in files] == [".parquet"] * len(frames)  # one per partition, nothing else
    on_cluster = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    # local predict of each partition file
    local = []
    for i, source in enumerate(sorted((tmp_path / "rows").iterdir())):
        assert main(["-q", "predict", "--model", str(model), "--data", str(source),
                     "--out", str(tmp_path / f"local{i}.csv"), "--keep", "id"]) == 0
        local.append(pd.read_csv(tmp_path / f"local{i}.csv"))
    assert len(on_cluster) == sum(len(f) for f in frames)
    # the CSV holds the float32 probabilities' shortest text: read back as float32, the same numbers
    local = pd.concat(local, ignore_index=True).astype(on_cluster.dtypes.to_dict())
    pd.testing.assert_frame_equal(on_cluster, local, check_exact=True)


def test_a_glob_selects_the_partitions(model, address, tmp_path):
    frames = _partitions(tmp_path / "rows")
    assert _predict(model, tmp_path / "rows" / "*.csv", tmp_path / "scored", address) == 0
    scored = pd.concat(pd.read_parquet(f) for f in sorted((tmp_path / "scored").iterdir()))
    assert len(scored) == sum(len(f) for i, f in enumerate(frames) if i % 2)


@pytest.mark.parametrize("fault, message", [
    # the frame's row 7 is the file's data row 8: rows count from 1, the header not counted
    ("text", r"Partition '.*part1\.csv': Column 'x1' is numeric but holds text: row 8 has 'oops'"),
    ("missing", r"Partition '.*part1\.csv': The data lacks column\(s\) the model was trained on: x2"),
])
def test_a_bad_partition_is_named_and_nothing_is_written(model, address, tmp_path, capsys, fault, message):
    _partitions(tmp_path / "rows")
    bad = pd.read_csv(tmp_path / "rows" / "part1.csv")
    if fault == "text":
        bad["x1"] = bad["x1"].astype(object)
        bad.loc[7, "x1"] = "oops"
    else:
        bad = bad.drop(columns="x2")
    bad.to_csv(tmp_path / "rows" / "part1.csv", index=False)
    assert _predict(model, tmp_path / "rows", tmp_path / "scored", address) == 65
    assert re.search(message, capsys.readouterr().err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rows"]  # no output, no staging folder


def test_no_partition_files_and_an_existing_output_are_refused(model, address, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert _predict(model, tmp_path / "empty", tmp_path / "scored", address) == 65
    assert "No partition files in" in capsys.readouterr().err
    _partitions(tmp_path / "rows")
    (tmp_path / "scored").mkdir()
    assert _predict(model, tmp_path / "rows", tmp_path / "scored", address) == 65
    assert "already exists" in capsys.readouterr().err
    assert main(["-q", "predict", "--backend", "dask", "--model", str(model), "--data", "x"]) == 78
    assert "pass it as --out FOLDER" in capsys.readouterr().err




def _columns_plus_one(frame):
    """The partition with one column more than ``--max-columns`` allows; the message expected."""
    n = len(frame.columns)
    message = rf"has more columns than allowed \({n + 1} columns in its header\), over the limit " \
        rf"max_columns = {n}"
    return frame.assign(extra=0.0), ["--max-columns", str(n)], message + "; .* --max-columns"


def _a_long_line(frame):
    """The partition with a line over ``--max-line-bytes``; the message expected."""
    frame = frame.copy()
    frame.loc[3, "size"] = "M" * 400  # an unseen category, harmless but for its length
    message = r"has a line too long \(past 300 bytes without a line break\), over the limit " \
        r"max_line_bytes = 300"
    return frame, ["--max-line-bytes", "300"], message + "; .* --max-line-bytes"


@pytest.mark.parametrize("fault", [_columns_plus_one, _a_long_line])
def test_the_input_limits_reach_the_workers(model, address, tmp_path, capsys, fault):
    """Partition 1 is read on a worker only (partition 0 is probed here): the flag must travel."""
    _partitions(tmp_path / "rows")
    bad, flags, message = fault(pd.read_csv(tmp_path / "rows" / "part1.csv"))
    bad.to_csv(tmp_path / "rows" / "part1.csv", index=False)
    assert _predict(model, tmp_path / "rows", tmp_path / "scored", address, *flags) == 65
    named = r"Partition '.*part1\.csv': Data file '.*part1\.csv' "
    assert re.search(named + message, capsys.readouterr().err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rows"]  # no output, no staging folder
    # within the default limits the same partitions are scored
    assert _predict(model, tmp_path / "rows", tmp_path / "scored", address) == 0


def test_workers_do_not_call_kept_columns_unused(model, address, tmp_path):
    """The workers' warnings, forwarded to this process, name an unused column but not a kept one."""
    folder = tmp_path / "rows"
    for i, frame in enumerate(_partitions(folder)):
        for old in folder.glob(f"part{i}.*"):
            old.unlink()
        frame.assign(extra="x").to_parquet(folder / f"part{i}.parquet", index=False)
    records = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    predict_logger = logging.getLogger("pipeline.predict")
    predict_logger.addHandler(handler)
    with distributed.Client(address) as client:
        client.forward_logging("pipeline.predict", level=logging.WARNING)
        try:
            assert _predict(model, folder, tmp_path / "scored", address, "--keep", "id") == 0
            ignored = _wait_for(lambda: [r.getMessage() for r in records if "does not use" in r.getMessage()])
        finally:
            client.unforward_logging("pipeline.predict")
            predict_logger.removeHandler(handler)
    assert ignored and all(m.endswith("does not use: extra.") for m in ignored), ignored


def _wait_for(found, seconds=20.0):
    """What ``found()`` returns once it is not empty: forwarded records arrive after the work ends."""
    deadline = time.monotonic() + seconds
    while not (result := found()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return result
