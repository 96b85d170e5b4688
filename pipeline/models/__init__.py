"""Named models: estimator factories and their search spaces."""

from ._registry import (
    LARGE_ROWS,
    MODELS,
    ModelSpec,
    build_candidate,
    build_model,
    candidate_params,
    candidates_wanted,
    import_estimators,
    phase_options,
    worker_modules,
)

__all__ = ["LARGE_ROWS", "MODELS", "ModelSpec", "build_candidate", "build_model", "candidate_params",
           "candidates_wanted", "import_estimators", "phase_options", "worker_modules"]
