"""The paths phases take on large data: partitioned SMOTE neighbours, scatter LDA.

Their size thresholds are lowered here so small tables take them.
"""

import warnings

import numpy as np
import pytest
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.neighbors import NearestNeighbors

from pipeline.phases import Balancer, Reducer, _balance, _reduce
from pipeline.phases._neighbours import PartitionedNeighbors


def _points(n=400, n_features=4, seed=0):
    return np.random.default_rng(seed).normal(size=(n, n_features))


def test_one_leaf_is_the_exact_search():
    X = _points()
    found = PartitionedNeighbors(n_neighbors=5, leaf_size=len(X), random_state=0).fit(X)
    exact = NearestNeighbors(n_neighbors=5).fit(X)
    for a, b in zip(found.kneighbors(X), exact.kneighbors(X)):
        np.testing.assert_allclose(a, b)


def test_leaves_partition_the_rows_and_each_row_finds_itself_first():
    X = _points(n=1000)
    nn = PartitionedNeighbors(n_neighbors=4, leaf_size=100, random_state=0).fit(X)
    rows = np.sort(np.concatenate(nn.leaves_))
    np.testing.assert_array_equal(rows, np.arange(len(X)))
    assert all(50 <= len(leaf) <= 100 for leaf in nn.leaves_)
    indices = nn.kneighbors(X, return_distance=False)
    np.testing.assert_array_equal(indices[:, 0], np.arange(len(X)))
    leaf_of = np.empty(len(X), dtype=int)
    for number, leaf in enumerate(nn.leaves_):
        leaf_of[leaf] = number
    assert (leaf_of[indices] == leaf_of[:, None]).all()  # neighbours share the row's leaf
    without_self = nn.kneighbors(return_distance=False)
    with_self = nn.kneighbors(X, n_neighbors=5, return_distance=False)
    np.testing.assert_array_equal(without_self, with_self[:, 1:])  # as scikit-learn does
    graph = nn.kneighbors_graph(X)
    assert graph.shape == (len(X), len(X)) and (graph.sum(axis=1) == 4).all()


def test_neighbours_stay_within_well_separated_clusters():
    rng = np.random.default_rng(1)
    centres = rng.normal(scale=50.0, size=(8, 6))
    cluster = np.repeat(np.arange(8), 250)
    X = centres[cluster] + rng.normal(size=(len(cluster), 6))
    nn = PartitionedNeighbors(n_neighbors=6, leaf_size=300, random_state=0).fit(X)
    indices = nn.kneighbors(X, return_distance=False)
    assert (cluster[indices] == cluster[:, None]).mean() > 0.99
    # new queries are routed to a leaf of their own cluster as well
    queries = centres[cluster[:200]] + rng.normal(size=(200, 6))
    found = nn.kneighbors(queries, return_distance=False)
    assert (cluster[found] == cluster[:200, None]).mean() > 0.99


def test_too_few_rows_per_leaf_is_refused_with_the_fix():
    nn = PartitionedNeighbors(n_neighbors=3, leaf_size=10, random_state=0).fit(_points(n=40))
    with pytest.raises(ValueError, match="n_neighbors=30 is more than the .* raise leaf_size"):
        nn.kneighbors(_points(n=5), n_neighbors=30)


def test_smote_on_a_class_larger_than_a_leaf(monkeypatch):
    monkeypatch.setattr(_balance, "_LEAF_ROWS", 40)
    X = _points(n=600)
    y = np.array([0] * 450 + [1] * 150)
    first = Balancer(random_state=3)
    X_res, y_res = first.fit_resample(X, y)
    assert first.class_counts_after_ == {0: 450, 1: 450}
    search = first.neighbour_search_
    assert search["method"] == "partitioned" and search["rows"] == 150 and 0 < search["recall"] <= 1
    np.testing.assert_array_equal(X_res[:600], X)  # original rows first, untouched
    synthetic = X_res[600:]
    low, high = X[y == 1].min(axis=0), X[y == 1].max(axis=0)
    assert ((synthetic >= low) & (synthetic <= high)).all()  # interpolated between rows
    again, _ = Balancer(random_state=3).fit_resample(X, y)
    np.testing.assert_array_equal(again, X_res)


