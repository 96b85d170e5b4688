"""The quality benchmark's tables, their split and its score (pure helpers, no dmflow import).

Also imported by the AutoGluon child, which runs in another environment: keep
this module to numpy, pandas and scikit-learn.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

#: How every table is split for the benchmarks: stratified, this seed, this test share.
SEED, TEST_SIZE = 0, 0.25

# A row of the tables folder's DATASETS.md: | file.csv.gz | `target` | ...
_LISTED = re.compile(r"^\|\s*([^|\s]+\.(?:csv|tsv)(?:\.gz)?)\s*\|\s*`([^`]+)`\s*\|")


def listed_tables(folder):
    """``{name: (path, target)}`` for every table its folder's DATASETS.md lists.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> index = "| file | target |\\n|---|---|\\n| oj.csv.gz | `Buy` | x |\\n"
    >>> _ = (folder / "DATASETS.md").write_text(index)
    >>> listed_tables(folder)["oj"][1]
    'Buy'
    """
    folder = Path(folder)
    index = folder / "DATASETS.md"
    if not index.is_file():
        raise FileNotFoundError(f"{index} is missing: the tables folder needs a DATASETS.md whose "
                                "table rows read '| file.csv.gz | `target` | ...'.")
    found = {}
    for line in index.read_text(encoding="utf-8").splitlines():
        match = _LISTED.match(line.strip())
        if match:
            name = re.sub(r"\.(csv|tsv)(\.gz)?$", "", match.group(1))
            found[name] = (folder / match.group(1), match.group(2))
    if not found:
        raise ValueError(f"{index} lists no table in the form '| file.csv.gz | `target` |'.")
    return found


def row_number_columns(frame):
    """Columns that only number the rows (1..n or 0..n-1): written indexes, not features.

    >>> row_number_columns(pd.DataFrame({"rownames": [1, 2, 3], "x": [5, 1, 2]}))
    ['rownames']
    """
    found = []
    for column in frame.columns:
        values = frame[column]
        if not pd.api.types.is_integer_dtype(values):
            continue
        start = values.iloc[0] if len(values) else None
        if start in (0, 1) and np.array_equal(values.to_numpy(), np.arange(start, start + len(values))):
            found.append(column)
    return found


def split_table(frame, target, *, seed, test_size):
    """Stratified ``(train, test)`` of ``frame`` and a fingerprint of the test rows.

    The fingerprint (hash of the test rows' positions) lets a later run check that it
    scores an arm on exactly the rows the recorded arms saw.

    >>> frame = pd.DataFrame({"x": range(20), "y": ["a", "b"] * 10})
    >>> train, test, mark = split_table(frame, "y", seed=0, test_size=0.25)
    >>> len(train), len(test), sorted(test["y"].value_counts())
    (15, 5, [2, 3])
    """
    train, test = train_test_split(frame, test_size=test_size, stratify=frame[target],
                                   random_state=seed)
    positions = ",".join(map(str, sorted(frame.index.get_indexer(test.index))))
    return train, test, hashlib.sha256(positions.encode()).hexdigest()[:16]


class TableSplit(NamedTuple):
    """A table as the benchmarks read it, and its split (see :func:`read_split`)."""

    frame: pd.DataFrame
    train: pd.DataFrame
    test: pd.DataFrame
    fingerprint: str
    dropped: list


def read_split(path, target, *, seed=SEED, test_size=TEST_SIZE):
    """Read a table, drop its row-number columns, and split it (:func:`split_table`)."""
    frame = pd.read_csv(path)
    dropped = row_number_columns(frame.drop(columns=[target]))
    frame = frame.drop(columns=dropped)
    return TableSplit(frame, *split_table(frame, target, seed=seed, test_size=test_size), dropped)


def positive_label(y):
    """The minority class (ties: the last in sorted order), as text."""
    counts = pd.Series(y).astype(str).value_counts()
    return str(counts[counts == counts.min()].index.sort_values()[-1])


def heldout_auc(y_true, proba, positive):
    """Test ROC AUC from a frame of class probabilities (one column per class, as text).

    Two classes: AUC of the ``positive`` column. More: macro one-vs-rest AUC.

    >>> proba = pd.DataFrame({"n": [0.9, 0.2, 0.6], "y": [0.1, 0.8, 0.4]})
    >>> heldout_auc(["n", "y", "y"], proba, "y")
    1.0
    """
    y_true = pd.Series(y_true).astype(str).to_numpy()
    proba = proba.rename(columns=str)
    classes = sorted(set(y_true) | set(proba.columns))
    if len(classes) <= 2:
        return round(float(roc_auc_score(y_true == positive, proba[positive])), 4)
    scores = proba.reindex(columns=classes, fill_value=0.0).to_numpy()
    scores = scores / np.clip(scores.sum(axis=1, keepdims=True), 1e-12, None)
    return round(float(roc_auc_score(y_true, scores, labels=classes, multi_class="ovr",
                                     average="macro")), 4)
