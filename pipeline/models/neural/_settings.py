"""The training settings every torch classifier shares, declared once.

Each :class:`Setting` gives a parameter's name, default, constraint and docstring
entry. :class:`~pipeline.models.neural.NeuralClassifierBase` derives from
:data:`TRAINING_SETTINGS` its ``_parameter_constraints``, the keyword-only tail of
each subclass's ``__init__`` signature (what scikit-learn's ``get_params`` reads) and
the matching entries of the subclass's "Parameters" docstring section, so a model's
class lists only its own hyperparameters.
"""

from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass
from numbers import Integral, Real

import torch

from ..._sklearn import Interval, StrOptions

__all__ = ["TRAINING_SETTINGS", "Setting", "training_docstring", "training_signature"]


@dataclass(frozen=True)
class Setting:
    """One training parameter of the torch classifiers.

    Parameters
    ----------
    name : str
        The parameter's name.
    default : object
        Its default, unless a class overrides it in ``_training_defaults``.
    constraints : list
        scikit-learn parameter constraints (see ``_parameter_constraints``).
    type : str
        The numpydoc type, e.g. ``'int or "auto"'``.
    doc : str
        The description in the docstring.
    """

    name: str
    default: object
    constraints: list
    type: str
    doc: str


_POSITIVE_INT = Interval(Integral, 1, None, closed="left")

#: The shared training parameters, in signature order.
TRAINING_SETTINGS = (
    Setting("max_steps", 3000, [_POSITIVE_INT], "int",
            "Training budget in optimizer steps: the epochs are as many as this needs (at least one, "
            "at most ``max_epochs``), so few rows get many passes and many rows few."),
    Setting("max_epochs", 500, [_POSITIVE_INT], "int", "Upper limit on the passes over the training data."),
    Setting("batch_size", "auto", [_POSITIVE_INT, StrOptions({"auto"})], 'int or "auto"',
            'Rows per training batch; "auto" is a power of two near a tenth of the training rows, '
            "within [16, 256]."),
    Setting("lr", 1e-3, [Interval(Real, 0, None, closed="neither")], "float",
            "Peak learning rate of Adam under the one-cycle schedule (linear warm-up over the first "
            "tenth of the steps, then cosine annealing)."),
    Setting("weight_decay", 1e-4, [Interval(Real, 0, None, closed="left")], "float", "Adam L2 penalty."),
    Setting("early_stopping", "auto", ["boolean", StrOptions({"auto"})], 'bool or "auto"',
            "Stop when the validation loss stops improving and keep the best epoch's weights. The "
            "validation data is ``X_val, y_val`` passed to ``fit``, else a stratified "
            "``validation_fraction`` of the training rows (with too few rows to hold some out without "
            'losing a class, training uses all of them). "auto" stops early when that share holds at '
            "least 100 rows; on fewer, a validation loss is too noisy to pick an epoch by, so training "
            "uses every row for the whole budget."),
    Setting("validation_fraction", 0.2, [Interval(Real, 0, 1, closed="neither")], "float",
            "Share of training rows held out for early stopping when no ``X_val`` is given."),
    Setting("patience", "auto", [_POSITIVE_INT, StrOptions({"auto"})], 'int or "auto"',
            'Epochs without improvement before stopping; "auto" is a twentieth of the planned epochs, '
            "at least 10."),
    Setting("grad_clip", None, [Interval(Real, 0, None, closed="neither"), None], "float or None",
            "Maximum gradient norm; None does not clip."),
    Setting("device", "auto", [str, torch.device], "str",
            '"auto" trains on CUDA when available, else on the CPU. The fitted module is always stored '
            "on the CPU."),
    Setting("amp", False, ["boolean"], "bool", "Mixed precision on CUDA (ignored on the CPU)."),
    Setting("n_threads", 1, [_POSITIVE_INT, None], "int or None",
            "Torch threads inside fit and predict (restored afterwards); one is fastest for small "
            "models on few cores. None keeps torch's setting."),
    Setting("random_state", None, ["random_state"], "int, RandomState instance or None",
            "Seeds weights, shuffling and dropout; an int gives identical results on CPU."),
    Setting("verbose", False, ["verbose"], "bool or int",
            "Progress bar over epochs and per-epoch log lines."),
)


def _shown(value):
    """A default as the docstrings write it: strings in double quotes."""
    return f'"{value}"' if isinstance(value, str) else repr(value)


def training_signature(init, defaults):
    """The signature of ``init`` with the training settings as its keyword-only tail.

    Parameters
    ----------
    init : function
        A classifier's ``__init__``: its own parameters, then ``**training``.
    defaults : dict
        Setting name -> default for this class.

    Returns
    -------
    inspect.Signature

    Examples
    --------
    >>> def __init__(self, width=8, **training): ...
    >>> defaults = {s.name: s.default for s in TRAINING_SETTINGS}
    >>> signature = training_signature(__init__, defaults | {"lr": 0.1})
    >>> list(signature.parameters)[:4], signature.parameters["lr"].default
    (['self', 'width', 'max_steps', 'max_epochs'], 0.1)
    """
    own = inspect.signature(init)
    kept = [p for p in own.parameters.values() if p.kind is not p.VAR_KEYWORD]
    if len(kept) == len(own.parameters):
        raise TypeError(
            f"{init.__qualname__} must end with **training and pass it to "
            "NeuralClassifierBase.__init__, which stores the shared training settings."
        )
    tail = [inspect.Parameter(s.name, inspect.Parameter.KEYWORD_ONLY, default=defaults[s.name])
            for s in TRAINING_SETTINGS]
    return own.replace(parameters=kept + tail)


def training_docstring(doc, defaults):
    """``doc`` with the training settings' entries closing its "Parameters" section.

    A docstring without that section (a subclass that says "same parameters as")
    is returned as it is.

    Examples
    --------
    >>> doc = "Net.\\n\\n    Parameters\\n    ----------\\n    width : int\\n"
    >>> new = training_docstring(doc, {s.name: s.default for s in TRAINING_SETTINGS})
    >>> [line.strip() for line in new.splitlines() if " : " in line][:3]
    ['width : int', 'max_steps : int, default=3000', 'max_epochs : int, default=500']
    """
    head, marker, rest = doc.partition("    Parameters\n    ----------\n")
    if not marker:
        return doc
    # The section ends at the next numpydoc header (a title line over dashes), or the end.
    lines = rest.split("\n")
    end = next((i for i in range(len(lines) - 1) if lines[i + 1].strip().startswith("---")
                and lines[i + 1].strip() == "-" * len(lines[i].strip())), len(lines))
    own = "\n".join(lines[:end]).rstrip("\n")
    entries = []
    for setting in TRAINING_SETTINGS:
        entries.append(f"    {setting.name} : {setting.type}, default={_shown(defaults[setting.name])}")
        entries += textwrap.wrap(setting.doc, width=92, initial_indent=" " * 8, subsequent_indent=" " * 8)
    after = "\n".join(lines[end:])
    return f"{head}{marker}{own}\n" + "\n".join(entries) + ("\n\n" + after if after else "\n")
