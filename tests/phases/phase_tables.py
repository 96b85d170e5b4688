"""Small mixed-type tables shared by the phase tests; imported, not collected."""

import numpy as np
import pandas as pd


def make_table(n_rows=120, seed=0):
    """A labelled table with numeric, text, boolean and nullable-integer columns.

    Class "b" is shifted on ``x`` so models have something to learn; classes are
    imbalanced (70/20/10 %) so balancing has something to do.
    """
    rng = np.random.default_rng(seed)
    y = rng.choice(np.array(["a", "b", "c"]), size=n_rows, p=[0.7, 0.2, 0.1])
    X = pd.DataFrame(
        {
            "x": rng.normal(size=n_rows) + 2.0 * (y == "b"),
            "z": rng.normal(size=n_rows) - 2.0 * (y == "c"),
            "count": pd.array(rng.integers(0, 5, n_rows), dtype="Int64"),
            "colour": pd.Series(rng.choice(["red", "green", "blue"], n_rows), dtype="str"),
            "flag": rng.random(n_rows) > 0.5,
        }
    )
    return X, y


NUMERIC = ["x", "z", "count"]
CATEGORICAL = ["colour", "flag"]
