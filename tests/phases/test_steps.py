"""The assembled phase steps inside imblearn's Pipeline, and the phase report."""

import json
import pickle

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from pipeline.phases import (
    Balancer,
    ZScoreClipper,
    build_phase_steps,
    phase_report,
    train_val_test_split,
)
from tests.phases.phase_tables import CATEGORICAL, NUMERIC, make_table

OUTLIER_ROWS = [3, 17]


@pytest.fixture(scope="module")
def split():
    X, y = make_table(300, seed=1)
    X.loc[OUTLIER_ROWS, "x"] = [60.0, -60.0]
    X.loc[[5, 6], "z"] = np.nan
    X.loc[7, "colour"] = None
    return train_val_test_split(X, y, random_state=0)


def _model(**options):
    steps = build_phase_steps(NUMERIC, CATEGORICAL, random_state=0, **options)
    return Pipeline(steps + [("model", LogisticRegression(max_iter=300))])


def test_step_names():
    names = [name for name, _ in build_phase_steps(NUMERIC, CATEGORICAL)]
    assert names == ["outliers", "prepare", "balance", "reduce"]
    steps = dict(build_phase_steps(NUMERIC, CATEGORICAL, outliers="none"))
    assert steps["outliers"] == "passthrough"
    assert isinstance(dict(build_phase_steps(None, None, outliers="clip"))["outliers"],
                      ZScoreClipper)


@pytest.mark.parametrize(
    ("option", "value"),
    [("outliers", "winsor"), ("balance", "adasyn"), ("reduce", "tsne")],
)
def test_invalid_option_names_option_value_and_choices(option, value):
    with pytest.raises(ValueError, match=rf"'{option}' parameter of build_phase_steps must "
                                         rf"be a str among .*Got '{value}' instead"):
        build_phase_steps(NUMERIC, CATEGORICAL, **{option: value})


@pytest.mark.parametrize("outliers", ["drop", "clip", "none"])
@pytest.mark.parametrize("balance", ["smote", "smotenc", "none"])
def test_fits_on_train_and_predicts_every_row(split, outliers, balance):
    X_train, X_val, X_test, y_train, *_ = split
    model = _model(outliers=outliers, balance=balance).fit(X_train, y_train)
    assert len(model.predict(X_test)) == len(X_test)
    # The rows an outlier step would drop still get one prediction each.
    X_outliers = pd.concat([X_train, X_val, X_test]).loc[OUTLIER_ROWS]
    assert len(model.predict(X_outliers)) == len(OUTLIER_ROWS)
    report = phase_report(model, X_train, y_train)
    json.dumps(report)  # JSON-serialisable as it is
    after = report["balance"]["class_counts_after"]
    if balance == "none":
        assert after == report["balance"]["class_counts_before"]
    else:
        assert len(set(after.values())) == 1
    assert report["reduction"] == {"method": "lda", "n_components": 2}


def test_report_matches_what_the_steps_did(split):
    X_train, _, _, y_train, _, _ = split
    model = _model().fit(X_train, y_train)
    report = phase_report(model, X_train, y_train)
    planted = [row for row in OUTLIER_ROWS if row in X_train.index]
    assert report["outliers"]["rows_before"] == len(X_train)
    assert report["outliers"]["rows_removed"] >= len(planted)
    assert sum(report["outliers"]["rows_removed_per_class"].values()) == (
        report["outliers"]["rows_removed"])
    kept = X_train.iloc[model.named_steps["outliers"].sample_indices_]
    expected_missing = {c: int(n) for c, n in kept.isna().sum().items() if n > 0}
    assert report["imputation"]["cells_imputed"] == expected_missing
    assert report["encoding"]["onehot_columns_added"] == 3 + 2 - len(CATEGORICAL)
    assert report["encoding"]["n_features_out"] == len(NUMERIC) + 5
    before = report["balance"]["class_counts_before"]
    assert sum(before.values()) == len(X_train) - report["outliers"]["rows_removed"]
    assert report["balance"]["k_neighbors"] == 5


def test_scaler_and_lda_learn_from_training_rows_only(split):
    X_train, _, _, y_train, _, _ = split
    model = _model().fit(X_train, y_train)
    steps = model.named_steps
    kept = steps["outliers"].sample_indices_
    X_kept, y_kept = X_train.iloc[kept], y_train[kept]
    scaler = steps["prepare"].named_transformers_["numeric"].named_steps["scale"]
    numeric = X_kept[NUMERIC].astype(float)
    np.testing.assert_allclose(scaler.data_min_, numeric.min(), rtol=1e-5)
    np.testing.assert_allclose(scaler.data_max_, numeric.max(), rtol=1e-5)
    # Refit SMOTE and LDA by hand on the kept training rows: the same projection.
    X_prepared = steps["prepare"].transform(X_kept)
    X_balanced, y_balanced = Balancer(random_state=0).fit_resample(X_prepared, y_kept)
    lda = LinearDiscriminantAnalysis(n_components=2).fit(X_balanced, y_balanced)
    np.testing.assert_allclose(steps["reduce"].estimator_.scalings_, lda.scalings_,
                               rtol=1e-4, atol=1e-6)


def test_smotenc_path_end_to_end_with_unseen_and_id_like_categories():
    X, y = make_table(240, seed=2)
    X["id"] = pd.array([f"id{i}" for i in range(len(X))], dtype="str")
    X_train, _, X_test, y_train, _, _ = train_val_test_split(X, y, random_state=0)
    model = _model(balance="smotenc", max_categories=10)
    model.fit(X_train, y_train)
    bound = len(NUMERIC) + 3 + 2 + 10  # colour, flag, and id capped at max_categories
    width = model.named_steps["encode"].transform(model[:2].transform(X_test)).shape[1]
    assert width <= bound
    X_new = X_test.copy()
    X_new["colour"] = "ultraviolet"  # never seen in training
    X_new["id"] = "brand-new-id"
    assert len(model.predict(X_new)) == len(X_new)
    report = phase_report(model, X_train, y_train)
    assert report["balance"]["method"] == "smotenc"
    assert report["encoding"]["n_features_out"] == width


def test_clone_pickle_and_grid_search(split):
    X_train, X_val, _, y_train, _, _ = split
    model = _model().fit(X_train, y_train)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X_val), model.predict(X_val))
    unfitted = clone(model)
    assert not hasattr(unfitted.named_steps["balance"], "class_counts_after_")
    search = GridSearchCV(_model(), {"reduce__method": ["lda", "none"]}, cv=2)
    search.fit(X_train, y_train)
    assert search.best_params_["reduce__method"] in {"lda", "none"}


def test_same_seed_same_predictions(split):
    X_train, X_val, _, y_train, _, _ = split
    first = _model().fit(X_train, y_train).predict_proba(X_val)
    second = _model().fit(X_train, y_train).predict_proba(X_val)
    np.testing.assert_array_equal(first, second)
