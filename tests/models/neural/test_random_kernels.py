"""The random-kernel feature map: kernels, dilations, biases, masks and invariances."""

import numpy as np
import pytest
import torch

from pipeline.models.neural import RandomKernelFeatures, minirocket_kernels
from pipeline.models.neural import _random_kernels as rk


def _series(n=12, steps=50, channels=1, seed=0):
    return np.random.default_rng(seed).normal(size=(n, steps, channels)).astype(np.float32)


def test_kernels_are_the_84_distinct_three_twos_patterns():
    kernels = minirocket_kernels()
    assert kernels.shape == (84, 9)
    assert len({tuple(row) for row in kernels}) == 84
    assert set(np.unique(kernels)) == {-1.0, 2.0}
    assert ((kernels == 2).sum(axis=1) == 3).all()
    np.testing.assert_array_equal(kernels.sum(axis=1), 0)


@pytest.mark.parametrize("steps", [1, 9, 50, 1000])
def test_dilations_fit_the_series_and_share_out_every_feature(steps):
    dilations, counts = rk._dilations(steps, per_kernel=119, max_dilations=32)
    assert counts.sum() == 119
    assert dilations[0] == 1 and (np.diff(dilations) > 0).all()
    assert (rk.KERNEL_LENGTH - 1) * dilations[-1] <= max(steps - 1, rk.KERNEL_LENGTH - 1)


def test_features_are_proportions_and_the_count_asked_for():
    X = _series()
    features = RandomKernelFeatures(n_features=200, random_state=0).fit(X)
    Z = features.transform(X)
    assert Z.shape == (12, 168) == (12, features.n_features_out_)
    assert Z.min() >= 0 and Z.max() <= 1
    assert len(features.biases_) == len(features.dilations_)


def test_same_seed_same_features_other_seed_other_biases():
    X = _series()
    a = RandomKernelFeatures(n_features=168, random_state=0).fit(X)
    b = RandomKernelFeatures(n_features=168, random_state=0).fit(X)
    c = RandomKernelFeatures(n_features=168, random_state=1).fit(X)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    assert not all(np.array_equal(x, y) for x, y in zip(a.biases_, c.biases_))


def test_blocks_do_not_change_the_features(monkeypatch):
    X = _series(n=9)
    features = RandomKernelFeatures(n_features=168, random_state=0).fit(X)
    whole = features.transform(X)
    monkeypatch.setattr(rk, "_BLOCK", 1)  # one series per block
    np.testing.assert_array_equal(features.transform(X), whole)


def test_a_short_series_pools_over_its_own_steps_only():
    rng = np.random.default_rng(0)
    ragged = [rng.normal(size=(k, 2)).astype(np.float32) for k in (40, 25, 7)]
    features = RandomKernelFeatures(n_features=168, random_state=0).fit(ragged)
    together = features.transform(ragged)
    for i, series in enumerate(ragged):
        alone = features.transform(series[None])  # its own length, no padding
        np.testing.assert_array_equal(together[i], alone[0])


def test_each_kernel_reads_between_one_and_nine_channels():
    features = RandomKernelFeatures(n_features=168, random_state=0).fit(_series(channels=12))
    per_kernel = features.channel_masks_.sum(axis=2)
    assert per_kernel.min() >= 1 and per_kernel.max() <= 9
    assert per_kernel.max() > 1  # several channels are combined somewhere


def test_a_table_row_is_read_as_one_series():
    X = _series()[:, :, 0]
    features = RandomKernelFeatures(n_features=168, random_state=0).fit(X)
    assert features.input_kind_ == "table" and features.n_features_in_ == 50
    as_series = RandomKernelFeatures(n_features=168, random_state=0).fit(X[:, :, None])
    np.testing.assert_array_equal(features.transform(X), as_series.transform(X[:, :, None]))
    with pytest.raises(ValueError, match="fitted on a table with 50 features, but got sequences"):
        features.transform(_series())


def test_channel_count_mismatch_is_named():
    features = RandomKernelFeatures(n_features=168, random_state=0).fit(_series(channels=2))
    with pytest.raises(ValueError, match="X has 3 channels per step, but the model was fitted with 2"):
        features.transform(_series(channels=3))



@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("dilation", [1, 4])
def test_convolution_is_the_kernels_applied_by_conv1d(channels, dilation):
    x = torch.from_numpy(_series(n=4, channels=channels))
    mask = torch.from_numpy((np.random.default_rng(1).random((84, channels)) < 0.6).astype(np.float32))
    mask[:, 0] = 1.0  # every kernel reads a channel, as the fitted masks do
    flat = x.permute(0, 2, 1).reshape(4 * channels, 1, 50)
    kernels = torch.from_numpy(minirocket_kernels())[:, None, :]
    expected = torch.nn.functional.conv1d(flat, kernels, dilation=dilation, padding=4 * dilation)
    expected = torch.einsum("nckt,kc->nkt", expected.reshape(4, channels, 84, 50), mask)
    np.testing.assert_allclose(rk._convolve(x, dilation, mask), expected, atol=1e-4)


@pytest.mark.parametrize("channels", [1, 3])
def test_a_row_gets_the_same_features_bit_for_bit_in_any_batch(channels):
    # Steps repeated in runs make many convolution outputs exactly 0, and biases drawn
    # from such series land on 0 too: any rounding that depends on the batch would flip
    # a feature between 0 and 1 (scikit-learn's check_methods_subset_invariance).
    rng = np.random.default_rng(0)
    X = np.repeat(rng.normal(size=(40, 12, channels)), 5, axis=1).astype(np.float32)  # (40, 60, C)
    X[::3] = np.round(X[::3])
    features = RandomKernelFeatures(n_features=840, random_state=0).fit(X)
    whole = features.transform(X)
    assert (np.concatenate([features.transform(X[i:i + 1]) for i in range(40)]) == whole).all()
    assert (features.transform(X[::-1])[::-1] == whole).all()
