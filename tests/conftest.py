"""Shared fixtures: small mixed tables written to disk like a user's CSV."""

import numpy as np
import pandas as pd
import pytest


def make_mixed_frame(n=400, seed=0, n_classes=2):
    """A small table with numeric outliers, missing cells, categoricals and a label."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.normal(size=n)
    x2[rng.random(n) < 0.05] = np.nan
    x3 = rng.exponential(size=n)
    x3[:4] = 60.0  # far outliers
    colour = rng.choice(["red", "green", "blue"], size=n).astype(object)
    colour[rng.random(n) < 0.05] = None
    size = rng.choice(["S", "M", "L", "XL"], size=n)
    score = 1.5 * x1 - np.nan_to_num(x2) + (colour == "red") + rng.normal(scale=0.5, size=n)
    if n_classes == 2:
        label = np.where(score > np.quantile(score, 0.75), "yes", "no")
    else:
        label = np.digitize(score, np.quantile(score, [0.4, 0.75])).astype(str)
        label = np.char.add("c", label)
    return pd.DataFrame({"x1": x1, "x2": x2, "x3": x3, "colour": colour, "size": size, "label": label})


@pytest.fixture
def mixed_csv(tmp_path):
    path = tmp_path / "mixed.csv"
    make_mixed_frame().to_csv(path, index=False)
    return path
