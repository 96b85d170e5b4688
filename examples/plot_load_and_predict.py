"""
Load a saved model folder and predict
=====================================

A run saves its chosen model as a folder checked by SHA-256 on load
(:func:`pipeline.save_model` writes the same kind of folder). :func:`pipeline.load_model`
returns the fitted estimator and the folder's manifest, and
:func:`pipeline.predict.predict_frame` predicts raw rows as ``dmflow predict`` does:
the class and one probability column per class.
"""

# %%
import shutil
import tempfile
from pathlib import Path

import pandas as pd
from sklearn.datasets import make_classification

from pipeline import RunConfig, load_model, run
from pipeline.predict import predict_frame

X, y = make_classification(n_samples=300, n_features=4, random_state=1)
table = pd.DataFrame(X, columns=["a", "b", "c", "d"]).assign(label=y)
work = Path(tempfile.mkdtemp())
table.to_csv(work / "train.csv", index=False)
result = run(RunConfig(data=str(work / "train.csv"), target="label", models=["logreg"],
                       cv=3, n_jobs=1, ensemble=False, out=str(work / "reports")), verbose=False)

# %%
# Loading the folder
# ------------------
# Every file's hash is checked before anything is read, and only trusted types are
# loaded. The manifest says what the model expects.
estimator, manifest = load_model(result.path / "model")
print(manifest["metadata"]["target"], manifest["metadata"]["roles"]["numeric"])

# %%
# Predicting new rows
# -------------------
# The target column, if present, is ignored; the output keeps the input's index.
new_rows = table.drop(columns="label").sample(5, random_state=0)
print(predict_frame(estimator, manifest, new_rows))

# %%
# The example's files were written to a temporary folder; remove it.
shutil.rmtree(work)
