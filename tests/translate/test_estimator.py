"""Fitting behaviour: overfitting a few dozen pairs, validation, reproducibility, input checks."""

import pytest
import torch
from sklearn.base import clone

from pipeline.translate import TransformerSeq2Seq, exact_match


def test_overfits_a_few_dozen_pairs_to_exact_match(fitted, unique_pairs):
    sources, targets = unique_pairs
    assert exact_match(fitted.predict(sources), targets) == 1.0
    assert exact_match(fitted.predict(sources, decoding="beam"), targets) == 1.0
    losses = [h["train_loss"] for h in fitted.history_]
    assert losses[-1] < losses[0] / 10


def test_fit_records_history_and_validation(unique_pairs, tiny):
    sources, targets = unique_pairs
    model = TransformerSeq2Seq(**tiny, max_epochs=3, patience=1, validation_fraction=0.25, random_state=0)
    model.fit(sources, targets)
    assert 1 <= len(model.history_) <= 3
    assert all(h["valid_loss"] is not None for h in model.history_)
    assert model.n_train_pairs_ + model.n_valid_pairs_ == len(sources)
    assert 1 <= model.best_epoch_ <= len(model.history_)
    assert model.source_vocab_.size > 4 and model.target_vocab_.size > 4


def test_same_random_state_gives_identical_models(unique_pairs, tiny):
    sources, targets = unique_pairs
    model = TransformerSeq2Seq(**{**tiny, "dropout": 0.2}, max_epochs=2, validation_fraction=0.25,
                               random_state=3)
    a = clone(model).fit(sources, targets)
    b = clone(model).fit(sources, targets)
    for (name, pa), pb in zip(a.module_.state_dict().items(), b.module_.state_dict().values()):
        assert torch.equal(pa, pb), name
    assert a.history_ == b.history_


def test_token_lists_in_token_lists_out(tiny):
    sources = [["ich", "bin", "hier"], ["du", "bist", "hier"]] * 4
    targets = [["I", "am", "here"], ["you", "are", "here"]] * 4
    model = TransformerSeq2Seq(**tiny, max_epochs=2, validation_fraction=0, early_stopping=False,
                               random_state=0)
    out = model.fit(sources, targets).predict([["ich", "bin", "hier"]])
    assert isinstance(out[0], list) and all(isinstance(t, str) for t in out[0])


def test_too_long_pairs_are_skipped_with_a_warning(unique_pairs, tiny):
    sources, targets = unique_pairs
    sources = sources + ["word " * 40]
    targets = targets + ["Wort " * 40]
    model = TransformerSeq2Seq(**tiny, max_epochs=1, max_length=20, validation_fraction=0,
                               early_stopping=False, random_state=0)
    with pytest.warns(UserWarning, match="exceed max_length=20"):
        model.fit(sources, targets)
    assert model.n_skipped_pairs_ >= 1


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"d_model": 30, "n_heads": 4}, "d_model=30 must be divisible by n_heads=4"),
        ({"validation_fraction": 0.0}, "early_stopping=True needs validation pairs"),
        ({"decoding": "sampling"}, "'decoding' parameter of TransformerSeq2Seq"),
        ({"lr": -1.0}, "'lr' parameter of TransformerSeq2Seq"),
    ],
)
def test_bad_parameters_are_named(params, match):
    with pytest.raises(ValueError, match=match):
        TransformerSeq2Seq(**params).fit(["a b", "c d"], ["x y", "z w"])


def test_bad_inputs_are_named():
    model = TransformerSeq2Seq(max_epochs=1)
    with pytest.raises(ValueError, match="sources has 2 sentences but targets has 1"):
        model.fit(["a", "b"], ["x"])
    with pytest.raises(TypeError, match="Wrap it in a list"):
        model.fit("a sentence", "ein Satz")
    with pytest.raises(TypeError, match=r"targets\[1\] is int"):
        model.fit(["a", "b"], ["x", 3])
