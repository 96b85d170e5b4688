"""Every code block of the README and the documentation runs, or says how it is covered.

The blocks are read from ``README.md``, ``CONTRIBUTING.md`` and every page under
``docs/`` (Markdown fences and reStructuredText ``code-block`` directives alike):

* ``python`` blocks are executed, the blocks of one page in order in one namespace, as a
  reader would paste them;
* ``bash`` blocks are executed command by command (``&&`` chains, ``\\`` continuations,
  comments) in a folder holding a small table, with the ``dmflow`` command run through
  its installed entry point (:func:`pipeline.cli.main`), the few :data:`PROGRAMS` as
  processes, and the commands ``.ci/run`` runs itself (the environment's set-up, an
  install of the package with extras it installs, the test suite) left to it;
* ``yaml`` blocks are validated as run configurations;
* ``text`` blocks are program output and are not run.

A block that cannot run as written here is listed once, in :data:`SUBSTITUTED` (run
after the listed replacements) or in :data:`COVERED_ELSEWHERE` (the named tests
cover it). A new block is run as it is: one that cannot be fails
until it is listed, and a listing whose block changed or vanished fails too.
"""

import contextlib
import doctest
import io
import logging
import re
import shlex
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from pipeline import cli
from pipeline.flow.config import build_config
from tests.conftest import make_mixed_frame

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
TESTS = ROOT / "tests"
CI_SCRIPT = ROOT / ".ci" / "run"
# Folders Sphinx and sphinx-gallery generate into docs/: not pages anyone wrote.
_GENERATED = {"_build", "generated", "auto_examples"}

EXECUTED, VALIDATED, OUTPUT = ("python", "bash"), ("yaml",), ("text",)

# Every `dmflow run` executed here gets these flags last (the last flag wins), so that a
# run on the small table takes seconds: one model, one candidate, two folds, one process,
# no ensemble.
FAST_RUN = ["--models", "logreg", "--n-candidates", "1", "--cv", "2", "--n-jobs", "1", "--no-ensemble",
            "--time-limit", "20"]

# Programs other than dmflow that a block may run here, as processes. Anything else (pip,
# curl, a server) is either a command .ci/run runs itself or a block to list below.
PROGRAMS = ("openssl",)

# The quick start's run: the run folder every `reports/<run>` placeholder stands for.
QUICK_START = ("README.md", "python3 -m venv .venv && .venv/bin/pip install -q torch==2.13.0 && "
               ".venv/bin/pip install -q -e . && .venv/bin/python cli.py run")

# Blocks run after replacing text: {(page, first line): [(written, run instead), ...]}.
SUBSTITUTED = {
    # The run is the three-minute job on Adult: here on the small table, with FAST_RUN.
    # Its set-up, and the second line's, are commands .ci/run runs itself (see _run_by_ci).
    QUICK_START: [("cli.py run", "cli.py run --data my.csv --target churned")],
}

# Blocks covered by something else: {(page, first line): (why, tests)}, each test a test
# function's name found anywhere under tests/.
COVERED_ELSEWHERE = {
    ("docs/index.rst", "python3 -m venv .venv && .venv/bin/pip install -q torch==2.13.0 && "
                       ".venv/bin/pip install -q -e ."):
        ("the set-up is .ci/run's; the run is the README quick start's, run here on the small table",
         ("test_block_runs",)),
    ("README.md", ">>> import pandas as pd"):
        ("the README's doctest runs against its own small tables", ("test_readme_python_block_runs",)),
    ("README.md", "import joblib, ray"):
        ("Ray is not installed in CI; the recipe's run is recorded in benchmarks/results/ray.md, "
         "and a backend that, like Ray's, returns no generator is tested with joblib's multiprocessing",
         ("test_a_backend_without_generators_runs_the_search_like_loky",
          "test_a_backend_without_generators_still_keeps_the_time_limit")),
    ("README.md", "mlflow models serve -m reports/<run>/model --env-manager local --port 5000"):
        ("starts a server; the test starts MLflow's scoring server on a model folder and posts rows, "
         "and another logs a run to a sqlite:/// store",
         ("test_mlflow_models_serve_answers_rows_with_gaps_and_unseen_categories",
          "test_track_logs_the_model_folder_as_a_logged_pyfunc_model")),
    ("docs/user_guide/predicting.rst", 'pip install "dmflow[tracking]"'):
        ("starts MLflow's UI server",
         ("test_track_logs_the_model_folder_as_a_logged_pyfunc_model",
          "test_without_mlflow_the_flag_says_what_to_install")),
    ("docs/user_guide/predicting.rst",
     "mlflow models serve -m reports/<run>/model --env-manager local --port 5000"):
        ("starts a server and posts to it",
         ("test_mlflow_models_serve_answers_rows_with_gaps_and_unseen_categories",)),
    ("docs/user_guide/flow.rst", "dmflow run # the bundled Adult data, all models"):
        ("six full runs, minutes each on Adult; each setting is run by its own test",
         ("test_bundled_adult_loads_with_missing_categoricals",
          "test_table_article_run_says_when_nothing_is_refitted",
          "test_sequence_models_take_tables_and_3d_arrays",
          "test_every_metric_scores_binary_and_multiclass",
          "test_holdout_selection_keeps_the_time_limit",
          "test_auto_threshold_is_found_on_the_selection_rows_only")),
    ("docs/user_guide/distributed.rst", 'pip install "dmflow[distributed]"'):
        ("needs a running Dask cluster; the tests start one, or a local one",
         ("test_a_run_opens_one_local_cluster_and_closes_it",
          "test_command_line_runs_on_the_cluster",
          "test_parallel_and_sequential_agree")),
    ("docs/user_guide/distributed.rst", "dmflow predict --backend dask --scheduler tcp://host:8786 "
                                        "--model RUN/model \\"):
        ("needs a running Dask cluster; the tests start one",
         ("test_partitions_scored_on_the_cluster_equal_local_predict_row_for_row",
          "test_a_glob_selects_the_partitions")),
    ("docs/user_guide/translator.rst",
     "dmflow translate-train # 50,001 pairs, 8 epochs; prints the run folder"):
        ("trains for many minutes; the tests train on a few pairs through the same commands",
         ("test_translate_train_writes_a_complete_run_folder",
          "test_translate_command_prints_one_line_per_sentence")),
}

