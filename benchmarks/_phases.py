"""Phases 1-4 two ways, timed per phase: through dmflow, and hand-written.

Both follow the same protocol and settings (a run's defaults): stratified
train / validation / test split first, then on the training part only z-score
row drop (|z| > 3), mean / most-frequent imputation, one-hot encoding (at most 30
columns per categorical), min-max scaling, SMOTE (k = 5) and LDA, and finally the
validation and test parts pushed through the fitted transformers.
"""

from __future__ import annotations

import numpy as np
from _common import Laps
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder

from pipeline.datasets import infer_roles
from pipeline.phases import build_phase_steps, train_val_test_split

SEED = 0
MAX_CATEGORIES = 30


def dmflow_phases(X, y, *, steps_only=False):
    """Run phases 1-4 with dmflow's own components; return the timing record.

    With ``steps_only`` the phase steps are fitted one by one, exactly as
    :class:`imblearn.pipeline.Pipeline` calls them, so each phase gets its own time;
    otherwise the Pipeline of the steps is fitted as a run fits it.
    """
    roles = infer_roles(X)  # part of loading the data in a run, not of the phases
    laps = Laps()
    X_train, X_val, X_test, y_train, y_val, y_test = train_val_test_split(
        X, y, test_size=0.2, val_size=0.2, random_state=SEED)
    laps.lap("split")
    steps = build_phase_steps(roles.numeric, roles.categorical, outliers="drop",
                              balance="smote", k_neighbors=5, reduce="lda",
                              max_categories=MAX_CATEGORIES, random_state=SEED)
    if steps_only:
        named = dict(steps)
        Xt, yt = named["outliers"].fit_resample(X_train, y_train)
        laps.lap("outliers")
        Xt = named["prepare"].fit_transform(Xt, yt)
        laps.lap("prepare")
        Xt, yt = named["balance"].fit_resample(Xt, yt)
        laps.lap("balance")
        named["reduce"].fit(Xt, yt)
        laps.lap("reduce")
        fitted = Pipeline(steps)
    else:
        fitted = Pipeline(steps).fit(X_train, y_train)
        laps.lap("fit")
    width = fitted.named_steps["reduce"].n_features_in_
    V, T = fitted.transform(X_val), fitted.transform(X_test)
    laps.lap("transform")
    return laps.result(rows_train=len(X_train), rows_fitted=int(len(yt) if steps_only else -1),
                       width=int(width), out_shape=[list(V.shape), list(T.shape)],
                       out_dtype=str(V.dtype),
                       neighbour_search=getattr(fitted.named_steps["balance"], "neighbour_search_", None))


def handwritten_phases(X, y):
    """The same phases composed by hand from scikit-learn and imbalanced-learn."""
    laps = Laps()
    y = np.asarray(y)
    X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=0.2, stratify=y,
                                                      random_state=SEED)
    X_train, X_val, y_train, y_val = train_test_split(X_rest, y_rest, test_size=0.2,
                                                      stratify=y_rest, random_state=SEED)
    laps.lap("split")
    numeric = X_train.select_dtypes("number")
    z = (numeric - numeric.mean()) / numeric.std(ddof=0)
    keep = ~(z.abs() > 3).any(axis=1).to_numpy()
    X_fit, y_fit = X_train[keep], y_train[keep]
    laps.lap("outliers")
    prepare = make_column_transformer(
        (make_pipeline(SimpleImputer(), MinMaxScaler()), make_column_selector(dtype_include="number")),
        (make_pipeline(SimpleImputer(strategy="most_frequent"),
                       OneHotEncoder(handle_unknown="infrequent_if_exist", max_categories=MAX_CATEGORIES,
                                     sparse_output=False, dtype=np.float32)),
         make_column_selector(dtype_exclude="number")),
    )
    A = prepare.fit_transform(X_fit).astype(np.float32, copy=False)
    laps.lap("prepare")
    A, y_fit = SMOTE(k_neighbors=5, random_state=SEED).fit_resample(A, y_fit)
    laps.lap("balance")
    lda = LinearDiscriminantAnalysis().fit(A, y_fit)
    laps.lap("reduce")
    V = lda.transform(prepare.transform(X_val).astype(np.float32, copy=False))
    T = lda.transform(prepare.transform(X_test).astype(np.float32, copy=False))
    laps.lap("transform")
    return laps.result(rows_train=len(X_train), rows_fitted=int(len(y_fit)), width=int(A.shape[1]),
                       out_shape=[list(V.shape), list(T.shape)], out_dtype=str(V.dtype))
