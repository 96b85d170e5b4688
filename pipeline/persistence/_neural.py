"""Torch classifiers in a model folder: weights as safetensors, parameters as JSON.

A fitted classifier becomes two files: ``neural-<i>.safetensors`` (the CPU state
dict) and ``neural-<i>.json`` (class name, constructor parameters, fitted facts
such as classes and input shape). Loading rebuilds the network from those with
the classifier's ``_build_module`` hook and loads the weights into it; only the
classes of :mod:`pipeline.models.neural` can be named.
"""

from __future__ import annotations

import copy
import json
import sys

import numpy as np

__all__ = [
    "attach_neural", "detach_neural", "module_files", "neural_files", "rebuild_module", "rebuild_neural",
]


def _neural_classes():
    """Name -> class of the torch classifiers a model folder may rebuild."""
    from ..models import neural
    from ..models.neural import NeuralClassifierBase

    found = {}
    for name in neural.__all__:
        obj = getattr(neural, name)
        if isinstance(obj, type) and issubclass(obj, NeuralClassifierBase):
            found[name] = obj
    return found


def _is_neural(estimator):
    # A torch classifier cannot exist before its module is imported; importing torch
    # to find out cost a run with no torch model 1.7 s.
    if "pipeline.models.neural._base" not in sys.modules:
        return False
    try:
        from ..models.neural import NeuralClassifierBase
    except ImportError:  # torch missing: there can be no torch classifier either
        return False
    return isinstance(estimator, NeuralClassifierBase)


def _to_json(value, where):
    """Encode a parameter or fitted value as JSON-ready data, keeping tuples and arrays."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, tuple):
        return {"__tuple__": [_to_json(v, where) for v in value]}
    if isinstance(value, list):
        return [_to_json(v, where) for v in value]
    if isinstance(value, dict):
        return {str(k): _to_json(v, where) for k, v in value.items()}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufUO":
        return {"__ndarray__": [_to_json(v, where) for v in value.tolist()], "dtype": value.dtype.str
                if value.dtype.kind != "O" else "object"}
    if type(value).__module__.startswith("torch") and type(value).__name__ == "device":
        return str(value)
    if isinstance(value, np.random.RandomState):
        return None  # only matters for refitting; a saved model is for predicting
    raise TypeError(f"{where} holds a {type(value).__name__}, which a model folder cannot store as JSON.")


def _from_json(value):
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"__tuple__"}:
            return tuple(_from_json(v) for v in value["__tuple__"])
        if set(value) == {"__ndarray__", "dtype"}:
            dtype = np.dtype(object if value["dtype"] == "object" else value["dtype"])
            if dtype.kind not in "biufUO":
                raise ValueError(f"unsupported array dtype {value['dtype']!r}")
            return np.array(_from_json(value["__ndarray__"]), dtype=dtype)
        return {k: _from_json(v) for k, v in value.items()}
    return value


def module_files(estimator, stem, *, fitted=None):
    """Store a fitted torch estimator as ``<stem>.json`` (parameters, fitted facts) and weights.

    Parameters
    ----------
    estimator : estimator with a fitted ``module_`` (a :class:`torch.nn.Module`)
    stem : str
        File name stem: the files are ``<stem>.json`` and ``<stem>.safetensors``.
    fitted : dict, optional
        The fitted facts to store; default every public attribute ending in ``_``
        except ``module_``. Values must be JSON data, tuples or NumPy arrays.

    Returns
    -------
    dict of str to bytes
    """
    import safetensors.torch

    name = type(estimator).__name__
    if fitted is None:
        fitted = {key: value for key, value in vars(estimator).items()
                  if key.endswith("_") and not key.startswith("_") and key != "module_"}
    spec = {
        "class": name,
        "params": _to_json(estimator.get_params(deep=False), f"{name} parameters"),
        "fitted": {key: _to_json(value, f"{name}.{key}") for key, value in fitted.items()},
    }
    state = {k: v.detach().cpu().contiguous() for k, v in estimator.module_.state_dict().items()}
    return {
        f"{stem}.json": json.dumps(spec, indent=2, sort_keys=True).encode("utf-8"),
        f"{stem}.safetensors": safetensors.torch.save(state),
    }


def rebuild_module(spec_bytes, weights_bytes, classes, *, fitted=None):
    """Rebuild an estimator written by :func:`module_files`, ready to predict.

    Parameters
    ----------
    spec_bytes, weights_bytes : bytes
        The ``.json`` and ``.safetensors`` files.
    classes : dict of str to type
        The only classes the spec may name.
    fitted : dict, optional
        Further fitted attributes set before the network is built (e.g. ones stored in files of their own).

    Raises
    ------
    ValueError
        The spec names another class or an attribute that is not a fitted one.
    """
    import safetensors.torch

    spec = json.loads(spec_bytes.decode("utf-8"))
    if spec.get("class") not in classes:
        raise ValueError(
            f"it names the class {spec.get('class')!r}, which this dmflow does not rebuild here "
            f"(known: {', '.join(sorted(classes))})"
        )
    estimator = classes[spec["class"]](**_from_json(spec["params"]))
    for key, value in {**_from_json(spec["fitted"]), **(fitted or {})}.items():
        if not (key.endswith("_") and key.isidentifier()) or key.startswith("_"):
            raise ValueError(f"unexpected fitted attribute {key!r}")
        setattr(estimator, key, value)
    module = estimator._build_module()
    module.load_state_dict(safetensors.torch.load(weights_bytes), strict=True)
    estimator.module_ = module.eval()
    return estimator


def neural_files(estimator, index):
    """The two files of the ``index``-th torch classifier of a pipeline."""
    name = type(estimator).__name__
    if name not in _neural_classes():
        raise TypeError(f"{name} is not a torch classifier of this package; it cannot be saved.")
    return module_files(estimator, f"neural-{index}")


def rebuild_neural(spec_bytes, weights_bytes):
    """Rebuild a torch classifier of :mod:`pipeline.models.neural` from its two files."""
    return rebuild_module(spec_bytes, weights_bytes, _neural_classes())


def detach_neural(estimator, path=()):
    """Return (a shallow copy without torch classifiers, [(step path, classifier)]).

    Torch classifiers are found at the top or as steps of (nested) pipelines; in
    the copy each is replaced by ``"passthrough"``. The caller's object is untouched.
    """
    if _is_neural(estimator):
        return None, [(list(path), estimator)]
    steps = getattr(estimator, "steps", None)
    if not isinstance(steps, list):
        return estimator, []
    found, new_steps = [], []
    for i, (name, step) in enumerate(steps):
        stripped, inner = detach_neural(step, (*path, i))
        found += inner
        new_steps.append((name, "passthrough" if stripped is None else stripped))
    if not found:
        return estimator, []
    shallow = copy.copy(estimator)
    shallow.steps = new_steps
    return shallow, found


def attach_neural(estimator, path, neural):
    if not path:
        return neural
    steps = estimator.steps
    name, step = steps[path[0]]
    steps[path[0]] = (name, attach_neural(step, path[1:], neural))
    return estimator
