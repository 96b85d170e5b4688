import json
import warnings

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

from pipeline.evaluation import classification_metrics, rates_table

RATE_KEYS = ("accuracy", "misclassification_rate", "tpr", "fnr", "fpr", "tnr",
             "precision", "prevalence")


def test_binary_rates_match_cell_counts():
    tn, fp, fn, tp = 50, 10, 5, 35
    rates = rates_table([[tn, fp], [fn, tp]])
    total = tn + fp + fn + tp
    assert rates["accuracy"] == pytest.approx((tp + tn) / total)
    assert rates["misclassification_rate"] == pytest.approx((fp + fn) / total)
    assert rates["tpr"] == pytest.approx(tp / (tp + fn))
    assert rates["fnr"] == pytest.approx(fn / (tp + fn))
    assert rates["fpr"] == pytest.approx(fp / (fp + tn))
    assert rates["tnr"] == pytest.approx(tn / (fp + tn))
    assert rates["precision"] == pytest.approx(tp / (tp + fp))
    assert rates["prevalence"] == pytest.approx((tp + fn) / total)
    assert all(type(rates[k]) is float for k in RATE_KEYS)


@pytest.mark.parametrize("seed", range(5))
def test_article_identities_hold(seed):
    cm = np.random.default_rng(seed).integers(1, 100, size=(2, 2))
    rates = rates_table(cm)
    assert rates["accuracy"] + rates["misclassification_rate"] == pytest.approx(1.0)
    assert rates["tpr"] + rates["fnr"] == pytest.approx(1.0)
    assert rates["tnr"] + rates["fpr"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    "cm, undefined",
    [
        ([[7, 3], [0, 0]], {"tpr", "fnr"}),  # no positive rows
        ([[0, 0], [2, 5]], {"fpr", "tnr"}),  # no negative rows
        ([[4, 0], [6, 0]], {"precision"}),  # nothing predicted positive
        ([[0, 0], [0, 0]], set(RATE_KEYS)),  # empty split
    ],
)
def test_zero_denominators_give_none_without_warnings(cm, undefined):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's divide warnings would fail here
        rates = rates_table(cm)
    assert {k for k in RATE_KEYS if rates[k] is None} == undefined
    json.dumps(rates, allow_nan=False)


def test_multiclass_macro_averages_one_vs_rest_rates():
    cm = np.array([[10, 2, 3], [1, 8, 1], [4, 0, 6]])
    rates = rates_table(cm)
    total = cm.sum()
    tprs, fprs, precisions = [], [], []
    for k in range(3):
        tp = cm[k, k]
        fn = cm[k].sum() - tp
        fp = cm[:, k].sum() - tp
        tn = total - tp - fn - fp
        tprs.append(tp / (tp + fn))
        fprs.append(fp / (fp + tn))
        precisions.append(tp / (tp + fp))
        assert rates["per_class"][str(k)]["tpr"] == pytest.approx(tp / (tp + fn))
        assert rates["per_class"][str(k)]["accuracy"] == pytest.approx((tp + tn) / total)
    assert rates["tpr"] == pytest.approx(np.mean(tprs))
    assert rates["fpr"] == pytest.approx(np.mean(fprs))
    assert rates["precision"] == pytest.approx(np.mean(precisions))
    assert rates["accuracy"] == pytest.approx(np.trace(cm) / total)
    assert rates["accuracy"] + rates["misclassification_rate"] == pytest.approx(1.0)


def test_multiclass_macro_skips_undefined_classes():
    cm = [[5, 1, 0], [2, 4, 0], [0, 0, 0]]  # class 2 never occurs nor is predicted
    rates = rates_table(cm)
    assert rates["per_class"]["2"]["tpr"] is None
    assert rates["tpr"] == pytest.approx(np.mean([5 / 6, 4 / 6]))


@pytest.mark.parametrize(
    "cm, match",
    [
        ([[1, 2, 3]], "square"),
        ([[4]], "K >= 2"),
        ([[1, -1], [0, 2]], "non-negative"),
        ([[0.5, 0.5], [0, 1]], "whole counts"),
    ],
)
def test_rates_table_rejects_bad_matrices(cm, match):
    with pytest.raises(ValueError, match=match):
        rates_table(cm)


@pytest.fixture
def binary_predictions():
    rng = np.random.default_rng(0)
    y_true = np.where(rng.random(60) < 0.4, "yes", "no")
    score = np.clip(0.35 * (y_true == "yes") + 0.65 * rng.random(60), 0, 1)
    proba = np.column_stack([1 - score, score])
    y_pred = np.where(score > 0.5, "yes", "no")
    return y_true, y_pred, proba


