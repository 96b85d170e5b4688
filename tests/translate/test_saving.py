"""Saving and loading: same predictions after a round trip; damaged folders refused."""

import hashlib
import json

import numpy as np
import pytest

from pipeline.persistence import ModelFileError, load_model
from pipeline.translate import TransformerSeq2Seq, load_translator, save_translator

FILES = [
    "manifest.json", "source_vocab.json", "target_vocab.json", "translator.json", "translator.safetensors",
]


@pytest.fixture(scope="module")
def saved(fitted, tmp_path_factory):
    return save_translator(fitted, tmp_path_factory.mktemp("saved") / "model")


def _copy(folder, destination, skip=()):
    destination.mkdir()
    for path in folder.iterdir():
        if path.name not in skip:
            (destination / path.name).write_bytes(path.read_bytes())
    return destination


def test_round_trip_keeps_predictions_and_attention(fitted, saved, unique_pairs):
    loaded = load_translator(saved)
    sources = unique_pairs[0] + ["A sentence it never saw."]
    assert loaded.predict(sources) == fitted.predict(sources)
    assert loaded.predict(sources, decoding="beam") == fitted.predict(sources, decoding="beam")
    assert loaded.get_params() == fitted.get_params()
    assert loaded.history_ == fitted.history_
    a, b = fitted.attention_maps(sources[0]), loaded.attention_maps(sources[0])
    np.testing.assert_array_equal(a["cross"], b["cross"])


def test_saved_folder_uses_the_shared_manifest_and_holds_no_pickle(saved):
    names = sorted(p.name for p in saved.iterdir())
    assert names == FILES
    manifest = json.loads((saved / "manifest.json").read_text())
    assert manifest["format"] == "translator" and manifest["format_version"] == 2
    assert set(manifest["files"]) == set(names) - {"manifest.json"}
    assert all(len(digest) == 64 for digest in manifest["files"].values())


def test_a_folder_in_the_earlier_layout_still_loads(fitted, saved, tmp_path, unique_pairs):
    """Rewrite a saved folder into the layout used before the manifest was shared."""
    old = tmp_path / "old"
    old.mkdir()
    spec = json.loads((saved / "translator.json").read_text())
    contents = {
        "weights.safetensors": (saved / "translator.safetensors").read_bytes(),
        "params.json": json.dumps(spec, indent=2, sort_keys=True).encode(),
        "source_vocab.json": (saved / "source_vocab.json").read_bytes(),
        "target_vocab.json": (saved / "target_vocab.json").read_bytes(),
    }
    for name, data in contents.items():
        (old / name).write_bytes(data)
    entries = {name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
               for name, data in contents.items()}
    manifest = {"format": "dmflow-translator", "version": 1, "files": entries}
    (old / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    assert load_translator(old).predict(unique_pairs[0]) == fitted.predict(unique_pairs[0])
    (old / "params.json").write_bytes(contents["params.json"] + b" ")
    with pytest.raises(ModelFileError, match="params.json .*does not match its recorded SHA-256"):
        load_translator(old)


@pytest.mark.parametrize("name", ["translator.safetensors", "translator.json", "target_vocab.json"])
def test_a_changed_file_is_refused(saved, tmp_path, name):
    copy = _copy(saved, tmp_path / "model")
    data = bytearray((copy / name).read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit
    (copy / name).write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match=f"{name} .*does not match its recorded SHA-256"):
        load_translator(copy)


def test_missing_files_and_foreign_folders_are_refused(saved, tmp_path):
    with pytest.raises(ModelFileError, match="holds no manifest.json"):
        load_translator(tmp_path)
    copy = _copy(saved, tmp_path / "model", skip={"translator.json"})
    with pytest.raises(ModelFileError, match="is incomplete: translator.json is missing"):
        load_translator(copy)


def test_classifier_and_translator_loaders_refuse_each_others_folders(saved, tmp_path):
    from sklearn.linear_model import LogisticRegression

    from pipeline.persistence import save_model

    with pytest.raises(ModelFileError, match="is a saved translator, not a classifier"):
        load_model(saved)
    classifier = save_model(LogisticRegression().fit([[0.0], [1.0]], [0, 1]), tmp_path / "clf")
    with pytest.raises(ModelFileError, match="holds a 'skops' model, not a translator"):
        load_translator(classifier)


def test_save_never_overwrites(fitted, saved):
    with pytest.raises(FileExistsError, match="exists already and is not empty"):
        save_translator(fitted, saved)


def test_unfitted_model_cannot_be_saved(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        save_translator(TransformerSeq2Seq(), tmp_path / "model")
    assert not (tmp_path / "model").exists()
