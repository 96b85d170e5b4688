"""Sphinx configuration of dmflow's documentation site.

The pages that list things the code already defines (the configuration keys, the
API's public names, the benchmark results) are generated here, at every build,
from the code and from ``benchmarks/results/``, so they cannot drift from it.
Generated sources go to ``docs/generated/`` (ignored by git); the pieces other pages
include end in ``.inc``, so that Sphinx does not also read them as pages of their own.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
GENERATED = DOCS / "generated"
sys.path.insert(0, str(ROOT))

import pipeline  # noqa: E402  (the package is imported from the checkout being documented)

project = "dmflow"
author = "the dmflow authors"
copyright = "the dmflow authors"
release = version = pipeline.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "generated/api/stubs/*.examples", "sg_execution_times.rst"]
html_theme = "pydata_sphinx_theme"
html_title = f"dmflow {release}"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}
html_static_path: list[str] = []

# autosummary writes one page per public name; numpydoc renders the sections. The
# class pages list their methods without numpydoc's extra member tables, which
# would repeat every inherited scikit-learn method.
autosummary_generate = True
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Types such as ``ndarray of shape (n_features_in_,)`` are parsed as types, not as
# reStructuredText (where ``n_features_in_`` would be a link target), as scikit-learn does.
numpydoc_xref_param_type = True
numpydoc_xref_ignore = {"of", "shape", "or", "and", "default", "optional", "the", "a", "in", "with", "per"}
# numpydoc's own aliases point into the Python and NumPy glossaries through intersphinx,
# which stays off offline: these resolve without it.
numpydoc_xref_aliases = {"bool": ":class:`bool`", "sequence": ":obj:`sequence`",
                         "array_like": ":obj:`array_like`", "array-like": ":obj:`array-like`"}
templates_path = ["_templates"]
myst_heading_anchors = 3

intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
}
# The build must not need the network (CI and offline machines): links to other
# projects' pages are written out where they matter, and intersphinx stays empty
# unless DMFLOW_DOCS_INTERSPHINX=1 asks for it.
if os.environ.get("DMFLOW_DOCS_INTERSPHINX") != "1":
    intersphinx_mapping = {}

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    # Each example is a short real run; none needs more than one core.
    "abort_on_example_error": True,
    "remove_config_comments": True,
    "download_all_examples": False,
    "within_subsection_order": "FileNameSortKey",
}

#: The packages and modules whose public names (``__all__``) the API reference lists,
#: in reading order, each with its one-line title.
API_MODULES = {
    "pipeline.flow.runner": "Running the flow",
    "pipeline.flow.config": "Configuration",
    "pipeline.flow.stages": "The stages of a run",
    "pipeline.datasets": "Reading data",
    "pipeline.kinds": "Kinds of data",
    "pipeline.phases": "Phases",
    "pipeline.models": "Models",
    "pipeline.models.neural": "Neural estimators",
    "pipeline.selection": "Choosing models",
    "pipeline.nn": "The torch core: engine, runtime, layers",
    "pipeline.evaluation": "Evaluation",
    "pipeline.record": "The run record",
    "pipeline.persistence": "Model folders",
    "pipeline.predict": "Predicting",
    "pipeline.reporting": "Reports",
    "pipeline.reporting.figures": "Report figures",
    "pipeline.flow.tracking": "Experiment tracking",
    "pipeline.translate": "The translator",
    "pipeline.errors": "Errors and exit codes",
}


def _write(path: Path, text: str) -> None:
    """Write a generated source only when it changed, so Sphinx rebuilds only what changed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _api_page(module_name: str, title: str) -> str:
    """One module's reference page: an autosummary of its documented public callables."""
    module = importlib.import_module(module_name)
    names = [n for n in getattr(module, "__all__", ())
             if inspect.isclass(getattr(module, n)) or inspect.isfunction(getattr(module, n))]
    constants = [n for n in getattr(module, "__all__", ()) if n not in names]
    heading = f"``{module_name}``: {title}"
    lines = [heading, "=" * len(heading), "", f".. automodule:: {module_name}", "   :no-members:", "",
             f".. currentmodule:: {module_name}", "", ".. autosummary::", "   :toctree: stubs", ""]
    lines += [f"   {name}" for name in sorted(names)]
    if constants:
        lines += ["", "Constants: " + ", ".join(f"``{n}``" for n in sorted(constants)) + "."]
    return "\n".join(lines) + "\n"


def _generate_api() -> None:
    for module_name, title in API_MODULES.items():
        _write(GENERATED / "api" / f"{module_name}.rst", _api_page(module_name, title))
    _write(GENERATED / "api_toc.inc", ".. toctree::\n   :maxdepth: 1\n\n"
           + "".join(f"   generated/api/{name}\n" for name in API_MODULES))


def _config_table() -> str:
    """The configuration keys as a table, from :class:`pipeline.flow.config.RunConfig`'s fields."""
    from pipeline import RunConfig

    rows = []
    for f in dataclasses.fields(RunConfig):
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        choices = f.metadata.get("choices")
        help_ = f.metadata.get("help", "").replace("|", "\\|")
        if choices:
            help_ += " Choices: " + ", ".join(f"``{c}``" for c in choices) + "."
        flag = "--" + f.name.replace("_", "-")
        rows.append(f"   * - ``{f.name}``\n     - ``{flag}``\n     - ``{default!r}``\n     - {help_}")
    head = (".. list-table::\n   :header-rows: 1\n   :widths: 15 15 15 55\n\n"
            "   * - key\n     - flag\n     - default\n     - meaning")
    return head + "\n" + "\n".join(rows) + "\n"


def _generate_config() -> None:
    _write(GENERATED / "config_keys.inc", _config_table())


def _benchmark_title(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem


def _generate_benchmarks() -> None:
    """One page per recorded result, including ``benchmarks/results/<name>.md`` as it is."""
    results = sorted((ROOT / "benchmarks" / "results").glob("*.md"))
    entries = []
    for path in results:
        body = f"```{{include}} ../../../benchmarks/results/{path.name}\n```\n"
        if not path.read_text(encoding="utf-8").lstrip().startswith("# "):
            body = f"# {path.stem}\n\n" + body
        _write(GENERATED / "benchmarks" / f"{path.stem}.md", body)
        entries.append(f"   {path.stem}: {_benchmark_title(path)} <generated/benchmarks/{path.stem}>")
    _write(GENERATED / "benchmark_toc.inc",
           ".. toctree::\n   :maxdepth: 1\n\n" + "\n".join(entries) + "\n")


_generate_api()
_generate_config()
_generate_benchmarks()


def _skip_routing_methods(app, what, name, obj, skip, options):
    """Leave out scikit-learn's generated ``set_*_request`` methods: their docstrings
    point into scikit-learn's own glossary, and they are the same on every estimator."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_routing_methods)
