"""Model folders: round trips, hash checks, the type allowlist, and no pickle ever run."""

import json
import pickle
import shutil

import numpy as np
import pytest
import skops.io
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import FunctionTransformer

from pipeline import RunConfig
from pipeline.datasets import infer_roles
from pipeline.models import MODELS, build_model
from pipeline.models.neural import LSTMClassifier, TorchMLPClassifier
from pipeline.persistence import TRUSTED_TYPES, ModelFileError, load_model, read_manifest, save_model
from pipeline.persistence._neural import detach_neural
from tests.conftest import make_mixed_frame


@pytest.fixture(scope="module")
def table():
    frame = make_mixed_frame(n=160, n_classes=3)
    X, y = frame.drop(columns="label"), frame["label"]
    return X, y, infer_roles(X)


def _small(name, model):
    """Few trees, boosting rounds and epochs: the tests need fitted types, not accuracy."""
    if MODELS[name].neural:
        return model.set_params(model__max_epochs=2)
    return model.set_params(**{"rf": {"model__n_estimators": 5}, "hgb": {"model__max_iter": 5}}.get(name, {}))


def _fit(name, table, **config):
    X, y, roles = table
    return _small(name, build_model(name, RunConfig(models=[name], **config), roles)).fit(X, y)


@pytest.fixture(scope="module")
def neural_pipeline(table):
    X, y, roles = table
    model = build_model("logreg", RunConfig(), roles)
    model.steps[-1] = ("model", LSTMClassifier(8, max_epochs=2, random_state=0))
    return model.fit(X, y)


@pytest.fixture
def saved(tmp_path, table, neural_pipeline):
    metadata = {"target": "label", "roles": table[2].to_dict()}
    folder = save_model(neural_pipeline, tmp_path / "model", metadata=metadata)
    return folder


def _rewrite_manifest(folder, **changes):
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest.update(changes)
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _rehash(folder):
    """Do what a hostile sender would: make the manifest match the altered files."""
    import hashlib

    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
             for p in folder.iterdir() if p.name != "manifest.json"}
    _rewrite_manifest(folder, files=files)


