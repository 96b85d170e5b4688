"""
Run the flow from Python and read its result
============================================

:func:`pipeline.run` takes a :class:`~pipeline.flow.config.RunConfig`, writes a run folder
and returns a :class:`~pipeline.flow.runner.RunResult`: the folder, the content of its
``metrics.json``, the name of the chosen model and every fitted model.
"""

# %%
# A small labelled table
# ----------------------
# A synthetic table of 300 rows with one categorical column and a few missing values,
# written to a CSV file as a user's data would be.
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification

from pipeline import RunConfig, run

X, y = make_classification(n_samples=300, n_features=5, weights=[0.7], random_state=0)
table = pd.DataFrame(X, columns=[f"x{i}" for i in range(5)])
table["colour"] = np.random.default_rng(0).choice(["red", "green", "blue"], size=len(table))
table.loc[::17, "x1"] = np.nan
table["churned"] = np.where(y == 1, "yes", "no")
work = Path(tempfile.mkdtemp())
table.to_csv(work / "customers.csv", index=False)

# %%
# One run
# -------
# One model, three folds, one worker and no ensemble keep this example quick; a real
# run would leave most keys at their defaults.
config = RunConfig(data=str(work / "customers.csv"), target="churned", models=["logreg"],
                   cv=3, n_jobs=1, ensemble=False, out=str(work / "reports"))
result = run(config, verbose=False)
print(result.path.name, "->", result.best_model)

# %%
# Reading the result
# ------------------
# ``result.metrics`` is the run record, as ``metrics.json`` holds it: per model, the
# cross-validated score that chose it and the scores of the untouched test split.
scores = result.metrics.models[result.best_model]
print("cross-validated", scores.cv.metric, round(scores.cv.mean, 3))
print("test ROC AUC", round(scores.test.roc_auc, 3))
print(sorted(p.name for p in result.path.iterdir()))

# %%
# The chosen model is a fitted imbalanced-learn Pipeline that takes raw rows, missing
# values and all, and answers one prediction per row.
new_rows = table.drop(columns="churned").head(5)
print(result.estimator.predict(new_rows))

# %%
# The example's files were written to a temporary folder; remove it.
shutil.rmtree(work)
