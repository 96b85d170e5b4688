"""The ``translate`` extra: the flow runs without its packages, the translator says how to get them.

The packages are installed here, so their absence is made real in a fresh interpreter:
``sys.modules[name] = None`` makes every import of them fail as an uninstalled one does.
"""

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from pipeline.translate._extra import EXTRA, PACKAGES

ROOT = Path(__file__).resolve().parents[2]
INSTALL = f"pip install 'dmflow[{EXTRA}]'"


def _requirement_name(requirement):
    return requirement.split(";")[0].split("[")[0].split("<")[0].split(">")[0].split("=")[0].strip()


def test_the_extra_holds_the_translator_packages_and_the_core_does_not():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert [_requirement_name(r) for r in project["optional-dependencies"][EXTRA]] == list(PACKAGES)
    assert not {_requirement_name(r) for r in project["dependencies"]} & set(PACKAGES)


@pytest.fixture(scope="module")
def without_extra(tmp_path_factory):
    """The translator's two commands, a flow run and a translator name, in one fresh interpreter
    (one start-up for all) where the extra's packages cannot be imported."""
    tmp = tmp_path_factory.mktemp("without_extra")
    from tests.conftest import make_mixed_frame

    make_mixed_frame(n=80).to_csv(tmp / "rows.csv", index=False)
    commands = [
        ["translate-train", "--out", str(tmp / "translations"), "--pairs", "5", "--epochs", "1"],
        ["translate", "--model", str(tmp / "translations" / "model"), "Hello."],
        ["-q", "run", "--data", str(tmp / "rows.csv"), "--target", "label", "--models", "logreg",
         "--n-jobs", "1", "--out", str(tmp / "runs")],
    ]
    code = (
        "import json, sys\n"
        + "".join(f"sys.modules[{name!r}] = None\n" for name in PACKAGES)
        + "import pipeline\n"
        "from pipeline.cli import main\n"
        f"print(json.dumps([main(argv) for argv in {commands!r}]))\n"
        "try:\n"
        "    pipeline.TransformerSeq2Seq\n"
        "except ModuleNotFoundError as err:\n"
        "    print(err)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    codes, refusal = done.stdout.strip().splitlines()[-2:]
    return {"tmp": tmp, "codes": json.loads(codes), "stderr": done.stderr, "refusal": refusal}


def test_without_the_extra_the_translator_commands_exit_naming_it_and_write_nothing(without_extra):
    assert without_extra["codes"][:2] == [78, 78], without_extra["stderr"]
    message = (f"The translator needs {' and '.join(PACKAGES)}, which are not installed. "
               f"Install them with {INSTALL}.")
    assert without_extra["stderr"].count(message) == 2 and "Traceback" not in without_extra["stderr"]
    assert not (without_extra["tmp"] / "translations").exists()


def test_without_the_extra_the_flow_runs(without_extra):
    assert without_extra["codes"][2] == 0, without_extra["stderr"]
    assert len(list((without_extra["tmp"] / "runs").glob("*/report.html"))) == 1


def test_without_the_extra_a_translator_name_says_how_to_install(without_extra):
    assert without_extra["refusal"] == (f"The translator needs {PACKAGES[0]}, which is not installed. "
                                        f"Install it with {INSTALL}.")
