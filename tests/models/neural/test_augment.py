"""Random crops of training series: what they change, and what they must never touch."""

import numpy as np
import pytest
import torch
from torch import nn

from pipeline.models.neural import (
    GRUClassifier,
    LSTMClassifier,
    RNNClassifier,
    TorchMLPClassifier,
    TransformerClassifier,
)
from pipeline.models.neural._augment import MAX_AUGMENTED_ROWS, RandomCrop, resolve_augment
from pipeline.nn import Engine

SMALL = {"max_steps": 12, "random_state": 0}
TOKEN_MODELS = {
    "rnn": lambda: RNNClassifier(8, **SMALL),
    "lstm": lambda: LSTMClassifier(8, **SMALL),
    "gru": lambda: GRUClassifier(8, **SMALL),
    "transformer": lambda: TransformerClassifier(8, n_heads=2, n_layers=1, dim_feedforward=16, **SMALL),
}


def _series(n=40, steps=20, channels=2):
    rng = np.random.default_rng(0)
    y = np.arange(n) % 2
    X = rng.normal(size=(n, steps, channels)).astype(np.float32)
    X[y == 1, steps // 3: steps // 2, 0] += 2.5
    return X, y


def _padded(lengths, steps=12, channels=3):
    """Series whose real values are all above 1, zero after their length."""
    lengths = torch.tensor(lengths)
    x = torch.rand(len(lengths), steps, channels, generator=torch.Generator().manual_seed(1)) + 2.0
    return x * (torch.arange(steps)[None, :] < lengths[:, None])[:, :, None], lengths


def test_a_crop_of_equal_length_series_is_a_run_of_consecutive_steps_of_each():
    x = torch.arange(8 * 30, dtype=torch.float32).reshape(8, 30, 1)
    out, target = RandomCrop(0.2)((x, torch.zeros(8)), torch.Generator().manual_seed(0))
    assert 24 <= out.shape[1] <= 30 and out.shape[0] == 8
    steps = out[:, 1:, 0] - out[:, :-1, 0]
    assert torch.all(steps == 1)  # consecutive, no stretching
    first = out[:, 0, 0] - x[:, 0, 0]  # offset of each crop within its series
    assert torch.all((first >= 0) & (first <= 30 - out.shape[1]))
    assert len(set(first.tolist())) > 1  # each series its own offset


def test_padded_series_get_their_own_crop_and_stay_zero_after_it():
    x, lengths = _padded([12, 7, 3, 1, 10])
    out, kept, target = RandomCrop(0.5)((x, lengths, torch.arange(5)), torch.Generator().manual_seed(0))
    assert torch.equal(target, torch.arange(5)) and out.shape == x.shape
    assert torch.all(kept <= lengths) and torch.all(kept >= (lengths + 1) // 2) and torch.all(kept >= 1)
    real = torch.arange(12)[None, :] < kept[:, None]
    assert torch.all(out[~real] == 0) and torch.all(out[real] > 1.0)  # never a padding value inside
    for row, (k, n) in enumerate(zip(kept.tolist(), lengths.tolist())):
        windows = [x[row, s: s + k] for s in range(n - k + 1)]
        assert any(torch.equal(out[row, :k], w) for w in windows)  # a window of the series itself


def test_the_same_generator_gives_the_same_crops():
    x, lengths = _padded([12, 9, 5])
    crops = [RandomCrop()((x, lengths, torch.zeros(3)), torch.Generator().manual_seed(4)) for _ in range(2)]
    assert all(torch.equal(a, b) for a, b in zip(*crops))


class _Recorder(nn.Module):
    """Mean over steps, then a linear layer; keeps every input it sees, by mode."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 2)
        self.seen = {True: [], False: []}

    def forward(self, x):
        self.seen[self.training].append(x.detach().clone())
        return self.linear(x.mean(1))


def test_the_engine_crops_training_batches_only():
    X, y = torch.randn(32, 40, 2), torch.arange(32) % 2
    X_val = torch.randn(10, 40, 2)
    net = _Recorder()
    engine = Engine(net, nn.functional.cross_entropy, max_epochs=2, batch_size=8, random_state=0,
                    augment=RandomCrop(0.5))
    engine.fit((X, y), (X_val, y[:10]))
    assert any(batch.shape[1] < 40 for batch in net.seen[True])
    assert all(torch.equal(batch, X_val) for batch in net.seen[False])  # validation as given
    net.seen[False].clear()
    engine.predict((X,))
    assert torch.equal(net.seen[False][0], X)


def test_an_augmentation_leaves_the_shuffles_and_dropout_of_a_run_as_they_were():
    X, y = torch.randn(40, 5, 2), torch.arange(40) % 2

    def draw_only(batch, generator):
        torch.rand(3, generator=generator)  # uses its own generator, changes nothing
        return batch

    states = []
    for augment in (None, draw_only):
        torch.manual_seed(0)
        net = nn.Sequential(nn.Flatten(), nn.Linear(10, 16), nn.Dropout(0.3), nn.Linear(16, 2))
        Engine(net, nn.functional.cross_entropy, max_epochs=3, batch_size=8, random_state=3,
               augment=augment).fit((X, y))
        states.append(net.state_dict())
    assert all(torch.equal(value, states[1][key]) for key, value in states[0].items())


@pytest.mark.parametrize("make", TOKEN_MODELS.values(), ids=TOKEN_MODELS.keys())
def test_token_models_crop_small_series_sets_by_default_and_reproducibly(make):
    X, y = _series()
    model = make()
    first = model.fit(X, y).predict_proba(X)
    assert model.augment == "auto" and model.augment_ == "crop"
    np.testing.assert_array_equal(model.fit(X, y).predict_proba(X), first)
    model.set_params(augment="none")
    plain = model.fit(X, y).predict_proba(X)
    assert model.augment_ == "none" and not np.allclose(plain, first)


def test_variable_length_multichannel_series_train_with_crops():
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(k, 3)).astype(np.float32) for k in rng.integers(2, 15, size=40)]
    y = np.array([int(s[:, 0].sum() > 0) for s in X])
    model = GRUClassifier(8, **SMALL).fit(X, y)
    assert model.augment_ == "crop" and model.predict_proba(X).shape == (40, 2)
    assert np.isfinite(model.predict_proba(X)).all()


def test_tables_and_large_sets_are_not_cropped_by_default():
    X = np.random.default_rng(0).normal(size=(60, 4))
    y = np.arange(60) % 2
    assert RNNClassifier(8, **SMALL).fit(X, y).augment_ == "none"  # table features are not steps
    assert not hasattr(TorchMLPClassifier(), "augment")
    assert resolve_augment("auto", "sequence", MAX_AUGMENTED_ROWS + 1) == "none"
    assert resolve_augment("crop", "sequence", MAX_AUGMENTED_ROWS + 1) == "crop"


def test_an_unknown_augmentation_is_refused_by_name():
    X, y = _series()
    with pytest.raises(ValueError, match="augment"):
        RNNClassifier(8, augment="slice", **SMALL).fit(X, y)
