"""Run configuration: defaults, YAML/TOML loading, validation.

A config file holds the same keys as the ``run`` command's flags; flags given
on the command line override the file. Unknown keys, wrong types and values
out of range raise :class:`~pipeline.errors.ConfigError` naming the key.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import importlib.util
import textwrap
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import ConfigError
from ..limits import InputLimits
from ..models import LARGE_ROWS, MODELS
from ..phases import PHASE_NAMES, PHASES, phase_named
from ..selection import BACKENDS, METRIC_LABELS

__all__ = [
    "DEFAULT_MODELS",
    "KIND_CHOICES",
    "LARGE_ROWS",
    "METRICS",
    "PROTOCOLS",
    "SELECTIONS",
    "RunConfig",
    "build_config",
    "field_types",
    "key",
    "load_config",
]

#: Models run when none are named, for tables and for sequence data.
DEFAULT_MODELS = {
    "table": ("rf", "mlp", "logreg", "hgb"),
    "sequence": ("rf", "logreg", "mlp", "rocket", "cnn", "resnet", "rnn", "lstm", "gru", "transformer"),
}
#: ``protocol``: the strict flow only, or also the source article's leaky one.
PROTOCOLS = ("strict", "article")
#: ``kind``: how the feature columns are read.
KIND_CHOICES = ("auto", "table", "sequence")
#: ``balance``: the phase's methods, and class weights set on the estimator instead.
BALANCE_CHOICES = phase_named("balance").choices
#: ``selection``: k-fold cross-validation, or the single holdout split of phase 4.
SELECTIONS = ("cv", "holdout")
#: ``metric``: what selection maximises (log loss: minimises).
METRICS = tuple(METRIC_LABELS)


def key(default, help, *, choices=None, metavar=None, at_least=None, above=None, below=None):
    """Declare one config key: a dataclass field whose metadata drives validation and flags.

    Adding a key to a run is adding one :class:`RunConfig` field made by this
    function: its type annotation gives the accepted type, ``help`` the text of
    its ``run`` flag and of the class docstring, ``choices`` (for a list, of each
    item) the allowed values, and ``at_least``/``above``/``below`` its range.

    Examples
    --------
    >>> field_ = key(3, "How many.", at_least=1)
    >>> field_.default, field_.metadata["at_least"]
    (3, 1)
    """
    metadata = {"help": help, "choices": None if choices is None else tuple(choices),
                "metavar": metavar, "at_least": at_least, "above": above, "below": below}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: copy.deepcopy(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass
class RunConfig(InputLimits):  # the data file's limits are run settings too
    """Every setting of a run, with its default.

    Each key is also a flag of ``dmflow run`` (``--test-size`` for ``test_size``),
    and any key can be set with ``--set key=value``; a YAML/TOML config file takes
    the same keys. The parameters below are generated from the fields.

    Examples
    --------
    >>> RunConfig(models=["rf"]).validate().models
    ['rf']
    >>> RunConfig().validate().models is None  # resolved by the data's kind
    True
    """

    data: str = key("adult", "A CSV/TSV/Parquet file, or the name of a bundled dataset.", metavar="PATH")
    target: str | None = key(None, "The class column; default: the bundled dataset's target, else the "
                             "last column.", metavar="COLUMN")
    models: list | None = key(None, "Models to search, comma-separated; default: "
                              + "; ".join(f"{','.join(v)} for {k} data" for k, v in DEFAULT_MODELS.items())
                              + ".", choices=MODELS, metavar="LIST")
    protocol: str = key("strict", "'article' also scores the test split after balancing and reducing it "
                        "separately, as the source article does; the report shows both.", choices=PROTOCOLS)
    seed: int = key(0, "Seeds every split, sampler and model.", metavar="N")
    out: str = key("reports", "Folder under which the run folder is created.", metavar="DIR")
    test_size: float = key(0.2, "Test fraction of all rows.", above=0.0, below=1.0, metavar="F")
    val_size: float = key(0.2, "Validation fraction of the non-test rows, for selection holdout.", above=0.0,
                          below=1.0, metavar="F")
    selection: str = key("cv", "'cv': candidates are scored by stratified k-fold cross-validation on all "
                         "non-test rows; 'holdout': on the single validation split (val_size), cheaper for "
                         "very large data and the article's flow.", choices=SELECTIONS)
    cv: int | None = key(None, f"Folds for selection cv; default: 5, or 3 above {LARGE_ROWS:,} non-test "
                         "rows.", at_least=2, metavar="K")
    metric: str = key("roc_auc", "What selection maximises (log_loss: minimises); shown in the report.",
                      choices=METRICS)
    time_limit: float | None = key(300.0, "Seconds for the search; once spent no new fold starts (a fold "
                                   "running finishes) and the report lists what was skipped.",
                                   above=0.0, metavar="SECONDS")
    n_candidates: int | None = key(None, "Candidates searched per model, its defaults included; default: "
                                   f"each model's own number, halved above {LARGE_ROWS:,} rows.", at_least=1,
                                   metavar="N")
    race: bool = key(True, "Race the candidates over the folds: each is scored on the first half of the "
                     "folds, and goes on to the rest unless it trails its model's leader there by more "
                     "than two standard errors (no race below 4 folds).")
    ensemble: bool = key(True, "Also build a weighted ensemble of the models' best candidates (greedy "
                         "selection on out-of-fold predictions); chosen only when its cross-validated score "
                         "is the best.")
    # One key per searchable phase (``outliers``, ``balance``, ``reduce``), declared in
    # the phase table: its variants, default and help come from there.
    for _phase in PHASES:
        __annotations__[_phase.name] = "list"
        locals()[_phase.name] = key(list(_phase.default), _phase.help, choices=_phase.choices, metavar="LIST")
    del _phase
    z_threshold: float = key(3.0, "Absolute z-score beyond which a value is an outlier.", above=0.0,
                             metavar="Z")
    k_neighbors: int = key(5, "Neighbours for SMOTE.", at_least=1, metavar="K")
    categorical: list = key([], "Columns forced to be categorical, comma-separated; also keeps a text "
                            "column that looks like an identifier or free text.", metavar="LIST")
    numeric: list = key([], "Columns forced to be numeric, comma-separated; also keeps an integer column "
                        "that looks like an identifier, or a date column as plain numbers.", metavar="LIST")
    ignore: list = key([], "Columns left out of the features, comma-separated.", metavar="LIST")
    max_categories: int = key(30, "Most one-hot columns per categorical column; rarer levels are merged.",
                              at_least=2, metavar="N")
    positive_class: str | None = key(None, "Label counted as positive for the binary rates; default: the "
                                     "minority class.", metavar="LABEL")
    n_jobs: int = key(2, "Parallel model fits; -1: all cores.", metavar="N")
    kind: str = key("auto", "'sequence' reads every feature column as one step of a series (`channels` "
                    "values per step); 'auto': sequence for bundled sequence data, table otherwise.",
                    choices=KIND_CHOICES)
    channels: int = key(1, "Values per step of a series, stored step by step in the columns.", at_least=1,
                        metavar="N")
    model_params: dict = key({}, "Model name -> estimator parameters fixed for that model, e.g. "
                             "{lstm: {max_epochs: 10}} (YAML); the model's search grid still varies its "
                             "own parameters.", metavar="MAPPING")
    backend: str = key("loky", "What runs the model search: local processes, a dask.distributed cluster "
                       "(needs dmflow[distributed]), or one fit after another.", choices=BACKENDS)
    scheduler: str | None = key(None, "Address of a Dask scheduler for backend dask; default: start a "
                                "local cluster of n_jobs workers.", metavar="ADDRESS")
    threshold: float | str | None = key(None, "Two classes only: predict the positive class when its "
                                        "probability is at least this number, in (0, 1); 'auto': the "
                                        "threshold that maximises F1 on the selection data (never the test "
                                        "split); default: 0.5. Used by predict and stated in the report.",
                                        metavar="T|auto")
    track: str | None = key(None, "MLflow tracking URI, e.g. sqlite:///mlflow.db: log the run there, one "
                            "nested run per model (needs dmflow[tracking]).", metavar="URI")

    def __post_init__(self):
        # A single phase option is a one-item search: `outliers: drop` means [drop].
        for name in PHASE_NAMES:
            if isinstance(getattr(self, name), str):
                setattr(self, name, [getattr(self, name)])

    def validate(self):
        """Check every value; return ``self`` or raise :class:`ConfigError`."""
        for spec in dataclasses.fields(self):
            _check_field(spec, getattr(self, spec.name))
        for name, params in self.model_params.items():
            _check_choice("model_params", name, tuple(MODELS))
            if not isinstance(params, dict):
                raise ConfigError(
                    f"`model_params.{name}` must be a mapping of parameter names to values; got {params!r}."
                )
        if self.n_jobs == 0:
            raise ConfigError("`n_jobs` must not be 0; use 1 for sequential, -1 for all cores.")
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
        self.threshold = _check_threshold(self.threshold)
        if self.track is not None:
            _check_tracking(self.track)
        return self

    def possible_models(self):
        """The models a run may fit: those named, or else every kind's defaults, since the
        kind is known only once the data is read.

        Examples
        --------
        >>> RunConfig(models=["rf", "logreg"]).possible_models()
        ['rf', 'logreg']
        """
        if self.models:
            return list(self.models)
        return sorted({name for names in DEFAULT_MODELS.values() for name in names})

    def to_dict(self):
        """The settings as a plain dict (for ``metrics.json`` and the report)."""
        return dataclasses.asdict(self)


def _annotated_types(cls):
    hints = typing.get_type_hints(cls)
    return {name: tuple(typing.get_args(hint)) if typing.get_args(hint) else (hint,)
            for name, hint in hints.items()}


def field_types(schema=None):
    """Config key -> tuple of the Python types it accepts, read from the annotations.

    Parameters
    ----------
    schema : dataclass type, default=None
        :class:`RunConfig` when None.

    Examples
    --------
    >>> field_types()["target"]
    (<class 'str'>, <class 'NoneType'>)
    """
    return dict(_TYPES) if schema is None else _annotated_types(schema)


def _docstring(cls):
    """Numpydoc ``Parameters`` for ``cls`` from its fields' metadata."""
    lines = []
    for spec in dataclasses.fields(cls):
        types, choices = _TYPES[spec.name], spec.metadata.get("choices")
        text = " or ".join(t.__name__ for t in types if t is not type(None))
        if choices:
            allowed = "{" + ", ".join(map(repr, choices)) + "}"
            text = f"list of {allowed}" if list in types else allowed
        if type(None) in types:
            text += " or None"
        default = spec.default_factory() if spec.default_factory is not dataclasses.MISSING else spec.default
        lines.append(f"    {spec.name} : {text}, default={default!r}")
        lines += textwrap.wrap(spec.metadata.get("help", ""), width=100, initial_indent=" " * 8,
                               subsequent_indent=" " * 8)
    head, _, examples = cls.__doc__.partition("    Examples\n")
    return f"{head}    Parameters\n    ----------\n" + "\n".join(lines) + "\n\n    Examples\n" + examples


