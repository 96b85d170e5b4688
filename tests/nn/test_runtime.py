import numpy as np
import pytest
import torch

from pipeline.nn import resolve_device, torch_seed, torch_threads


def test_device_resolution():
    assert resolve_device("auto").type in {"cpu", "cuda"}
    with pytest.raises(ValueError, match="is not a torch device"):
        resolve_device("gpu-please")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device"):
            resolve_device("cuda")


def test_torch_threads_none_keeps_setting():
    before = torch.get_num_threads()
    with torch_threads(None):
        assert torch.get_num_threads() == before


def test_torch_threads_restores_the_count_even_after_an_error():
    before = torch.get_num_threads()
    with pytest.raises(RuntimeError, match="boom"), torch_threads(1):
        assert torch.get_num_threads() == 1
        raise RuntimeError("boom")
    assert torch.get_num_threads() == before


def test_seed_from_int_numpy_state_and_generator():
    assert torch_seed(7) == 7
    assert torch_seed(np.random.RandomState(0)) == torch_seed(np.random.RandomState(0))
    assert torch_seed(np.random.default_rng(0)) == torch_seed(np.random.default_rng(0))
    assert 0 <= torch_seed(None) < 2**31
    with pytest.raises(ValueError, match="not usable as a seed"):
        torch_seed("zero")
