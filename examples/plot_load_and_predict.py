"""
Load a saved model folder and predict
=====================================

A run saves its chosen model as a folder checked by SHA-256 on load
(:func:`pipeline.save_model` writes the same kind of folder). :func:`pipeline.load_model`
returns the fitted model, a scikit-learn classifier that takes raw rows in any column
order and predicts at the run's threshold; :func:`pipeline.predict.predict_frame`
gives what ``dmflow predict`` writes: the class and one probability column per class.
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
model = load_model(result.path / "model")
print(model.manifest_["metadata"]["target"], list(model.feature_names_in_))

# %%
# Predicting new rows
# -------------------
# The target column, if present, is ignored; the output keeps the input's index.
new_rows = table.drop(columns="label").sample(5, random_state=0)
print(model.predict(new_rows[["d", "c", "b", "a"]]))  # any column order
print(predict_frame(model, None, new_rows))

# %%
# The example's files were written to a temporary folder; remove it.
shutil.rmtree(work)
