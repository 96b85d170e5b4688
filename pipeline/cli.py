"""The ``dmflow`` command line (also ``python cli.py``).

Exit codes follow BSD sysexits: 0 success, 2 usage error, 65 bad data,
78 bad config, 130 interrupted, 1 an unexpected failure (a bug: rerun with
``--debug`` for the traceback and report it).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

from . import __version__
from .errors import ConfigError, DataError
from .flags import add_config_flags, config_overrides

__all__ = ["main"]

logger = logging.getLogger("pipeline")

EXIT_USAGE, EXIT_DATA, EXIT_CONFIG, EXIT_INTERRUPTED, EXIT_BUG = 2, 65, 78, 130, 1


def _build_parser():
    parser = argparse.ArgumentParser(
        prog="dmflow",
        description="From a labelled table to a chosen model and an HTML evaluation report.",
    )
    parser.add_argument("--version", action="version", version=f"dmflow {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="only warnings and errors, no progress bars")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    run = commands.add_parser(
        "run", help="run the six-phase flow and write a run folder",
        description="Every config key is a flag; flags override the --config file.",
    )
    run.add_argument("--config", metavar="FILE", help="YAML or TOML file with the same keys as these flags.")
    add_config_flags(run)
    run.set_defaults(func=_cmd_run)

    predict = commands.add_parser("predict", help="predict classes and probabilities for raw rows")
    predict.add_argument("--model", required=True, metavar="RUN/model", help="a run's model folder")
    predict.add_argument("--data", required=True, metavar="PATH", help="CSV/TSV/Parquet rows to score")
    predict.add_argument("--out", metavar="FILE", help="CSV to write (default: standard output)")
    predict.add_argument("--keep", metavar="COLUMNS", default="",
                         help="comma-separated input columns (an identifier, say) copied into the output")
    predict.add_argument("--verify-with", metavar="PUBLIC.pem",
                         help="refuse the model unless it is signed with this public key's private key")
    predict.set_defaults(func=_cmd_predict)

    sign = commands.add_parser(
        "sign", help="sign a model folder with an elliptic-curve private key (writes model.sig)",
        description="Make a key pair with: openssl ecparam -name prime256v1 -genkey -noout -out key.pem "
                    "&& openssl ec -in key.pem -pubout -out key.pub (needs dmflow[signing]).")
    sign.add_argument("--model", required=True, metavar="RUN/model", help="the model folder to sign")
    sign.add_argument("--key", required=True, metavar="PRIVATE.pem", help="the private key")
    sign.set_defaults(func=_cmd_sign)

    verify = commands.add_parser("verify", help="check a model folder's signature and files")
    verify.add_argument("--model", required=True, metavar="RUN/model", help="the model folder to check")
    verify.add_argument("--key", required=True, metavar="PUBLIC.pem", help="the signer's public key")
    verify.set_defaults(func=_cmd_verify)

    compare = commands.add_parser("compare", help="one HTML page setting run folders side by side")
    compare.add_argument("runs", nargs="+", metavar="RUN", help="run folders (two or more)")
    compare.add_argument("--out", metavar="FILE", default="compare.html",
                         help="HTML file to write (default: compare.html)")
    compare.set_defaults(func=_cmd_compare)

    datasets = commands.add_parser("datasets", help="list the bundled datasets")
    datasets.set_defaults(func=_cmd_datasets)

    try:
        from .translate import add_translate_commands
    except ImportError as err:  # the translator's optional packages are missing
        logger.debug("translate commands unavailable: %s", err)
    else:
        add_translate_commands(commands)
    return parser


def _cmd_run(args):
    from .config import load_config
    from .evaluation import start_workers

    config = load_config(args.config, **config_overrides(args))
    from .models import worker_modules

    # their imports overlap the runner's below
    start_workers(config.backend, config.n_jobs, modules=worker_modules(config.possible_models()))
    from .runner import run

    result = run(config, verbose=not args.quiet)
    best = result.metrics["models"][result.best_model]
    logger.info(
        "Best model: %s (cross-validated %s %s, test ROC AUC %s)",
        result.best_model, best["cv"]["metric"], best["cv"]["mean"], best["test"]["roc_auc"],
    )
    print(result.path)
    return 0


def _cmd_predict(args):
    from .persistence import load_model
    from .predict import predict_file

    model = load_model(args.model, verify_with=args.verify_with)
    keep = [column.strip() for column in args.keep.split(",") if column.strip()]
    n_rows = predict_file(model, None, args.data, args.out, keep=keep)
    if args.out is not None:
        logger.info("Wrote %d predictions to %s", n_rows, args.out)
        print(Path(args.out))
    return 0


def _cmd_sign(args):
    from .persistence import sign_folder

    print(sign_folder(args.model, args.key))
    return 0


def _cmd_verify(args):
    from .persistence import load_model

    load_model(args.model, verify_with=args.key)  # the signature, then every load check
    logger.info("Model %s: signature and files verified with %s.", args.model, args.key)
    return 0


def _cmd_compare(args):
    from .reporting import compare_runs

    print(compare_runs(args.runs, args.out))
    return 0


def _cmd_datasets(args):
    from .datasets import BUNDLED

    for name, entry in BUNDLED.items():
        print(f"{name}\ttarget={entry.target}\t{entry.description}")
    return 0


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def _configure_logging(args):
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("dmflow: %(levelname)s: %(message)s"))
    level = logging.DEBUG if args.debug else logging.WARNING if args.quiet else logging.INFO
    # The handler keeps its own level: a run folder lowers the logger's level
    # to INFO for its run.log, which must not make --quiet chatty.
    handler.setLevel(level)
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False


def main(argv=None):
    """Run the command line; return the exit code."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args)
    # A SIGTERM (e.g. from a job scheduler) unwinds like Ctrl-C, so staging
    # folders and temporary files are removed on the way out.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        logger.error("Interrupted; nothing was left half-written.")
        return EXIT_INTERRUPTED
    except (DataError, ConfigError) as err:
        if args.debug:
            logger.exception("%s", err)
        else:
            logger.error("%s", err)
        return err.exit_code
    except (FileExistsError, PermissionError, IsADirectoryError) as err:
        logger.error("%s", err)
        return EXIT_USAGE
    except Exception as err:  # a bug: say so plainly instead of a bare traceback
        if args.debug:
            logger.exception("Unexpected error")
        else:
            logger.error(
                "Unexpected error (%s: %s). This is a bug in dmflow; rerun with --debug for the "
                "traceback and report it.", type(err).__name__, err,
            )
        return EXIT_BUG
