"""Behaviour of the neural classifiers: inputs, masks, seeds, early stopping, integration."""

import io

import joblib
import numpy as np
import pytest
import torch
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import Pipeline as ImbPipeline
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors
from sklearn import config_context
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from pipeline.models.neural import (
    CNNClassifier,
    GRUClassifier,
    LSTMClassifier,
    ResNetClassifier,
    RNNClassifier,
    TorchMLPClassifier,
    TransformerClassifier,
)

TINY = dict(max_epochs=3, batch_size=16, early_stopping=False, random_state=0)


def _all_estimators():
    return [
        TorchMLPClassifier((8,), **TINY),
        RNNClassifier(8, **TINY),
        LSTMClassifier(8, **TINY),
        GRUClassifier(8, **TINY),
        TransformerClassifier(8, n_heads=2, n_layers=1, dim_feedforward=16, **TINY),
        CNNClassifier((8, 8), **TINY),
        ResNetClassifier((8,), **TINY),
    ]


def _sequence_estimators():
    return [
        RNNClassifier(8, **TINY),
        LSTMClassifier(8, bidirectional=True, **TINY),
        LSTMClassifier(6, peephole=True, bidirectional=True, num_layers=2, **TINY),
        GRUClassifier(8, num_layers=2, **TINY),
        TransformerClassifier(8, n_heads=2, n_layers=2, pooling="cls", **TINY),
        TransformerClassifier(8, n_heads=2, n_layers=1, pooling="mean", **TINY),
        CNNClassifier((8, 4, 8), **TINY),
        ResNetClassifier((4, 8), **TINY),
        # patches and windows that overlap the end of a series; truncated BPTT in training
        GRUClassifier(8, bidirectional=False, patch_size=3, tbptt_steps=2, **TINY),
        TransformerClassifier(8, n_heads=2, n_layers=1, patch_size=4, **TINY),
        CNNClassifier((8, 8), pool=3, **TINY),
    ]


def _ids(estimators):
    return [type(e).__name__ for e in estimators]


