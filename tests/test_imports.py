"""The package's import graph: no cycles, and no reaching into another package's private modules or names.

Imports inside functions count too: they only postpone a cycle to run time. So do a
package's lazy exports (an ``_EXPORTS`` dict of name -> submodule, see ``pipeline.lazy``):
they are imported on first use.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "pipeline"
#: The one module that imports scikit-learn's private API, for every package that needs it.
SKLEARN_SHIM = "pipeline._sklearn"


def _module_name(path):
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _targets(path, module):
    """Modules of the package that ``module`` imports (resolved, relative or absolute)."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("pipeline")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("pipeline"):
                source = node.module
            else:
                continue
            found.add(source)
            found |= {f"{source}.{alias.name}" for alias in node.names}
        elif _is_exports(node) and path.name == "__init__.py":
            found |= {f"{module}.{value.value}" for value in node.value.values}
    return found


def _is_exports(node):
    return (isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
            and any(isinstance(t, ast.Name) and t.id == "_EXPORTS" for t in node.targets))


def _graph():
    """Module -> modules it imports; a module's own parent packages are left out, since
    Python has imported them before the module itself (``from . import x`` names one)."""
    paths = {_module_name(p): p for p in ROOT.rglob("*.py")}
    return {name: sorted(t for t in _targets(path, name)
                         if t in paths and t != name and not name.startswith(t + "."))
            for name, path in paths.items()}


def _cycle(graph):
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_import_graph_has_no_cycle():
    graph = _graph()
    assert "pipeline.translate._saving" in graph["pipeline.translate"]  # the graph is read at all
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]
    assert _cycle({"a": ["b"], "b": []}) is None


def test_the_translator_uses_public_names_only():
    graph = _graph()
    for name, targets in graph.items():
        if not name.startswith("pipeline.translate"):
            continue
        private = [t for t in targets if not t.startswith("pipeline.translate") and t != SKLEARN_SHIM
                   and any(part.startswith("_") for part in t.split("."))]
        assert not private, f"{name} imports private modules {private}"


def _is_private(part):
    return part.startswith("_") and not part.startswith("__")


def _reaches_into(importer, targets):
    """The targets (dotted module or module.name) private to a package or module other than
    ``importer``: a private part is private to what precedes it, and everything inside that
    may use it (``pipeline.phases._steps`` may import ``pipeline.phases._outliers._take_rows``)."""
    found = []
    for target in targets:
        parts = target.split(".")
        first = next((i for i, part in enumerate(parts) if _is_private(part)), None)
        if first is None:
            continue
        owner = ".".join(parts[:first])
        if importer != owner and not importer.startswith(owner + "."):
            found.append(target)
    return sorted(found)


def _imported_names(path, module):
    """Everything ``module`` imports from the package, down to the names (``pipeline.x._y.name``)."""
    return {t for t in _targets(path, module) if t.startswith("pipeline")}


#: Modules allowed to import another package's private modules or names, with the reason.
#: Empty: every package exports what the others use.
PRIVATE_IMPORT_EXCEPTIONS: dict[str, str] = {}


def test_no_module_imports_another_packages_private_modules_or_names():
    paths = {_module_name(p): p for p in ROOT.rglob("*.py")}
    assert {"pipeline.flow.stages", "pipeline.predict"} <= set(paths)  # the two the flow runs through
    reached = {name: _reaches_into(name, _imported_names(path, name)) for name, path in paths.items()
               if name not in PRIVATE_IMPORT_EXCEPTIONS}
    assert {name: found for name, found in reached.items() if found} == {}


def test_the_private_import_check_finds_one():
    assert _reaches_into("pipeline.predict", ["pipeline.datasets._check_shape"]) == [
        "pipeline.datasets._check_shape"]
    assert _reaches_into("pipeline.flow.stages", ["pipeline.evaluation._protocol.article_proba"]) == [
        "pipeline.evaluation._protocol.article_proba"]
    assert _reaches_into("pipeline.phases._steps", ["pipeline.phases._outliers._take_rows"]) == []
    assert _reaches_into("pipeline.flow.stages",
                         ["pipeline.selection.search_models", "pipeline._sklearn"]) == []


def _loaded_after(code):
    """Which of torch and matplotlib a fresh interpreter has imported after running ``code``."""
    import subprocess
    import sys

    probe = code + "\nimport sys; print(sorted(m for m in ('torch', 'matplotlib') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                          cwd=ROOT.parent)
    return done.stdout.strip().splitlines()[-1]


def test_the_command_line_parser_loads_neither_torch_nor_matplotlib():
    assert _loaded_after("from pipeline.cli import _build_parser; _build_parser()") == "[]"


def test_a_neural_estimator_loads_torch_when_first_named():
    assert _loaded_after("import pipeline.models.neural as n") == "[]"
    assert _loaded_after("import pipeline.models.neural as n; n.CNNClassifier") == "['torch']"


def test_the_core_knows_neither_application():
    """The torch core imports neither the flow's models nor the translator, and model folders
    know nothing of the translator, which plugs its own parts in."""
    graph = _graph()
    core = {name: targets for name, targets in graph.items() if name.startswith("pipeline.nn")}
    assert "pipeline.nn._engine" in core
    for name, targets in core.items():
        assert not [t for t in targets if t.startswith(("pipeline.models", "pipeline.translate"))], name
    for name, targets in graph.items():
        if name.startswith("pipeline.persistence"):
            assert not [t for t in targets if t.startswith("pipeline.translate")], name
    for path in (ROOT / "persistence").glob("*.py"):  # no branch on the translator's format either
        assert "translat" not in path.read_text(encoding="utf-8").lower(), path.name


#: Modules outside ``pipeline.flow`` that may import it: the package's public names and the
#: command line, which serve both applications.
FLOW_IMPORTERS = {"pipeline", "pipeline.cli"}


def _reachable(graph, start):
    seen, todo = set(), [start]
    while todo:
        for nxt in graph[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_nothing_but_the_entry_points_imports_the_flow():
    """The core, the building blocks and the translator reach no flow module, even through
    another module: the flow sits on top of them."""
    graph = _graph()
    assert "pipeline.flow.runner" in graph["pipeline.flow"]  # its lazy exports are read
    reaching = {name: sorted(t for t in _reachable(graph, name) if t.startswith("pipeline.flow"))
                for name in graph
                if not name.startswith("pipeline.flow") and name not in FLOW_IMPORTERS}
    assert {name: found for name, found in reaching.items() if found} == {}


def test_the_flow_check_finds_a_module_reaching_the_flow():
    graph = {"pipeline.persistence": ["pipeline.predict"], "pipeline.predict": ["pipeline.flow.config"],
             "pipeline.flow.config": []}
    assert _reachable(graph, "pipeline.persistence") == {"pipeline.predict", "pipeline.flow.config"}
