"""A small but realistic run's metrics and extras, scored with the real metric code."""

import numpy as np
import pytest

from pipeline.evaluation import classification_metrics

HOSTILE = "<script>alert(1)</script>"
BOLD = "<b>x</b>"


def _scores(rng, y_true, classes, skill):
    """Toy predictions: probabilities that lean towards the true class by ``skill``."""
    n, k = len(y_true), len(classes)
    idx = np.array([classes.index(v) for v in y_true])
    proba = rng.dirichlet(np.ones(k), size=n)
    proba[np.arange(n), idx] += skill
    proba /= proba.sum(axis=1, keepdims=True)
    y_pred = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
    return y_pred, proba


def build_metrics(*, classes, protocol="strict", seed=0):
    rng = np.random.default_rng(seed)
    models = {}
    for name, skill in (("random_forest", 0.6), (f"mlp {BOLD}", 0.3)):
        entry = {"params": {"n_estimators": 20, "hidden": [16, 8], "label": HOSTILE},
                 "search": [{"params": {"depth": d}, "validation_roc_auc": 0.7 + d / 100,
                             "fit_time_s": 0.1 * d} for d in (2, 4)] +
                           [{"params": {"depth": None}, "validation_roc_auc": None,
                             "fit_time_s": 0.05}],
                 "fit_time_s": 1.25}
        for split, n in (("validation", 40), ("test", 50), ("test_article", 70)):
            if split == "test_article" and protocol != "article":
                continue
            y_true = np.asarray(classes, dtype=object)[rng.integers(0, len(classes), n)]
            y_pred, proba = _scores(rng, y_true, classes,
                                    skill + (0.5 if split == "test_article" else 0.0))
            entry[split] = classification_metrics(y_true, y_pred, proba, classes)
        models[name] = entry
    best = max(models, key=lambda m: models[m]["validation"]["roc_auc"])
    balance_before = {c: 30 + 20 * i for i, c in enumerate(classes)}
    return {
        "run": {"started": "2026-01-02T03:04:05+00:00", "finished": "2026-01-02T03:05:00+00:00",
                "duration_s": 55.0, "seed": 0, "protocol": protocol,
                "versions": {"dmflow": "0.1.0", "python": "3.11", "numpy": "2.4"},
                "data": {"path": f"data/{HOSTILE}.csv", "sha256": "ab" * 32},
                "config": {"target": HOSTILE, "models": ["random_forest"]}},
        "dataset": {"n_rows": 300, "n_columns": 4, "target": HOSTILE, "classes": classes,
                    "positive_class": classes[1] if len(classes) == 2 else None,
                    "roles": {"numeric": ["age", BOLD], "categorical": [HOSTILE]},
                    "missing": {"age": 3, BOLD: 0, HOSTILE: 7},
                    "class_counts": {s: {c: n + i for i, c in enumerate(classes)}
                                     for s, n in (("train", 60), ("validation", 20),
                                                  ("test", 20))}},
        "phases": {"outliers": {"method": "zscore", "threshold": 3.0, "rows_before": 180,
                                "rows_removed": 4},
                   "imputation": {"cells_imputed": {"age": 2, HOSTILE: 5}},
                   "encoding": {"onehot_columns_added": 3, "n_features_out": 5},
                   "balance": {"method": "smote", "k_neighbors": 5,
                               "class_counts_before": balance_before,
                               "class_counts_after": {c: max(balance_before.values())
                                                      for c in classes}},
                   "reduction": {m: {"method": "lda", "n_components": len(classes) - 1}
                                 for m in models}},
        "models": models,
        "best_model": best,
        "notes": [f"column {HOSTILE} was constant in training rows"],
    }


def build_extras(*, classes, seed=0):
    rng = np.random.default_rng(seed)
    n_tokens = 5
    history = [{"epoch": e, "train_loss": 1.0 / e, "valid_loss": 1.1 / e + 0.01 * e,
                "valid_metric": 0.6 + 0.02 * e} for e in range(1, 9)]
    history[0]["valid_loss"] = None  # an epoch without validation must not break the plot
    maps = rng.dirichlet(np.ones(n_tokens), size=(1, 2, n_tokens))  # (L, H, T, T)
    position = np.arange(n_tokens)[:, None] / 10000 ** (np.arange(8)[None, :] / 8)
    return {
        "lda_projection": {"values": rng.normal(size=(60, len(classes) - 1)),
                           "labels": np.asarray(classes, dtype=object)[rng.integers(
                               0, len(classes), 60)]},
        "histories": {f"mlp {BOLD}": {"history": history, "best_epoch": 6}},
        "attention": {f"mlp {BOLD}": {"maps": maps,
                                      "tokens": ["[CLS]", HOSTILE, BOLD, "age", "x"]}},
        "positional_encoding": np.sin(position),
    }


@pytest.fixture(scope="session")
def binary_classes():
    return ["no", HOSTILE]


@pytest.fixture(scope="session")
def binary_metrics(binary_classes):
    return build_metrics(classes=binary_classes)


@pytest.fixture(scope="session")
def binary_extras(binary_classes):
    return build_extras(classes=binary_classes)


@pytest.fixture(scope="session")
def multiclass_metrics():
    return build_metrics(classes=["a", BOLD, "c"])


@pytest.fixture(scope="session")
def article_metrics(binary_classes):
    return build_metrics(classes=binary_classes, protocol="article")