_FIELDS = {f.name: f for f in dataclasses.fields(RunConfig)}
_TYPES = _annotated_types(RunConfig)
RunConfig.__doc__ = _docstring(RunConfig)

_TYPE_NAMES = {int: "an integer", float: "a number", str: "a string", list: "a list", dict: "a mapping",
               bool: "true or false", type(None): "null"}


def _check_field(spec, value):
    """The generic checks a field's metadata asks for: choices, emptiness, duplicates, range."""
    key_, meta = spec.name, spec.metadata
    choices = meta.get("choices")
    if isinstance(value, list) and choices:
        if not value:
            raise ConfigError(f"`{key_}` is empty; name at least one of {', '.join(choices)}.")
        for item in value:
            _check_choice(key_, item, choices)
        if len(set(value)) != len(value):
            what = "a model" if key_ == "models" else "a value"
            raise ConfigError(f"`{key_}` names {what} twice: {value}. List each once.")
    elif choices and value is not None:
        _check_choice(key_, value, choices)
    if value is None:
        return
    if meta.get("at_least") is not None and value < meta["at_least"]:
        raise ConfigError(f"`{key_}` must be at least {meta['at_least']}, got {value}.")
    if meta.get("above") is not None:
        _check_range(key_, value, meta["above"], meta.get("below"))


