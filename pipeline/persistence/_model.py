"""The fitted model a run hands out and a model folder loads: raw rows in, answers out."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

__all__ = ["FittedModel", "describe_model"]


def _as_strings(values):
    return [str(v) for v in (values if values is not None else [])]


def describe_model(estimator, metadata=None):
    """The manifest facts of a fitted estimator: classes, feature names, roles, metadata.

    The same dictionary a model folder's ``manifest.json`` holds (less its file
    digests and storage layout), so a model from a run and one loaded from its
    folder describe themselves alike.

    Parameters
    ----------
    estimator : fitted classifier
    metadata : dict, optional
        Facts of the run: ``target``, ``kind``, ``roles``, ``threshold``,
        ``positive_class``, ``model``.

    Returns
    -------
    dict

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> import pandas as pd
    >>> model = LogisticRegression().fit(pd.DataFrame({"a": [0.0, 1.0]}), ["n", "y"])
    >>> facts = describe_model(model, {"target": "t"})
    >>> facts["classes"], facts["feature_names"], facts["metadata"]
    (['n', 'y'], ['a'], {'target': 't'})
    """
    metadata = dict(metadata or {})
    return {
        "classes": _as_strings(getattr(estimator, "classes_", None)),
        "feature_names": _as_strings(getattr(estimator, "feature_names_in_", None)),
        "roles": metadata.get("roles"),
        "metadata": metadata,
    }


class FittedModel(ClassifierMixin, BaseEstimator):
    """A trained dmflow model: the chosen pipeline with the facts it predicts by.

    What :func:`~pipeline.persistence.load_model` returns and
    :attr:`pipeline.flow.runner.RunResult.model` hands out. It takes raw rows as a
    DataFrame whose columns may come in any order (extra columns, the target
    among them, are ignored; a missing one is named in the error), with missing
    values and unseen categories, and answers at the model's saved decision
    threshold. ``fit`` does not train: the pipeline inside is already fitted
    (retrain with ``dmflow run``); it checks the parts and sets the attributes.

    Parameters
    ----------
    estimator : fitted classifier
        The chosen model: an imbalanced-learn Pipeline taking raw rows, or the
        ensemble of such Pipelines.
    manifest : dict
        The model folder's manifest, or :func:`describe_model`'s facts: its
        ``metadata`` names the target, the data kind, the feature roles and the
        threshold.

    Attributes
    ----------
    estimator_ : fitted classifier
        ``estimator``.
    manifest_ : dict
        ``manifest``.
    classes_ : ndarray of shape (n_classes,)
        The classes, in the order of :meth:`predict_proba`'s columns.
    feature_names_in_ : ndarray of shape ``(n_features_in_,)``
        The raw columns the model reads (tables only).
    n_features_in_ : int
        Their number (for sequences: values per series, steps x channels).
    threshold_ : float or None
        Two classes: ``positive_class_`` is predicted when its probability
        reaches this; None predicts the most probable class.
    positive_class_ : label or None
        The class the threshold is about.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    >>> fitted = LogisticRegression().fit(X, ["n", "n", "y", "y"])
    >>> roles = {"numeric": ["a", "b"], "categorical": []}
    >>> facts = describe_model(fitted, {"target": "t", "roles": roles, "threshold": 0.9,
    ...                                 "positive_class": "y"})
    >>> model = FittedModel(fitted, facts).fit()
    >>> rows = pd.DataFrame({"id": [7, 8], "b": [0.0, 1.0], "a": [3.0, 0.0]})  # any column order
    >>> model.predict(rows).tolist(), model.predict_proba(rows).shape, model.threshold_
    (['n', 'n'], (2, 2), 0.9)
    >>> model.feature_names_in_.tolist()
    ['a', 'b']
    """

    def __init__(self, estimator, manifest):
        self.estimator = estimator
        self.manifest = manifest

    def __sklearn_clone__(self):
        # Trained once by the run; a clone is the same trained model, as scikit-learn's
        # FrozenEstimator does, so cross_val_score & co. never refit it on other rows.
        return self

    def fit(self, X=None, y=None):
        """Check the parts and set the attributes; the pipeline is not retrained.

        Parameters
        ----------
        X, y : ignored
            Accepted so that the model fits scikit-learn's API.

        Returns
        -------
        self : FittedModel
        """
        check_is_fitted(self.estimator, msg="FittedModel needs a fitted estimator; got an unfitted one.")
        self.estimator_ = self.estimator
        self.manifest_ = self.manifest
        metadata = self._metadata()
        self.classes_ = np.asarray(self.estimator.classes_)
        roles = metadata.get("roles") or {}
        if metadata.get("kind") == "sequence":
            shape = roles.get("sequence") or {}
            channels = shape.get("n_channels", metadata.get("channels", 1))
            if shape.get("n_steps") is not None:
                self.n_features_in_ = int(shape["n_steps"]) * int(channels)
        elif self._reads_raw():
            for name in ("feature_names_in_", "n_features_in_"):
                if hasattr(self.estimator, name):
                    setattr(self, name, getattr(self.estimator, name))
        else:
            # the order the pipeline was fitted in, which the rows are put into
            names = list(roles.get("numeric", [])) + list(roles.get("categorical", []))
            self.feature_names_in_ = np.asarray(names, dtype=object)
            self.n_features_in_ = len(names)
        threshold = metadata.get("threshold")
        self.threshold_ = None if threshold is None else float(threshold)
        positive = [c for c in self.classes_ if str(c) == str(metadata.get("positive_class"))]
        self.positive_class_ = positive[0] if positive else (
            self.classes_[1] if len(self.classes_) == 2 else None)
        return self

    def _metadata(self):
        return (self.manifest or {}).get("metadata") or {}

    def _reads_raw(self):
        """Saved without a run's roles (``save_model`` of any estimator): rows pass as given."""
        metadata = self._metadata()
        return metadata.get("kind") != "sequence" and metadata.get("roles") is None

    def _rows(self, X):
        """``X`` as the pipeline's input: named columns picked and ordered, values checked."""
        import pandas as pd

        from ..predict import model_input

        if self._reads_raw() or (self._metadata().get("kind") == "sequence"
                                 and not isinstance(X, pd.DataFrame)):
            return X  # an array of series, or rows as the estimator takes them
        if not isinstance(X, pd.DataFrame):
            columns = getattr(self, "feature_names_in_", None)
            X = pd.DataFrame(np.asarray(X, dtype=object) if columns is not None else X,
                             columns=columns)
            if columns is not None:  # an array holds the columns in the model's own order
                X = X.infer_objects()
        return model_input(self.estimator_, self.manifest_, X)

    def predict_proba(self, X):
        """Class probabilities of raw rows.

        Parameters
        ----------
        X : pandas.DataFrame
            Raw rows with (at least) the model's columns, in any order; an array
            is read as columns in ``feature_names_in_`` order.

        Returns
        -------
        ndarray of shape (n_rows, n_classes)
            Columns in the order of ``classes_``.

        Raises
        ------
        pipeline.DataError
            A column the model needs is missing, or a numeric column holds text.
        """
        check_is_fitted(self, "estimator_")
        proba = np.asarray(self.estimator_.predict_proba(self._rows(X)))
        if len(proba) != len(X):
            # The samplers act only in fit; a row lost here would misalign every answer.
            raise RuntimeError(f"The model answered {len(proba)} rows for {len(X)} input rows.")
        return proba

    def predict(self, X):
        """The class of each raw row, at the saved threshold (two classes).

        Parameters
        ----------
        X : pandas.DataFrame
            As for :meth:`predict_proba`.

        Returns
        -------
        ndarray of shape (n_rows,)
        """
        return self.decide(self.predict_proba(X))

    def decide(self, proba):
        """The classes that probabilities from :meth:`predict_proba` stand for."""
        from ..evaluation import decide

        check_is_fitted(self, "estimator_")
        if self.threshold_ is None or len(self.classes_) != 2:
            return decide(proba, self.classes_)
        return decide(proba, self.classes_, self.positive_class_, self.threshold_)

    def __iter__(self):
        # load_model returned (estimator, manifest) before it returned this object.
        warnings.warn(
            "load_model now returns a FittedModel; unpacking it as (estimator, manifest) is "
            "deprecated and will stop working. Use the model itself (model.predict(rows)), or "
            "model.estimator_ and model.manifest_.",
            DeprecationWarning, stacklevel=2,
        )
        return iter((self.estimator_, self.manifest_))
