"""The kinds of data a run reads: tables and sets of series.

A kind knows everything that differs between them: how to read the feature
columns, which phase steps and phase variants its models get, how to report the
fitted phases, and how to take rows. The rest of the flow asks the kind instead
of testing its name, so a third kind is one more class here.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .datasets import infer_roles
from .phases import (
    BALANCE_METHODS,
    build_phase_steps,
    build_sequence_steps,
    phase_report,
    sequence_phase_report,
)
from .sequences import frame_to_series

__all__ = ["KINDS", "SequenceKind", "TableKind", "resolve_kind"]

logger = logging.getLogger(__name__)

# The balancing methods that add synthetic rows.
_OVERSAMPLERS = tuple(method for method in BALANCE_METHODS if method != "none")


class TableKind:
    """Rows of named numeric and categorical columns.

    Examples
    --------
    >>> from pipeline.config import RunConfig
    >>> X, roles = TableKind().features(pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]}), RunConfig())
    >>> roles.numeric, roles.categorical
    (['a'], ['b'])
    """

    name = "table"
    #: Features have names a report can show.
    named_columns = True

    def features(self, X, config):
        """The feature columns in role order, and their :class:`~pipeline.datasets.Roles`.

        A categorical column with more levels than ``max_categories`` is kept with a
        warning: its rarest levels share one one-hot column.
        """
        roles = infer_roles(X, categorical=config.categorical, numeric=config.numeric, ignore=config.ignore)
        for name in roles.categorical:
            levels = X[name].nunique()
            if levels > config.max_categories:
                roles.reasons[name] += f"; the rarest {levels - config.max_categories + 1} share one column"
                logger.warning(
                    "Column %r has %d levels: the %d most frequent get a one-hot column each and the "
                    "rest share one. Raise max_categories to keep more, or list it in `ignore`.",
                    name, levels, config.max_categories - 1)
        return X[roles.numeric + roles.categorical + roles.dates], roles

    def describe(self, X, roles):
        """One line for the log."""
        dates = f" and {len(roles.dates)} date" if roles.dates else ""
        return f"{len(roles.numeric)} numeric, {len(roles.categorical)} categorical{dates} features"

    def roles_dict(self, X, roles):
        """The roles as stored in ``metrics.json`` and the model folder."""
        return roles.to_dict()

    def phase_options(self, config, *, class_weight, reduce=None, oversample=True):
        """Phase variants searched: outlier treatments, balancing, reductions.

        Class weights only for estimators that take them (``class_weight``), SMOTE
        only when ``oversample``; without any balancing left, none.
        """
        balance = [b for b in config.balance if (b != "weight" or class_weight)
                   and (oversample or b not in _OVERSAMPLERS)] or ["none"]
        return {"outliers": list(config.outliers), "balance": balance,
                "reduce": list(reduce) if reduce is not None else list(config.reduce)}

    def phase_steps(self, config, roles, variant, *, reads_sequences=False):
        """The unfitted phase steps for one variant (``balance: weight`` leaves the data as is)."""
        balance = "none" if variant["balance"] == "weight" else variant["balance"]
        steps = build_phase_steps(
            roles.numeric, roles.categorical, dates=roles.dates, outliers=variant["outliers"],
            threshold=config.z_threshold,
            balance=balance, k_neighbors=config.k_neighbors, reduce=variant["reduce"],
            max_categories=config.max_categories, random_state=config.seed,
        )
        # Without outlier treatment the step is left out rather than passed through:
        # a Pipeline takes its input's column names from its first step.
        return [(name, step) for name, step in steps if not (name == "outliers" and step == "passthrough")]

    def phase_report(self, fitted, X, y):
        """What the fitted phase steps of a Pipeline did on its training rows."""
        return phase_report(fitted, X, y)

    def take(self, X, index):
        """Rows at the given positions."""
        return X.iloc[index]

    def join(self, parts):
        """Rows of several parts, one after another."""
        return pd.concat(parts)

    def example(self, X):
        """The first row, as the models read it."""
        return X.iloc[:1]

    def token_names(self, n_tokens):
        """Default names of the tokens a neural model reads when the columns cannot be named."""
        return [f"x{i}" for i in range(n_tokens)]


class SequenceKind(TableKind):
    """Series of ``channels`` values per step, stored step by step in the columns."""

    name = "sequence"
    named_columns = False

    def features(self, X, config):
        return frame_to_series(X, channels=config.channels), None

    def describe(self, X, roles):
        return f"series of {X.shape[1]} steps x {X.shape[2]} channels"

    def roles_dict(self, X, roles):
        return {"sequence": {"n_steps": int(X.shape[1]), "n_channels": int(X.shape[2])}}

    def phase_options(self, config, *, class_weight, reduce=None, oversample=True):
        # Series are clipped, never dropped; SMOTE works on flattened series; no reduction.
        options = super().phase_options(config, class_weight=class_weight, oversample=oversample)
        outliers = list(dict.fromkeys("none" if o == "none" else "clip" for o in options["outliers"]))
        balance = list(dict.fromkeys("smote" if b == "smotenc" else b for b in options["balance"]))
        return {"outliers": outliers, "balance": balance, "reduce": ["none"]}

    def phase_steps(self, config, roles, variant, *, reads_sequences=False):
        return build_sequence_steps(
            flatten=not reads_sequences,
            threshold=config.z_threshold if variant["outliers"] != "none" else None,
            balance="smote" if variant["balance"] == "smote" else "none",
            k_neighbors=config.k_neighbors, random_state=config.seed,
        )

    def phase_report(self, fitted, X, y):
        return sequence_phase_report(fitted)

    def take(self, X, index):
        return X[index]

    def join(self, parts):
        return np.concatenate(parts)

    def example(self, X):
        return X[:1]

    def token_names(self, n_tokens):
        return [f"t{i}" for i in range(n_tokens)]


#: Kind name -> kind.
KINDS = {kind.name: kind for kind in (TableKind(), SequenceKind())}


def resolve_kind(name, bundled=None):
    """The kind of a run: ``name`` unless ``"auto"``, then the bundled dataset's kind, else a table.

    Examples
    --------
    >>> resolve_kind("auto", "ecg200").name, resolve_kind("auto").name
    ('sequence', 'table')
    """
    from .datasets import BUNDLED

    if name == "auto":
        name = BUNDLED[bundled].kind if bundled in BUNDLED else "table"
    return KINDS[name]
