import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from pipeline.evaluation import column_importance


def _table(n, seed):
    rng = np.random.default_rng(seed)
    label = rng.random(n) < 0.3
    # The label lives in a categorical column, so its whole one-hot group must move together.
    leak = np.where(label, rng.choice(["u", "v"], n), rng.choice(["w", "x", "y"], n))
    return pd.DataFrame({"noise_a": rng.normal(size=n), "leak": leak,
                         "noise_b": rng.choice(["p", "q"], n)}), np.where(label, "yes", "no")


@pytest.fixture(scope="module")
def model():
    X, y = _table(300, 0)
    encode = make_column_transformer((OneHotEncoder(handle_unknown="ignore"), ["leak", "noise_b"]),
                                     remainder="passthrough")
    return make_pipeline(encode, RandomForestClassifier(n_estimators=20, random_state=0)).fit(X, y)


def test_the_column_that_carries_the_label_ranks_first(model):
    X, y = _table(400, 1)
    found = column_importance(model, X, y, n_repeats=3, max_rows=250, random_state=0)
    names = [c["column"] for c in found["columns"]]
    assert names[0] == "leak" and sorted(names) == sorted(X.columns)  # raw columns, not one-hot ones
    leak = found["columns"][0]
    assert leak["mean"] > 0.3 and len(leak["repeats"]) == 3
    assert leak["mean"] > max(c["mean"] + 2 * c["std"] for c in found["columns"][1:])
    assert found["n_rows"] == 250 and found["n_rows_available"] == 400  # stratified subsample
    assert found["baseline"] > 0.9


def test_the_same_seed_gives_the_same_importance(model):
    X, y = _table(200, 2)
    assert column_importance(model, X, y, n_repeats=2) == column_importance(model, X, y, n_repeats=2)


def test_importance_needs_named_columns_and_two_classes(model):
    X, y = _table(50, 3)
    with pytest.raises(TypeError, match="DataFrame"):
        column_importance(model, X.to_numpy(), y)
    with pytest.raises(ValueError, match="single class"):
        column_importance(model, X, np.full(50, "no"))


def test_a_column_the_model_ignores_scores_exactly_zero():
    rng = np.random.default_rng(4)
    X = pd.DataFrame({"used": rng.normal(size=120), "ignored": rng.normal(size=120)})
    y = np.where(X["used"] + rng.normal(scale=0.5, size=120) > 0, "b", "a")
    model = make_pipeline(make_column_transformer(("passthrough", ["used"])),
                          RandomForestClassifier(n_estimators=10, random_state=0)).fit(X, y)
    found = {c["column"]: c for c in column_importance(model, X, y, n_repeats=4)["columns"]}
    assert found["ignored"]["repeats"] == [0.0] * 4
    assert found["used"]["mean"] > 0.1


@pytest.mark.parametrize("n_classes", [2, 3])
def test_agrees_with_scikit_learns_permutation_importance(n_classes):
    from sklearn.inspection import permutation_importance
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.normal(size=(300, 4)), columns=["w0", "w1", "w2", "w3"])
    y = np.digitize(X @ [2.0, 1.0, 0.4, 0.0] + rng.normal(size=300), [0.0, 1.0][:n_classes - 1])
    model = LogisticRegression().fit(X, y)
    ours = {c["column"]: c["mean"] for c in column_importance(model, X, y, n_repeats=30)["columns"]}
    scoring = "roc_auc" if n_classes == 2 else "roc_auc_ovr"
    theirs = permutation_importance(model, X, y, scoring=scoring, n_repeats=30, random_state=0)
    for column, mean, std in zip(X.columns, theirs.importances_mean, theirs.importances_std):
        assert ours[column] == pytest.approx(mean, abs=max(0.01, 3 * std / np.sqrt(30) * 2))


def test_small_prediction_batches_give_the_same_importance(model, monkeypatch):
    import pipeline.evaluation._importance as importance

    X, y = _table(200, 6)
    whole = column_importance(model, X, y, n_repeats=3)
    monkeypatch.setattr(importance, "BATCH_ROWS", 1)  # one shuffled column per prediction call
    assert column_importance(model, X, y, n_repeats=3) == whole
