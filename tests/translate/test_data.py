"""Pair files, the grouped split, vocabularies and scores."""

import gzip

import numpy as np
import pytest

from pipeline.errors import DataError
from pipeline.translate import (
    SubwordVocab,
    corpus_bleu,
    exact_match,
    group_references,
    grouped_split,
    load_pairs,
)
from pipeline.translate._vocab import BOS_ID, EOS_ID, PAD_ID, SPECIAL_TOKENS, UNK_ID


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("test_size", [0.1, 0.3])
def test_grouped_split_keeps_each_source_on_one_side(seed, test_size):
    rng = np.random.default_rng(seed)
    sources = [f"sentence {k}" for k in rng.integers(0, 60, size=300)]  # many repeats
    train, test = grouped_split(sources, test_size=test_size, random_state=seed)
    assert sorted(np.concatenate([train, test])) == list(range(len(sources)))
    assert not {sources[i] for i in train} & {sources[i] for i in test}
    n_groups = len(set(sources))
    assert abs(len({sources[i] for i in test}) - test_size * n_groups) <= 1


def test_grouped_split_is_reproducible_and_seed_dependent():
    sources = [f"s{k % 40}" for k in range(200)]
    a = grouped_split(sources, random_state=0)
    b = grouped_split(sources, random_state=0)
    c = grouped_split(sources, random_state=1)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[1], c[1])


def test_grouped_split_errors():
    with pytest.raises(ValueError, match="test_size=1.5 must lie strictly between 0 and 1"):
        grouped_split(["a", "b"], test_size=1.5)
    with pytest.raises(ValueError, match="Only 1 distinct source"):
        grouped_split(["a", "a"])


def test_load_pairs_reads_gzip_and_limits(tmp_path):
    path = tmp_path / "pairs.tsv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("Hi.\tHallo!\nGo.\tGeh.\n\nRun!\tLauf!\n")
    assert load_pairs(path) == (["Hi.", "Go.", "Run!"], ["Hallo!", "Geh.", "Lauf!"])
    assert load_pairs(path, n_pairs=2) == (["Hi.", "Go."], ["Hallo!", "Geh."])


def test_load_pairs_names_the_bad_line_and_missing_file(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("Hi.\tHallo!\nno tab here\n", encoding="utf-8")
    with pytest.raises(DataError, match="pairs.tsv, line 2: expected 'source<TAB>target'"):
        load_pairs(path)
    with pytest.raises(DataError, match="does not exist"):
        load_pairs(tmp_path / "missing.tsv")


def test_vocab_special_ids_and_round_trip():
    texts = ["Ich bin müde.", "Wir sind hier.", "Grüß Gott!"] * 3
    vocab = SubwordVocab.learn(texts, vocab_size=80)
    assert [vocab.tokenizer.token_to_id(t) for t in SPECIAL_TOKENS] == [PAD_ID, UNK_ID, BOS_ID, EOS_ID]
    for text in texts:
        ids = vocab.encode(text)
        assert min(ids) >= len(SPECIAL_TOKENS)
        assert vocab.decode(ids) == text
        assert vocab.decode([BOS_ID, *ids, EOS_ID, PAD_ID]) == text
    again = SubwordVocab.from_json(vocab.to_json())
    assert again.encode("Grüß dich") == vocab.encode("Grüß dich")
    assert vocab.size <= 80


def test_vocab_rejects_tokens_with_spaces():
    with pytest.raises(ValueError, match="holds whitespace"):
        SubwordVocab.learn([["two words", "x"]])


def test_scores():
    hyps = ["Ich bin hier.", "Das ist gut."]
    assert corpus_bleu(hyps, hyps) == pytest.approx(100.0)
    assert corpus_bleu(hyps, [["Ich bin da.", "Ich bin hier."], "Das ist gut."]) == pytest.approx(100.0)
    assert corpus_bleu(hyps, ["Wir gehen.", "Nein."]) < 10
    assert exact_match(hyps, [["Ich bin da.", "Ich bin hier."], "Das ist schlecht."]) == 0.5
    srcs, refs = group_references(["a", "b", "a"], ["x", "y", "z"])
    assert srcs == ["a", "b"] and refs == [["x", "z"], ["y"]]
    with pytest.raises(ValueError, match="2 hypotheses but 1 references"):
        corpus_bleu(hyps, ["x"])
