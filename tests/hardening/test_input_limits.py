"""Input limits: compression bombs, endless lines and huge headers are refused early, in bounded memory."""

import gzip
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import RunConfig
from pipeline.cli import main
from pipeline.datasets import infer_roles, load_table
from pipeline.errors import ConfigError, DataError
from pipeline.limits import InputLimits, name_some
from pipeline.models import build_model
from pipeline.persistence import save_model
from pipeline.predict import read_chunks
from tests.conftest import make_mixed_frame

ROOT = Path(__file__).resolve().parents[2]
_MB = 1 << 20
BOMB_BYTES = 4096 * _MB  # what each bomb below expands to


def _gzip_bomb(path, head, body, total=BOMB_BYTES):
    """A gzip file of ``head`` then ``body`` repeated up to ``total`` bytes, built from copies of one
    compressed member (gzip readers join members), so it takes well under a second to write."""
    block = body * (32 * _MB // len(body))
    member = gzip.compress(block, compresslevel=9)
    with open(path, "wb") as handle:
        handle.write(gzip.compress(head))
        for _ in range(total // len(block)):
            handle.write(member)
    return path


# Reads a data file in a child process as `run` (whole) or `predict` (in chunks) does, with the
# default limits unless some are given; prints the error and exits 65 on a DataError. Only the
# reader's imports, so the child starts in seconds and its peak memory is the reading's.
_READER = """
import json, sys
from pipeline.datasets import load_table
from pipeline.errors import DataError
from pipeline.limits import InputLimits
from pipeline.predict import read_chunks
how, path, settings = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
limits = InputLimits(**settings)
try:
    load_table(path, limits=limits) if how == "run" else list(read_chunks(path, limits=limits))
except DataError as err:
    print(err, file=sys.stderr)
    sys.exit(65)
finally:
    # This process's own peak since exec: the rusage of a child counts the parent's pages
    # it shared before exec, which in a long test session is the session's size.
    with open("/proc/self/status") as status:
        print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
"""


def _read_measured(how, path, **settings):
    """Exit code, stderr and peak RSS (MB) of reading ``path`` in a child process."""
    import json

    child = subprocess.run([sys.executable, "-c", _READER, how, str(path), json.dumps(settings)], cwd=ROOT,
                           capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return child.returncode, child.stderr, int(child.stdout.split()[-1]) / 1024


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory):
    frame = make_mixed_frame(n=120)
    X, y = frame.drop(columns="label"), frame["label"]
    roles = infer_roles(X)
    model = build_model("logreg", RunConfig(models=["logreg"]), roles).fit(X, y)
    folder = tmp_path_factory.mktemp("model") / "model"
    return save_model(model, folder, metadata={"target": "label", "kind": "table", "roles": roles.to_dict()})


@pytest.fixture(scope="module")
def table_bomb(tmp_path_factory):
    """A valid table: a few MB of gzip expanding to 4 GB. Rows of 1 kB (a long category) keep the
    rows predicted before the refusal few."""
    header = ",".join(make_mixed_frame(n=1).columns).encode() + b"\n"
    row = b"0,0,0," + b"red" * 340 + b",S,no\n"
    return _gzip_bomb(tmp_path_factory.mktemp("bomb") / "rows.csv.gz", header, row)


@pytest.fixture(scope="module")
def line_bomb(tmp_path_factory):
    """A header, then one line of 4 GB without a line break."""
    header = ",".join(make_mixed_frame(n=1).columns).encode() + b"\n"
    return _gzip_bomb(tmp_path_factory.mktemp("bomb") / "line.csv.gz", header, b"0" * 4096)


@pytest.mark.parametrize("how", ["run", "predict"])
def test_a_compression_bomb_is_refused_in_bounded_memory(table_bomb, how):
    assert table_bomb.stat().st_size < 16 * _MB
    code, error, peak_mb = _read_measured(how, table_bomb)
    assert code == 65, error
    assert "expands too many times its compressed size" in error
    assert "max_compression_ratio = 100" in error and "--max-compression-ratio or the config key" in error
    assert peak_mb < BOMB_BYTES / _MB / 8, f"peak RSS {peak_mb:.0f} MB"


@pytest.mark.parametrize("how", ["run", "predict"])
def test_one_endless_line_is_refused_in_bounded_memory(line_bomb, how):
    # The ratio limit raised out of the way, so that the line limit is what stops it.
    code, error, peak_mb = _read_measured(how, line_bomb, max_compression_ratio=1e9)
    assert code == 65, error
    assert "has a line too long (past 16,777,216 bytes without a line break)" in error
    assert "max_line_bytes = 16,777,216" in error and "--max-line-bytes" in error
    assert peak_mb < BOMB_BYTES / _MB / 8, f"peak RSS {peak_mb:.0f} MB"


def test_predict_refuses_a_bomb_with_exit_65_and_writes_nothing(model_folder, table_bomb, tmp_path, capsys):
    command = ["-q", "predict", "--model", str(model_folder), "--data", str(table_bomb),
               "--out", str(tmp_path / "p.csv")]
    assert main(command) == 65
    assert "max_compression_ratio" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # no output, no partial file
    assert main([*command, "--max-compression-ratio", "1e9", "--max-decompressed-bytes", str(2 * _MB)]) == 65
    assert "max_decompressed_bytes = 2,097,152" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"])
def test_the_decompressed_size_and_the_line_length_are_capped_by_their_settings(tmp_path, suffix):
    rows = make_mixed_frame(n=3000, seed=1)
    packed = tmp_path / f"rows.csv{suffix}"
    rows.to_csv(packed, index=False)
    size = len(rows.to_csv(index=False).encode())
    limits = InputLimits(max_decompressed_bytes=size)
    pd.testing.assert_frame_equal(load_table(packed, limits=limits), pd.read_csv(packed))
    with pytest.raises(DataError, match=r"expands to more bytes than allowed .*decompressed_bytes = 100,000"):
        load_table(packed, limits=InputLimits(max_decompressed_bytes=100_000))
    longest = max(map(len, rows.to_csv(index=False).splitlines()))
    rows.to_csv(tmp_path / "rows.csv", index=False)  # plain files have their lines checked too
    assert len(load_table(tmp_path / "rows.csv", limits=InputLimits(max_line_bytes=longest + 1))) == 3000
    with pytest.raises(DataError, match=rf"line too long \(past {longest - 1} bytes.*max_line_bytes"):
        list(read_chunks(tmp_path / "rows.csv", chunk_rows=500,
                         limits=InputLimits(max_line_bytes=longest - 1)))


def _wide(path, n_columns, n_rows=3):
    values = np.zeros((n_rows, n_columns), dtype=np.int8)
    frame = pd.DataFrame(values, columns=[f"c{i}" for i in range(n_columns)]).assign(label=["a", "b", "a"])
    if path.suffix == ".parquet":
        frame.to_parquet(path)
    else:
        frame.to_csv(path, index=False)
    return path


def test_a_table_wider_than_the_limit_is_refused_at_load_by_run(tmp_path, capsys):
    data = _wide(tmp_path / "wide.csv", 30_000)
    assert main(["-q", "run", "--data", str(data), "--target", "label", "--out", str(tmp_path / "runs"),
                 "--models", "logreg", "--n-jobs", "1", "--backend", "sequential"]) == 65
    error = capsys.readouterr().err
    assert "has more columns than allowed (30,001 columns in its header)" in error
    assert "max_columns = 20,000" in error and "the config key `max_columns`" in error
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_the_column_limit_applies_to_predict_and_both_formats(model_folder, tmp_path, capsys, suffix):
    data = _wide(tmp_path / f"wide{suffix}", 40)
    command = ["-q", "predict", "--model", str(model_folder), "--data", str(data), "--max-columns", "40"]
    assert main(command) == 65
    assert "(41 columns in its header), over the limit max_columns = 40" in capsys.readouterr().err
    with pytest.raises(DataError, match="max_columns = 40"):
        load_table(data, limits=InputLimits(max_columns=40))
    assert load_table(data, limits=InputLimits(max_columns=41)).shape == (3, 41)


def test_warnings_about_many_columns_name_a_few_and_the_count(model_folder, tmp_path, capsys):
    rows = make_mixed_frame(n=5, seed=2)
    extra = pd.DataFrame(np.zeros((5, 5000)), columns=[f"extra_{i:04d}" for i in range(5000)])
    pd.concat([rows, extra], axis=1).to_csv(tmp_path / "rows.csv", index=False)
    assert main(["predict", "--model", str(model_folder), "--data", str(tmp_path / "rows.csv"),
                 "--out", str(tmp_path / "p.csv")]) == 0
    (line,) = [line for line in capsys.readouterr().err.splitlines() if "does not use" in line]
    assert "extra_0000, extra_0001" in line and "(5,000 in all)" in line and len(line) < 400
    assert name_some(range(3)) == "0, 1, 2"


def test_limits_out_of_range_are_config_errors(model_folder, tmp_path):
    make_mixed_frame(n=5).to_csv(tmp_path / "rows.csv", index=False)
    assert main(["-q", "predict", "--model", str(model_folder), "--data", str(tmp_path / "rows.csv"),
                 "--max-line-bytes", "0"]) == 78
    with pytest.raises(ConfigError, match="`max_columns` must be at least 1, got 0"):
        RunConfig(max_columns=0).validate()


def test_a_zip_must_hold_one_table(tmp_path):
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as archive:
        archive.writestr("a.csv", "x,y\n1,2\n")
        archive.writestr("b.csv", "x,y\n3,4\n")
    with pytest.raises(DataError, match=r"must hold exactly one file; this one holds 2: a\.csv, b\.csv"):
        load_table(tmp_path / "two.zip")
    with zipfile.ZipFile(tmp_path / "one.zip", "w") as archive:
        archive.writestr("a.csv", "x,y\n1,2\n")
    assert load_table(tmp_path / "one.zip").to_dict("list") == {"x": [1], "y": [2]}
