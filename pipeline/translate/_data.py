"""Parallel sentence pairs: reading a tab-separated file and a grouped held-out split."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
from sklearn.model_selection import GroupShuffleSplit

from ..errors import DataError

__all__ = ["check_pairs", "check_texts", "grouped_split", "load_pairs"]


def load_pairs(path, *, n_pairs: int | None = None) -> tuple[list[str], list[str]]:
    """Read ``source<TAB>target`` lines from a UTF-8 text file (``.gz`` allowed).

    Parameters
    ----------
    path : str or Path
        Tab-separated file without a header; ``.gz`` files are decompressed.
    n_pairs : int, optional
        Read only the first ``n_pairs`` lines.

    Returns
    -------
    sources, targets : list of str
        The two columns, stripped of surrounding whitespace.

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "pairs.tsv")
    >>> _ = open(path, "w", encoding="utf-8").write("Hi.\\tHallo!\\nGo.\\tGeh.\\n")
    >>> load_pairs(path)
    (['Hi.', 'Go.'], ['Hallo!', 'Geh.'])
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(
            f"Sentence-pair file {str(path)!r} does not exist. Pass a tab-separated "
            "file of 'source<TAB>target' lines (optionally .gz), for example "
            "data/tatoeba-en-de/pairs.tsv.gz."
        )
    if n_pairs is not None and n_pairs < 1:
        raise ValueError(f"n_pairs={n_pairs} must be at least 1, or None to read every line.")
    opener = gzip.open if path.suffix == ".gz" else open
    sources, targets = [], []
    with opener(path, "rt", encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if n_pairs is not None and len(sources) >= n_pairs:
                break
            if not line.strip():
                continue
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) < 2 or not fields[0].strip() or not fields[1].strip():
                raise DataError(
                    f"{path.name}, line {line_no}: expected 'source<TAB>target', got "
                    f"{line.rstrip()[:80]!r}. Each line needs two non-empty tab-separated "
                    "fields."
                )
            sources.append(fields[0].strip())
            targets.append(fields[1].strip())
    if not sources:
        raise DataError(f"{path.name} holds no sentence pairs; add 'source<TAB>target' lines.")
    return sources, targets


def grouped_split(sources, *, test_size: float = 0.1, random_state=None):
    """Split pair indices so that all pairs sharing a source sentence land together.

    The same English sentence often has several German translations; a plain
    random split would put some of them in training and score the model on
    sentences it has already seen.

    Parameters
    ----------
    sources : sequence of str
        Source sentence of each pair; equal strings form one group.
    test_size : float, default=0.1
        Fraction of distinct source sentences held out.
    random_state : int, optional
        Seed of the shuffle.

    Returns
    -------
    train_idx, test_idx : ndarray of int
        Sorted pair positions on each side.

    Examples
    --------
    >>> train, test = grouped_split(["a", "a", "b", "c", "c", "d"], test_size=0.5, random_state=0)
    >>> sorted(set(train) | set(test)) == list(range(6))
    True
    """
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size={test_size} must lie strictly between 0 and 1.")
    sources = [s if isinstance(s, str) else " ".join(map(str, s)) for s in sources]
    _, groups = np.unique(np.asarray(sources, dtype=object).astype(str), return_inverse=True)
    if groups.max(initial=-1) + 1 < 2:
        raise ValueError(
            f"Only {groups.max(initial=-1) + 1} distinct source sentence(s); a grouped split "
            "needs at least 2. Pass more pairs."
        )
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=random_state)
    train_idx, test_idx = next(splitter.split(np.zeros(len(sources)), groups=groups))
    return np.sort(train_idx), np.sort(test_idx)


def check_pairs(sources, targets):
    """Validated parallel sentences: the same number of each, at least one pair."""
    sources = check_texts(sources, "sources")
    targets = check_texts(targets, "targets")
    if len(sources) != len(targets):
        raise ValueError(
            f"sources has {len(sources)} sentences but targets has {len(targets)}; "
            "pass one translation per source sentence."
        )
    if not sources:
        raise ValueError("fit needs at least one sentence pair; sources is empty.")
    return sources, targets


def check_texts(values, name: str) -> list:
    if isinstance(values, str):
        raise TypeError(
            f"{name} must be a list of sentences, got one string {values[:40]!r}. "
            f"Wrap it in a list: [{values[:40]!r}]."
        )
    values = list(values)
    for i, value in enumerate(values):
        if not isinstance(value, str) and not (
            isinstance(value, (list, tuple)) and all(isinstance(t, str) for t in value)
        ):
            raise TypeError(
                f"{name}[{i}] is {type(value).__name__} {value!r}; each entry must be a "
                "sentence (str) or a list of token strings."
            )
    return values