def _check_choice(key, value, allowed):
    if value not in allowed:
        close = difflib.get_close_matches(str(value), allowed, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"`{key}` got {value!r}, which is not one of {', '.join(allowed)}.{hint}")


def _check_range(key, value, low, high):
    if not value > low or (high is not None and not value < high):
        bound = f"between {low} and {high}, exclusive" if high is not None else f"greater than {low}"
        raise ConfigError(f"`{key}` must be {bound}; got {value}.")


def _check_threshold(value):
    """None, ``"auto"`` or a number in (0, 1); text from a flag is read as a number."""
    if value is None or value == "auto":
        return value
    number = value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            raise ConfigError(
                f"`threshold` got {value!r}; give a number between 0 and 1, or auto for the "
                "F1-optimal threshold."
            ) from None
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        raise ConfigError(f"`threshold` must be a number or auto; got {value!r}.")
    _check_range("threshold", float(number), 0.0, 1.0)
    return float(number)


def _check_tracking(uri):
    if importlib.util.find_spec("mlflow") is None:
        raise ConfigError(
            f"`track` is {uri!r}, but MLflow is not installed. Install it with "
            "pip install 'dmflow[tracking]', or leave out --track."
        )


def _coerce(key, value):
    expected = _TYPES[key]
    if float in expected and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if list in expected and isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if (isinstance(value, bool) and bool not in expected) or not isinstance(value, expected):
        names = " or ".join(_TYPE_NAMES[t] for t in expected)
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
            raise ConfigError(
                f"Config file {str(path)!r} is not valid {path.suffix[1:].upper()}: {first}"
            ) from None
        if not isinstance(file_values, dict):
            raise ConfigError(f"Config file {str(path)!r} must hold a mapping of keys to values.")
    return build_config(file_values, overrides)
