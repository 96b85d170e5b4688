"""One plain scikit-learn pipeline on a benchmark split, in a process of its own.

    python _plain_child.py ARM TRAIN.csv TEST.csv TARGET POSITIVE SEED

ARM is ``hgb``, ``logreg`` or ``rf``. The last line printed is JSON: test ROC AUC
(macro one-vs-rest when there are more than two classes) and the seconds spent
fitting and predicting. Text (and boolean) columns are categorical, every other
column numeric, as a user of scikit-learn would type it.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd
from _common import emit
from _quality_split import heldout_auc
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

# How each pipeline meets the categorical columns (written into the results).
ENCODING = {
    "hgb": "categoricals ordinal-encoded and handled natively (categorical_features), missing values native",
    "logreg": "numeric median-imputed and standardised; categoricals mode-imputed and one-hot encoded",
    "rf": "categoricals ordinal-encoded, missing values handled natively by the trees",
}
# Native categorical support in HistGradientBoosting allows at most this many levels.
_MAX_LEVELS = 255


def read_split(train_path, test_path, target):
    """``(X_train, y_train, X_test, y_test, categorical)`` from the split's CSV files."""
    train, test = pd.read_csv(train_path), pd.read_csv(test_path)
    X_train, X_test = train.drop(columns=[target]), test.drop(columns=[target])
    categorical = [c for c in X_train.columns if not pd.api.types.is_numeric_dtype(X_train[c])
                   or pd.api.types.is_bool_dtype(X_train[c])]
    for frame in (X_train, X_test):
        for column in categorical:
            values = frame[column]
            frame[column] = values.astype(str).astype(object).where(values.notna(), np.nan)
    return X_train, train[target].astype(str), X_test, test[target].astype(str), categorical


def _ordinal(categorical):
    encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                             encoded_missing_value=np.nan, max_categories=_MAX_LEVELS)
    return ColumnTransformer([("categorical", encoder, categorical)], remainder="passthrough",
                             verbose_feature_names_out=False)


def make_plain(arm, columns, categorical, seed):
    """The plain pipeline ``arm`` for a table with these columns."""
    if arm == "hgb":
        is_categorical = [True] * len(categorical) + [False] * (len(columns) - len(categorical))
        return make_pipeline(_ordinal(categorical), HistGradientBoostingClassifier(
            categorical_features=is_categorical, random_state=seed))
    if arm == "rf":
        return make_pipeline(_ordinal(categorical), RandomForestClassifier(
            n_estimators=300, n_jobs=2, random_state=seed))
    if arm == "logreg":
        numeric = [c for c in columns if c not in categorical]
        prepare = ColumnTransformer([
            ("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            ("categorical", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                          OneHotEncoder(handle_unknown="ignore")), categorical),
        ])
        return make_pipeline(prepare, LogisticRegression(max_iter=2000))
    raise ValueError(f"Unknown plain arm {arm!r}; use one of {', '.join(ENCODING)}.")


def main(argv):
    arm, train_path, test_path, target, positive, seed = argv
    X_train, y_train, X_test, y_test, categorical = read_split(train_path, test_path, target)
    model = make_plain(arm, list(X_train.columns), categorical, int(seed))
    start = time.perf_counter()
    model.fit(X_train, y_train)
    proba = model.predict_proba(X_test)
    seconds = time.perf_counter() - start
    frame = pd.DataFrame(proba, columns=[str(c) for c in model.classes_])
    emit({"auc": heldout_auc(y_test, frame, positive), "fit_predict_s": round(seconds, 2),
          "encoding": ENCODING[arm]})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