# What the docs write for a run folder, and the folder it stands for here (filled in as
# the runs happen): the quick start's run, and the latest run.
_PLACEHOLDERS = {"reports/<run-a>": 0, "reports/<run-b>": -1, "reports/<run>": 0}


@dataclass(frozen=True)
class Block:
    page: str
    language: str
    text: str

    @property
    def key(self):
        """The page and the block's first line, its spaces collapsed: how the lists name it."""
        first = next(line for line in self.text.splitlines() if line.strip())
        return self.page, " ".join(first.split())

    @property
    def id(self):
        return f"{self.page}: {self.key[1][:50]}"


def _pages():
    found = [ROOT / "README.md", ROOT / "CONTRIBUTING.md"]
    found += [p for p in sorted(DOCS.rglob("*")) if p.suffix in (".md", ".rst")
              and not _GENERATED & set(p.relative_to(DOCS).parts)]
    return found


def _markdown_blocks(text):
    for match in re.finditer(r"^( *)```([^\n]*)\n(.*?)^\1```", text, flags=re.M | re.S):
        words = match.group(2).split()
        if words and words[0].startswith("{") and words[0] not in ("{code-block}", "{code}"):
            continue  # a MyST directive such as {include}: no code of its own
        words = words[1:] if words and words[0].startswith("{") else words
        yield (words[0] if words else ""), textwrap.dedent(match.group(3))


