"""AutoGluon-Tabular on a benchmark split, run with AutoGluon's own interpreter.

    AG_ENV/bin/python _autogluon_child.py TRAIN.csv TEST.csv TARGET POSITIVE PRESET TIME_LIMIT WORK

Fits ``TabularPredictor(eval_metric=roc_auc)`` (log loss when there are more than
two classes, as AutoGluon's ROC AUC is binary-only) on the training rows with the
preset and time limit given, predicts class probabilities for the test rows and
prints, as its last line, JSON with the test ROC AUC, the seconds of fit and
predict, the best model of its leaderboard and AutoGluon's version.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd
from _quality_split import heldout_auc


def main(argv):
    train_path, test_path, target, positive, preset, limit, work = argv
    train, test = pd.read_csv(train_path), pd.read_csv(test_path)
    # Labels as text, the way the other arms read them.
    train[target] = train[target].astype(str)
    y_test = test.pop(target).astype(str)
    metric = "roc_auc" if train[target].nunique() == 2 else "log_loss"

    import autogluon.tabular
    from autogluon.tabular import TabularPredictor

    start = time.perf_counter()
    predictor = TabularPredictor(label=target, eval_metric=metric, path=str(Path(work) / "ag"),
                                 verbosity=0)
    predictor.fit(train, presets=preset, time_limit=float(limit))
    fitted = time.perf_counter()
    proba = predictor.predict_proba(test)
    done = time.perf_counter()
    board = predictor.leaderboard(silent=True)
    result = {"auc": heldout_auc(y_test, proba, positive), "fit_s": round(fitted - start, 2),
              "fit_predict_s": round(done - start, 2), "best_model": str(predictor.model_best),
              "models_fitted": int(len(board)), "eval_metric": metric,
              "version": autogluon.tabular.__version__}
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
