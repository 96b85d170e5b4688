"""The classification application: from a configuration to a run folder.

``pipeline`` holds two applications on one core. This package is the first, the
six-phase flow; :mod:`pipeline.translate` is the second. Their boundary follows the
imports:

- here: :mod:`~pipeline.flow.config` (the run's settings, one schema for file, flags and
  Python), :mod:`~pipeline.flow.flags` (the ``run`` command's flags),
  :mod:`~pipeline.flow.runner` and :mod:`~pipeline.flow.stages` (a run, stage by stage),
  :mod:`~pipeline.flow.extras` (figure data read off fitted models),
  :mod:`~pipeline.flow.tracking` (MLflow logging of a finished run) and
  :mod:`~pipeline.flow.predict_dask` (scoring partitions on a Dask cluster). Nothing
  outside this package and the command line imports them.
- beside it, because the model folder and the shared building blocks need them:
  ``kinds`` (the models' registry builds each kind's phase steps), ``columns`` (reading
  a table infers its column roles), ``predict`` and ``sequences`` (a loaded model reads
  its raw rows through them).
- the building blocks it assembles: ``phases``, ``models``, ``selection``,
  ``evaluation``; and the core both applications use: ``nn``, ``persistence``,
  ``reporting``, ``record``, ``rundir``, ``datasets``, ``errors``, ``versions``,
  ``limits``, ``lazy``, ``_sklearn``. None of these imports this package, and the
  translator imports nothing from it (``tests/test_imports.py`` keeps both rules).

Public names are imported on first use, like :mod:`pipeline`'s, so importing the
package loads neither scikit-learn's estimators nor torch.

Examples
--------
>>> from pipeline import flow
>>> flow.RunConfig(models=["logreg"]).validate().models
['logreg']
>>> flow.run is __import__("pipeline").run
True
"""

from ..lazy import lazy_exports

_EXPORTS = {
    "run": "runner", "RunResult": "runner",
    "RunConfig": "config", "load_config": "config",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)
