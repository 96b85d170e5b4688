"""The contributor's map (CONTRIBUTING.md) names files and names that exist.

The map is prose, so it cannot be generated; instead every repository path and every
dotted ``pipeline.`` name it writes in backticks is checked here, so that a moved file
or a renamed registry fails the tests rather than misleading a newcomer.
"""

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAP = ROOT / "CONTRIBUTING.md"
# Backticked spans: `pipeline/phases/_steps.py`, `pipeline.models.MODELS`, ...
_SPAN = re.compile(r"`([^`\s]+)`")
_PATH_ROOTS = ("pipeline/", "tests/", "docs/", "examples/", "benchmarks/")


def _spans():
    return _SPAN.findall(MAP.read_text(encoding="utf-8"))


def _paths():
    return sorted({s for s in _spans() if s.startswith(_PATH_ROOTS) and "*" not in s})


def _names():
    return sorted({s for s in _spans() if re.fullmatch(r"pipeline(\.\w+)+", s)})


def _resolve(dotted):
    """Import the longest module prefix of ``dotted``, then follow attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


def test_map_names_enough_to_check():
    # A map whose spans stopped matching the patterns would make the tests below vacuous.
    assert len(_paths()) >= 20 and len(_names()) >= 10


@pytest.mark.parametrize("path", _paths())
def test_listed_path_exists(path):
    assert (ROOT / path).exists(), f"CONTRIBUTING.md lists {path}, which does not exist"


@pytest.mark.parametrize("name", _names())
def test_listed_name_exists(name):
    assert _resolve(name) is not None


def test_every_registered_model_is_in_the_registry_the_map_names():
    # The map says a model is one ModelSpec in MODELS: check that is how the registry is built.
    from pipeline.models import MODELS, ModelSpec

    assert MODELS and all(isinstance(spec, ModelSpec) for spec in MODELS.values())
