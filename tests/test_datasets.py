import gzip

import numpy as np
import pandas as pd
import pytest

from pipeline.datasets import bundled_path, infer_roles, load_table, load_table_chunks, split_target
from pipeline.errors import DataError


def test_bundled_adult_loads_with_missing_categoricals():
    frame = load_table(bundled_path("adult"))
    assert frame.shape == (48842, 15)
    assert frame["workclass"].isna().sum() > 0


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "is empty"),
        (b"a,b,label\n", "has a header but no data rows"),
        (b"a;b;label\n1;2;x\n3;4;y\n", "has a single column"),
        (b"a,a,label\n1,2,x\n3,4,y\n", "duplicate column names: 'a'"),
        (b"a,b,label\n1,\xff\xfe,x\n", "is not UTF-8"),
    ],
)
def test_bad_files_raise_one_clear_message(tmp_path, content, message):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        load_table(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_table(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a folder"):
        load_table(tmp_path)


# Bad files for both readers: (name, bytes, or None for no file, "dir" for a folder).
BAD_FILES = [
    ("data.csv", b""),
    ("data.csv", b"a,b,label\n"),
    ("data.csv", b"a,a,label\n1,2,x\n3,4,y\n"),
    ("data.csv", b"a,b,label\n1,\xff\xfe,x\n"),
    ("data.csv", b"\x00\x01PK\x03\x04" * 50),
    ("data.csv", b"a,b\n1,2\n3,4,5\n"),
    ("data.parquet", b"PAR1 not really"),
    ("data.csv.gz", b"not gzip at all"),
    ("nope.csv", None),
    ("folder", "dir"),
]


@pytest.mark.parametrize("name, content", BAD_FILES)
def test_chunked_reading_refuses_a_bad_file_with_the_whole_file_message(tmp_path, name, content):
    path = tmp_path / name
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(DataError) as whole:
        load_table(path, min_columns=1)
    with pytest.raises(DataError) as chunked:
        list(load_table_chunks(path, 1))
    assert str(chunked.value) == str(whole.value)


@pytest.mark.parametrize("name", ["rows.csv", "rows.tsv.gz", "rows.parquet"])
def test_chunks_add_up_to_the_whole_table_in_every_format(tmp_path, name):
    frame = pd.DataFrame({"x": np.arange(7.0), "label": list("abcabca")})
    path = tmp_path / name
    if name.endswith(".parquet"):
        frame.to_parquet(path)
    else:
        frame.to_csv(path, sep="\t" if ".tsv" in name else ",", index=False)
    chunks = list(load_table_chunks(path, 3))
    assert [len(c) for c in chunks] == [3, 3, 1]
    pd.testing.assert_frame_equal(pd.concat(chunks), load_table(path))


def test_gzip_tsv(tmp_path):
    path = tmp_path / "d.tsv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("a\tlabel\n1\tx\n2\ty\n")
    assert list(load_table(path).columns) == ["a", "label"]


def test_target_absent_lists_columns_and_suggests():
    frame = pd.DataFrame({"age": [1, 2], "income": ["a", "b"]})
    with pytest.raises(DataError,
                       match="Target column 'incme' is not in the data. Did you mean 'income'.*age, income"):
        split_target(frame, "incme")


def test_target_single_class_and_all_missing():
    with pytest.raises(DataError, match="holds a single class"):
        split_target(pd.DataFrame({"a": [1, 2], "y": ["x", "x"]}), "y")
    with pytest.raises(DataError, match="every row is missing"):
        split_target(pd.DataFrame({"a": [1, 2], "y": [np.nan, np.nan]}), "y")


def test_partly_missing_target_drops_those_rows():
    X, y = split_target(pd.DataFrame({"a": [1, 2, 3, 4], "y": ["p", None, "q", "p"]}), "y")
    assert len(X) == len(y) == 3 and y.notna().all()


def test_continuous_target_is_refused():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=200), "y": rng.normal(size=200)})
    with pytest.raises(DataError, match="looks continuous"):
        split_target(frame, "y")


def test_text_in_numeric_column_names_row_and_value():
    frame = pd.DataFrame({"amount": ["1.5", "2", "3", "oops", "4", "5", "6", "7", "8", "9", "10"]})
    with pytest.raises(DataError, match="Column 'amount' is numeric but holds text: row 4 has 'oops'"):
        infer_roles(frame)


def test_roles_by_dtype_and_forced():
    frame = pd.DataFrame({"n": [1.0, 2.0], "code": [10, 20], "c": ["a", "b"], "empty": [np.nan, np.nan]})
    roles = infer_roles(frame, categorical=["code"])
    assert roles.numeric == ["n"] and roles.categorical == ["code", "c"]
    assert roles.dropped == {"empty": "all values missing"}
    with pytest.raises(DataError, match=r"Column\(s\) 'nope' in `numeric` \(--numeric\) are not in the data"):
        infer_roles(frame, numeric=["nope"])
