"""The translator's decoder layer: no look-ahead, padded memory ignored."""

import pytest
import torch

from pipeline.translate._decoder import DecoderLayer


@pytest.fixture(autouse=True)
def seeds_fixed():
    torch.manual_seed(0)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_does_not_look_ahead(norm_first):
    layer = DecoderLayer(16, 4, dim_feedforward=32, norm_first=norm_first).eval()
    y, memory = torch.randn(2, 5, 16), torch.randn(2, 7, 16)
    mem_pad = torch.tensor([[False] * 7, [False] * 5 + [True] * 2])
    out, w_self, w_cross = layer(y, memory, memory_key_padding_mask=mem_pad, need_weights=True)
    assert out.shape == (2, 5, 16) and w_self.shape == (2, 4, 5, 5) and w_cross.shape == (2, 4, 5, 7)
    assert torch.all(w_self.triu(diagonal=1) == 0)
    assert torch.all(w_cross[1, :, :, 5:] == 0)
    y_future = y.clone()
    y_future[:, 3:] = torch.randn(2, 2, 16)  # changing later tokens leaves earlier outputs alone
    out_future = layer(y_future, memory, memory_key_padding_mask=mem_pad)
    torch.testing.assert_close(out_future[:, :3], out[:, :3], atol=1e-5, rtol=1e-5)
    assert not torch.allclose(out_future[:, 3:], out[:, 3:])


def test_decoder_layer_rejects_unknown_activation():
    with pytest.raises(ValueError, match="activation must be 'relu' or 'gelu', got 'tanh'"):
        DecoderLayer(8, 2, activation="tanh")
