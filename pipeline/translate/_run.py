"""A translator run: train on sentence pairs, score held-out sentences, write a run folder.

The folder (``model/``, ``metrics.json``, ``report.html``, ``run.log``) is written
into a hidden staging folder beside its destination and renamed into place only
when complete (:func:`pipeline.rundir.run_folder`), so a failed or interrupted
run leaves nothing behind and an existing run is never overwritten.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime
from pathlib import Path

from ..nn import resolve_device
from ..rundir import default_stem, run_folder
from ..versions import package_versions
from ._data import grouped_split, load_pairs
from ._decoding import DECODINGS
from ._estimator import TransformerSeq2Seq
from ._metrics import corpus_bleu, exact_match, group_references
from ._report import write_report
from ._saving import load_translator, save_translator

__all__ = ["train_translator", "translate", "DEFAULT_DATA"]

logger = logging.getLogger(__name__)

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "data" / "tatoeba-en-de" / "pairs.tsv.gz"

# Short everyday sentences shown with attention maps when they are in the test split.
_N_ATTENTION = 3


# Packages a translator run depends on beyond those of every run.
_PACKAGES = ("tokenizers", "sacrebleu")


def train_translator(
    data_path=None,
    out_dir="reports",
    *,
    n_pairs: int | None = None,
    max_epochs: int = 8,
    seed: int = 0,
    test_fraction: float = 0.1,
    n_examples: int = 20,
    verbose: bool = False,
    **model_params,
) -> Path:
    """Train a :class:`TransformerSeq2Seq` and write a new run folder; return its path.

    Parameters
    ----------
    data_path : str or Path, optional
        Tab-separated ``source<TAB>target`` pairs (``.gz`` allowed); by default the
        bundled Tatoeba English-German pairs.
    out_dir : str or Path, default="reports"
        Parent folder; the run folder is created inside it under a new name.
    n_pairs : int, optional
        Use only the first ``n_pairs`` pairs of the file.
    max_epochs : int, default=8
        Most training epochs (early stopping may end sooner).
    seed : int, default=0
        Seed of the test split and the model.
    test_fraction : float, default=0.1
        Fraction of distinct source sentences held out for scoring.
    n_examples : int, default=20
        Test sentences shown as examples in the report.
    verbose : bool, default=False
        Progress bar and per-epoch log lines.
    **model_params
        Further :class:`TransformerSeq2Seq` parameters (``d_model``, ``beam_size``...).

    Returns
    -------
    Path
        The run folder, holding ``model/``, ``metrics.json``, ``report.html`` and
        ``run.log``.
    """
    data_path = Path(DEFAULT_DATA if data_path is None else data_path)
    params = {"vocab_size": 4000, "dim_feedforward": 256, **model_params}
    params.update(max_epochs=max_epochs, random_state=seed, verbose=verbose)
    model = TransformerSeq2Seq(**params)
    model._validate_params()  # fail on a bad setting before reading any data
    stem = default_stem(data_path.name.split(".")[0], seed, application="translate")
    with run_folder(out_dir, stem) as holder:
        staging = holder.staging
        started = time.perf_counter()
        sources, targets = load_pairs(data_path, n_pairs=n_pairs)
        train_idx, test_idx = grouped_split(sources, test_size=test_fraction, random_state=seed)
        logger.info(
            "Read %d pairs from %s: %d for training, %d held out", len(sources), data_path.name,
            len(train_idx), len(test_idx),
        )
        train_src = [sources[i] for i in train_idx]
        train_tgt = [targets[i] for i in train_idx]
        test_src = [sources[i] for i in test_idx]
        test_tgt = [targets[i] for i in test_idx]

        fit_start = time.perf_counter()
        model.fit(train_src, train_tgt)
        fit_seconds = time.perf_counter() - fit_start
        logger.info("Trained %d epochs in %.0f s (kept epoch %d)", len(model.history_), fit_seconds,
                    model.best_epoch_)

        unique_src, references = group_references(test_src, test_tgt)
        scores = _score(model, unique_src, references, test_src, test_tgt)
        save_translator(model, staging / "model")

        facts = {"sources": sources, "train_src": train_src, "test_pairs": len(test_idx),
                 "unique_src": unique_src, "test_fraction": test_fraction, "seed": seed}
        metrics = _metrics(model, data_path, facts, scores, fit_seconds)
        examples = _examples(unique_src, references, scores["hypotheses"], n_examples)
        metrics["seconds"]["total"] = time.perf_counter() - started
        lengths = {
            "source": [len(ids) for ids in model.source_vocab_.encode_batch(train_src)],
            "target": [len(ids) for ids in model.target_vocab_.encode_batch(train_tgt)],
        }
        write_report(staging / "report.html", metrics, examples, _attention(model, unique_src), lengths)
        (staging / "metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
        logger.info(
            "BLEU greedy %.2f, beam %.2f; exact match greedy %.1f%%",
            metrics["bleu"]["greedy"], metrics["bleu"]["beam"], 100 * metrics["exact_match"]["greedy"],
        )
    logger.info("Run folder: %s", holder.path)
    return holder.path


def _metrics(model, data_path, facts, scores, fit_seconds) -> dict:
    """The run's ``metrics.json`` content; ``seconds.total`` is filled in at the end."""
    return {
        "data": {
            "name": data_path.name,
            "pairs": len(facts["sources"]),
            "unique_sources": len(set(facts["sources"])),
        },
        "split": {
            "test_fraction": facts["test_fraction"],
            "train_pairs": len(facts["train_src"]),
            "train_sources": len(set(facts["train_src"])),
            "valid_pairs": model.n_valid_pairs_,
            "skipped_pairs": model.n_skipped_pairs_,
            "test_pairs": facts["test_pairs"],
            "test_sources": len(facts["unique_src"]),
        },
        "vocab": {"source": model.source_vocab_.size, "target": model.target_vocab_.size},
        "bleu": scores["bleu"],
        "bleu_single_reference": scores["bleu_single_reference"],
        "exact_match": scores["exact_match"],
        "seconds": {
            "training": fit_seconds,
            "decode_greedy": scores["seconds"]["greedy"],
            "decode_beam": scores["seconds"]["beam"],
            "total": None,
        },
        "history": model.history_,
        "best_epoch": model.best_epoch_,
        "n_parameters": sum(p.numel() for p in model.module_.parameters()),
        "params": model.get_params(deep=False),
        "device": str(resolve_device(model.device)),
        "seed": facts["seed"],
        "versions": package_versions(_PACKAGES),
        "finished": datetime.now().isoformat(timespec="seconds"),
    }


