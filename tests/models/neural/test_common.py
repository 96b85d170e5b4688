"""scikit-learn's estimator checks over every neural classifier."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from pipeline.models.neural import (
    CNNClassifier,
    GRUClassifier,
    LSTMClassifier,
    ResNetClassifier,
    RNNClassifier,
    TorchMLPClassifier,
    TransformerClassifier,
)

# small but able to learn the checks' easy problems (check_classifiers_train wants
# more than 83% training accuracy on a few hundred rows)
FAST = dict(max_steps=100, max_epochs=12, batch_size=32, lr=2e-2, random_state=0)

ESTIMATORS = [
    TorchMLPClassifier((16,), **FAST),
    RNNClassifier(8, **FAST),
    LSTMClassifier(8, **FAST),
    GRUClassifier(8, **FAST),
    TransformerClassifier(8, n_heads=2, n_layers=1, dim_feedforward=16, **FAST),
    CNNClassifier((8, 8), **FAST),
    ResNetClassifier((8,), **FAST),
]

EXPECTED_FAILED: dict[str, dict[str, str]] = {
    "TransformerClassifier": {
        "check_methods_subset_invariance": "float32 matrix products over (batch x tokens) "
        "rows round differently for different batch sizes (measured up to 7e-7), above "
        "this check's 1e-7 tolerance; test_estimators.py checks batch and padding "
        "invariance at 1e-5",
    },
}


@parametrize_with_checks(
    ESTIMATORS,
    expected_failed_checks=lambda est: EXPECTED_FAILED.get(type(est).__name__, {}),
)
def test_sklearn_contract(estimator, check):
    check(estimator)
