"""Sentence translation with an encoder-decoder Transformer.

A scikit-learn style estimator (:class:`TransformerSeq2Seq`) with subword
vocabularies, greedy and beam decoding and attention maps; sentence-pair loading
with a split grouped by source sentence; BLEU and exact-match scores; and a run
(:func:`train_translator`) that writes a model, metrics and an HTML report.
Run folders, model folders (:func:`save_translator` / :func:`load_translator`),
figures, the report page and versions come from the package's shared core
(:mod:`pipeline.rundir`, :mod:`pipeline.persistence`, :mod:`pipeline.reporting`,
:mod:`pipeline.versions`), and the torch engine and layers from :mod:`pipeline.nn`.

Its own packages (``tokenizers``, ``sacrebleu``) come with the ``translate``
extra: ``pip install 'dmflow[translate]'``. Without them, this package still
imports, and naming one of its tools that needs them raises
:class:`ModuleNotFoundError` saying how to install them.
"""

from ..lazy import lazy_exports
from ._extra import PACKAGES, missing_message

# Imported on first use: see :mod:`pipeline.lazy`.
_EXPORTS = {
    "DEFAULT_DATA": "_run",
    "SubwordVocab": "_vocab",
    "TransformerSeq2Seq": "_estimator",
    "add_translate_commands": "_cli",
    "corpus_bleu": "_metrics",
    "exact_match": "_metrics",
    "group_references": "_metrics",
    "grouped_split": "_data",
    "load_pairs": "_data",
    "load_translator": "_saving",
    "save_translator": "_saving",
    "train_translator": "_run",
    "translate": "_run",
}

_lazy_getattr, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)


def __getattr__(name):
    try:
        return _lazy_getattr(name)
    except ModuleNotFoundError as err:
        if err.name not in PACKAGES:
            raise
        raise ModuleNotFoundError(missing_message([err.name]), name=err.name) from err
