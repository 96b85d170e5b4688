"""
A dmflow estimator in plain scikit-learn code
=============================================

dmflow's estimators and phases are ordinary scikit-learn components: they take part in
:class:`~sklearn.pipeline.Pipeline`, :func:`~sklearn.model_selection.cross_val_score`,
:class:`~sklearn.model_selection.GridSearchCV` and :func:`~sklearn.base.clone` like any
other. Here the torch MLP is tuned by a grid search behind a scaler, and the z-score
outlier filter, a sampler, is put in an imbalanced-learn pipeline.
"""

# %%
from imblearn.pipeline import make_pipeline as make_imb_pipeline
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from pipeline import TorchMLPClassifier, ZScoreOutlierRemover

X, y = make_classification(n_samples=400, n_features=8, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

# %%
# A grid search over the MLP's hidden layers
# ------------------------------------------
# ``max_steps`` bounds the training budget so that the example stays short.
search = GridSearchCV(
    make_pipeline(StandardScaler(), TorchMLPClassifier(max_steps=200, random_state=0)),
    {"torchmlpclassifier__hidden_layer_sizes": [(16,), (32, 16)]},
    scoring="roc_auc", cv=3,
)
search.fit(X_train, y_train)
print(search.best_params_, round(search.score(X_test, y_test), 3))

# %%
# A sampler in an imbalanced-learn pipeline
# -----------------------------------------
# The outlier filter drops training rows while the pipeline is fitted and is skipped
# when it predicts, so cross-validation scores every validation row.
model = make_imb_pipeline(ZScoreOutlierRemover(threshold=3.0), LogisticRegression())
print(cross_val_score(model, X, y, cv=3, scoring="roc_auc").round(3))
