"""Greedy and beam decoding: stopping at the end token, beam_size=1 equals greedy."""

import pytest
import torch
from torch import nn

from pipeline.translate import TransformerSeq2Seq
from pipeline.translate._decoding import beam_decode, greedy_decode
from pipeline.translate._vocab import BOS_ID, EOS_ID, PAD_ID


class ScriptedNet(nn.Module):
    """Emits 10, 11, ... and then EOS after ``stop[i]`` tokens for row ``i``; counts decode calls."""

    def __init__(self, stop, vocab=20):
        super().__init__()
        self.stop, self.vocab, self.calls = stop, vocab, 0

    def encode(self, src):
        return torch.zeros(src.shape[0], src.shape[1], 4)

    def decode(self, tgt, memory, src, last_only=False):
        self.calls += 1
        batch, steps = tgt.shape
        logits = torch.zeros(batch, steps, self.vocab)
        for row in range(batch):
            stop = self.stop[int(src[row, 0])]  # the source's first id says which script
            nxt = EOS_ID if steps - 1 >= stop else 10 + steps - 1
            logits[row, -1, nxt] = 5.0
        return logits


def test_greedy_decoding_stops_at_the_end_token():
    net = ScriptedNet(stop={5: 2, 6: 4})
    src = torch.tensor([[5, 7], [6, PAD_ID]])
    out = greedy_decode(net, src, 50)
    assert out == [[10, 11], [10, 11, 12, 13]]  # nothing after EOS, EOS itself dropped
    assert net.calls == 5  # the longer row's 4 tokens + its EOS, not max_length


def test_beam_decoding_stops_at_the_end_token():
    net = ScriptedNet(stop={5: 2, 6: 4})
    src = torch.tensor([[5, 7], [6, PAD_ID]])
    out = beam_decode(net, src, 50, beam_size=3)
    assert out == [[10, 11], [10, 11, 12, 13]]
    # the runner-up hypotheses end one step later than the best; then decoding stops
    assert net.calls <= 6


def test_decoding_respects_max_length():
    net = ScriptedNet(stop={5: 100})
    assert greedy_decode(net, torch.tensor([[5]]), 7) == [[10, 11, 12, 13, 14, 15, 16]]
    assert beam_decode(net, torch.tensor([[5]]), 7, beam_size=2) == [[10, 11, 12, 13, 14, 15, 16]]


def test_beam_of_one_equals_greedy_on_the_fitted_model(fitted, unique_pairs):
    sources = unique_pairs[0] + ["Where is my dog?", "They like green apples.", "I can't swim."]
    greedy = fitted.predict_ids(sources, decoding="greedy")
    beam_model = TransformerSeq2Seq(**{**fitted.get_params(), "beam_size": 1})
    for name in ("source_vocab_", "target_vocab_", "module_"):
        setattr(beam_model, name, getattr(fitted, name))
    assert beam_model.predict_ids(sources, decoding="beam") == greedy


def test_beam_of_one_equals_greedy_on_an_untrained_network():
    # untrained: long, arbitrary outputs exercise many steps and rows finishing apart
    from pipeline.translate._network import Seq2SeqNet

    torch.manual_seed(1)
    net = Seq2SeqNet(30, 25, d_model=16, n_heads=2, n_layers=1, dim_feedforward=32, dropout=0.0).eval()
    src = torch.randint(4, 30, (6, 5))
    src[3, 2:] = PAD_ID
    assert beam_decode(net, src, 20, beam_size=1) == greedy_decode(net, src, 20)


def test_beam_scores_at_least_as_well_as_greedy_on_its_own_objective():
    from pipeline.translate._network import Seq2SeqNet

    torch.manual_seed(2)
    net = Seq2SeqNet(30, 12, d_model=16, n_heads=2, n_layers=1, dim_feedforward=32, dropout=0.0).eval()
    src = torch.randint(4, 30, (8, 4))

    def log_prob(row, hyp):
        tgt = torch.tensor([[BOS_ID, *hyp, EOS_ID]])
        one = src[row : row + 1]
        logp = torch.log_softmax(net.decode(tgt[:, :-1], net.encode(one), one), -1)
        return float(logp[0].gather(1, tgt[0, 1:, None]).sum())

    with torch.no_grad():
        greedy = greedy_decode(net, src, 6)
        beam = beam_decode(net, src, 6, beam_size=5, length_penalty=0.0)
        for row in range(len(src)):
            if len(greedy[row]) < 6 and len(beam[row]) < 6:  # both finished: comparable
                assert log_prob(row, beam[row]) >= log_prob(row, greedy[row]) - 1e-4


def test_predict_rejects_unknown_decoding(fitted):
    with pytest.raises(ValueError, match="decoding must be 'greedy' or 'beam'"):
        fitted.predict(["Hello."], decoding="sampling")
