"""Stratified train / validation / test split."""

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from pipeline.phases import train_val_test_split


def _labels(counts):
    return np.repeat(list(counts), list(counts.values()))


@pytest.mark.parametrize("test_size, val_size", [(0.2, 0.2), (0.3, 0.1)])
def test_parts_are_disjoint_complete_and_stratified(test_size, val_size):
    y = _labels({"a": 140, "b": 40, "c": 20})
    X = pd.DataFrame({"v": np.arange(len(y))}, index=np.arange(len(y)) * 10)
    y = pd.Series(y, index=X.index)
    X_train, X_val, X_test, y_train, y_val, y_test = train_val_test_split(
        X, y, test_size=test_size, val_size=val_size, random_state=0
    )
    indices = [part.index for part in (X_train, X_val, X_test)]
    assert sum(len(i) for i in indices) == len(X)
    assert set().union(*map(set, indices)) == set(X.index)  # disjoint and complete
    for X_part, y_part in [(X_train, y_train), (X_val, y_val), (X_test, y_test)]:
        assert X_part.index.equals(y_part.index)
        assert (X_part["v"] * 10 == X_part.index).all()  # rows kept with their index
    assert len(X_test) == pytest.approx(test_size * len(X), abs=1)
    assert len(X_val) == pytest.approx(val_size * (len(X) - len(X_test)), abs=1)
    overall = Counter(y)
    for part in (y_train, y_val, y_test):
        counts = Counter(part)
        for label, n in overall.items():  # each class keeps its share, to within a row
            assert counts[label] == pytest.approx(n * len(part) / len(y), abs=1)


def test_arrays_and_reproducibility():
    y = _labels({0: 30, 1: 30})
    X = np.arange(120).reshape(60, 2)
    first = train_val_test_split(X, y, random_state=1)
    second = train_val_test_split(X, y, random_state=1)
    for a, b in zip(first, second):
        assert isinstance(a, np.ndarray)
        np.testing.assert_array_equal(a, b)


def test_too_small_class_is_named_with_its_count_and_a_fix():
    y = _labels({"common": 50, "rare": 2})
    X = np.zeros((len(y), 1))
    with pytest.raises(ValueError, match=r"Class 'rare' has only 2 row\(s\).*merge it"):
        train_val_test_split(X, y)


def test_too_small_a_part_for_the_classes_is_explained():
    y = _labels({0: 3, 1: 3, 2: 3, 3: 3})
    X = np.zeros((len(y), 1))
    with pytest.raises(ValueError, match="Cannot split off a stratified test part of 0.1"):
        train_val_test_split(X, y, test_size=0.1)


def test_length_mismatch():
    with pytest.raises(ValueError, match="X has 4 rows but y has 3 labels"):
        train_val_test_split(np.zeros((4, 1)), [0, 1, 0])
