"""Where and how torch runs: the device, the number of threads, the seed.

Thread policy
-------------
Small models on few cores run fastest on ONE torch thread: with two, intra-op
parallelism spends more on synchronisation than it saves (a 32-64-64-1 MLP ran up
to 30x slower with two threads on a shared 2-core machine). ``n_threads=1`` is
therefore the default; ``n_threads=None`` keeps torch's own setting. The chosen count
is applied only inside :meth:`Engine.fit` and :meth:`Engine.predict` and restored
afterwards, so the caller's process setting is left as it was.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from numbers import Integral

import numpy as np
import torch

__all__ = ["resolve_device", "torch_seed", "torch_threads"]


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Return ``torch.device(device)``; ``"auto"`` means CUDA when available, else CPU.

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(
            f"device={device!r} is not a torch device. Use 'auto', 'cpu', 'cuda' or 'cuda:0'."
        ) from err
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} asks for CUDA, but torch sees no CUDA device here. "
            "Use device='auto' to fall back to the CPU."
        )
    return dev


@contextlib.contextmanager
def torch_threads(n_threads: int | None) -> Iterator[None]:
    """Run the block with ``n_threads`` intra-op torch threads, then restore the count.

    ``None`` leaves torch's setting alone.

    Examples
    --------
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    if n_threads is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(int(n_threads))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def torch_seed(random_state) -> int:
    """An int seed for torch from None, an int or a numpy RandomState/Generator."""
    if random_state is None:
        return int(np.random.randint(0, 2**31 - 1))
    if isinstance(random_state, Integral):
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**31 - 1))
    raise ValueError(
        f"random_state={random_state!r} is not usable as a seed. "
        "Pass None, an int, or a numpy RandomState."
    )
