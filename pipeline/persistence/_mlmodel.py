"""A model folder's ``MLmodel`` file: written without MLflow, checked on load.

The file declares MLflow's ``python_function`` flavor with dmflow's loader
(:mod:`pipeline.persistence._pyfunc`) and the folder itself as its data; see that
module for why.
"""


from __future__ import annotations

import platform

import yaml

from ._manifest import ModelFileError

__all__ = ["LOADER", "MLMODEL", "check_mlmodel", "mlmodel_file"]

#: The module MLflow calls to load a model folder (its ``_load_pyfunc``).
LOADER = "pipeline.persistence._pyfunc"
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
                "loader_module": LOADER,
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
        ours = flavor["loader_module"] == LOADER and flavor.get("data") == _DATA
    except (yaml.YAMLError, UnicodeDecodeError, TypeError, KeyError):
        ours = False
    if not ours:
        raise ModelFileError(
            f"The {MLMODEL} file of model {str(folder)!r} does not name dmflow's loader "
            f"({LOADER}) for the folder itself; it was edited. Use an untouched copy of the folder."
        )
