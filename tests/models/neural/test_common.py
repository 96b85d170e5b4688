"""scikit-learn's estimator checks over every neural classifier and the random-kernel features.

Every estimator runs the whole set of checks at small settings that still learn the
checks' easy problems, and the checks about predicting (a row's answer whatever batch
or order it comes in) at its default settings as well, where the default width of the
random-kernel features (10,000) made RocketClassifier's answers depend on the batch.
The whole set at defaults is left out for its cost: 187 s on two cores, 95 s of it
RocketClassifier's three check_classifiers_train runs. The torch networks keep their
default architecture but train for a few steps, since the default training budget
costs 25-45 s per check and changes nothing about how a fitted network predicts.
"""

import pytest
from sklearn.utils.estimator_checks import (
    check_methods_sample_order_invariance,
    check_methods_subset_invariance,
    parametrize_with_checks,
)

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

TORCH_CLASSES = [TorchMLPClassifier, RNNClassifier, LSTMClassifier, GRUClassifier, TransformerClassifier,
                 CNNClassifier, ResNetClassifier]

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

DEFAULTS = [cls(max_steps=4, random_state=0) for cls in TORCH_CLASSES] + [
    RandomKernelFeatures(random_state=0),
    RocketClassifier(random_state=0),
]

#: The checks whose outcome depends on how a fitted estimator predicts, not on how well it learnt.
PREDICTION_CHECKS = [check_methods_subset_invariance, check_methods_sample_order_invariance]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_contract(estimator, check):
    check(estimator)


@pytest.mark.parametrize("check", PREDICTION_CHECKS, ids=lambda check: check.__name__)
@pytest.mark.parametrize("estimator", DEFAULTS, ids=lambda estimator: type(estimator).__name__)
def test_defaults_predict_a_row_the_same_in_any_batch(estimator, check):
    check(type(estimator).__name__, estimator)
