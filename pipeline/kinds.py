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
    PHASES,
    build_phase_steps,
    build_sequence_steps,
    phase_report,
    sequence_phase_report,
)
from .sequences import frame_to_series

__all__ = ["KINDS", "SequenceKind", "TableKind", "resolve_kind"]

logger = logging.getLogger(__name__)

class TableKind:
    """Rows of named numeric and categorical columns.

    Examples
    --------
    >>> from pipeline import RunConfig
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

    def phase_options(self, config, *, class_weight, fixed=None, oversample=True):
        """Phase variants searched: one option list per entry of :data:`~pipeline.phases.PHASES`.

        A model's own variants (``fixed``: phase name -> variants) replace the run's;
        class weights only for estimators that take them (``class_weight``), SMOTE
        only when ``oversample``; without any balancing left, none.
        """
        fixed = fixed or {}
        return {phase.name: phase.searched(list(fixed.get(phase.name) or getattr(config, phase.name)),
                                           estimator_variants=class_weight, synthetic_rows=oversample)
                for phase in PHASES}

    def phase_steps(self, config, roles, variant, *, reads_sequences=False):
        """The unfitted phase steps for one variant (``balance: weight`` leaves the data as is)."""
        steps = build_phase_steps(
            roles.numeric, roles.categorical, dates=roles.dates, threshold=config.z_threshold,
            k_neighbors=config.k_neighbors, max_categories=config.max_categories, random_state=config.seed,
            **{phase.name: phase.step_method(variant[phase.name]) for phase in PHASES},
        )
        # A phase left out (no outlier treatment) is dropped rather than passed through:
        # a Pipeline takes its input's column names from its first step.
        return [(name, step) for name, step in steps if not (isinstance(step, str) and step == "passthrough")]

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

    def phase_options(self, config, *, class_weight, fixed=None, oversample=True):
        # Series are clipped, never dropped; SMOTE works on flattened series; no reduction.
        options = super().phase_options(config, class_weight=class_weight, fixed=fixed, oversample=oversample)
        return {phase.name: phase.for_sequences(options[phase.name]) for phase in PHASES}

    def phase_steps(self, config, roles, variant, *, reads_sequences=False):
        methods = {phase.name: phase.step_method(variant[phase.name]) for phase in PHASES}
        return build_sequence_steps(
            flatten=not reads_sequences,
            threshold=config.z_threshold if methods["outliers"] != "none" else None,
            balance=methods["balance"], k_neighbors=config.k_neighbors, random_state=config.seed,
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
