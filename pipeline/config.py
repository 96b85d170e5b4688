"""Run configuration: defaults, YAML/TOML loading, validation.

A config file holds the same keys as the ``run`` command's flags; flags given
on the command line override the file. Unknown keys, wrong types and values
out of range raise :class:`~pipeline.errors.ConfigError` naming the key.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib.util
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import ConfigError

__all__ = ["DEFAULT_MODELS", "MODEL_NAMES", "RunConfig", "load_config"]

#: Model names a run accepts (the keys of ``pipeline.models.MODELS``).
MODEL_NAMES = ("rf", "mlp", "sk_mlp", "logreg", "hgb", "cnn", "resnet", "rnn", "lstm", "gru", "transformer")
#: Models run when none are named, for tables and for sequence data.
DEFAULT_MODELS = {
    "table": ("rf", "mlp", "logreg", "hgb"),
    "sequence": ("rf", "logreg", "mlp", "cnn", "resnet", "rnn", "lstm", "gru", "transformer"),
}


@dataclass
class RunConfig:
    """Every setting of a run, with its default.

    Parameters
    ----------
    data : str
        A CSV/TSV/Parquet file, or the name of a bundled dataset (``"adult"``).
    target : str or None
        The class column. ``None``: the bundled dataset's target, else the last column.
    models : list of str or None
        Model names from :data:`MODEL_NAMES`; ``None``: :data:`DEFAULT_MODELS` of the data's kind.
    protocol : {"strict", "article"}
        ``"article"`` also scores the test split after balancing and reducing it
        separately, as the source article does; the report shows both.
    seed : int
        Seeds every split, sampler and model.
    out : str
        Folder under which the run folder is created.
    test_size, val_size : float
        Test fraction of all rows; validation fraction of the training part.
    outliers : {"drop", "clip", "none"}
    z_threshold : float
    balance : {"smote", "smotenc", "none"}
    k_neighbors : int
    reduce : list of {"lda", "pca", "none"}
        Reductions searched per model; validation picks one.
    categorical, numeric : list of str
        Columns forced into a role.
    max_categories : int
        Most one-hot columns per categorical column; rarer levels are merged.
    positive_class : str or None
        Label counted as positive for the binary rates; default the minority class.
    n_jobs : int
        Parallel model fits.
    kind : {"auto", "table", "sequence"}
        ``"sequence"`` reads every feature column as one step of a series
        (``channels`` values per step); ``"auto"``: sequence for the bundled
        ECG200 data, table otherwise.
    channels : int
        Values per step of a series, stored step by step in the columns.
    model_params : dict
        Model name -> estimator parameters fixed for that model, e.g.
        ``{"lstm": {"max_epochs": 10}}``; they override the defaults, while the
        model's search grid still varies its own parameters.
    backend : {"loky", "dask", "sequential"}
        What runs the model search's fits: local processes, a ``dask.distributed``
        cluster (the ``distributed`` extra), or one fit after another.
    scheduler : str or None
        Address of a Dask scheduler for ``backend: dask``; None starts a local
        cluster of ``n_jobs`` workers.

    Examples
    --------
    >>> RunConfig(models=["rf"]).validate().models
    ['rf']
    >>> RunConfig().validate().models is None  # resolved by the data's kind
    True
    """

    data: str = "adult"
    target: str | None = None
    models: list | None = None
    protocol: str = "strict"
    seed: int = 0
    out: str = "reports"
    test_size: float = 0.2
    val_size: float = 0.2
    outliers: str = "drop"
    z_threshold: float = 3.0
    balance: str = "smote"
    k_neighbors: int = 5
    reduce: list = field(default_factory=lambda: ["lda", "none"])
    categorical: list = field(default_factory=list)
    numeric: list = field(default_factory=list)
    max_categories: int = 30
    positive_class: str | None = None
    n_jobs: int = 2
    kind: str = "auto"
    channels: int = 1
    model_params: dict = field(default_factory=dict)
    backend: str = "loky"
    scheduler: str | None = None

    def validate(self):
        """Check every value; return ``self`` or raise :class:`ConfigError`."""
        _check_choice("protocol", self.protocol, ("strict", "article"))
        _check_choice("outliers", self.outliers, ("drop", "clip", "none"))
        _check_choice("balance", self.balance, ("smote", "smotenc", "none"))
        _check_choice("kind", self.kind, ("auto", "table", "sequence"))
        if self.channels < 1:
            raise ConfigError(f"`channels` must be at least 1, got {self.channels}.")
        if self.models is not None and not self.models:
            raise ConfigError(f"`models` is empty; name at least one of {', '.join(MODEL_NAMES)}.")
        for name in self.models or ():
            _check_choice("models", name, MODEL_NAMES)
        if self.models is not None and len(set(self.models)) != len(self.models):
            raise ConfigError(f"`models` names a model twice: {self.models}. List each once.")
        if not self.reduce:
            raise ConfigError("`reduce` is empty; name at least one of lda, pca, none.")
        for name in self.reduce:
            _check_choice("reduce", name, ("lda", "pca", "none"))
        _check_range("test_size", self.test_size, 0.0, 1.0)
        _check_range("val_size", self.val_size, 0.0, 1.0)
        _check_range("z_threshold", self.z_threshold, 0.0, None)
        if self.k_neighbors < 1:
            raise ConfigError(f"`k_neighbors` must be at least 1, got {self.k_neighbors}.")
        if self.max_categories < 2:
            raise ConfigError(f"`max_categories` must be at least 2, got {self.max_categories}.")
        for name, params in self.model_params.items():
            _check_choice("model_params", name, MODEL_NAMES)
            if not isinstance(params, dict):
                raise ConfigError(f"`model_params.{name}` must be a mapping of parameter names to values; got {params!r}.")
        if self.n_jobs == 0:
            raise ConfigError("`n_jobs` must not be 0; use 1 for sequential, -1 for all cores.")
        _check_choice("backend", self.backend, ("loky", "dask", "sequential"))
        if self.backend == "dask" and importlib.util.find_spec("distributed") is None:
            raise ConfigError(
                "`backend` is 'dask', but dask.distributed is not installed. Install it with "
                "pip install 'dmflow[distributed]', or use backend loky."
            )
        if self.scheduler is not None and self.backend != "dask":
            raise ConfigError(
                f"`scheduler` is set ({self.scheduler!r}) but `backend` is {self.backend!r}; "
                "a scheduler is used by backend dask only. Set backend to dask or drop the scheduler."
            )
        return self

    def to_dict(self):
        return dataclasses.asdict(self)


_FIELDS = {f.name: f for f in dataclasses.fields(RunConfig)}
_TYPES = {
    "data": str, "target": (str, type(None)), "models": (list, type(None)), "protocol": str, "seed": int,
    "out": str, "test_size": float, "val_size": float, "outliers": str, "z_threshold": float,
    "balance": str, "k_neighbors": int, "reduce": list, "categorical": list, "numeric": list,
    "max_categories": int, "positive_class": (str, type(None)), "n_jobs": int,
    "kind": str, "channels": int, "backend": str, "scheduler": (str, type(None)), "model_params": dict,
}


_TYPE_NAMES = {int: "an integer", float: "a number", str: "a string", list: "a list", dict: "a mapping",
               type(None): "null"}


def _check_choice(key, value, allowed):
    if value not in allowed:
        close = difflib.get_close_matches(str(value), allowed, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"`{key}` got {value!r}, which is not one of {', '.join(allowed)}.{hint}")


def _check_range(key, value, low, high):
    if not value > low or (high is not None and not value < high):
        bound = f"between {low} and {high}, exclusive" if high is not None else f"greater than {low}"
        raise ConfigError(f"`{key}` must be {bound}; got {value}.")


def _coerce(key, value):
    expected = _TYPES[key]
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if list in (expected if isinstance(expected, tuple) else (expected,)) and isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, bool) or not isinstance(value, expected):
        options = expected if isinstance(expected, tuple) else (expected,)
        names = " or ".join(_TYPE_NAMES[t] for t in options)
        raise ConfigError(f"`{key}` must be {names}; got {value!r} ({type(value).__name__}).")
    if isinstance(value, list):
        bad = [item for item in value if not isinstance(item, str)]
        if bad:
            raise ConfigError(f"`{key}` must be a list of names; {bad[0]!r} is not a string.")
    return value


def build_config(file_values=None, overrides=None):
    """Merge file values and overrides (flags win) into a validated :class:`RunConfig`."""
    values = {}
    for source in (file_values or {}, {k: v for k, v in (overrides or {}).items() if v is not None}):
        for key, value in source.items():
            if key not in _FIELDS:
                close = difflib.get_close_matches(key, list(_FIELDS), n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise ConfigError(f"Unknown config key {key!r}.{hint} Known keys: {', '.join(_FIELDS)}.")
            values[key] = _coerce(key, value)
    return RunConfig(**values).validate()


def load_config(path=None, **overrides):
    """Read a YAML or TOML config file, apply ``overrides`` and validate.

    Parameters
    ----------
    path : str or path-like, optional
        ``.yaml``/``.yml`` or ``.toml``. ``None``: defaults and overrides only.
    **overrides
        Values that win over the file; ``None`` values are ignored.

    Returns
    -------
    RunConfig

    Examples
    --------
    >>> load_config(models="rf,logreg", seed=3).models
    ['rf', 'logreg']
    """
    file_values = {}
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"Config file {str(path)!r} does not exist or is not a file.")
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            if path.suffix.lower() == ".toml":
                file_values = tomllib.loads(text)
            elif path.suffix.lower() in (".yaml", ".yml"):
                file_values = yaml.safe_load(text) or {}
            else:
                raise ConfigError(f"Config file {str(path)!r} must end in .yaml, .yml or .toml.")
        except (yaml.YAMLError, tomllib.TOMLDecodeError) as err:
            first = str(err).strip().splitlines()[0]
            raise ConfigError(f"Config file {str(path)!r} is not valid {path.suffix[1:].upper()}: {first}") from None
        if not isinstance(file_values, dict):
            raise ConfigError(f"Config file {str(path)!r} must hold a mapping of keys to values.")
    return build_config(file_values, overrides)