def _table(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = np.where(X[:, 0] + X[:, 1] > 0, "pos", "neg")
    return X, y


def _ragged(n=40, seed=0, channels=2):
    rng = np.random.default_rng(seed)
    X = [rng.normal(size=(k, channels)) for k in rng.integers(2, 12, size=n)]
    y = np.array([int(s[:, 0].mean() > 0) for s in X])
    return X, y


@pytest.fixture(scope="module")
def fitted_on_ragged():
    """Sequence estimators fitted once on ragged sequences; tests only read them."""
    X, y = _ragged()
    return [est.fit(X, y) for est in _sequence_estimators()]


# -- inputs and masks -----------------------------------------------------------
def test_padding_does_not_change_predictions(fitted_on_ragged):
    X, _ = _ragged(seed=1)
    for est in fitted_on_ragged:
        together = est.predict_proba(X)  # each sequence padded to the longest
        alone = np.vstack([est.predict_proba([s]) for s in X[:8]])  # no padding at all
        np.testing.assert_allclose(together[:8], alone, atol=1e-5, err_msg=type(est).__name__)
        assert np.allclose(together.sum(axis=1), 1)


def test_equal_length_list_and_3d_array_agree(fitted_on_ragged):
    X3 = np.random.default_rng(2).normal(size=(10, 7, 2))
    for est in fitted_on_ragged:
        np.testing.assert_allclose(est.predict_proba(list(X3)), est.predict_proba(X3), atol=1e-6)


@pytest.mark.parametrize("est", _sequence_estimators()[::2], ids=_ids(_sequence_estimators()[::2]))
def test_sequence_models_take_tables_and_3d_arrays(est):
    X, y = _table()
    est = clone(est).fit(X, y)
    assert est.input_kind_ == "table" and est.n_features_in_ == 4
    X3 = np.random.default_rng(0).normal(size=(30, 5, 3))
    est.fit(X3, (X3[:, :, 0].mean(1) > 0).astype(int))
    assert est.input_kind_ == "sequence" and est.n_features_in_ == 3
    assert not hasattr(est, "feature_names_in_")
    with pytest.raises(ValueError, match="was fitted on sequences with 3 channels, but got a 2-D table"):
        est.predict(X)
    with pytest.raises(ValueError, match="X has 2 channels per step, but the model was fitted with 3"):
        est.predict(X3[:, :, :2])


def test_mlp_refuses_sequences_and_table_models_refuse_sequences_at_predict():
    X, y = _ragged()
    with pytest.raises(ValueError, match="TorchMLPClassifier takes 2-D tables"):
        TorchMLPClassifier(**TINY).fit(X, y)
    Xt, yt = _table()
    lstm = LSTMClassifier(4, **TINY).fit(Xt, yt)
    with pytest.raises(ValueError, match="fitted on a table with 4 features, but got sequences"):
        lstm.predict(X)


def test_sequences_with_nan_or_mixed_channels_are_refused():
    X, y = _ragged()
    bad = [s.copy() for s in X]
    bad[3][1, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        GRUClassifier(**TINY).fit(bad, y)
    mixed = X[:-1] + [np.zeros((4, 3))]
    with pytest.raises(ValueError, match=r"same number of channels, got \[2, 3\]"):
        GRUClassifier(**TINY).fit(mixed, y)


def test_attention_maps_shapes_rows_and_padding():
    X, y = _ragged()
    est = TransformerClassifier(8, n_heads=2, n_layers=2, pooling="cls", **TINY).fit(X, y)
    maps = est.attention_maps(X[:6])
    T = max(len(s) for s in X[:6])
    assert maps.shape == (6, 2, 2, T + 1, T + 1)  # [CLS] + steps
    for i, s in enumerate(X[:6]):
        real = len(s) + 1
        np.testing.assert_allclose(maps[i, :, :, :real].sum(-1), 1, atol=1e-5)
        assert np.all(maps[i, :, :, :, real:] == 0)  # nobody attends to padding
    Xt, yt = _table()
    mean_pool = TransformerClassifier(8, n_heads=4, n_layers=1, pooling="mean", **TINY).fit(Xt, yt)
    assert mean_pool.attention_maps(Xt[:5]).shape == (5, 1, 4, 4, 4)  # tokens = features


def test_d_model_must_divide_into_heads_with_a_suggestion():
    X, y = _table()
    with pytest.raises(ValueError, match=r"d_model=10 must be divisible by n_heads=4.*for example n_heads=2"):
        TransformerClassifier(10, n_heads=4, **TINY).fit(X, y)


def test_invalid_parameters_name_the_culprit():
    X, y = _table()
    with pytest.raises(ValueError, match="'lr' parameter of TorchMLPClassifier"):
        TorchMLPClassifier(lr=-1).fit(X, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes must hold positive integers"):
        TorchMLPClassifier((8, 0)).fit(X, y)
    with pytest.raises(ValueError, match="'pooling' parameter of TransformerClassifier"):
        TransformerClassifier(pooling="max").fit(X, y)


# -- labels, validation data and early stopping ---------------------------------
@pytest.mark.parametrize("est", _all_estimators(), ids=_ids(_all_estimators()))
def test_any_labels_multiclass_and_float64(est):
    X, _ = _table(90)
    y = np.array(["red", "green", "blue"])[np.arange(90) % 3]
    est = clone(est).fit(X.astype(np.float64), y)
    assert set(est.predict(X)) <= {"red", "green", "blue"}
    proba = est.predict_proba(X)
    assert proba.shape == (90, 3) and np.allclose(proba.sum(1), 1)
    np.testing.assert_array_equal(est.classes_[proba.argmax(1)], est.predict(X))
    assert all(p.device.type == "cpu" for p in est.module_.parameters())
    assert [h["epoch"] for h in est.history_] == [1, 2, 3] and est.best_epoch_ == 3


@pytest.mark.parametrize("est", _all_estimators(), ids=_ids(_all_estimators()))
def test_same_seed_same_probabilities(est):
    X, y = _table()
    a = clone(est).fit(X, y).predict_proba(X)
    b = clone(est).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    c = clone(est).set_params(random_state=1).fit(X, y).predict_proba(X)
    assert not np.array_equal(a, c)


def test_early_stopping_keeps_the_best_epoch():
    X, y = _table(80)
    flipped = np.where(y == "pos", "neg", "pos")  # validation loss rises as training succeeds
    params = dict(hidden_layer_sizes=(16,), lr=0.05, batch_size=16, random_state=0)
    stopped = TorchMLPClassifier(max_epochs=30, early_stopping=True, patience=3, **params)
    stopped.fit(X, y, X_val=X, y_val=flipped)
    best = stopped.best_epoch_
    assert len(stopped.history_) == best + 3 < 30
    losses = [h["valid_loss"] for h in stopped.history_]
    assert losses[best - 1] == min(losses)
    # the module holds the best epoch's weights: its validation loss is that epoch's
    proba = stopped.predict_proba(X)[:, 1]
    target = (flipped == "pos").astype(float)
    restored = -np.mean(target * np.log(proba) + (1 - target) * np.log(1 - proba))
    assert restored == pytest.approx(losses[best - 1], rel=1e-4)


def test_validation_data_is_recorded_without_early_stopping():
    X, y = _table()
    est = GRUClassifier(4, **TINY).fit(X, y, X_val=X[:20], y_val=y[:20])
    assert all(h["valid_loss"] > 0 and 0 <= h["valid_metric"] <= 1 for h in est.history_)
    with pytest.raises(ValueError, match="Pass both X_val and y_val"):
        est.fit(X, y, X_val=X)
    with pytest.raises(ValueError, match=r"y_val holds labels not seen in y: \['maybe'\]"):
        est.fit(X, y, X_val=X[:2], y_val=["pos", "maybe"])


def test_early_stopping_holds_out_a_stratified_fraction_or_trains_on_all_rows():
    X, y = _table(50)
    est = TorchMLPClassifier(**{**TINY, "early_stopping": True}, validation_fraction=0.2).fit(X, y)
    assert all(h["valid_loss"] is not None for h in est.history_)
    rows = np.r_[np.flatnonzero(y == "pos")[:1], np.flatnonzero(y == "neg")[:1]]
    tiny = TorchMLPClassifier(**{**TINY, "early_stopping": True}).fit(X[rows], y[rows])
    assert all(h["valid_loss"] is None for h in tiny.history_)  # no row to spare for validation
    assert list(tiny.classes_) == ["neg", "pos"]


def test_early_stopping_is_the_default_and_its_split_is_stratified():
    X, y = _table(600)
    y = np.where(np.arange(600) < 100, "rare", y)  # 100 of 600 rows in a third class
    est = TorchMLPClassifier((8,), max_steps=30, random_state=0).fit(X, y)
    assert est.early_stopping == "auto" and all(h["valid_loss"] is not None for h in est.history_)
    y_idx = torch.from_numpy(np.searchsorted(est.classes_, y))
    _, valid = est._split_validation([torch.from_numpy(X.astype(np.float32))], y_idx, seed=0)
    rare = list(est.classes_).index("rare")
    assert len(valid[-1]) == 120 and int((valid[-1] == rare).sum()) == 20  # a fifth of each class


@pytest.mark.parametrize(("rows", "fraction", "stops"),
                         [(499, 0.2, False), (500, 0.2, True), (200, 0.5, True)])
def test_automatic_early_stopping_needs_100_held_out_rows(rows, fraction, stops):
    X, y = _table(rows)
    est = TorchMLPClassifier((8,), max_steps=20, validation_fraction=fraction, random_state=0).fit(X, y)
    assert all((h["valid_loss"] is not None) == stops for h in est.history_)


def test_one_class_is_refused():
    X, _ = _table()
    with pytest.raises(ValueError, match="needs at least two classes, but y holds one class: 0.0"):
        LSTMClassifier(**TINY).fit(X, np.zeros(len(X)))


# -- scikit-learn integration and persistence -----------------------------------
def test_clone_grid_search_and_imblearn_pipeline():
    X, y = _table(80)
    est = TorchMLPClassifier((8,), **TINY)
    assert clone(est).get_params() == est.get_params()
    grid = GridSearchCV(est, {"lr": [1e-3, 1e-2]}, cv=2).fit(X, y)
    assert grid.best_params_["lr"] in (1e-3, 1e-2)
    y_skewed = y.copy()
    y_skewed[:30] = "neg"
    pipe = ImbPipeline([
        ("scale", StandardScaler()),
        ("balance", RandomOverSampler(random_state=0)),
        ("model", TransformerClassifier(8, n_heads=2, n_layers=1, **TINY)),
    ]).fit(X, y_skewed)
    assert pipe.predict(X).shape == (80,)


def test_pipeline_can_transform_the_validation_split():
    # metadata routing: the runner's X_val goes through the fitted preprocessing first
    X, y = _table(60)
    with config_context(enable_metadata_routing=True):
        model = TorchMLPClassifier((4,), **TINY).set_fit_request(X_val=True, y_val=True)
        pipe = Pipeline([("scale", StandardScaler()), ("model", model)], transform_input=["X_val"])
        pipe.fit(X * 100, y, X_val=X[:20] * 100, y_val=y[:20])
    assert pipe[-1].history_[0]["valid_loss"] is not None


@pytest.mark.parametrize("est", _all_estimators(), ids=_ids(_all_estimators()))
def test_joblib_and_state_dict_round_trips(est):
    X, y = _table()
    est = clone(est).fit(X, y)
    expected = est.predict_proba(X)
    buffer = io.BytesIO()
    joblib.dump(est, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(joblib.load(buffer).predict_proba(X), expected)
    # rebuild from parameters and fitted shapes, then load weights saved as safetensors
    rebuilt = clone(est)
    for name in ("classes_", "n_features_in_", "input_kind_", "patch_size_", "pool_"):
        if hasattr(est, name):
            setattr(rebuilt, name, getattr(est, name))
    rebuilt.module_ = rebuilt._build_module()
    rebuilt.module_.load_state_dict(load_safetensors(save_safetensors(est.module_.state_dict())))
    np.testing.assert_array_equal(rebuilt.predict_proba(X), expected)


def test_threads_restored_after_fit_and_predict():
    before = torch.get_num_threads()
    X, y = _table()
    TorchMLPClassifier(n_threads=1, **TINY).fit(X, y).predict(X)
    assert torch.get_num_threads() == before


# -- learning -------------------------------------------------------------------
@pytest.mark.parametrize(
    "est",
    [
        LSTMClassifier(16, lr=1e-2, max_epochs=10, batch_size=32, random_state=0),
        GRUClassifier(16, lr=1e-2, max_epochs=10, batch_size=32, random_state=0),
        TransformerClassifier(16, n_heads=2, n_layers=1, lr=3e-3, max_epochs=10, batch_size=32,
                              random_state=0),
    ],
    ids=["lstm", "gru", "transformer"],
)
def test_learns_an_easy_sequence_problem(est):
    X, y = _ragged(400, seed=3)
    X_test, y_test = _ragged(200, seed=4)
    est.fit(X, y)
    assert est.score(X_test, y_test) > 0.85
    assert est.history_[-1]["train_loss"] < est.history_[0]["train_loss"]


def test_mlp_learns_an_easy_table():
    X, y = _table(400)
    X_test, y_test = _table(200, seed=1)
    est = TorchMLPClassifier((16,), lr=1e-2, max_epochs=10, batch_size=32, random_state=0).fit(X, y)
    assert est.score(X_test, y_test) > 0.9
