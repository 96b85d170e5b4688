"""The README's Python section runs, as written, against a small table."""

import doctest
import re
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import make_mixed_frame

README = Path(__file__).resolve().parent.parent / "README.md"
SECTION = "### From Python"
# The README says what dmflow is, how to start and where to read on; the rest lives in docs/.
MAX_LINES = 150


def _doctest_blocks():
    """The ```python blocks of the section that are written as doctests (``>>>``)."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index(SECTION):]
    section = section[:section.index("\n## ", len(SECTION))]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    return [block for block in blocks if block.lstrip().startswith(">>>")]


def test_the_readme_stays_short():
    lines = len(README.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"README.md has {lines} lines, over {MAX_LINES}: move the detail into docs/"


def test_the_section_holds_doctests():
    assert _doctest_blocks(), f"README's {SECTION!r} section lost its doctest"


@pytest.mark.parametrize("index", range(len(_doctest_blocks())))
def test_readme_python_block_runs(index, tmp_path, monkeypatch):
    frame = make_mixed_frame(n=200, seed=2).rename(columns={"label": "churned"})
    # categorical columns before numeric ones and the target in the middle, as CSVs come
    order = ["colour", "x1", "churned", "size", "x3", "x2"]
    frame[order].to_csv(tmp_path / "my.csv", index=False)
    new_rows = make_mixed_frame(n=5, seed=8).drop(columns="label")
    new_rows.loc[0, "colour"], new_rows.loc[1, "x2"] = "ultraviolet", np.nan
    new_rows[["size", "x2", "colour", "x3", "x1"]].to_csv(tmp_path / "new_rows.csv", index=False)
    monkeypatch.chdir(tmp_path)
    block = _doctest_blocks()[index]
    test = doctest.DocTestParser().get_doctest(block, {}, f"README.md[{index}]", str(README), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report = []
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
