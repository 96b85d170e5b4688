"""scikit-learn's private API goes through one module, and the installed version is one declared."""

import ast
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

from tests.test_imports import SKLEARN_SHIM

PROJECT = Path(__file__).resolve().parent.parent
# The packages whose private modules and names only the shim may import.
GUARDED = ("sklearn", "sklearn_compat")


def _declared(distribution):
    dependencies = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = [Requirement(line) for line in dependencies["dependencies"]]
    return next(r for r in found if r.name == distribution)


def _private_sklearn_imports(source):
    """``module.name`` of every private scikit-learn (or sklearn-compat) module or name imported."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            targets = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found += [t for t in targets if t.split(".")[0] in GUARDED
                  and any(part.startswith("_") for part in t.split(".")[1:])]
    return found


def test_the_installed_scikit_learn_is_in_the_declared_range():
    declared = _declared("scikit-learn")
    assert any(spec.operator == "<" for spec in declared.specifier), f"{declared} has no upper bound"
    assert declared.specifier.contains(metadata.version("scikit-learn")), (
        f"scikit-learn {metadata.version('scikit-learn')} is installed but {declared} is declared: "
        "run the tests on this version, then widen the range in pyproject.toml."
    )


def test_sklearn_compat_is_a_declared_dependency():
    assert _declared("sklearn-compat").specifier.contains(metadata.version("sklearn-compat"))


def test_only_the_shim_imports_private_scikit_learn_names():
    shim = PROJECT / (SKLEARN_SHIM.replace(".", "/") + ".py")
    assert _private_sklearn_imports(shim.read_text(encoding="utf-8"))  # the check reads imports at all
    files = [p for folder in ("pipeline", "tests", "benchmarks", "examples", "docs")
             for p in (PROJECT / folder).rglob("*.py")] + [PROJECT / "cli.py"]
    offenders = {str(p.relative_to(PROJECT)): found for p in files if p != shim
                 and (found := _private_sklearn_imports(p.read_text(encoding="utf-8")))}
    assert offenders == {}, f"import these through {SKLEARN_SHIM}: {offenders}"


def test_the_private_name_check_tells_public_from_private():
    assert _private_sklearn_imports("from sklearn.base import clone, _fit_context") == [
        "sklearn.base._fit_context"]
    assert _private_sklearn_imports("import sklearn.utils._param_validation") == [
        "sklearn.utils._param_validation"]
    assert _private_sklearn_imports("from sklearn.utils.validation import validate_data") == []
    assert _private_sklearn_imports("from .._sklearn import Interval") == []
