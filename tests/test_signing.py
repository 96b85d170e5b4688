"""Signed model folders: sign, verify, and refuse an unsigned, altered or foreign-signed folder."""

import json
import shutil
import subprocess

import pytest
from sklearn.linear_model import LogisticRegression

from pipeline.cli import main
from pipeline.errors import ConfigError
from pipeline.persistence import ModelFileError, load_model, save_model, sign_folder, verify_folder

EXIT_DATA = 65


def _key_pair(folder, name):
    """An elliptic-curve key pair made the way the README says, with openssl."""
    private, public = folder / f"{name}.pem", folder / f"{name}.pub"
    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", str(private)],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "ec", "-in", str(private), "-pubout", "-out", str(public)],
                   check=True, capture_output=True)
    return private, public


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keys")
    return _key_pair(folder, "author"), _key_pair(folder, "stranger")


@pytest.fixture
def folder(tmp_path):
    model = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], ["a", "a", "b", "b"])
    return save_model(model, tmp_path / "model")


def test_a_signed_folder_verifies_and_loads(folder, keys):
    (private, public), _ = keys
    assert sign_folder(folder, private) == folder / "model.sig"
    verify_folder(folder, public)
    assert load_model(folder, verify_with=public).estimator_.predict([[3.0]]).tolist() == ["b"]
    assert load_model(folder).classes_.tolist() == ["a", "b"]  # a signature does not get in the way


def test_an_unsigned_folder_is_refused_when_verification_is_asked_for(folder, keys):
    (_, public), _ = keys
    with pytest.raises(ModelFileError, match="is not signed"):
        load_model(folder, verify_with=public)


def test_a_folder_signed_with_another_key_is_refused(folder, keys):
    (_, public), (stranger, _) = keys
    sign_folder(folder, stranger)
    with pytest.raises(ModelFileError, match="fails its signature check"):
        load_model(folder, verify_with=public)


def test_a_writer_who_rewrites_the_manifest_is_caught_by_the_signature(folder, keys):
    (private, public), _ = keys
    sign_folder(folder, private)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["metadata"]["threshold"] = 0.99  # passes every digest: the manifest holds no digest of itself
    (folder / "manifest.json").write_text(json.dumps(manifest))
    load_model(folder)  # without a signature check, nothing can tell
    with pytest.raises(ModelFileError, match="fails its signature check"):
        load_model(folder, verify_with=public)


def test_an_added_file_is_refused(folder, keys):
    (private, public), _ = keys
    sign_folder(folder, private)
    (folder / "notes.txt").write_text("added later")
    with pytest.raises(ModelFileError, match="fails its signature check"):
        verify_folder(folder, public)


def test_the_commands_sign_verify_and_predict_with_verification(folder, keys, tmp_path, capsys):
    (private, public), (_, stranger_public) = keys
    (tmp_path / "rows.csv").write_text("x\n3.0\n")
    assert main(["predict", "--model", str(folder), "--data", str(tmp_path / "rows.csv"),
                 "--verify-with", str(public)]) == EXIT_DATA  # unsigned
    assert main(["sign", "--model", str(folder), "--key", str(private)]) == 0
    assert main(["verify", "--model", str(folder), "--key", str(public)]) == 0
    assert main(["verify", "--model", str(folder), "--key", str(stranger_public)]) == EXIT_DATA
    copy = shutil.copytree(folder, tmp_path / "copy")
    (copy / "estimator.skops").write_bytes((copy / "estimator.skops").read_bytes() + b"\0")
    assert main(["verify", "--model", str(copy), "--key", str(public)]) == EXIT_DATA


def test_a_missing_or_wrong_key_file_is_a_configuration_error(folder, keys, tmp_path):
    (private, public), _ = keys
    with pytest.raises(ConfigError, match="does not exist"):
        sign_folder(folder, tmp_path / "no-such-key.pem")
    with pytest.raises(ConfigError, match="not an elliptic-curve private key"):
        sign_folder(folder, public)
