"""Saving and loading: same predictions after a round trip; damaged folders refused."""

import json

import numpy as np
import pytest

from pipeline.errors import DataError
from pipeline.translate import BundleError, TransformerSeq2Seq


@pytest.fixture(scope="module")
def saved(fitted, tmp_path_factory):
    return fitted.save(tmp_path_factory.mktemp("saved") / "model")


def test_round_trip_keeps_predictions_and_attention(fitted, saved, unique_pairs):
    loaded = TransformerSeq2Seq.load(saved)
    sources = unique_pairs[0] + ["A sentence it never saw."]
    assert loaded.predict(sources) == fitted.predict(sources)
    assert loaded.predict(sources, decoding="beam") == fitted.predict(sources, decoding="beam")
    assert loaded.get_params() == fitted.get_params()
    assert loaded.history_ == fitted.history_
    a, b = fitted.attention_maps(sources[0]), loaded.attention_maps(sources[0])
    np.testing.assert_array_equal(a["cross"], b["cross"])


def test_saved_folder_holds_no_pickle(saved):
    names = sorted(p.name for p in saved.iterdir())
    assert names == ["manifest.json", "params.json", "source_vocab.json", "target_vocab.json",
                     "weights.safetensors"]
    manifest = json.loads((saved / "manifest.json").read_text())
    assert set(manifest["files"]) == set(names) - {"manifest.json"}
    assert all(len(entry["sha256"]) == 64 for entry in manifest["files"].values())


@pytest.mark.parametrize("name", ["weights.safetensors", "params.json", "target_vocab.json"])
def test_a_changed_file_is_refused(saved, tmp_path, name):
    copy = tmp_path / "model"
    copy.mkdir()
    for path in saved.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    data = bytearray((copy / name).read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit
    (copy / name).write_bytes(bytes(data))
    with pytest.raises(BundleError, match=f"{name}.*does not match its SHA-256"):
        TransformerSeq2Seq.load(copy)


def test_missing_files_and_foreign_folders_are_refused(saved, tmp_path):
    with pytest.raises(BundleError, match="holds no manifest.json"):
        TransformerSeq2Seq.load(tmp_path)
    copy = tmp_path / "model"
    copy.mkdir()
    for path in saved.iterdir():
        if path.name != "params.json":
            (copy / path.name).write_bytes(path.read_bytes())
    with pytest.raises(DataError, match="params.json' listed in the manifest is missing"):
        TransformerSeq2Seq.load(copy)


def test_save_never_overwrites(fitted, saved):
    with pytest.raises(FileExistsError, match="already exists and is not empty"):
        fitted.save(saved)


def test_unfitted_model_cannot_be_saved(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        TransformerSeq2Seq().save(tmp_path / "model")
