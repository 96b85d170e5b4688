"""The model folder: writing it atomically, checking every hash, loading it safely."""

from __future__ import annotations

import io

from ..versions import package_versions
from ._checks import CLASSIFIER_FORMATS, check_manifest
from ._manifest import FORMAT_VERSION, LOADER, ModelFileError, read_folder, write_folder
from ._mlmodel import MLMODEL, check_mlmodel, mlmodel_file
from ._model import FittedModel, describe_model
from ._neural import attach_neural, detach_neural, neural_files, rebuild_neural
from ._skops import import_skops_io, renamed_types
from ._trusted import RENAMED_TYPES, TRUSTED_TYPES

__all__ = ["FORMAT_VERSION", "ModelFileError", "load_model", "read_manifest", "save_model"]

_SKOPS_FILE = "estimator.skops"
_JOBLIB_FILE = "estimator.joblib"


# -- saving ---------------------------------------------------------------------------


def save_model(estimator, folder, *, metadata=None, format="skops"):
    """Write a fitted estimator into a new folder, atomically.

    The folder is written beside its destination under a hidden name and renamed
    into place when complete, so a failure leaves nothing that looks like a model.

    Parameters
    ----------
    estimator : FittedModel or fitted estimator
        A :class:`FittedModel` (its pipeline and metadata are saved), or usually an
        imbalanced-learn Pipeline; torch classifiers (at the top or as pipeline
        steps) are stored as safetensors weights and JSON parameters.
    folder : str or path-like
        Must not exist yet.
    metadata : dict, optional
        Extra JSON-serialisable facts for the manifest (target, feature roles);
        default: a :class:`FittedModel`'s own.
    format : {"skops", "joblib"}, default="skops"
        ``"joblib"`` writes a pickle, which :func:`load_model` opens only with
        ``trusted=True``. Use it only for files that never leave your hands.

    Returns
    -------
    pathlib.Path
        The folder.

    Raises
    ------
    FileExistsError
        ``folder`` exists already (it is never overwritten).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array(["a", "a", "b", "b"])
    >>> folder = save_model(LogisticRegression().fit(X, y), os.path.join(tempfile.mkdtemp(), "model"))
    >>> sorted(p.name for p in folder.iterdir())
    ['MLmodel', 'estimator.skops', 'manifest.json']
    >>> model = load_model(folder)
    >>> model.estimator_.predict([[3.0]]).tolist(), model.manifest_["classes"]
    (['b'], ['a', 'b'])
    """
    if format not in ("skops", "joblib"):
        raise ValueError(f"format must be 'skops' or 'joblib', got {format!r}.")
    if isinstance(estimator, FittedModel):
        metadata = estimator.manifest.get("metadata") if metadata is None else metadata
        estimator = estimator.estimator
    if format == "joblib":
        import joblib

        buffer = io.BytesIO()
        joblib.dump(estimator, buffer)
        files, layout = {_JOBLIB_FILE: buffer.getvalue()}, {"joblib": _JOBLIB_FILE}
    else:
        files, layout = _skops_files(estimator)
    files[MLMODEL] = mlmodel_file()  # the folder is also an MLflow pyfunc model
    layout["mlflow"] = MLMODEL
    manifest = {
        "format": format,
        "versions": {**package_versions(), **_storage_versions()},
        **describe_model(estimator, metadata),
        "layout": layout,
    }
    return write_folder(folder, files, manifest)


def _skops_files(estimator):
    skops_io = import_skops_io()

    rest, neural = detach_neural(estimator)
    files, layout = {}, {"skops": None, "neural": []}
    if rest is not None:
        data = skops_io.dumps(rest)
        unknown = sorted(set(skops_io.get_untrusted_types(data=data)) - set(TRUSTED_TYPES))
        if unknown:  # a model this dmflow could not load again: a bug, caught before it ships
            raise TypeError(
                f"The model holds type(s) outside TRUSTED_TYPES: {', '.join(unknown)}. "
                "If they are this package's own or scikit-learn's, add them to "
                "pipeline/persistence/_trusted.py; otherwise save with format='joblib'."
            )
        files[_SKOPS_FILE] = data
        layout["skops"] = _SKOPS_FILE
    for i, (path, net) in enumerate(neural):
        files.update(neural_files(net, i))
        layout["neural"].append(
            {"path": path, "spec": f"neural-{i}.json", "weights": f"neural-{i}.safetensors"}
        )
    return files, layout


