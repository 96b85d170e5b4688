"""The model folder as an MLflow model: its ``MLmodel`` file and the pyfunc loader it names.

Every classifier folder holds an ``MLmodel`` file declaring MLflow's generic
``python_function`` flavor with this module as its loader, so
``mlflow.pyfunc.load_model(folder)`` and ``mlflow models serve -m folder
--env-manager local`` take the folder as it is. The file is plain YAML written
without MLflow, which stays an optional extra (``dmflow[tracking]``): saving
never needs it, and the file is listed and hashed in the manifest like any other,
so changing it is caught on load. MLflow calls :func:`_load_pyfunc`, which goes
through :func:`~pipeline.persistence.load_model`: the digests, manifest values
and type allowlist are checked as for any load.
"""

from __future__ import annotations

__all__ = []


class _PyfuncModel:
    """What MLflow's ``predict`` calls: raw rows in, the class and probabilities out."""

    def __init__(self, model):
        self.model = model

    def predict(self, model_input, params=None):
        """One row per input row: ``prediction`` and one ``proba_<class>`` per class."""
        import pandas as pd

        from ..predict import predict_frame

        frame = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(model_input)
        return predict_frame(self.model, None, frame)


def _load_pyfunc(path):
    """MLflow's entry point: load the model folder at ``path`` with every dmflow check."""
    from ._folder import load_model

    return _PyfuncModel(load_model(path))
