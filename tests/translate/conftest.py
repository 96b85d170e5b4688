"""Shared fixtures: a few dozen real sentence pairs and one tiny model trained on them."""

import gzip

import pytest

from pipeline.translate import DEFAULT_DATA as DATA
from pipeline.translate import TransformerSeq2Seq

TINY = dict(d_model=32, n_heads=2, n_layers=1, dim_feedforward=64, dropout=0.0, label_smoothing=0.0)


def read_pairs(n_lines):
    with gzip.open(DATA, "rt", encoding="utf-8") as handle:
        return [line.rstrip("\n").split("\t") for _, line in zip(range(n_lines), handle)]


@pytest.fixture(scope="session")
def tiny():
    """Settings of a model small enough to train in seconds."""
    return dict(TINY)


@pytest.fixture(scope="session")
def unique_pairs():
    """32 short pairs whose English sentence occurs once: one right answer each."""
    pairs = read_pairs(4000)
    counts = {}
    for en, _ in pairs:
        counts[en] = counts.get(en, 0) + 1
    chosen = [(en, de) for en, de in pairs[2000:] if counts[en] == 1][::20][:32]
    assert len(chosen) == 32
    return [en for en, _ in chosen], [de for _, de in chosen]


@pytest.fixture(scope="session")
def fitted(unique_pairs):
    """A tiny translator trained until it reproduces its 32 training pairs (read only)."""
    sources, targets = unique_pairs
    model = TransformerSeq2Seq(
        **TINY, max_epochs=120, batch_size=8, lr=3e-3, vocab_size=300,
        validation_fraction=0, early_stopping=False, random_state=0,
    )
    return model.fit(sources, targets)
