"""Saving and loading a fitted model as a folder that is safe to receive from others.

A model folder holds:

``manifest.json``
    Format version, package versions, the classes, feature names and roles, and
    the SHA-256 of every other file in the folder.
``estimator.skops``
    The scikit-learn / imbalanced-learn part, written with :mod:`skops.io`, whose
    format holds data and type names, never code. Loading accepts only the
    types of :data:`TRUSTED_TYPES` (beyond those skops trusts by default, which
    are plain scikit-learn and NumPy types) and refuses any other with an
    error naming it.
``neural-<i>.safetensors`` and ``neural-<i>.json``
    For each torch classifier in the pipeline: its weights (the CPU state dict)
    in the safetensors format, and its constructor parameters and fitted facts
    (classes, input shape, training history) as JSON. The network is rebuilt
    from those and the weights loaded into it.

Loading checks the manifest's hash of every file, and refuses files the
manifest does not list and symbolic links, before any file is parsed; files are
parsed from the very bytes that were checked. The manifest's values (threshold,
roles, classes) are validated, and :func:`load_model` returns a
:class:`FittedModel`, which answers raw rows in any column order. Nothing in a
default model folder is unpickled, so a planted pickle payload cannot run: it
fails the hash check, or, when the manifest was rewritten to match, fails to
parse as skops, safetensors or JSON.

Another application's model folder uses the same manifest, digests and
torch-module files through :func:`write_folder`, :func:`read_folder`,
:func:`module_files` and :func:`rebuild_module`, and raises the same
:class:`ModelFileError`. It brings its own parts: the classes its specs may name,
an ``upgrade`` of its earlier manifests for :func:`read_folder`, and the
:data:`LOADER` its manifest names, which :func:`load_model` points to when given
such a folder. This package knows no application but the classifier's.

A folder can be signed with a key pair (:func:`sign_folder`, ``dmflow sign``):
its ``model.sig`` covers every file, and ``load_model(folder, verify_with=...)``
refuses a folder whose signature is missing or does not match; see
:mod:`pipeline.persistence._signing` for what that protects against beyond the
digests.

``save_model(..., format="joblib")`` writes a plain joblib (pickle) file instead.
Unpickling runs whatever code the file names, so :func:`load_model` reads such a
folder only with ``trusted=True``: use it solely for files you made yourself or
fully trust.
"""

from ._checks import check_manifest
from ._folder import load_model, read_manifest, save_model
from ._manifest import FORMAT_VERSION, LOADER, ModelFileError, read_folder, write_folder
from ._mlmodel import LOADER as PYFUNC_LOADER
from ._model import FittedModel, describe_model
from ._neural import module_files, rebuild_module
from ._signing import SIGNATURE, sign_folder, verify_folder
from ._trusted import RENAMED_TYPES, TRUSTED_TYPES

__all__ = [
    "FORMAT_VERSION",
    "LOADER",
    "PYFUNC_LOADER",
    "RENAMED_TYPES",
    "TRUSTED_TYPES",
    "FittedModel",
    "ModelFileError",
    "SIGNATURE",
    "check_manifest",
    "describe_model",
    "load_model",
    "module_files",
    "read_folder",
    "read_manifest",
    "rebuild_module",
    "save_model",
    "sign_folder",
    "verify_folder",
    "write_folder",
]
