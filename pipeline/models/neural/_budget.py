"""How long to train: batch size, epochs and patience derived from the number of rows.

A budget counted in optimizer steps trains small and large data alike: 80 series
get hundreds of passes, a million rows a single one. Every default derives from the
constants here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["MIN_VALIDATION_ROWS", "TrainingPlan", "plan_training"]

#: Smallest and largest automatic batch; about a tenth of the rows in between.
MIN_BATCH, MAX_BATCH, ROWS_PER_BATCH = 16, 256, 10
#: ``early_stopping="auto"`` stops early only when the held-out share has this many rows.
#: On fewer, the validation loss is too noisy to choose an epoch by (the standard error
#: of an accuracy near 0.8 is 0.04 on 100 rows, 0.09 on 20) and stopped training on
#: small series sets at the warm-up; the time-series literature trains such sets for a
#: fixed budget instead (Wang et al. 2017; Fawaz et al. 2019).
MIN_VALIDATION_ROWS = 100
#: Automatic patience: this share of the planned epochs, and at least MIN_PATIENCE. Only
#: long plans (over 200 epochs: the MLP's 3000 steps on a few thousand rows) get more
#: than MIN_PATIENCE. A tenth there waited 30 epochs past a best epoch the MLP's
#: fits on eight real tables had already found (the same choice and test AUC with a
#: twentieth, 20-40 % less training); a flat 10 stopped some within the warm-up.
PATIENCE_SHARE, MIN_PATIENCE = 0.05, 10


@dataclass(frozen=True)
class TrainingPlan:
    """Rows per batch, passes over the data, and epochs without improvement tolerated."""

    batch_size: int
    epochs: int
    patience: int


def plan_training(n_rows: int, *, batch_size, max_steps: int, max_epochs: int, patience) -> TrainingPlan:
    """Resolve "auto" settings for ``n_rows`` training rows.

    The batch is a power of two near ``n_rows / 10`` within [16, 256]; epochs are as
    many as ``max_steps`` optimizer steps need, at least one and at most
    ``max_epochs``; patience is a twentieth of the epochs, at least 10 (never more
    than the epochs).

    Examples
    --------
    >>> plan_training(80, batch_size="auto", max_steps=1000, max_epochs=500, patience="auto")
    TrainingPlan(batch_size=16, epochs=200, patience=10)
    >>> plan_training(1000, batch_size="auto", max_steps=3000, max_epochs=500, patience="auto")
    TrainingPlan(batch_size=128, epochs=375, patience=19)
    >>> plan_training(10**6, batch_size="auto", max_steps=1000, max_epochs=500, patience=5)
    TrainingPlan(batch_size=256, epochs=1, patience=1)
    """
    if batch_size == "auto":
        target = max(1, n_rows // ROWS_PER_BATCH)
        batch_size = min(MAX_BATCH, max(MIN_BATCH, 2 ** round(math.log2(target))))
    batch_size = int(min(batch_size, max(n_rows, 1)))
    steps_per_epoch = math.ceil(n_rows / batch_size)
    epochs = int(min(max_epochs, max(1, math.ceil(max_steps / steps_per_epoch))))
    if patience == "auto":
        patience = max(MIN_PATIENCE, math.ceil(PATIENCE_SHARE * epochs))
    return TrainingPlan(batch_size, epochs, int(min(patience, epochs)))
