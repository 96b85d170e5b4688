"""Choosing the best model when a time limit left models with different folds."""

import logging

import pytest

from pipeline.selection import SearchResult, select, selection_keys


def _result(scores, folds):
    return SearchResult(estimator=object(), score=sum(scores) / len(scores), fold_scores=scores, folds=folds)


def test_every_fold_finished_compares_the_cross_validated_means():
    results = {"a": _result([0.7, 0.9], [0, 1]), "b": _result([0.85, 0.8], [0, 1])}
    keys = selection_keys(results, "roc_auc")
    assert keys == {"a": (0, pytest.approx(0.8)), "b": (0, pytest.approx(0.825))}
    assert select(results, [], parts=None, ensemble=False).compared_on is None


def test_a_model_with_one_lucky_fold_does_not_beat_one_with_three(caplog):
    # hgb's one fold (0.8856) is above logreg's mean over three (0.8815), but below
    # logreg on that same fold: compared there, logreg wins.
    results = {"logreg": _result([0.8890, 0.8770, 0.8785], [0, 1, 2]), "hgb": _result([0.8856], [0])}
    with caplog.at_level(logging.INFO, logger="pipeline.selection"):
        found = select(results, [], parts=None, ensemble=False)
    assert found.best == "logreg" and found.compared_on == 1
    assert "compared on the 1 fold(s) all of them finished" in caplog.text


def test_shared_folds_decide_even_when_the_full_mean_would_not():
    results = {"a": _result([0.80, 0.95, 0.95], [0, 1, 2]), "b": _result([0.90, 0.70], [0, 2])}
    keys = selection_keys(results, "roc_auc")
    assert keys["a"] == (0, pytest.approx(0.875)) and keys["b"] == (0, pytest.approx(0.80))


def test_no_fold_in_common_ranks_the_model_with_more_folds_first():
    results = {"a": _result([0.70, 0.72], [0, 1]), "b": _result([0.95], [2])}
    keys = selection_keys(results, "roc_auc")
    assert max(keys, key=keys.get) == "a"


def test_lower_is_better_metrics_keep_their_direction_on_shared_folds():
    results = {"a": _result([0.30, 0.50], [0, 1]), "b": _result([0.40], [0])}
    keys = selection_keys(results, "log_loss")
    assert max(keys, key=keys.get) == "a"  # 0.30 < 0.40 on fold 0
