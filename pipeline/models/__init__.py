"""Named models: estimator factories and their search spaces."""

from ._registry import MODELS, ModelSpec, build_candidate, build_model, candidate_params, phase_options

__all__ = ["MODELS", "ModelSpec", "build_candidate", "build_model", "candidate_params", "phase_options"]
