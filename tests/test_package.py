import importlib
import pathlib
import subprocess
import sys

import pytest

import pipeline


def test_import_is_light():
    # The command line imports the package first; torch and matplotlib load only when needed.
    code = "import sys, pipeline; print('torch' in sys.modules, 'matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_every_public_name_resolves():
    for name in pipeline.__all__:
        assert getattr(pipeline, name) is not None


def test_unknown_name_raises_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'not_a_name'"):
        _ = pipeline.not_a_name


def _subpackages():
    root = pathlib.Path(pipeline.__file__).parent
    for init in sorted(root.rglob("__init__.py")):
        parts = init.parent.relative_to(root.parent).parts
        yield ".".join(parts)


@pytest.mark.parametrize("module_name", list(_subpackages()))
def test_every_subpackage_all_names_resolve(module_name):
    # A stray string in ``__all__`` breaks ``from module import *`` and the API docs.
    module = importlib.import_module(module_name)
    missing = [name for name in getattr(module, "__all__", []) if not hasattr(module, name)]
    assert missing == [], f"{module_name}.__all__ names missing attributes: {missing}"