def _lda_data(n=900, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    onehot = np.eye(4)[rng.integers(0, 4, n)]  # collinear columns, as after one-hot
    X = np.column_stack([rng.normal(size=(n, 5)) + y[:, None] * [1.0, 0.5, 0, 0, 2], onehot])
    return X, y


@pytest.mark.parametrize("n_classes", [2, 3])
def test_scatter_lda_gives_sklearns_projection_up_to_sign(monkeypatch, n_classes):
    X, y = _lda_data(n_classes=n_classes)
    exact = Reducer("lda").fit(X, y)
    monkeypatch.setattr(_reduce, "_EXACT_LDA_CELLS", 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scattered = Reducer("lda").fit(X, y)
    assert not isinstance(scattered.estimator_, LinearDiscriminantAnalysis)
    assert scattered.n_components_ == exact.n_components_ == n_classes - 1
    a, b = exact.transform(X), scattered.transform(X)
    signs = np.sign(np.sum(a * b, axis=0))
    np.testing.assert_allclose(a, b * signs, atol=1e-8)
    np.testing.assert_allclose(scattered.estimator_.explained_variance_ratio_,
                               exact.estimator_.explained_variance_ratio_[:n_classes - 1])


def test_scatter_lda_keeps_float32(monkeypatch):
    monkeypatch.setattr(_reduce, "_EXACT_LDA_CELLS", 0)
    X, y = _lda_data()
    X = X.astype(np.float32)
    reducer = Reducer("lda").fit(X, y)
    assert reducer.transform(X).dtype == np.float32
    assert reducer.transform(X).shape == (len(X), 2)


def test_lda_on_features_constant_within_classes_warns_and_still_projects():
    y = np.array(["a"] * 8 + ["b"] * 3)
    X = np.column_stack([(y == "b").astype(float), np.ones(len(y))])  # one point per class
    with pytest.warns(UserWarning, match="no feature varies within a class"):
        reducer = Reducer("lda").fit(X, y)
    projected = reducer.transform(X)
    assert projected.shape == (len(y), 1)
    assert len(np.unique(projected[y == "a"])) == 1 and projected[0, 0] != projected[-1, 0]
    with pytest.warns(UserWarning, match="no feature varies within a class"):
        constant = Reducer("lda").fit(np.zeros((11, 2)), y)
    assert constant.transform(np.zeros((3, 2))).shape == (3, 1)


def test_lean_smote_interpolates_towards_a_nearest_neighbour_of_the_class():
    from imblearn.over_sampling import SMOTE

    rng = np.random.default_rng(0)
    X = rng.normal(size=(700, 5)).astype(np.float32)
    y = np.array(["a"] * 500 + ["b"] * 130 + ["c"] * 70, dtype=object)
    X_ref, y_ref = SMOTE(random_state=4).fit_resample(X, y)
    lean = _balance._LeanSMOTE(sampling_strategy={"b": 500, "c": 500},
                               k_neighbors=NearestNeighbors(n_neighbors=6), random_state=4)
    X_lean, y_lean = lean.fit_resample(X, y)
    assert X_lean.dtype == np.float32 and y_lean.dtype == y_ref.dtype
    np.testing.assert_array_equal(y_lean, y_ref)  # the same counts, in the same order
    np.testing.assert_array_equal(X_lean[: len(X)], X)
    assert lean.neighbour_search_ == {"method": "exact", "rows": 130, "recall": None}
    assert not hasattr(lean.k_neighbors, "n_samples_fit_")  # no fitted index kept
    for label in ("b", "c"):
        members = X[y == label].astype(np.float64)
        neighbours = NearestNeighbors(n_neighbors=6).fit(members).kneighbors(members)[1][:, 1:]
        starts = np.repeat(members, 5, axis=0)
        segments = members[neighbours.ravel()] - starts
        synthetic = X_lean[len(X):][y_lean[len(X):] == label][:40].astype(np.float64)
        for row in synthetic:  # on one of the class's row-to-neighbour segments
            t = np.clip(np.einsum("ij,ij->i", row - starts, segments)
                        / np.maximum(np.einsum("ij,ij->i", segments, segments), 1e-12), 0, 1)
            gap = np.linalg.norm(starts + t[:, None] * segments - row, axis=1)
            assert gap.min() < 1e-4


def test_phase_report_says_when_the_neighbour_search_was_approximate(monkeypatch):
    import pandas as pd
    from imblearn.pipeline import Pipeline
    from sklearn.linear_model import LogisticRegression

    from pipeline.phases import build_phase_steps, phase_report

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(600, 4)), columns=list("abcd"))
    y = np.array(["n"] * 420 + ["y"] * 180)
    model = Pipeline(build_phase_steps(list("abcd"), [], reduce="none", random_state=0)
                     + [("model", LogisticRegression())])
    exact = phase_report(model.fit(X, y), X, y)["balance"]["neighbour_search"]
    assert exact["method"] == "exact" and exact["recall"] is None
    monkeypatch.setattr(_balance, "_LEAF_ROWS", 40)
    approximate = phase_report(model.fit(X, y), X, y)["balance"]["neighbour_search"]
    assert approximate["method"] == "partitioned" and 0 < approximate["recall"] <= 1
    assert approximate["rows"] == exact["rows"] <= 180  # the minority rows left after outlier removal