class _Payload:
    """Unpickling this creates ``marker``: the proof that code from a file ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_round_trip_with_a_torch_classifier(saved, table, neural_pipeline):
    X = table[0]
    model = load_model(saved)
    loaded, manifest = model.estimator_, model.manifest_
    np.testing.assert_array_equal(loaded.predict_proba(X), neural_pipeline.predict_proba(X))
    assert sorted(p.name for p in saved.iterdir()) == [
        "MLmodel", "estimator.skops", "manifest.json", "neural-0.json", "neural-0.safetensors"]
    assert neural_pipeline.steps[-1][1].module_ is not None  # saving left the caller's model whole
    assert manifest["classes"] == ["c0", "c1", "c2"]
    assert manifest["feature_names"] == list(X.columns)
    assert manifest["roles"] == table[2].to_dict() and manifest["metadata"]["target"] == "label"
    assert set(manifest["files"]) == {p.name for p in saved.iterdir()} - {"manifest.json"}
    assert {"scikit-learn", "imbalanced-learn", "torch", "skops", "safetensors"} <= set(manifest["versions"])
    spec = json.loads((saved / "neural-0.json").read_text())
    assert spec["class"] == "LSTMClassifier" and spec["params"]["hidden_size"] == 8


def test_a_bare_torch_classifier_round_trips(tmp_path):
    X = np.random.default_rng(0).normal(size=(40, 3))
    y = np.where(X[:, 0] > 0, "up", "down")
    model = TorchMLPClassifier((4, 3), max_epochs=2, random_state=0).fit(X, y)
    restored = load_model(save_model(model, tmp_path / "m"))
    loaded, manifest = restored.estimator_, restored.manifest_
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert loaded.hidden_layer_sizes == (4, 3) and loaded.classes_.tolist() == ["down", "up"]
    assert manifest["classes"] == ["down", "up"] and "estimator.skops" not in manifest["files"]


@pytest.mark.parametrize("name", list(MODELS))
def test_allowlist_covers_every_registered_model(name, table):
    rest, _ = detach_neural(_fit(name, table))
    untrusted = set(skops.io.get_untrusted_types(data=skops.io.dumps(rest)))
    missing = untrusted - set(TRUSTED_TYPES)
    assert not missing, f"add to TRUSTED_TYPES if trusted: {missing}"


@pytest.mark.parametrize("name", list(MODELS))
def test_allowlist_covers_every_registered_model_on_sequences(name, tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 6, 2)).astype(np.float32), np.array(["a", "b"] * 20)
    model = _small(name, build_model(name, RunConfig(models=[name]), kind="sequence")).fit(X, y)
    loaded = load_model(save_model(model, tmp_path / "m")).estimator_
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_allowlist_covers_the_large_table_paths(table, tmp_path, monkeypatch):
    # Large classes are searched leaf by leaf and large tables reduced from the
    # chunked scatter; shrink the thresholds so a small table takes those paths.
    monkeypatch.setattr("pipeline.phases._balance._LEAF_ROWS", 8)
    monkeypatch.setattr("pipeline.phases._reduce._EXACT_LDA_CELLS", 10)
    model = _fit("logreg", table)
    loaded = load_model(save_model(model, tmp_path / "m")).estimator_
    np.testing.assert_array_equal(loaded.predict_proba(table[0]), model.predict_proba(table[0]))


@pytest.mark.parametrize("options", [{"balance": "smotenc"}, {"outliers": "clip", "reduce": ["pca"]},
                                     {"outliers": "none", "balance": "none", "reduce": ["none"]}])
def test_allowlist_covers_phase_variants(options, table, tmp_path):
    model = _fit("logreg", table, **options)
    loaded = load_model(save_model(model, tmp_path / "m")).estimator_
    np.testing.assert_array_equal(loaded.predict_proba(table[0]), model.predict_proba(table[0]))


def test_saving_refuses_a_type_loading_would_refuse(tmp_path):
    with pytest.raises(TypeError, match=r"outside TRUSTED_TYPES: shutil\.rmtree"):
        save_model(FunctionTransformer(func=shutil.rmtree), tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_untrusted_type_is_refused_by_name(tmp_path, table):
    folder = save_model(_fit("logreg", table), tmp_path / "m")
    (folder / "estimator.skops").write_bytes(skops.io.dumps(FunctionTransformer(func=shutil.rmtree)))
    _rehash(folder)
    with pytest.raises(ModelFileError, match=r"type\(s\) dmflow does not trust: shutil\.rmtree"):
        load_model(folder)


@pytest.mark.parametrize("rehash", [False, True], ids=["hashes-stale", "hashes-forged"])
def test_planted_pickle_never_runs(saved, tmp_path, rehash):
    names = sorted(p.name for p in saved.iterdir())
    for name in names:
        folder = tmp_path / f"copy-{name}"
        shutil.copytree(saved, folder)
        marker = tmp_path / f"ran-{name}"
        (folder / name).write_bytes(pickle.dumps(_Payload(marker)))
        if rehash and name != "manifest.json":
            _rehash(folder)
        with pytest.raises(ModelFileError):
            load_model(folder)
        assert not marker.exists(), f"a pickle planted in {name} was executed"


def test_manifest_switched_to_joblib_is_refused_without_trust(saved, tmp_path):
    marker = tmp_path / "ran"
    (saved / "estimator.joblib").write_bytes(pickle.dumps(_Payload(marker)))
    _rehash(saved)
    _rewrite_manifest(saved, format="joblib", layout={"joblib": "estimator.joblib"})
    with pytest.raises(ModelFileError, match="joblib pickle, which runs code.*trusted=True"):
        load_model(saved)
    assert not marker.exists()


def test_joblib_is_an_explicit_opt_in(tmp_path):
    X, y = np.arange(8.0).reshape(-1, 1), np.array([0, 0, 0, 0, 1, 1, 1, 1])
    model = LogisticRegression().fit(X, y)
    folder = save_model(model, tmp_path / "m", format="joblib")
    assert (folder / "estimator.joblib").is_file() and not (folder / "estimator.skops").exists()
    with pytest.raises(ModelFileError, match="trusted=True"):
        load_model(folder)
    restored = load_model(folder, trusted=True)
    loaded, manifest = restored.estimator_, restored.manifest_
    assert manifest["format"] == "joblib"
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_altered_truncated_missing_and_extra_files(saved, tmp_path):
    for name, change, message in [
        ("neural-0.safetensors", lambda p: p.write_bytes(p.read_bytes()[:-7]),
         "does not match its recorded SHA-256"),
        ("estimator.skops", lambda p: p.unlink(), "incomplete: estimator.skops is missing"),
        ("notes.txt", lambda p: p.write_text("hi"), "does not list: notes.txt"),
    ]:
        folder = tmp_path / name
        shutil.copytree(saved, folder)
        change(folder / name)
        with pytest.raises(ModelFileError, match=message):
            load_model(folder)


def test_forged_but_unparsable_files_are_refused(saved):
    (saved / "neural-0.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}garbage")
    _rehash(saved)
    with pytest.raises(ModelFileError, match="passed its checksums but could not be rebuilt"):
        load_model(saved)


def test_manifest_checks(saved, tmp_path):
    with pytest.raises(ModelFileError, match="no manifest.json"):
        load_model(tmp_path)
    _rewrite_manifest(saved, format_version=99)
    with pytest.raises(ModelFileError, match="format version 99"):
        read_manifest(saved)
    _rewrite_manifest(saved, format_version=2, files={"../escape.skops": "0" * 64})
    with pytest.raises(ModelFileError, match="not a plain file name"):
        load_model(saved)
    (saved / "manifest.json").write_text("{not json")
    with pytest.raises(ModelFileError, match="manifest .* is unreadable"):
        load_model(saved)


def test_existing_folder_is_not_overwritten_and_failures_leave_nothing(saved, tmp_path):
    with pytest.raises(FileExistsError, match="exists already"):
        save_model(LogisticRegression(), saved)
    X = np.random.default_rng(0).normal(size=(20, 2))
    net = TorchMLPClassifier((3,), max_epochs=1, random_state=0).fit(X, X[:, 0] > 0)
    net.lr = object()  # not storable as JSON: saving fails half-way
    with pytest.raises(TypeError, match="TorchMLPClassifier parameters holds a object"):
        save_model(net, tmp_path / "other")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_a_folder_of_another_application_is_refused_pointing_to_its_loader(tmp_path):
    from pipeline.persistence import LOADER, write_folder

    named = write_folder(tmp_path / "named", {"net.json": b"{}"}, {"format": "demo", LOADER: "demo.load"})
    with pytest.raises(ModelFileError, match=r"is a saved demo, not a classifier; load it with demo\.load\."):
        load_model(named)
    unnamed = write_folder(tmp_path / "unnamed", {"net.json": b"{}"}, {"format": "demo"})
    with pytest.raises(ModelFileError, match="unknown storage format 'demo'; classifiers are stored as 'sk"):
        load_model(unnamed)


def test_read_folder_upgrades_an_earlier_manifest_only_when_asked(tmp_path):
    from pipeline.persistence import FORMAT_VERSION, read_folder, write_folder

    folder = write_folder(tmp_path / "m", {"a.txt": b"hi"}, {"format": "demo"})
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps({**manifest, "format_version": 1}))
    with pytest.raises(ModelFileError, match="has format version 1; this dmflow reads version"):
        read_folder(folder)
    seen = []

    def upgrade(old, where):
        seen.append(where)
        return {**old, "format_version": FORMAT_VERSION}

    upgraded, files = read_folder(folder, upgrade=upgrade)
    assert files == {"a.txt": b"hi"} and upgraded["format"] == "demo" and seen == [folder]
    (folder / "a.txt").write_bytes(b"ho")  # the upgrade changes the manifest, never the digest checks
    with pytest.raises(ModelFileError, match="a.txt .*does not match its recorded SHA-256"):
        read_folder(folder, upgrade=upgrade)

