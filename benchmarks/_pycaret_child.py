"""PyCaret's side of bench_pycaret.py, run by the interpreter of PyCaret's own environment.

PyCaret 3.3.2 pins scikit-learn 1.4 and numpy 1.26, so it lives in a virtual
environment of its own and never imports dmflow. Reads the training and test
rows dmflow used, runs setup() with the same phase choices and compare_models()
over rf, mlp and lr, and prints one JSON line: seconds, the models' CV AUC and
their test ROC AUC.

Usage: python _pycaret_child.py TRAIN.csv TEST.csv TARGET POSITIVE FOLD N_JOBS
"""

import json
import platform
import sys
import time
import warnings


def main(train_csv, test_csv, target, positive, fold, n_jobs):
    import pandas as pd
    import pycaret
    from pycaret.classification import compare_models, predict_model, pull, setup
    from sklearn.metrics import roc_auc_score

    warnings.filterwarnings("ignore")
    train, test = pd.read_csv(train_csv), pd.read_csv(test_csv)
    start = time.perf_counter()
    setup(data=train, test_data=test, target=target, session_id=0, fold=fold, n_jobs=n_jobs,
          imputation_type="simple", numeric_imputation="mean", categorical_imputation="mode",
          remove_outliers=True, normalize=True, normalize_method="minmax",
          fix_imbalance=True, fix_imbalance_method="smote",
          index=False, verbose=False, html=False)
    setup_s = time.perf_counter() - start
    models = compare_models(include=["rf", "mlp", "lr"], sort="AUC", n_select=3, verbose=False)
    seconds = time.perf_counter() - start
    leaderboard = pull()
    y_true = (test[target].astype(str) == positive).to_numpy()
    test_auc = {}
    for model in models:
        scored = predict_model(model, data=test, raw_score=True, verbose=False)
        column = next(c for c in scored.columns if c == f"prediction_score_{positive}")
        test_auc[type(model).__name__] = float(roc_auc_score(y_true, scored[column]))
    cv_auc = {str(row["Model"]): float(row["AUC"]) for _, row in leaderboard.iterrows()}
    versions = {"python": platform.python_version(), "pycaret": pycaret.__version__}
    for name in ("sklearn", "imblearn", "numpy", "pandas"):
        versions[name] = __import__(name).__version__
    print(json.dumps({
        "seconds": round(seconds, 2), "setup_s": round(setup_s, 2),
        "best": type(models[0]).__name__, "best_test_auc": test_auc[type(models[0]).__name__],
        "test_auc": test_auc, "cv_auc": cv_auc, "fold": fold, "n_jobs": n_jobs, "versions": versions,
    }))


if __name__ == "__main__":
    main(*sys.argv[1:5], int(sys.argv[5]), int(sys.argv[6]))
