"""Sentence translation with an encoder-decoder Transformer.

A scikit-learn style estimator (:class:`TransformerSeq2Seq`) with subword
vocabularies, greedy and beam decoding and attention maps; sentence-pair loading
with a split grouped by source sentence; BLEU and exact-match scores; and a run
(:func:`train_translator`) that writes a model, metrics and an HTML report.
Run folders, model folders (:func:`save_translator` / :func:`load_translator`),
figures, the report page and versions come from the package's shared core
(:mod:`pipeline.rundir`, :mod:`pipeline.persistence`, :mod:`pipeline.reporting`,
:mod:`pipeline.versions`).
"""

from ._cli import add_translate_commands
from ._data import grouped_split, load_pairs
from ._estimator import TransformerSeq2Seq
from ._metrics import corpus_bleu, exact_match, group_references
from ._run import DEFAULT_DATA, train_translator, translate
from ._saving import load_translator, save_translator
from ._vocab import SubwordVocab

__all__ = [
    "DEFAULT_DATA",
    "add_translate_commands",
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
