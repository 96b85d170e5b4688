"""dmflow: a six-phase data-mining flow from a labelled table to a chosen model and a report.

The importable package is ``pipeline``; the distribution and command are ``dmflow``.

Public names are imported on first use (PEP 562), so ``import pipeline`` and the
command line start without loading torch or matplotlib until they are needed.

Examples
--------
>>> import pipeline
>>> pipeline.RunConfig(models=["rf"]).validate().models
['rf']
>>> sorted(pipeline.__all__)[:3]
['Balancer', 'CNNClassifier', 'ConfigError']
"""

from .lazy import lazy_exports

__version__ = "0.1.0"

_EXPORTS = {
    # the whole flow
    "run": "flow", "RunResult": "flow", "RunConfig": "flow", "load_config": "flow",
    "build_model": "models", "MODELS": "models",
    "DataError": "errors", "ConfigError": "errors",
    "save_model": "persistence", "load_model": "persistence",
    # reports of finished runs
    "report": "reporting", "compare_runs": "reporting", "RunRecord": "record", "load_record": "record",
    # phases
    "ZScoreOutlierRemover": "phases", "ZScoreClipper": "phases", "make_prepare": "phases",
    "Balancer": "phases", "Reducer": "phases", "train_val_test_split": "phases",
    "build_phase_steps": "phases",
    # evaluation
    "classification_metrics": "evaluation", "rates_table": "evaluation",
    # neural estimators
    "TorchMLPClassifier": "models.neural", "RNNClassifier": "models.neural",
    "LSTMClassifier": "models.neural", "GRUClassifier": "models.neural",
    "TransformerClassifier": "models.neural", "CNNClassifier": "models.neural",
    "ResNetClassifier": "models.neural", "RocketClassifier": "models.neural",
    "RandomKernelFeatures": "models.neural",
    # translator
    "TransformerSeq2Seq": "translate",
}

__getattr__, __dir__, _names = lazy_exports(__name__, _EXPORTS)
__all__ = ["__version__", *_names]