def _score(model, unique_src, references, test_src, test_tgt) -> dict:
    """BLEU (all references and one per pair) and exact match, greedy and beam."""
    out = {"bleu": {}, "bleu_single_reference": {}, "exact_match": {}, "seconds": {}, "hypotheses": {}}
    position = {s: i for i, s in enumerate(unique_src)}
    for decoding in DECODINGS:
        start = time.perf_counter()
        hyps = model.predict(unique_src, decoding=decoding)
        out["seconds"][decoding] = time.perf_counter() - start
        out["hypotheses"][decoding] = hyps
        out["bleu"][decoding] = corpus_bleu(hyps, references)
        per_pair = [hyps[position[s]] for s in test_src]
        out["bleu_single_reference"][decoding] = corpus_bleu(per_pair, test_tgt)
        out["exact_match"][decoding] = exact_match(hyps, references)
        logger.info("%s decoding of %d sentences: %.1f s", decoding, len(hyps), out["seconds"][decoding])
    return out


def _examples(unique_src, references, hypotheses, n) -> list[dict]:
    # Evenly spaced over the test sentences (the bundled file is sorted by length).
    if not unique_src:
        return []
    step = max(1, len(unique_src) // max(n, 1))
    return [
        {
            "source": unique_src[i],
            "references": references[i],
            "greedy": hypotheses["greedy"][i],
            "beam": hypotheses["beam"][i],
        }
        for i in range(0, len(unique_src), step)[:n]
    ]


def _attention(model, unique_src) -> list[dict]:
    # Sentences of 3 to 6 words give readable maps.
    chosen = [s for s in unique_src if 3 <= len(s.split()) <= 6][:: 97][:_N_ATTENTION]
    return [model.attention_maps(s) | {"source": s} for s in chosen or unique_src[:_N_ATTENTION]]


def translate(model_dir, sentences, decoding="greedy") -> list[str]:
    """Translate ``sentences`` with the model saved in ``model_dir``.

    Parameters
    ----------
    model_dir : str or Path
        A ``model`` folder of a run (or any folder written by ``save``).
    sentences : list of str
    decoding : {"greedy", "beam"}, default="greedy"

    Returns
    -------
    list of str
        One translation per sentence.
    """
    return load_translator(model_dir).predict(list(sentences), decoding=decoding)
