"""The ``dmflow`` command line (also ``python cli.py``).

Exit codes follow BSD sysexits: 0 success, 2 usage error, 65 bad data,
74 the machine refused a read or write (disk full, read-only, no access),
75 a worker process was killed (usually for memory), 78 bad config,
130 interrupted (SIGINT), 143 terminated (SIGTERM), 1 an unexpected failure (a
bug: rerun with ``--debug`` for the traceback and report it).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

from . import __version__
from .errors import ConfigError, DataError, environment_fault
from .flow.flags import add_config_flags, config_overrides

__all__ = ["main"]

logger = logging.getLogger("pipeline")

#: ``predict --backend``: this process, or the workers of a Dask cluster.
PREDICT_BACKENDS = ("local", "dask")

EXIT_USAGE, EXIT_DATA, EXIT_CONFIG, EXIT_BUG = 2, 65, 78, 1
# The shell's code for a process ended by a signal: 128 + its number (130, 143).
_SIGNAL_EXIT_BASE = 128


def _add_run(commands):
    """``dmflow run``: every config key as a flag."""
    run = commands.add_parser(
        "run", help="run the six-phase flow and write a run folder",
        description="Every config key is a flag; flags override the --config file.",
    )
    run.add_argument("--config", metavar="FILE", help="YAML or TOML file with the same keys as these flags.")
    add_config_flags(run)
    run.set_defaults(func=_cmd_run)


def _add_predict(commands):
    """``dmflow predict``: score raw rows with a model folder."""
    predict = commands.add_parser("predict", help="predict classes and probabilities for raw rows")
    predict.add_argument("--model", required=True, metavar="RUN/model", help="a run's model folder")
    predict.add_argument("--data", required=True, metavar="PATH", help="CSV/TSV/Parquet rows to score")
    predict.add_argument("--out", metavar="FILE",
                         help="CSV to write, not the --data file (default: standard output)")
    predict.add_argument("--keep", metavar="COLUMNS", default="",
                         help="comma-separated input columns (an identifier, say) copied into the output")
    predict.add_argument("--defuse-formulas", action=argparse.BooleanOptionalAction, default=True,
                         help="prefix ' to the output's text cells and headers that a spreadsheet "
                              "would run as formulas (CSV injection), so it shows them as text; numbers "
                              "stay numbers. Only CSV needs it: Parquet holds typed values, not formulas "
                              "(default: on)")
    _add_limit_flags(predict)
    predict.add_argument("--backend", default=PREDICT_BACKENDS[0], choices=PREDICT_BACKENDS,
                         help="dask: score a folder or glob of files on a Dask cluster, one task per file, "
                              "into a folder of Parquet files (--out)")
    predict.add_argument("--scheduler", metavar="ADDRESS",
                         help="Dask scheduler for --backend dask (default: a local cluster)")
    predict.add_argument("--n-jobs", type=int, metavar="N",
                         help="workers of the local Dask cluster (default: as for run)")
    predict.add_argument("--verify-with", metavar="PUBLIC.pem",
                         help="refuse the model unless it is signed with this public key's private key")
    predict.set_defaults(func=_cmd_predict)


def _add_sign(commands):
    """``dmflow sign``: sign a model folder."""
    sign = commands.add_parser(
        "sign", help="sign a model folder with an elliptic-curve private key (writes model.sig)",
        description="Make a key pair with: openssl ecparam -name prime256v1 -genkey -noout -out key.pem "
                    "&& openssl ec -in key.pem -pubout -out key.pub (needs dmflow[signing]).")
    sign.add_argument("--model", required=True, metavar="RUN/model", help="the model folder to sign")
    sign.add_argument("--key", required=True, metavar="PRIVATE.pem", help="the private key")
    sign.set_defaults(func=_cmd_sign)


def _add_verify(commands):
    """``dmflow verify``: check a model folder's signature."""
    verify = commands.add_parser("verify", help="check a model folder's signature and files")
    verify.add_argument("--model", required=True, metavar="RUN/model", help="the model folder to check")
    verify.add_argument("--key", required=True, metavar="PUBLIC.pem", help="the signer's public key")
    verify.set_defaults(func=_cmd_verify)


def _add_compare(commands):
    """``dmflow compare``: run folders side by side."""
    compare = commands.add_parser("compare", help="one HTML page setting run folders side by side")
    compare.add_argument("runs", nargs="+", metavar="RUN", help="run folders (two or more)")
    compare.add_argument("--out", metavar="FILE", default="compare.html",
                         help="HTML file to write (default: compare.html)")
    compare.set_defaults(func=_cmd_compare)


