"""Command-line subcommands ``translate-train`` and ``translate``.

:func:`add_translate_commands` registers both on the program's subparsers; each
sets ``func(args) -> int``. Errors propagate to the program's handler, which
turns data errors (a bad pairs file, a damaged model folder) into exit code 65, and
a missing ``translate`` extra (checked first, before anything is read or written)
into exit code 78.
"""

from __future__ import annotations

import argparse
import logging

from ._extra import require_packages

__all__ = ["add_translate_commands"]

logger = logging.getLogger(__name__)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def add_translate_commands(subparsers) -> None:
    """Register ``translate-train`` and ``translate`` on an argparse subparsers object.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser()
    >>> add_translate_commands(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["translate", "--model", "m", "Hello."])
    >>> args.sentences, args.decoding
    (['Hello.'], 'greedy')
    """
    train = subparsers.add_parser(
        "translate-train",
        help="train an English-to-German Transformer translator and write a run folder",
        description="Train a Transformer translator on tab-separated sentence pairs, score it on "
        "held-out sentences (BLEU, exact match) and write a run folder with the model, "
        "metrics.json, report.html and run.log. Prints the run folder as the last line.",
    )
    train.add_argument("--data", metavar="PAIRS.tsv[.gz]",
                       help="source<TAB>target lines (default: the bundled Tatoeba English-German pairs)")
    train.add_argument("--out", default="reports", metavar="DIR",
                       help="parent of the run folder (default: reports)")
    train.add_argument("--pairs", type=_positive_int, metavar="N", help="use only the first N pairs")
    train.add_argument("--epochs", type=_positive_int, default=8, metavar="N",
                       help="most epochs (default: 8)")
    train.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (default: 0)")
    train.add_argument("--d-model", dest="d_model", type=_positive_int, metavar="N",
                       help="model width (default: 128)")
    train.add_argument("--layers", dest="n_layers", type=_positive_int, metavar="N",
                       help="layers per stack (default: 2)")
    train.add_argument("--heads", dest="n_heads", type=_positive_int, metavar="N",
                       help="attention heads (default: 4)")
    train.add_argument("--vocab-size", dest="vocab_size", type=_positive_int, metavar="N",
                       help="subword vocabulary size per language (default: 4000)")
    train.add_argument("--batch-size", dest="batch_size", type=_positive_int, metavar="N",
                       help="pairs per batch (default: 64)")
    train.add_argument("--beam-size", dest="beam_size", type=_positive_int, metavar="N",
                       help="beam width (default: 4)")
    train.add_argument("--threads", dest="n_threads", type=_positive_int, metavar="N",
                       help="torch threads (default: 1, fastest for this small model on few cores)")
    train.set_defaults(func=_cmd_train)

    run = subparsers.add_parser(
        "translate",
        help="translate sentences with a trained translator",
        description="Translate each sentence with a saved translator; prints one translation per line.",
    )
    run.add_argument("--model", required=True, metavar="RUN/model", help="a translator run's model folder")
    run.add_argument("--decoding", choices=["greedy", "beam"], default="greedy",
                     help="decoding (default: greedy)")
    run.add_argument("sentences", nargs="+", metavar="SENTENCE", help="sentences to translate")
    run.set_defaults(func=_cmd_translate)


def _cmd_train(args) -> int:
    require_packages()
    from ._run import train_translator

    options = {
        name: getattr(args, name)
        for name in ("d_model", "n_layers", "n_heads", "vocab_size", "batch_size", "beam_size", "n_threads")
        if getattr(args, name) is not None
    }
    verbose = logging.getLogger("pipeline").getEffectiveLevel() <= logging.INFO
    path = train_translator(
        args.data, args.out, n_pairs=args.pairs, max_epochs=args.epochs, seed=args.seed,
        verbose=verbose, **options,
    )
    print(path)
    return 0


def _cmd_translate(args) -> int:
    require_packages()
    from ._run import translate

    for line in translate(args.model, args.sentences, decoding=args.decoding):
        print(line)
    return 0