def _storage_versions():
    from importlib import metadata

    versions = {}
    for name in ("skops", "safetensors"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


# -- loading --------------------------------------------------------------------------


def read_manifest(folder):
    """Return a model folder's manifest after checking every file's hash.

    Raises
    ------
    ModelFileError
        The folder is not a model folder, of another format version, lists a
        missing file, holds an unlisted one, or a file's hash does not match.
    """
    return read_folder(folder)[0]


def _load_skops(data, folder):
    skops_io = import_skops_io()

    try:
        data = renamed_types(data, RENAMED_TYPES)  # a folder saved before a class moved
        untrusted = skops_io.get_untrusted_types(data=data)
    except Exception as err:  # skops raises many kinds on a damaged zip; all mean one thing here
        raise ModelFileError(
            f"{_SKOPS_FILE} in model {str(folder)!r} is not a readable skops file "
            f"({type(err).__name__}: {err}). Use an untouched copy of the model folder."
        ) from None
    refused = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if refused:
        raise ModelFileError(
            f"Model {str(folder)!r} holds type(s) dmflow does not trust: {', '.join(refused)}. "
            "It was not written by this dmflow, or was crafted to run code; it is not loaded. "
            "Retrain the model, or ask its author for one saved by this version."
        )
    try:
        return skops_io.loads(data, trusted=sorted(untrusted))
    except Exception as err:  # a trusted type with bad content: still a damaged file
        raise ModelFileError(
            f"{_SKOPS_FILE} in model {str(folder)!r} could not be read ({type(err).__name__}: {err}). "
            "It may come from another version of scikit-learn; retrain the model."
        ) from None


def load_model(folder, *, trusted=False, verify_with=None):
    """Load a model folder written by :func:`save_model`.

    Every file's SHA-256 is checked first and the manifest's values validated;
    then the skops part is loaded with only :data:`TRUSTED_TYPES` allowed, and
    each torch classifier is rebuilt from its JSON parameters and safetensors
    weights.

    Parameters
    ----------
    folder : str or path-like
    trusted : bool, default=False
        Needed to open a folder saved with ``format="joblib"``. Unpickling runs
        code named in the file: pass True only for a file you made or fully trust.
    verify_with : str or path-like, optional
        PEM file of a public key: the folder must carry a signature made with its
        private key (``dmflow sign``) over its current files, checked before
        anything else; an unsigned or altered folder is refused.

    Returns
    -------
    FittedModel
        The model: ``predict`` / ``predict_proba`` of raw rows in any column
        order, at the saved threshold; the pipeline is ``estimator_`` and the
        manifest ``manifest_``. (Unpacking it as ``estimator, manifest``, what
        earlier versions returned, still works and warns.)

    Raises
    ------
    ModelFileError
        The folder fails a check, holds an untrusted type or a bad manifest
        value, cannot be parsed, is a joblib folder and ``trusted`` is False, or
        fails the signature check asked for.
    """
    if verify_with is not None:
        from ._signing import verify_folder

        verify_folder(folder, verify_with)
    manifest, files = read_folder(folder)
    check_manifest(manifest, folder)
    if MLMODEL in files:
        check_mlmodel(files[MLMODEL], folder)
    estimator = _load_estimator(manifest, files, folder, trusted)
    try:
        return FittedModel(estimator, manifest).fit()
    except (AttributeError, TypeError, ValueError) as err:  # e.g. no classes_: not a classifier
        raise ModelFileError(
            f"Model {str(folder)!r} does not hold a fitted classifier ({err}). "
            "Pass the model/ folder of a dmflow run."
        ) from None


def _refuse_other_format(manifest, folder):
    """Refuse a folder that holds no classifier, pointing to the loader its writer named."""
    kind, loader = manifest.get("format"), manifest.get(LOADER)
    if isinstance(kind, str) and isinstance(loader, str):
        raise ModelFileError(
            f"Model {str(folder)!r} is a saved {kind}, not a classifier; load it with {loader}."
        )
    raise ModelFileError(
        f"Model {str(folder)!r} has unknown storage format {kind!r}; classifiers are stored as "
        f"{' or '.join(map(repr, CLASSIFIER_FORMATS))}. Load it with the command that wrote it."
    )


def _load_estimator(manifest, files, folder, trusted):
    layout = manifest.get("layout") or {}
    kind = manifest.get("format")
    if kind == "joblib":
        if not trusted:
            raise ModelFileError(
                f"Model {str(folder)!r} was saved as a joblib pickle, which runs code when opened. "
                "Load it only if you trust its source, with load_model(folder, trusted=True); "
                "otherwise ask for a model saved in the default format."
            )
        import joblib

        name = layout.get("joblib")
        if name not in files:
            raise ModelFileError(f"Model {str(folder)!r} lists no joblib file in its manifest.")
        return joblib.load(io.BytesIO(files[name]))
    if kind not in CLASSIFIER_FORMATS:
        _refuse_other_format(manifest, folder)
    try:
        skops_name = layout.get("skops")
        estimator = None
        if skops_name is not None:
            if skops_name not in files:
                raise ModelFileError(
                    f"Model {str(folder)!r} lists {skops_name!r} in its layout but not among its files."
                )
            estimator = _load_skops(files[skops_name], folder)
        for entry in layout.get("neural", []):
            spec, weights = entry["spec"], entry["weights"]
            if spec not in files or weights not in files:
                raise ModelFileError(f"Model {str(folder)!r} lacks {spec} or {weights} among its files.")
            net = rebuild_neural(files[spec], files[weights])
            estimator = attach_neural(estimator, list(entry["path"]), net)
    except ModelFileError:
        raise
    except Exception as err:  # JSON, safetensors or shape errors: the folder is not usable
        raise ModelFileError(
            f"Model {str(folder)!r} passed its checksums but could not be rebuilt "
            f"({type(err).__name__}: {err}). It may come from another version; retrain the model."
        ) from None
    if estimator is None:
        raise ModelFileError(f"Model {str(folder)!r} holds no estimator.")
    return estimator
