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

import platform

import yaml

from ._manifest import ModelFileError

__all__ = ["MLMODEL", "check_mlmodel", "mlmodel_file"]

#: The file MLflow reads a model's flavors from.
MLMODEL = "MLmodel"
# The folder itself is the flavor's data: MLflow hands its path to _load_pyfunc.
_DATA = "."


def mlmodel_file():
    """The bytes of a model folder's ``MLmodel`` file.

    Returns
    -------
    bytes

    Examples
    --------
    >>> import yaml
    >>> yaml.safe_load(mlmodel_file())["flavors"]["python_function"]["loader_module"]
    'pipeline.persistence._pyfunc'
    """
    content = {
        "flavors": {
            "python_function": {
                "loader_module": __name__,
                "data": _DATA,
                "python_version": platform.python_version(),
            },
        },
    }
    return yaml.safe_dump(content, sort_keys=False).encode("utf-8")


def check_mlmodel(data, folder):
    """Refuse an ``MLmodel`` file that does not name dmflow's loader for this folder.

    MLflow imports the module an ``MLmodel`` file names before any dmflow check
    can run, so one naming another loader is refused by dmflow's own loading
    (and, for a signed folder, by its signature).

    Raises
    ------
    ModelFileError

    Examples
    --------
    >>> check_mlmodel(mlmodel_file(), "m")
    >>> check_mlmodel(b"flavors: {python_function: {loader_module: os}}", "m")
    Traceback (most recent call last):
    ...
    pipeline.persistence._manifest.ModelFileError: The MLmodel file of model 'm' does not name ...
    """
    try:
        content = yaml.safe_load(data)
        flavor = content["flavors"]["python_function"]
        ours = flavor["loader_module"] == __name__ and flavor.get("data") == _DATA
    except (yaml.YAMLError, UnicodeDecodeError, TypeError, KeyError):
        ours = False
    if not ours:
        raise ModelFileError(
            f"The {MLMODEL} file of model {str(folder)!r} does not name dmflow's loader "
            f"({__name__}) for the folder itself; it was edited. Use an untouched copy of the folder."
        )


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
