"""The fitted model object: every phase variant and the ensemble, saved, loaded, asked raw rows."""

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.datasets import infer_roles
from pipeline.flow.config import BALANCE_CHOICES, RunConfig
from pipeline.models import build_model
from pipeline.persistence import FittedModel, ModelFileError, describe_model, load_model, save_model
from pipeline.phases import OUTLIER_METHODS, REDUCE_METHODS
from pipeline.selection import EnsembleClassifier
from tests.conftest import make_mixed_frame

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = list(itertools.product(OUTLIER_METHODS, BALANCE_CHOICES, REDUCE_METHODS))


@pytest.fixture(scope="module")
def table():
    """Training rows in the order a run fits on (numeric columns first), and their roles."""
    frame = make_mixed_frame(n=120)
    X, y = frame.drop(columns="label"), frame["label"]
    roles = infer_roles(X)
    return X[roles.numeric + roles.categorical], y, roles


def _csv_order_rows(seed):
    """New raw rows as a CSV holds them: another column order, an id and the target, gaps."""
    rows = make_mixed_frame(n=25, seed=seed)
    rows.insert(0, "id", range(len(rows)))
    rows.loc[0, "colour"] = "ultraviolet"  # unseen in training
    rows.loc[1, "x1"] = np.nan
    rng = np.random.default_rng(seed)
    return rows[list(rng.permutation(rows.columns))]


def _metadata(roles, **extra):
    return {"target": "label", "kind": "table", "roles": roles.to_dict(), **extra}


def _logreg(X, y, roles, variant):
    return build_model("logreg", RunConfig(models=["logreg"]), roles, variant=variant).fit(X, y)


@pytest.mark.parametrize("outliers, balance, reduce", VARIANTS)
def test_every_variant_saved_and_loaded_answers_rows_in_any_column_order(
        outliers, balance, reduce, table, tmp_path):
    X, y, roles = table
    fitted = _logreg(X, y, roles, {"outliers": outliers, "balance": balance, "reduce": reduce})
    model = load_model(save_model(fitted, tmp_path / "model", metadata=_metadata(roles)))
    rows = _csv_order_rows(seed=VARIANTS.index((outliers, balance, reduce)))
    proba = model.predict_proba(rows)
    np.testing.assert_allclose(proba, fitted.predict_proba(rows[list(X.columns)]))
    assert proba.shape == (len(rows), 2) and np.isfinite(proba).all()
    assert list(model.predict(rows)) == list(model.classes_[np.argmax(proba, axis=1)])
    assert list(model.feature_names_in_) == list(X.columns)


def test_the_ensemble_saved_and_loaded_answers_rows_in_any_column_order(table, tmp_path):
    X, y, roles = table
    members = [("clip", _logreg(X, y, roles, {"outliers": "clip", "balance": "smote", "reduce": "lda"})),
               ("drop", _logreg(X, y, roles, {"outliers": "drop", "balance": "weight", "reduce": "pca"}))]
    ensemble = EnsembleClassifier(members, [0.6, 0.4]).fit()
    model = load_model(save_model(ensemble, tmp_path / "model", metadata=_metadata(roles)))
    rows = _csv_order_rows(seed=3)
    np.testing.assert_allclose(model.predict_proba(rows), ensemble.predict_proba(rows[list(X.columns)]))


def test_the_saved_threshold_decides_and_a_missing_column_is_named(table, tmp_path):
    X, y, roles = table
    fitted = _logreg(X, y, roles, {"outliers": "clip", "balance": "none", "reduce": "none"})
    metadata = _metadata(roles, threshold=0.9, positive_class="yes")
    model = load_model(save_model(fitted, tmp_path / "model", metadata=metadata))
    rows = _csv_order_rows(seed=4)
    proba_yes = model.predict_proba(rows)[:, list(model.classes_).index("yes")]
    assert model.threshold_ == 0.9 and model.positive_class_ == "yes"
    assert list(model.predict(rows)) == list(np.where(proba_yes >= 0.9, "yes", "no"))
    with pytest.raises(ValueError, match="lacks column.*x2"):
        model.predict(rows.drop(columns="x2"))


def test_the_model_is_a_scikit_learn_classifier(table):
    from sklearn.base import clone, is_classifier
    from sklearn.model_selection import cross_val_score

    X, y, roles = table
    fitted = _logreg(X, y, roles, {"outliers": "none", "balance": "none", "reduce": "none"})
    model = FittedModel(fitted, describe_model(fitted, _metadata(roles))).fit()
    assert is_classifier(model) and clone(model) is model  # trained once: never refitted
    scores = cross_val_score(model, X.sample(frac=1, axis=1, random_state=0), y, cv=2, scoring="roc_auc")
    assert np.all((scores > 0.5) & (scores <= 1))


def test_unpacking_the_model_warns_and_still_works(table, tmp_path):
    X, y, roles = table
    fitted = _logreg(X, y, roles, {"outliers": "none", "balance": "none", "reduce": "none"})
    folder = save_model(fitted, tmp_path / "model", metadata=_metadata(roles))
    with pytest.warns(DeprecationWarning, match="model.estimator_ and model.manifest_"):
        estimator, manifest = load_model(folder)
    assert manifest["metadata"]["target"] == "label" and hasattr(estimator, "named_steps")



