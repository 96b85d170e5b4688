import numpy as np
import pytest
from sklearn.metrics import average_precision_score, log_loss, roc_auc_score

from pipeline.selection import better, rank_roc_auc, score_proba


def test_rank_roc_auc_equals_scikit_learns_on_two_classes_with_ties():
    rng = np.random.default_rng(3)
    y = rng.choice(["a", "b"], 200)
    proba_b = np.round(rng.random(200), 1)  # rounded: many ties
    proba = np.column_stack([1 - proba_b, proba_b])
    assert rank_roc_auc(y, proba, ["a", "b"]) == pytest.approx(roc_auc_score(y == "b", proba_b), abs=1e-12)
    assert rank_roc_auc(y, proba, ["a", "b"], positive="a") == pytest.approx(
        roc_auc_score(y == "a", 1 - proba_b), abs=1e-12)


def test_rank_roc_auc_equals_scikit_learns_macro_one_vs_rest():
    rng = np.random.default_rng(4)
    y = rng.choice([0, 1, 2], 150)
    proba = rng.dirichlet(np.ones(3), 150)
    expected = roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=[0, 1, 2])
    assert rank_roc_auc(y, proba, [0, 1, 2]) == pytest.approx(expected, abs=1e-12)


def test_rank_roc_auc_averages_the_classes_present_only():
    rng = np.random.default_rng(6)
    y = rng.choice([0, 2], 90)  # class 1 absent from these rows
    proba = rng.dirichlet(np.ones(3), 90)
    expected = np.mean([roc_auc_score(y == k, proba[:, k]) for k in (0, 2)])
    assert rank_roc_auc(y, proba, [0, 1, 2]) == pytest.approx(expected, abs=1e-12)


def test_rank_roc_auc_scores_every_stacked_copy_on_its_own():
    rng = np.random.default_rng(5)
    y = rng.choice([0, 1], 80)
    copies = rng.dirichlet(np.ones(2), (3, 4, 80))  # (3, 4) copies of an (80, 2) matrix
    found = rank_roc_auc(y, copies, [0, 1])
    assert found.shape == (3, 4)
    assert found[2, 1] == pytest.approx(roc_auc_score(y, copies[2, 1, :, 1]), abs=1e-12)


@pytest.mark.parametrize("positive", [None, "no", "yes"])
def test_score_proba_binary_matches_scikit_learn(positive):
    rng = np.random.default_rng(7)
    y = rng.choice(["no", "yes"], 120)
    proba = rng.dirichlet(np.ones(2), 120)
    column = 0 if positive == "no" else 1
    truth = y == ["no", "yes"][column]
    assert score_proba("roc_auc", y, proba, ["no", "yes"], positive) == pytest.approx(
        roc_auc_score(truth, proba[:, column]), abs=1e-12)
    assert score_proba("average_precision", y, proba, ["no", "yes"], positive) == pytest.approx(
        average_precision_score(truth, proba[:, column]), abs=1e-12)


def test_score_proba_multiclass_matches_scikit_learn():
    rng = np.random.default_rng(8)
    y = rng.choice(["a", "b", "c"], 150)
    proba = rng.dirichlet(np.ones(3), 150)
    classes = ["a", "b", "c"]
    assert score_proba("roc_auc", y, proba, classes) == pytest.approx(
        roc_auc_score(y, proba, multi_class="ovr", labels=classes), abs=1e-12)
    assert score_proba("log_loss", y, proba, classes) == pytest.approx(log_loss(y, proba, labels=classes))


@pytest.mark.parametrize("metric", ["roc_auc", "average_precision"])
def test_score_proba_is_undefined_on_a_single_class(metric):
    proba = np.array([[0.2, 0.8], [0.6, 0.4]])
    assert score_proba(metric, [1, 1], proba, [0, 1]) is None
    assert better(metric, None) == -np.inf
