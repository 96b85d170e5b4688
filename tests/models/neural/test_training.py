"""Defaults that train: budget, schedule, standardisation, CNN maps, truncated BPTT."""

import numpy as np
import pytest
import torch
from torch import nn

from pipeline.models.neural import (
    CNNClassifier,
    GRUClassifier,
    LSTMClassifier,
    RecurrentNet,
    ResNetClassifier,
)
from pipeline.models.neural._budget import plan_training
from pipeline.nn import Engine


def _series(n=60, steps=30, channels=2, seed=0):
    """Class 1 has a bump in the middle of channel 0; every series also carries noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(size=(n, steps, channels)).astype(np.float32)
    X[y == 1, steps // 3 : steps // 2, 0] += 2.5
    return X, y


@pytest.mark.parametrize("n_rows", [30, 80, 1000, 50_000])
def test_plan_gives_small_data_many_passes_and_large_data_few(n_rows):
    plan = plan_training(n_rows, batch_size="auto", max_steps=800, max_epochs=500, patience="auto")
    assert 16 <= plan.batch_size <= 256 and plan.batch_size <= n_rows
    steps = plan.epochs * -(-n_rows // plan.batch_size)
    assert steps >= 800 or plan.epochs == 500  # the budget is met unless the epoch cap binds
    assert steps - -(-n_rows // plan.batch_size) < 800 or plan.epochs == 1  # and not exceeded by an epoch
    assert 1 <= plan.patience <= plan.epochs


def test_one_cycle_schedule_warms_up_then_anneals():
    X, y = torch.randn(64, 3), torch.randint(0, 2, (64,))
    seen = []
    engine = Engine(nn.Linear(3, 2), nn.CrossEntropyLoss(), lr=0.1, max_epochs=10, batch_size=16,
                    schedule="onecycle", random_state=0,
                    on_epoch_end=lambda e, r: seen.append(e.optimizer_.param_groups[0]["lr"]))
    engine.fit((X, y))
    assert seen[0] > seen[-1] and max(seen) == pytest.approx(0.1, rel=0.05)
    assert seen[-1] < 0.01 * max(seen) and seen.index(max(seen)) <= 2  # a short warm-up, then decay
    with pytest.raises(ValueError, match="schedule='cyclic' is not known; use one of constant, onecycle"):
        Engine(nn.Linear(3, 2), nn.CrossEntropyLoss(), schedule="cyclic")


@pytest.mark.parametrize("est", [CNNClassifier((8, 8), max_steps=40, random_state=0),
                                 GRUClassifier(8, max_steps=40, random_state=0)], ids=["cnn", "gru"])
def test_inputs_are_standardised_inside_the_model(est):
    X, y = _series()
    shifted = X * np.array([1000.0, 0.01], dtype=np.float32) + 50.0  # other units per channel
    a = est.fit(X, y).predict_proba(X)
    b = est.fit(shifted, y).predict_proba(shifted)
    np.testing.assert_allclose(a, b, atol=2e-3)
    scaler = est.module_
    np.testing.assert_allclose(scaler.shift.numpy(), shifted.reshape(-1, 2).mean(0), rtol=1e-4)
    assert "shift" in dict(scaler.named_buffers()) and "shift" in scaler.state_dict()


@pytest.mark.parametrize("cls", [CNNClassifier, ResNetClassifier])
def test_cnns_learn_a_bump_from_defaults_alone(cls):
    X, y = _series(120)
    X_test, y_test = _series(100, seed=1)
    est = cls((16, 16), max_steps=100, random_state=0).fit(X, y)
    assert est.history_[0]["valid_loss"] is None  # 24 held-out rows are too few: every row trains
    assert est.score(X_test, y_test) > 0.9


def test_class_activation_maps_add_up_to_the_logit_and_point_at_the_bump():
    X, y = _series(120, steps=30, channels=1)
    est = CNNClassifier((16, 16), max_steps=100, random_state=0).fit(X, y)
    cam = est.class_activation_maps(X[:20])
    assert cam.shape == (20, 30)
    proba = est.predict_proba(X[:20])
    logit = np.log(proba[:, 1] / proba[:, 0])
    sign = np.where(proba[:, 1] > 0.5, 1.0, -1.0)
    bias = est.module_.inner.head.bias.item()
    np.testing.assert_allclose(cam.mean(axis=1), sign * (logit - bias), atol=1e-3)
    bumps = cam[(y[:20] == 1) & (proba[:, 1] > 0.5)]
    assert np.all(bumps[:, 10:15].mean(axis=1) > bumps[:, 20:].mean(axis=1))
    ragged = [X[0, :12], X[1]]
    maps = est.class_activation_maps(ragged)
    assert maps.shape == (2, 30) and np.all(maps[0, 12:] == 0)


def test_truncated_bptt_stops_gradients_at_chunk_borders():
    # The linear stem: the convolutional one's batch norm shares statistics over every
    # step in training, so there gradients would reach the first step that way.
    x = torch.randn(2, 12, 3, requires_grad=True)
    for tbptt, first_step_reached in ((None, True), (4, False)):
        torch.manual_seed(0)
        net = RecurrentNet("lstm", "sequence", 3, 1, hidden_size=4, tbptt_steps=tbptt, stem="linear").train()
        tokens, _ = net._tokens(x, None)
        net._run(tokens, None)[:, -1].sum().backward()
        assert (x.grad[:, 0].abs().sum() > 0) == first_step_reached
        x.grad = None
    with pytest.raises(ValueError, match="tbptt_steps=4 needs bidirectional=False"):
        LSTMClassifier(tbptt_steps=4, bidirectional=True).fit(*_series(20))


def test_lstm_forget_gates_start_open():
    net = RecurrentNet("lstm", "sequence", 2, 1, hidden_size=5)
    total = net.rnn.bias_ih_l0 + net.rnn.bias_hh_l0
    torch.testing.assert_close(total[5:10], torch.ones(5))


@pytest.mark.parametrize("name", ["cnn", "resnet"])
def test_cnns_are_registered_flow_models(name):
    from pipeline.flow.config import DEFAULT_MODELS, RunConfig
    from pipeline.models import build_model

    assert name in DEFAULT_MODELS["sequence"]
    config = RunConfig(models=[name], model_params={name: {"max_steps": 20}})
    model = build_model(name, config, kind="sequence")
    X, y = _series(40, steps=16, channels=1)
    model.fit(X, y)
    assert model.predict_proba(X[:5]).shape == (5, 2) and model[-1].input_kind_ == "sequence"
