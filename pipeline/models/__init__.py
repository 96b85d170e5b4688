"""Named models: estimator factories and their hyperparameter grids."""

from ._registry import MODELS, ModelSpec, build_model, param_grid

__all__ = ["MODELS", "ModelSpec", "build_model", "param_grid"]
