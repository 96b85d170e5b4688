"""The documentation's code blocks agree with the code.

The user guide shows configuration files and command lines; a renamed key or flag
would leave them quietly wrong, so each YAML block is validated as a configuration
and each ``dmflow`` command line is parsed by the real command-line parser.
"""

import re
import shlex
from pathlib import Path

import pytest
import yaml

from pipeline.cli import _build_parser
from pipeline.config import build_config

DOCS = Path(__file__).resolve().parent.parent / "docs"
# An indented ``.. code-block:: LANG`` directive and its indented body.
_BLOCK = re.compile(r"^\.\. code-block:: (\w+)\n\n((?:(?:   .*)?\n)+)", re.MULTILINE)


def _blocks(language):
    found = []
    for page in sorted(DOCS.rglob("*.rst")):
        if "_build" in page.parts or "generated" in page.parts:
            continue
        for lang, body in _BLOCK.findall(page.read_text(encoding="utf-8")):
            if lang == language:
                found.append((page.relative_to(DOCS).as_posix(), "\n".join(
                    line[3:] for line in body.splitlines())))
    return found


def _command_lines():
    lines = []
    for page, body in _blocks("bash"):
        for line in body.replace("\\\n", " ").splitlines():  # a continued line is one command
            words = shlex.split(line, comments=True)
            if words and Path(words[0]).name == "dmflow":
                lines.append(pytest.param(words[1:], id=f"{page}: {line.strip()[:60]}"))
    return lines


def test_docs_hold_blocks_to_check():
    # Guards the pattern above: if it stopped matching, the checks below would check nothing.
    assert _blocks("yaml") and len(_command_lines()) >= 8


@pytest.mark.parametrize(("page", "body"), _blocks("yaml"))
def test_yaml_block_is_a_valid_configuration(page, body):
    build_config(yaml.safe_load(body))


@pytest.mark.parametrize("argv", _command_lines())
def test_command_line_parses(argv):
    args = _build_parser().parse_args(argv)
    assert args.command == argv[0]