def test_binary_metrics_agree_with_scikit_learn(binary_predictions):
    y_true, y_pred, proba = binary_predictions
    m = classification_metrics(y_true, y_pred, proba, ["no", "yes"])
    assert m["labels"] == ["no", "yes"] and m["positive_label"] == "yes"
    assert m["accuracy"] == pytest.approx(accuracy_score(y_true, y_pred))
    assert m["f1"] == pytest.approx(f1_score(y_true, y_pred, pos_label="yes"))
    assert m["roc_auc"] == pytest.approx(roc_auc_score(y_true == "yes", proba[:, 1]))
    (tn, fp), (fn, tp) = m["confusion_matrix"]
    assert tp == np.sum((y_true == "yes") & (y_pred == "yes"))
    assert fp == np.sum((y_true == "no") & (y_pred == "yes"))
    assert tn + fp + fn + tp == len(y_true) == m["n_rows"]
    curve = m["roc_curve"]["yes"]
    assert curve["fpr"][0] == 0.0 and curve["fpr"][-1] == 1.0 and curve["tpr"][-1] == 1.0
    assert curve["fpr"] == sorted(curve["fpr"]) and curve["tpr"] == sorted(curve["tpr"])
    json.dumps(m, allow_nan=False)


def test_positive_label_swaps_the_matrix_order(binary_predictions):
    y_true, y_pred, proba = binary_predictions
    as_yes = classification_metrics(y_true, y_pred, proba, ["no", "yes"])
    as_no = classification_metrics(y_true, y_pred, proba, ["no", "yes"], positive_label="no")
    assert as_no["labels"] == ["yes", "no"] and list(as_no["roc_curve"]) == ["no"]
    assert as_no["tpr"] == pytest.approx(as_yes["tnr"])
    assert as_no["roc_auc"] == pytest.approx(as_yes["roc_auc"])  # same ranking, mirrored
    assert np.array_equal(np.rot90(as_no["confusion_matrix"], 2), as_yes["confusion_matrix"])


def test_multiclass_metrics_are_macro_one_vs_rest():
    rng = np.random.default_rng(1)
    classes = [0, 1, 2]
    y_true = rng.integers(0, 3, 90)
    proba = rng.dirichlet([1, 1, 1], 90)
    proba[np.arange(90), y_true] += 0.5
    proba /= proba.sum(axis=1, keepdims=True)
    y_pred = proba.argmax(axis=1)
    m = classification_metrics(y_true, y_pred, proba, classes)
    assert m["positive_label"] is None and m["labels"] == ["0", "1", "2"]
    assert m["f1"] == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    assert m["roc_auc"] == pytest.approx(roc_auc_score(y_true, proba, multi_class="ovr"))
    assert set(m["roc_curve"]) == set(m["per_class"]) == {"0", "1", "2"}
    for k in classes:
        assert m["per_class"][str(k)]["roc_auc"] == pytest.approx(
            roc_auc_score(y_true == k, proba[:, k]))
    json.dumps(m, allow_nan=False)


def test_single_class_split_gives_none_auc_with_warning():
    y_true = ["no"] * 5
    proba = np.tile([0.7, 0.3], (5, 1))
    with pytest.warns(UserWarning, match="ROC AUC is undefined.*'yes'"):
        m = classification_metrics(y_true, ["no", "yes", "no", "no", "no"], proba, ["no", "yes"])
    assert m["roc_auc"] is None and m["roc_curve"] == {}
    assert m["tpr"] is None and m["precision"] == 0.0 and m["f1"] == 0.0  # one false alarm
    json.dumps(m, allow_nan=False)


def test_f1_without_any_positive_is_none():
    m = classification_metrics(["no"] * 3, ["no"] * 3, None, ["no", "yes"])
    assert m["f1"] is None and m["precision"] is None and m["accuracy"] == 1.0


def test_without_proba_auc_is_none():
    m = classification_metrics([0, 1, 1], [0, 1, 0], None, [0, 1])
    assert m["roc_auc"] is None and m["roc_curve"] == {}


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(y_pred=["a", "c"]), r"y_pred holds label\(s\) \['c'\]"),
        (dict(proba=np.ones((2, 3))), r"proba must have shape .*\(2, 2\)"),
        (dict(positive_label="z"), "positive_label='z' is not one of"),
        (dict(classes=["a"]), "at least two classes"),
        (dict(y_pred=["a"]), "y_true has 2 rows but y_pred has 1"),
    ],
)
def test_bad_inputs_name_the_culprit(kwargs, match):
    args = dict(y_true=["a", "b"], y_pred=["a", "b"], proba=np.eye(2), classes=["a", "b"])
    args.update(kwargs)
    positive = args.pop("positive_label", None)
    with pytest.raises(ValueError, match=match):
        classification_metrics(**args, positive_label=positive)
