"""``dmflow predict --backend dask``: partitions scored on a cluster, equal to local predict."""

import re

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


