import numpy as np
import pytest
from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score

from pipeline.errors import ConfigError
from pipeline.evaluation import binary_curves, choose_threshold, decide, f1_optimal_threshold, threshold_table


@pytest.fixture(scope="module")
def scored():
    rng = np.random.default_rng(0)
    y = rng.random(500) < 0.15  # imbalanced, as the tables users bring
    score = np.clip(0.3 * y + rng.normal(0.3, 0.15, size=500), 0, 1)
    return y, score


def test_threshold_table_matches_scikit_learn_at_every_threshold(scored):
    y, score = scored
    table = threshold_table(y, score)
    rows = list(zip(*(table[k] for k in ("threshold", "tpr", "fpr", "precision", "f1"))))
    assert len(rows) == 101
    for t, tpr, fpr, precision, f1 in rows[::4] + rows[-1:]:
        called = score >= t
        assert tpr == pytest.approx(recall_score(y, called), abs=1e-6)
        assert fpr == pytest.approx(called[~y].mean(), abs=1e-6)
        if called.any():
            assert precision == pytest.approx(precision_score(y, called), abs=1e-6)
            assert f1 == pytest.approx(f1_score(y, called), abs=1e-6)
        else:
            assert precision is None and f1 is None


def test_f1_optimal_threshold_beats_every_other_cut(scored):
    y, score = scored
    best = f1_optimal_threshold(y, score)
    best_f1 = f1_score(y, score >= best)
    for t in np.unique(score):  # every distinct cut; F1 = 2 TP / (called + actual positives)
        called = score >= t
        assert 2 * (called & y).sum() / (called.sum() + y.sum()) <= best_f1 + 1e-12


def test_binary_curves_are_json_ready_and_consistent(scored):
    y, score = scored
    curves = binary_curves(y, score)
    assert curves["average_precision"] == pytest.approx(average_precision_score(y, score))
    pr = curves["pr_curve"]
    assert len(pr["precision"]) == len(pr["recall"]) <= 400
    assert pr["recall"][0] == 1.0 and pr["recall"][-1] == 0.0  # both ends kept after thinning
    calibration = curves["calibration"]
    assert sum(calibration["count"]) == len(y)
    assert len(calibration["count"]) == len(calibration["prob_true"]) == len(calibration["prob_pred"])
    assert all(isinstance(v, float) for v in calibration["prob_true"])


def test_curves_need_both_classes():
    with pytest.raises(ValueError, match="only negative"):
        binary_curves([0, 0, 0], [0.1, 0.2, 0.3])


def test_decide_with_a_threshold_calls_the_named_positive_class():
    proba = [[0.8, 0.2], [0.5, 0.5], [0.1, 0.9]]
    assert decide(proba, ["a", "b"]).tolist() == ["a", "a", "b"]  # ties go to the first class
    assert decide(proba, ["a", "b"], positive="a", threshold=0.6).tolist() == ["a", "b", "b"]
    with pytest.raises(ValueError, match="two classes"):
        decide([[0.2, 0.3, 0.5]], ["a", "b", "c"], threshold=0.3)


def test_auto_threshold_is_found_on_the_selection_rows_only(scored):
    y, score = scored
    proba = np.column_stack([score, 1 - score])  # the positive class is the first column
    found = choose_threshold("auto", proba, np.where(y, "p", "n"), ["p", "n"], "p")
    assert found["source"] == "auto"
    assert found["value"] == f1_optimal_threshold(y, score)
    assert choose_threshold(None, proba, None, ["p", "n"], "p") == {"value": 0.5, "source": "default"}
    with pytest.raises(ConfigError, match="3 classes"):
        choose_threshold(0.4, proba, None, ["a", "b", "c"], None)
