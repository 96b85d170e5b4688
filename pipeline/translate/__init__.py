"""Sentence translation with an encoder-decoder Transformer.

A scikit-learn style estimator (:class:`TransformerSeq2Seq`) with subword
vocabularies, greedy and beam decoding and attention maps; sentence-pair loading
with a split grouped by source sentence; BLEU and exact-match scores; and a run
(:func:`train_translator`) that writes a model, metrics and an HTML report.
"""

from ._bundle import BundleError
from ._data import grouped_split, load_pairs
from ._estimator import TransformerSeq2Seq
from ._metrics import corpus_bleu, exact_match, group_references
from ._run import DEFAULT_DATA, train_translator, translate
from ._saving import load_translator, save_translator
from ._vocab import SubwordVocab

__all__ = [
    "BundleError",
    "DEFAULT_DATA",
    "SubwordVocab",
    "TransformerSeq2Seq",
    "corpus_bleu",
    "exact_match",
    "group_references",
    "grouped_split",
    "load_pairs",
    "load_translator",
    "save_translator",
    "train_translator",
    "translate",
]