def test_one_row_at_a_time_answers_as_the_batch_and_leaves_the_rows_untouched(table, caplog):
    X, y, roles = table
    fitted = _logreg(X, y, roles, {"outliers": "clip", "balance": "none", "reduce": "none"})
    model = FittedModel(fitted, describe_model(fitted, _metadata(roles))).fit()
    rows = _csv_order_rows(seed=5)
    rows["x1"] = rows["x1"].astype(object)  # numbers in an object column: converted, not refused
    rows["x2"] = pd.Series([None] * len(rows), dtype=object)  # an empty column: imputed
    before = rows.copy()
    batch = model.predict_proba(rows)
    one_by_one = np.vstack([model.predict_proba(rows.iloc[[i]]) for i in range(len(rows))])
    np.testing.assert_allclose(one_by_one, batch, rtol=1e-5)  # float32 steps: batch-size rounding
    pd.testing.assert_frame_equal(rows, before)  # the caller's frame is not converted in place
    unseen = [r.getMessage() for r in caplog.records if "unseen in training" in r.getMessage()]
    assert unseen and all("('ultraviolet'; rows 1)" in m for m in unseen)


# -- manifest values and symbolic links ------------------------------------------------------


@pytest.fixture
def folder(table, tmp_path):
    X, y, roles = table
    fitted = _logreg(X, y, roles, {"outliers": "none", "balance": "none", "reduce": "none"})
    return save_model(fitted, tmp_path / "model", metadata=_metadata(roles))


def _edit(folder, change):
    manifest = json.loads((folder / "manifest.json").read_text())
    change(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("change, message", [
    (lambda m: m["metadata"].update(threshold="abc"), "metadata.threshold = 'abc'"),
    (lambda m: m["metadata"].update(threshold=1.5), "metadata.threshold = 1.5"),
    (lambda m: m["metadata"].update(threshold=True), "metadata.threshold = True"),
    (lambda m: m["metadata"].update(roles=None), "metadata.roles = None"),
    (lambda m: m.update(roles=None), "roles = None.*same as metadata.roles"),
    (lambda m: m["metadata"]["roles"].update(numeric="x1"), "metadata.roles.numeric = 'x1'"),
    (lambda m: m["metadata"].update(positive_class="maybe"), "metadata.positive_class = 'maybe'"),
    (lambda m: m["metadata"].update(kind="image"), "metadata.kind = 'image'"),
    (lambda m: m.update(classes="yes"), "classes = 'yes'"),
    (lambda m: m.update(metadata=[]), "metadata = \\[\\]"),
])
def test_a_bad_manifest_value_is_refused_naming_it(folder, change, message):
    _edit(folder, change)
    with pytest.raises(ModelFileError, match=message):
        load_model(folder)


def test_a_symbolic_link_inside_a_model_folder_is_refused(folder, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (folder / "estimator.skops").rename(elsewhere / "estimator.skops")
    (folder / "estimator.skops").symlink_to(elsewhere / "estimator.skops")  # the very same bytes
    with pytest.raises(ModelFileError, match="symbolic link.*estimator.skops"):
        load_model(folder)


def test_a_linked_manifest_is_refused(folder, tmp_path):
    (folder / "manifest.json").rename(tmp_path / "manifest.json")
    (folder / "manifest.json").symlink_to(tmp_path / "manifest.json")
    with pytest.raises(ModelFileError, match="symbolic link.*manifest.json"):
        load_model(folder)


def test_the_cli_exits_65_on_a_bad_threshold(folder, tmp_path):
    from pipeline.cli import main

    _csv_order_rows(seed=1).to_csv(tmp_path / "rows.csv", index=False)
    _edit(folder, lambda m: m["metadata"].update(threshold="abc"))
    assert main(["predict", "--model", str(folder), "--data", str(tmp_path / "rows.csv")]) == 65


def test_predictions_from_the_command_line_match_the_model(folder, tmp_path, capsys):
    from pipeline.cli import main

    rows = _csv_order_rows(seed=2)
    rows.to_csv(tmp_path / "rows.csv", index=False)
    out = tmp_path / "p.csv"
    assert main(["predict", "--model", str(folder), "--data", str(tmp_path / "rows.csv"),
                 "--out", str(out)]) == 0
    model = load_model(folder)
    assert pd.read_csv(out)["prediction"].tolist() == model.predict(rows).tolist()


def test_predicting_with_a_model_without_torch_parts_never_imports_torch(folder, tmp_path):
    _csv_order_rows(seed=5).to_csv(tmp_path / "rows.csv", index=False)
    script = (
        "import sys\n"
        "from pipeline.cli import main\n"
        f"code = main(['-q', 'predict', '--model', {str(folder)!r}, '--data', 'rows.csv'])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'dask', 'matplotlib', 'mlflow'})\n"
        "print(code, ','.join(heavy) or '-')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          cwd=str(tmp_path), env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-2:] == ["0", "-"], done.stdout[-500:]
