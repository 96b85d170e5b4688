"""Signing a model folder with a key pair, and verifying it, with OpenSSF's ``model-signing``.

The manifest's SHA-256 digests catch a damaged or partial copy, but anyone who can
write the folder can also rewrite the manifest. A signature made with a private
key, checked against its public key, catches that writer: the signature covers
every file of the folder (the manifest, the ``MLmodel`` file and the model's own
files), and only the holder of the private key can make a new one. The
signature is the folder's ``model.sig`` (a Sigstore bundle), the one file the
manifest does not list. Keys are elliptic-curve key pairs in PEM files, e.g.::

    openssl ecparam -name prime256v1 -genkey -noout -out key.pem
    openssl ec -in key.pem -pubout -out key.pub

The cryptography is the ``model-signing`` library's (``dmflow[signing]``).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import ConfigError
from ._manifest import MANIFEST, SIGNATURE, ModelFileError

__all__ = ["SIGNATURE", "sign_folder", "verify_folder"]


def _model_signing():
    try:
        import model_signing
    except ImportError:
        raise ConfigError(
            "Signing and verifying model folders needs the model-signing package, which is not "
            "installed. Install it with pip install 'dmflow[signing]'."
        ) from None
    return model_signing


def _hashing(model_signing):
    # Everything but the signature itself is signed, VCS files included: a model folder holds none.
    return model_signing.hashing.Config().set_ignored_paths(paths=[SIGNATURE], ignore_git_paths=False)


def _model_folder(folder):
    folder = Path(folder)
    if not (folder / MANIFEST).is_file():
        raise ModelFileError(
            f"{str(folder)!r} holds no {MANIFEST}; it is not a dmflow model folder. "
            "Pass the model/ folder inside a run folder."
        )
    return folder


def _key_file(path, what):
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"The {what} key file {str(path)!r} does not exist. Pass the PEM file "
                          "made by openssl (see dmflow sign --help).")
    return path


def sign_folder(folder, private_key, *, password=None):
    """Sign a model folder: write its ``model.sig`` from an elliptic-curve private key.

    Parameters
    ----------
    folder : str or path-like
        A model folder written by :func:`~pipeline.persistence.save_model`.
    private_key : str or path-like
        PEM file of the private key (``openssl ecparam -name prime256v1 -genkey``).
    password : str, optional
        The key's password, when it is encrypted.

    Returns
    -------
    pathlib.Path
        The signature file. It appears complete or not at all; signing again
        replaces it.

    Raises
    ------
    ModelFileError
        ``folder`` is not a model folder.
    pipeline.ConfigError
        The key file is missing or not an elliptic-curve private key, or
        ``model-signing`` is not installed.
    """
    model_signing = _model_signing()
    folder, key = _model_folder(folder), _key_file(private_key, "private")
    try:
        signer = model_signing.signing.Config().use_elliptic_key_signer(private_key=key, password=password)
    except (ValueError, TypeError) as err:
        raise ConfigError(f"{str(key)!r} is not an elliptic-curve private key in PEM form ({err}). "
                          "Make one with openssl ecparam -name prime256v1 -genkey -noout.") from None
    handle, staging = tempfile.mkstemp(prefix=f".{folder.name}.sig.", suffix=".partial", dir=folder.parent)
    os.close(handle)
    try:
        signer.set_hashing_config(_hashing(model_signing)).sign(folder, staging)
        os.replace(staging, folder / SIGNATURE)
    finally:
        Path(staging).unlink(missing_ok=True)
    return folder / SIGNATURE


def verify_folder(folder, public_key):
    """Check a model folder's ``model.sig`` against a public key.

    Parameters
    ----------
    folder : str or path-like
    public_key : str or path-like
        PEM file of the public key matching the private key the folder was signed with.

    Raises
    ------
    ModelFileError
        The folder is unsigned, its signature was made with another key, or a file
        changed, appeared or went missing since it was signed.
    pipeline.ConfigError
        The key file is missing or not a public key, or ``model-signing`` is not installed.
    """
    model_signing = _model_signing()
    folder, key = _model_folder(folder), _key_file(public_key, "public")
    signature = folder / SIGNATURE
    if not signature.is_file() or signature.is_symlink():
        raise ModelFileError(
            f"Model {str(folder)!r} is not signed (no {SIGNATURE}), and verification was asked for. "
            "Ask its author for a signed copy (dmflow sign), or load it without verification only "
            "if you trust where it came from."
        )
    try:
        verifier = model_signing.verifying.Config().use_elliptic_key_verifier(public_key=key)
    except (ValueError, TypeError) as err:
        raise ConfigError(f"{str(key)!r} is not an elliptic-curve public key in PEM form ({err}). "
                          "Make it from the private key with openssl ec -pubout.") from None
    try:
        verifier.set_hashing_config(_hashing(model_signing)).verify(folder, signature)
    except Exception as err:  # the library raises ValueError and crypto errors alike: all mean refused
        raise ModelFileError(
            f"Model {str(folder)!r} fails its signature check with {str(key)!r}: "
            f"{str(err).strip() or type(err).__name__}. It was changed after signing, or signed with "
            "another key; it is not loaded."
        ) from None
