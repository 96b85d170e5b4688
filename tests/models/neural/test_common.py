"""scikit-learn's estimator checks over every neural classifier and the random-kernel features."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from pipeline.models.neural import (
    CNNClassifier,
    GRUClassifier,
    LSTMClassifier,
    RandomKernelFeatures,
    ResNetClassifier,
    RNNClassifier,
    RocketClassifier,
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
    RandomKernelFeatures(n_features=168, random_state=0),
    RocketClassifier(n_features=168, random_state=0),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_contract(estimator, check):
    check(estimator)
