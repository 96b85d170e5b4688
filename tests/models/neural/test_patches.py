import numpy as np
import pytest
import torch

from pipeline.models.neural import GRUClassifier, TransformerClassifier
from pipeline.models.neural._patches import (
    STEM_KERNELS,
    STEMS,
    ConvPatchEmbedding,
    PatchEmbedding,
    patch_embedding,
    patch_size_for,
)


def test_auto_patch_leaves_at_most_the_token_budget():
    for n_steps in (1, 63, 64, 65, 1000):
        size = patch_size_for(n_steps, "auto", 64)
        assert -(-n_steps // size) <= 64 and (size == 1 or -(-n_steps // (size - 1)) > 64)


@pytest.mark.parametrize("stem", STEMS)
def test_padding_after_a_series_leaves_its_tokens_unchanged(stem):
    torch.manual_seed(0)
    embed = patch_embedding(stem, 2, 8, patch_size=3).eval()
    series = torch.randn(1, 7, 2)
    alone, length = embed(series, torch.tensor([7]))
    padded, padded_length = embed(torch.cat([series, torch.zeros(1, 5, 2)], dim=1), torch.tensor([7]))
    assert length.tolist() == padded_length.tolist() == [3]
    torch.testing.assert_close(padded[:, :3], alone)


def test_the_conv_stem_sees_neighbouring_steps_and_the_linear_one_does_not():
    torch.manual_seed(0)
    series = torch.randn(1, 24, 1)
    moved = series.clone()
    moved[0, 5] += 1.0  # a step inside the second patch of four
    for embed, expected in ((PatchEmbedding(1, 4, 4), [False, True, False, False, False, False]),
                            (ConvPatchEmbedding(1, 4, 4).eval(), [True, True, True, False, False, False])):
        before, _ = embed(series)
        after, _ = embed(moved)
        changed = (after - before).abs().sum(dim=-1)[0] > 0
        # kernels 7, 5 and 3 in a row: step t reads steps t - 6 to t + 6, so a change at
        # step 5 reaches steps 0 to 11, the first three patches
        assert changed.tolist() == expected


def test_an_unknown_stem_is_refused_by_name():
    with pytest.raises(ValueError, match="stem='wavelet' is not one of conv, linear"):
        patch_embedding("wavelet", 1, 4, 2)
    X, y = np.random.default_rng(0).normal(size=(20, 6, 1)), np.arange(20) % 2
    with pytest.raises(ValueError, match="'stem' parameter"):
        GRUClassifier(stem="wavelet").fit(X, y)


@pytest.mark.parametrize("make", [GRUClassifier, TransformerClassifier])
def test_both_stems_fit_and_the_choice_reaches_the_network(make):
    X, y = np.random.default_rng(1).normal(size=(24, 10, 2)), np.arange(24) % 2
    for stem, kind in (("conv", ConvPatchEmbedding), ("linear", PatchEmbedding)):
        clf = make(stem=stem, max_steps=4, random_state=0).fit(X, y)
        assert type(clf.module_.inner.embed) is kind
        assert clf.predict_proba(X).shape == (24, 2)


@pytest.mark.parametrize("make", [GRUClassifier, TransformerClassifier])
def test_single_step_series_train_even_when_a_batch_would_hold_one(make):
    # 17 rows in batches of 16: batch norm cannot train on the one-row remainder of one step
    X, y = np.random.default_rng(2).normal(size=(17, 1, 2)), np.arange(17) % 2
    clf = make(max_steps=4, batch_size=16, random_state=0).fit(X, y)
    assert clf.predict(X).shape == (17,)


def test_the_transformer_gets_the_deeper_conv_stem_and_the_recurrent_nets_one_block():
    X, y = np.random.default_rng(3).normal(size=(24, 10, 1)), np.arange(24) % 2
    depths = {make: len(make(max_steps=2, random_state=0).fit(X, y).module_.inner.embed.blocks)
              for make in (GRUClassifier, TransformerClassifier)}
    assert depths == {GRUClassifier: 1, TransformerClassifier: len(STEM_KERNELS)}
