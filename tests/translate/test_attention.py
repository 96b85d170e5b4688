"""Masks seen through the attention weights: look-ahead, padding, normalisation."""

import numpy as np
import pytest
import torch

from pipeline.translate import TransformerSeq2Seq
from pipeline.translate._network import Seq2SeqNet
from pipeline.translate._vocab import PAD_ID


def test_attention_maps_shapes_and_tokens(fitted, unique_pairs):
    source = unique_pairs[0][3]
    maps = fitted.attention_maps(source)
    n_src, n_tgt = len(maps["source_tokens"]), len(maps["target_tokens"])
    assert maps["target_tokens"][0] == "<s>"
    assert maps["encoder_self"].shape == (1, 2, n_src, n_src)
    assert maps["decoder_self"].shape == (1, 2, n_tgt, n_tgt)
    assert maps["cross"].shape == (1, 2, n_tgt, n_src)
    assert maps["target"] == fitted.predict([source])[0]


@pytest.mark.parametrize("kind", ["encoder_self", "decoder_self", "cross"])
def test_attention_rows_sum_to_one(fitted, unique_pairs, kind):
    maps = fitted.attention_maps(unique_pairs[0][5], "Das ist ein Test mit mehreren Wörtern.")
    weights = maps[kind]
    assert np.all(weights >= 0)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-5)


def test_decoder_self_attention_is_lower_triangular(fitted, unique_pairs):
    weights = fitted.attention_maps(unique_pairs[0][7], "Ich weiß es nicht genau.")["decoder_self"]
    n = weights.shape[-1]
    above = np.triu(np.ones((n, n), dtype=bool), k=1)
    assert n > 3
    assert np.all(weights[..., above] == 0.0)
    assert np.all(weights[..., 0, 0] == pytest.approx(1.0))  # the first step sees only <s>


def _net():
    torch.manual_seed(0)
    return Seq2SeqNet(30, 40, d_model=16, n_heads=2, n_layers=2, dim_feedforward=32, dropout=0.0).eval()


def test_padded_positions_get_zero_weight():
    net = _net()
    src = torch.tensor([[5, 6, 7, 8], [9, 10, PAD_ID, PAD_ID]])  # second row: 2 real tokens
    tgt = torch.tensor([[2, 11, 12], [2, 13, PAD_ID]])
    with torch.no_grad():
        memory, enc = net.encode(src, need_weights=True)
        _, dec, cross = net.decode(tgt, memory, src, need_weights=True)
    for w in enc + cross:  # keys are source positions
        assert torch.all(w[1, :, :, 2:] == 0)
        torch.testing.assert_close(w[0].sum(-1), torch.ones_like(w[0].sum(-1)))
    for w in dec:  # keys are target positions; real query rows only
        assert torch.all(w[1, :, :2, 2] == 0)


def test_padding_does_not_change_the_output():
    net = _net()
    alone_src, alone_tgt = torch.tensor([[9, 10]]), torch.tensor([[2, 13]])
    batch_src = torch.tensor([[5, 6, 7, 8], [9, 10, PAD_ID, PAD_ID]])
    batch_tgt = torch.tensor([[2, 11, 12], [2, 13, PAD_ID]])
    with torch.no_grad():
        alone = net(alone_src, alone_tgt)  # (1, 2, V)
        batched = net(batch_src, batch_tgt)[1:, :2]  # same sentence inside a padded batch
    torch.testing.assert_close(alone, batched, atol=1e-5, rtol=1e-4)


def test_future_target_tokens_do_not_change_earlier_logits():
    net = _net()
    src = torch.tensor([[5, 6, 7]])
    with torch.no_grad():
        a = net(src, torch.tensor([[2, 11, 12, 13]]))
        b = net(src, torch.tensor([[2, 11, 30, 31]]))  # differs from position 2 on
    torch.testing.assert_close(a[:, :2], b[:, :2])
    assert not torch.allclose(a[:, 2:], b[:, 2:])


def test_attention_maps_needs_a_fitted_model():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        TransformerSeq2Seq().attention_maps("Hello.")
