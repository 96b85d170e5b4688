"""Positional encoding, attention masks and transformer layers."""

import math

import pytest
import torch

from pipeline.nn import (
    EncoderLayer,
    MultiHeadAttention,
    PositionalEncoding,
    sinusoidal_positional_encoding,
)


@pytest.fixture(autouse=True)
def seeds_fixed():
    torch.manual_seed(0)


@pytest.mark.parametrize("d_model", [4, 16, 7])
def test_positional_encoding_follows_the_formula(d_model):
    pe = sinusoidal_positional_encoding(30, d_model)
    assert pe.shape == (30, d_model) and pe.dtype == torch.float32
    for pos in (0, 1, 13, 29):
        for j in range(d_model):
            i = j // 2  # columns 2i and 2i+1 share a frequency
            angle = pos / 10000 ** (2 * i / d_model)
            expected = math.sin(angle) if j % 2 == 0 else math.cos(angle)
            assert pe[pos, j].item() == pytest.approx(expected, abs=1e-6)
    assert pe.abs().max() <= 1.0


def test_positional_encoding_offset_is_a_rotation():
    # PE(pos + k) is a fixed rotation of PE(pos) in each (sin, cos) pair
    d, k = 8, 3
    pe = sinusoidal_positional_encoding(20, d).double()
    for i in range(d // 2):
        w = k / 10000 ** (2 * i / d)
        rot = torch.tensor([[math.cos(w), math.sin(w)], [-math.sin(w), math.cos(w)]], dtype=torch.float64)
        pair = pe[:, 2 * i : 2 * i + 2]  # (L, 2) = (sin, cos)
        torch.testing.assert_close(pair[k:], pair[:-k] @ rot.T, atol=1e-6, rtol=0)


def test_positional_encoding_module_adds_table_and_extends_past_max_len():
    layer = PositionalEncoding(6, max_len=4).eval()
    x = torch.randn(2, 9, 6)
    torch.testing.assert_close(layer(x), x + sinusoidal_positional_encoding(9, 6))
    assert "pe" not in layer.state_dict()  # recomputed, not saved


def _random_padding(B, S, gen):
    lengths = torch.randint(1, S + 1, (B,), generator=gen)
    return torch.arange(S)[None, :] >= lengths[:, None]  # True = padding


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("padded", [False, True])
def test_fused_and_explicit_attention_agree(causal, padded):
    gen = torch.Generator().manual_seed(1)
    mha = MultiHeadAttention(16, 4).eval()
    q, kv = torch.randn(5, 7, 16), torch.randn(5, 7, 16)
    pad = _random_padding(5, 7, gen) if padded else None
    fused = mha(q, kv, key_padding_mask=pad, causal=causal)
    explicit, _ = mha(q, kv, key_padding_mask=pad, causal=causal, need_weights=True)
    torch.testing.assert_close(fused, explicit, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("causal", [False, True])
def test_masked_weights_are_zero_and_rows_sum_to_one(causal):
    gen = torch.Generator().manual_seed(2)
    mha = MultiHeadAttention(8, 2).eval()
    x = torch.randn(6, 5, 8)
    pad = _random_padding(6, 5, gen)
    pad[:, 0] = False  # every query sees at least key 0
    _, w = mha(x, x, key_padding_mask=pad, causal=causal, need_weights=True)  # (B, H, T, S)
    assert torch.all(w[pad[:, None, None, :].expand_as(w)] == 0)
    if causal:
        assert torch.all(w.triu(diagonal=1) == 0)
    torch.testing.assert_close(w.sum(-1), torch.ones(6, 2, 5))


def test_fully_masked_rows_give_zeros_not_nan_and_finite_gradients():
    mha = MultiHeadAttention(8, 2)
    x = torch.randn(2, 4, 8, requires_grad=True)
    pad = torch.tensor([[False, False, True, True], [True, True, True, True]])
    for need_weights in (False, True):
        out = mha(x, x, key_padding_mask=pad, need_weights=need_weights)
        out, w = out if need_weights else (out, None)
        assert torch.isfinite(out).all()
        if w is not None:
            assert torch.all(w[1] == 0)
        out.sum().backward()
        assert torch.isfinite(x.grad).all()
        x.grad = None


def test_cross_attention_shapes_and_padded_keys_do_not_matter():
    mha = MultiHeadAttention(12, 3).eval()
    q, memory = torch.randn(2, 3, 12), torch.randn(2, 5, 12)
    pad = torch.zeros(2, 5, dtype=torch.bool)
    out, w = mha(q, memory, key_padding_mask=pad, need_weights=True)
    assert out.shape == (2, 3, 12) and w.shape == (2, 3, 3, 5)
    # two extra padded keys with arbitrary content change nothing
    longer = torch.cat([memory, 100 * torch.randn(2, 2, 12)], dim=1)
    pad_longer = torch.cat([pad, torch.ones(2, 2, dtype=torch.bool)], dim=1)
    torch.testing.assert_close(mha(q, longer, key_padding_mask=pad_longer), out, atol=1e-5, rtol=1e-5)


def test_heads_must_divide_d_model():
    with pytest.raises(ValueError, match="d_model=10 must be divisible by n_heads=4"):
        MultiHeadAttention(10, 4)


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_ignores_padded_positions(norm_first):
    layer = EncoderLayer(16, 4, dim_feedforward=32, norm_first=norm_first).eval()
    x = torch.randn(2, 6, 16)
    pad = torch.tensor([[False] * 6, [False] * 4 + [True] * 2])
    out, w = layer(x, key_padding_mask=pad, need_weights=True)
    assert out.shape == x.shape and w.shape == (2, 4, 6, 6)
    x_changed = x.clone()
    x_changed[1, 4:] = 50.0  # content of padded tokens
    out_changed = layer(x_changed, key_padding_mask=pad)
    torch.testing.assert_close(out_changed[1, :4], out[1, :4], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(out_changed[0], out[0])


def test_layers_reject_unknown_activation():
    with pytest.raises(ValueError, match="activation must be 'relu' or 'gelu', got 'tanh'"):
        EncoderLayer(8, 2, activation="tanh")
