"""The training engine: determinism, early stopping, hooks, devices and threads."""

import pytest
import torch
from torch import nn

from pipeline.nn import Engine


def _data(n=64, seed=0):
    gen = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 4, generator=gen)
    y = (X[:, 0] + X[:, 1] > 0).long()
    return X, y


def _net(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 2))


def test_same_seed_gives_identical_weights_and_history():
    X, y = _data()
    runs = []
    for _ in range(2):
        engine = Engine(_net(), nn.CrossEntropyLoss(), max_epochs=3, batch_size=8, random_state=7)
        runs.append((engine.fit((X, y), (X, y)), engine.module.state_dict()))
    assert runs[0][0] == runs[1][0]
    for key, value in runs[0][1].items():
        assert torch.equal(value, runs[1][1][key])
    other = Engine(_net(), nn.CrossEntropyLoss(), max_epochs=3, batch_size=8, random_state=8)
    other.fit((X, y))
    assert not torch.equal(other.module[0].weight, runs[0][1]["0.weight"])


def test_fit_leaves_global_rng_untouched():
    X, y = _data()
    net = _net()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    Engine(net, nn.CrossEntropyLoss(), max_epochs=1, random_state=0).fit((X, y))
    assert torch.equal(torch.rand(3), expected)


def test_history_records_every_epoch_and_metric():
    X, y = _data()
    metric = lambda out, target: float((out.argmax(1) == target).float().mean())  # noqa: E731
    engine = Engine(_net(), nn.CrossEntropyLoss(), max_epochs=4, metric_fn=metric, random_state=0)
    history = engine.fit((X, y), (X, y))
    assert [h["epoch"] for h in history] == [1, 2, 3, 4]
    assert all(h["train_loss"] > 0 and h["valid_loss"] > 0 and 0 <= h["valid_metric"] <= 1 for h in history)
    assert engine.best_epoch_ == 4
    no_valid = Engine(_net(), nn.CrossEntropyLoss(), max_epochs=2, random_state=0).fit((X, y))
    assert all(h["valid_loss"] is None and h["valid_metric"] is None for h in no_valid)


class _Drifting(nn.Module):
    """Output is one learned constant: training pulls it away from the validation target."""

    def __init__(self):
        super().__init__()
        self.c = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return self.c.expand(len(x))


def test_early_stopping_restores_best_weights():
    x = torch.zeros(32, 1)
    train, valid = (x, torch.full((32,), 5.0)), (x, torch.full((32,), -5.0))
    seen = []  # weights after each epoch
    engine = Engine(
        _Drifting(), nn.MSELoss(), lr=0.5, max_epochs=20, early_stopping=True, patience=2,
        random_state=0, on_epoch_end=lambda eng, rec: seen.append(eng.module.c.item()),
    )
    history = engine.fit(train, valid)
    assert engine.best_epoch_ == 1  # validation loss only grows
    assert len(history) == 3  # best epoch + patience
    assert engine.module.c.item() == pytest.approx(seen[0])
    assert engine.module.c.item() != pytest.approx(seen[-1])


def test_early_stopping_needs_validation_data():
    X, y = _data()
    engine = Engine(_net(), nn.CrossEntropyLoss(), early_stopping=True)
    with pytest.raises(ValueError, match="early_stopping=True needs validation data"):
        engine.fit((X, y))


def test_step_hook_replaces_forward_and_loss():
    X, y = _data()
    calls = []

    def step(module, batch):
        calls.append(len(batch))
        features, target = batch
        return nn.functional.cross_entropy(module(features), target)

    engine = Engine(_net(), step=step, max_epochs=2, batch_size=16, random_state=0)
    history = engine.fit((X, y), (X, y))
    assert history[-1]["valid_loss"] is not None
    assert len(calls) == 2 * (64 // 16) + 2  # training batches + one validation batch per epoch


def test_training_reduces_loss_and_clipping_is_accepted():
    X, y = _data(256)
    engine = Engine(_net(), nn.CrossEntropyLoss(), lr=1e-2, max_epochs=15, batch_size=32,
                    grad_clip=1.0, random_state=0)
    history = engine.fit((X, y))
    assert history[-1]["train_loss"] < 0.6 * history[0]["train_loss"]
    accuracy = (engine.predict((X,)).argmax(1) == y).float().mean()
    assert accuracy > 0.85


def test_non_finite_loss_names_the_epoch_and_a_fix():
    X, y = _data()
    X[3, 0] = float("nan")
    engine = Engine(_net(), nn.CrossEntropyLoss(), max_epochs=2, random_state=0)
    with pytest.raises(FloatingPointError, match="epoch 1.*Lower lr"):
        engine.fit((X, y))


def test_module_ends_on_cpu_threads_restored_and_amp_ignored_on_cpu():
    X, y = _data()
    before = torch.get_num_threads()
    engine = Engine(_net(), nn.CrossEntropyLoss(), max_epochs=1, amp=True, n_threads=1, device="cpu")
    engine.fit((X, y))
    assert torch.get_num_threads() == before
    assert all(p.device.type == "cpu" for p in engine.module.parameters())


def test_mismatched_tensors_and_wrong_types_are_refused():
    X, y = _data()
    engine = Engine(_net(), nn.CrossEntropyLoss(), max_epochs=1)
    with pytest.raises(ValueError, match="same first dimension"):
        engine.fit((X, y[:10]))
    with pytest.raises(TypeError, match="tuple of tensors"):
        engine.fit(X.numpy())
    with pytest.raises(ValueError, match="needs loss_fn"):
        Engine(_net())


def test_a_last_batch_of_one_row_joins_the_one_before_when_the_net_has_batch_norm():
    X, y = torch.randn(17, 4), torch.randint(0, 2, (17,))
    for net, steps in ((nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)), 1), (_net(), 2)):
        seen = []
        net.register_forward_hook(lambda module, args, out, seen=seen: seen.append(len(args[0])))
        Engine(net, nn.CrossEntropyLoss(), max_epochs=1, batch_size=16, random_state=0).fit((X, y))
        assert len(seen) == steps and sum(seen) == 17  # every row trained on, once