def _add_datasets(commands):
    """``dmflow datasets``: list the bundled datasets."""
    datasets = commands.add_parser("datasets", help="list the bundled datasets")
    datasets.set_defaults(func=_cmd_datasets)


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
    for add in (_add_run, _add_predict, _add_sign, _add_verify, _add_compare, _add_datasets):
        add(commands)

    from .translate import add_translate_commands  # needs none of the translate extra's packages

    add_translate_commands(commands)
    return parser


def _add_limit_flags(parser):
    """One flag per input limit, as ``run`` has through its config keys."""
    import dataclasses

    from .limits import InputLimits

    for spec in dataclasses.fields(InputLimits):
        parser.add_argument("--" + spec.name.replace("_", "-"), type=type(spec.default), default=spec.default,
                            metavar=spec.metadata["metavar"],
                            help=f"{spec.metadata['help']} (default: {spec.default:,})")


def _cmd_run(args):
    from .flow.config import load_config
    from .flow.runner import run

    # no worker is started here: the run checks the data first (see pipeline.flow.runner)
    config = load_config(args.config, **config_overrides(args))

    result = run(config, verbose=not args.quiet)
    logger.info("Best model: %s", result.headline())
    print(result.path)
    return 0


def _cmd_predict(args):
    from .limits import InputLimits
    from .persistence import load_model
    from .predict import predict_file

    keep = [column.strip() for column in args.keep.split(",") if column.strip()]
    limits = InputLimits(**{name: getattr(args, name) for name in InputLimits.__dataclass_fields__})
    limits.validate()
    if args.backend != "local" or args.scheduler is not None:
        from .flow.predict_dask import check_flags, predict_partitions

        check_flags(args.backend, args.scheduler, args.out)
        if args.verify_with is not None:  # the workers load the folder as it is once checked here
            load_model(args.model, verify_with=args.verify_with)
        n_rows = predict_partitions(args.model, args.data, args.out, keep=keep, scheduler=args.scheduler,
                                    n_jobs=args.n_jobs, limits=limits)
    else:
        model = load_model(args.model, verify_with=args.verify_with)
        n_rows = predict_file(model, None, args.data, args.out, keep=keep,
                              defuse_formulas=args.defuse_formulas, limits=limits)
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


class _Signals:
    """SIGINT and SIGTERM unwind the command once, like Ctrl-C; repeats are only counted.

    The first signal raises :class:`KeyboardInterrupt`, so staging folders and
    temporary files are removed on the way out. A second one must not cut that
    clean-up short, nor the interpreter's exit handlers (joblib's, loky's), where it
    would print "Exception ignored in atexit" tracebacks.
    """

    def __init__(self):
        self.received = []
        self.previous = {}

    def install(self):
        self.previous[signal.SIGTERM] = signal.signal(signal.SIGTERM, self._handle)
        # A shell starts background jobs with SIGINT ignored; such a run carries on.
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self.previous[signal.SIGINT] = signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum, frame):
        self.received.append(signum)
        if len(self.received) == 1:
            raise KeyboardInterrupt

    def exit_code(self):
        """128 + the first signal's number: 130 for SIGINT (or Ctrl-C without a handler), 143 for SIGTERM."""
        return _SIGNAL_EXIT_BASE + (self.received[0] if self.received else signal.SIGINT)

    def restore(self):
        """Put the previous handlers back; after a signal, ignore further ones instead.

        The process is then on its way out, and the interpreter resets its own
        handlers to the default (die at once) after the exit handlers ran but
        before it has finished exiting, which would turn the exit code into a
        death by signal.
        """
        for signum, handler in self.previous.items():
            signal.signal(signum, signal.SIG_IGN if self.received else handler)


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
    # A SIGTERM (e.g. from a job scheduler) unwinds like Ctrl-C.
    signals = _Signals()
    signals.install()
    try:
        return args.func(args)
    except KeyboardInterrupt:
        logger.error("Interrupted; nothing was left half-written.")
        return signals.exit_code()
    except (DataError, ConfigError) as err:
        _log_error(args, str(err))
        return err.exit_code
    except Exception as err:
        return _exit_code_of(args, err)
    finally:
        signals.restore()


def _log_error(args, message):
    if args.debug:
        logger.exception("%s", message)
    else:
        logger.error("%s", message)


def _exit_code_of(args, err):
    """A full disk or a killed worker is the machine's doing; a few OSErrors are usage; the rest a bug."""
    fault = environment_fault(err)
    if fault is not None:
        code, message = fault
        _log_error(args, message)
        return code
    if isinstance(err, (FileExistsError, PermissionError, IsADirectoryError)):
        logger.error("%s", err)
        return EXIT_USAGE
    # a bug: say so plainly instead of a bare traceback
    if args.debug:
        logger.exception("Unexpected error")
    else:
        logger.error(
            "Unexpected error (%s: %s). This is a bug in dmflow; rerun with --debug for the "
            "traceback and report it.", type(err).__name__, err,
        )
    return EXIT_BUG