def _rst_blocks(text):
    """``.. code-block:: LANG`` bodies, and ``::`` literal blocks (as language ``""``)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        directive = re.match(r"( *)\.\. code-block::\s*(\w*)", line)
        literal = not directive and line.rstrip().endswith("::") and not line.lstrip().startswith("..")
        if not (directive or literal):
            continue
        indent = len(line) - len(line.lstrip())
        body = []
        for follower in lines[i + 1:]:
            if follower.strip() and len(follower) - len(follower.lstrip()) <= indent:
                break
            body.append(follower)
        body = [b for b in body if not re.match(r"\s*:\w[\w-]*:", b)]  # directive options
        code = textwrap.dedent("\n".join(body)).strip("\n")
        if code:
            yield (directive.group(2) if directive else ""), code + "\n"


def _blocks():
    found = []
    for path in _pages():
        text = path.read_text(encoding="utf-8")
        parse = _rst_blocks if path.suffix == ".rst" else _markdown_blocks
        page = path.relative_to(ROOT).as_posix()
        found += [Block(page, language, code) for language, code in parse(text)]
    return found


BLOCKS = _blocks()


def _param(block):
    return pytest.param(block, id=block.id)


# ---------------------------------------------------------------------------------------
# The listing: every block is of a known language, and every entry still matches.


def test_the_pages_hold_blocks_of_every_kind():
    # Guards the parsers: if they stopped matching, the tests below would check nothing.
    languages = {b.language for b in BLOCKS}
    assert set(EXECUTED + VALIDATED) <= languages and len(BLOCKS) >= 15


@pytest.mark.parametrize("block", [_param(b) for b in BLOCKS])
def test_every_block_has_a_language_this_test_handles(block):
    known = EXECUTED + VALIDATED + OUTPUT
    assert block.language in known, (
        f"{block.id}: a block in {block.language or 'no language'!r}; write it as one of {known}")


def _key_id(key):
    return f"{key[0]}: {key[1][:50]}"


@pytest.mark.parametrize("key", sorted(set(SUBSTITUTED) | set(COVERED_ELSEWHERE)), ids=_key_id)
def test_each_listed_block_exists(key):
    assert key in {b.key for b in BLOCKS}, f"{key} is listed here but no longer in the docs: update the list"


@pytest.mark.parametrize("key", sorted(SUBSTITUTED), ids=_key_id)
def test_each_substitution_still_matches_its_block(key):
    block = next(b for b in BLOCKS if b.key == key)
    for written, _ in SUBSTITUTED[key]:
        assert written in block.text, f"{block.id}: no longer says {written!r}"


def _test_names():
    return {m for path in TESTS.rglob("test_*.py")
            for m in re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), flags=re.M)}


@pytest.mark.parametrize("key", sorted(COVERED_ELSEWHERE), ids=_key_id)
def test_what_covers_a_listed_block_exists(key):
    why, tests = COVERED_ELSEWHERE[key]
    assert why and tests
    missing = set(tests) - _test_names()
    assert not missing, f"{key}: no test named {sorted(missing)} under tests/"


# ---------------------------------------------------------------------------------------
# YAML: each block is a valid run configuration.


@pytest.mark.parametrize("block", [_param(b) for b in BLOCKS if b.language in VALIDATED])
def test_yaml_block_is_a_valid_configuration(block):
    build_config(yaml.safe_load(block.text))


# ---------------------------------------------------------------------------------------
# Every dmflow command line, even of a block run elsewhere, parses with the real parser.


def _commands(script):
    """Simple commands of a shell script: continuations joined, comments dropped, ``&&`` split."""
    for line in script.replace("\\\n", " ").splitlines():
        command = []
        for word in shlex.split(line, comments=True) + ["&&"]:
            if word in ("|", ";", ">", ">>", "<", "||"):
                raise ValueError(f"{line!r}: this test runs simple commands joined by && only")
            if word != "&&":
                command.append(word)
            elif command:
                yield command
                command = []


def _ci_commands():
    """The simple commands .ci/run runs (its shell constructs, such as ``if``, left aside)."""
    found = set()
    for line in CI_SCRIPT.read_text(encoding="utf-8").replace("\\\n", " ").splitlines():
        try:
            found |= {tuple(command) for command in _commands(line)}
        except ValueError:
            continue
    return found


def _package_extras(command):
    """The extras a ``pip install`` of this package asks for (a set), else None."""
    if Path(command[0]).name not in ("pip", "pip3") or command[1:2] != ["install"]:
        return None
    targets = [re.fullmatch(r"(?:\.|dmflow)(?:\[([\w,-]*)\])?", word) for word in command[2:]
               if not word.startswith("-")]
    if not targets or not all(targets):
        return None
    return {extra for target in targets if target.group(1) for extra in target.group(1).split(",")}


def _run_by_ci(command):
    """Whether .ci/run itself runs this command (a set-up step, the test suite), or installs
    the package with every extra it asks for: then it is not run again here."""
    ci = _ci_commands()
    n = len(command)
    if any(c[:n] == tuple(command) and all(w.startswith("-") for w in c[n:]) for c in ci):
        return True  # the same command, perhaps with more options (pytest's -rs)
    extras = _package_extras(command)
    installed = [_package_extras(list(c)) for c in ci]
    return extras is not None and any(i is not None and extras <= i for i in installed)


def test_ci_runs_the_set_up_the_docs_show():
    # Guards _run_by_ci: the README's set-up and test commands are .ci/run's own.
    block = next(b for b in BLOCKS if b.key == QUICK_START)
    setup = [c for c in _commands(block.text) if _cli_args(c) is None]
    assert len(setup) >= 5 and all(map(_run_by_ci, setup))
    assert not _run_by_ci(["pip", "install", "dmflow[no-such-extra]"])


def _cli_args(command):
    """The arguments of a ``dmflow ...`` or ``python cli.py ...`` command, else None."""
    if Path(command[0]).name == "dmflow":
        return command[1:]
    if Path(command[0]).name.startswith("python") and command[1:2] == ["cli.py"]:
        return command[2:]
    return None


def _command_lines():
    found = []
    for block in BLOCKS:
        if block.language == "bash":
            found += [pytest.param(args, id=f"{block.page}: {' '.join(args)[:60]}")
                      for args in map(_cli_args, _commands(block.text)) if args]
    return found


def test_docs_hold_command_lines_to_check():
    assert len(_command_lines()) >= 15


@pytest.mark.parametrize("argv", _command_lines())
def test_command_line_parses(argv):
    args = cli._build_parser().parse_args(argv)
    assert args.command == argv[0]


# ---------------------------------------------------------------------------------------
# Running the blocks, in a folder holding what they name.


class Sandbox:
    """A folder with ``my.csv`` (target ``churned``), ``new_rows.csv`` (with an ``id``) and
    ``run.yaml``; runs commands there and remembers the run folders they made."""

    def __init__(self, folder):
        self.folder = folder
        self.runs = []
        frame = make_mixed_frame(n=120, seed=2).rename(columns={"label": "churned"})
        frame.to_csv(folder / "my.csv", index=False)
        rows = make_mixed_frame(n=5, seed=8).drop(columns="label")
        rows.insert(0, "id", [f"r{i}" for i in range(len(rows))])
        rows.to_csv(folder / "new_rows.csv", index=False)
        (folder / "run.yaml").write_text("data: my.csv\ntarget: churned\n", encoding="utf-8")

    def run_script(self, script, where):
        for command in _commands(script):
            command = [self._placeholders(word) for word in command]
            args = _cli_args(command)
            if _run_by_ci(command):
                continue
            if args is None:
                assert command[0] in PROGRAMS, (
                    f"{where}: {command[0]} is not a program this test runs ({PROGRAMS}); list the "
                    "block in SUBSTITUTED or COVERED_ELSEWHERE")
                done = subprocess.run(command, cwd=self.folder, capture_output=True, text=True, timeout=120)
                assert done.returncode == 0, f"{where}: {command} exited {done.returncode}: {done.stderr}"
            else:
                self._run_cli(args + (FAST_RUN if args[:1] == ["run"] else []), where)

    def _placeholders(self, word):
        for written, index in _PLACEHOLDERS.items():
            if written in word:
                assert self.runs, f"{word}: no run folder yet"
                word = word.replace(written, self.runs[index])
        return word

    def _run_cli(self, args, where):
        out = io.StringIO()
        package_logger = logging.getLogger("pipeline")
        saved = package_logger.handlers[:], package_logger.level, package_logger.propagate
        try:
            with contextlib.chdir(self.folder), contextlib.redirect_stdout(out):
                code = cli.main(args)
        finally:  # the command line sets up the package logger; leave it as other tests expect
            package_logger.handlers[:], package_logger.level, package_logger.propagate = saved
        assert code == 0, f"{where}: dmflow {' '.join(args)} exited {code}"
        if args[0] == "run":
            self.runs.append(out.getvalue().strip().splitlines()[-1])


def _script(block):
    text = block.text
    for written, instead in SUBSTITUTED.get(block.key, []):
        text = text.replace(written, instead)
    return text


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    box = Sandbox(tmp_path_factory.mktemp("docs"))
    quick_start = next(b for b in BLOCKS if b.key == QUICK_START)
    box.run_script(_script(quick_start), quick_start.id)
    return box


def _runnable(language):
    return [_param(b) for b in BLOCKS if b.language == language and
            (b.key not in COVERED_ELSEWHERE or b.key in SUBSTITUTED)]


@pytest.mark.parametrize("block", _runnable("bash"))
def test_block_runs(block, sandbox):
    if block.key == QUICK_START:  # the sandbox ran it, to make the run the others use
        run = sandbox.folder / sandbox.runs[0]
        assert (run / "report.html").is_file() and (run / "model" / "manifest.json").is_file()
        return
    before = len(sandbox.runs)
    sandbox.run_script(_script(block), block.id)
    made = sandbox.runs[before:]
    assert all((sandbox.folder / run / "report.html").is_file() for run in made)


def _python_pages():
    pages = {}
    for param in _runnable("python"):
        pages.setdefault(param.values[0].page, []).append(param.values[0])
    return [pytest.param(blocks, id=page) for page, blocks in pages.items()]


@pytest.mark.parametrize("blocks", _python_pages())
def test_python_blocks_of_a_page_run_in_order(blocks, sandbox, monkeypatch):
    monkeypatch.chdir(sandbox.folder)
    namespace = {"__name__": "__docs__"}
    for block in blocks:
        if block.text.lstrip().startswith(">>>"):
            test = doctest.DocTestParser().get_doctest(block.text, namespace, block.id, block.page, 0)
            runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
            report = []
            runner.run(test, out=report.append, clear_globs=False)
            assert runner.failures == 0, "".join(report)
        else:
            exec(compile(block.text, block.id, "exec"), namespace)
