"""Shared parts of the benchmarks: data, child processes, the machine, result files.

Every measured arm runs in a child process of its own, so each peak memory figure
(the child's maximum resident set size) belongs to one arm at one size, and no
arm inherits another's warm caches or heap.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
# The checkout whose `pipeline` package is measured: this one, unless a run asks
# for another (e.g. an older commit, to measure before and after a change).
REPO = Path(os.environ.get("DMFLOW_REPO", HERE.parent))
sys.path.insert(0, str(REPO))

logger = logging.getLogger("benchmarks")

N_NUMERIC, N_CATEGORICAL = 20, 10
PACKAGES = ("numpy", "scipy", "pandas", "scikit-learn", "imbalanced-learn", "joblib",
            "threadpoolctl", "torch", "dask", "distributed")


def synthetic_table(n_rows, seed=0):
    """The mixed table of the benchmarks: 20 numeric and 10 categorical columns, 10% positive.

    Numeric columns are normal with 1% of values blown up 25 times (outliers) and 5%
    missing; categorical column ``c{j}`` has ``5 + 5 j`` levels (5 to 50) with 2%
    missing. The label depends on two numeric columns and one categorical one, and
    exactly the top 10% of a noisy score are positive.
    """
    rng = np.random.default_rng(seed)
    columns = {}
    for j in range(N_NUMERIC):
        values = rng.normal(0.0, 1.0, n_rows)
        values[rng.random(n_rows) < 0.01] *= 25.0
        values[rng.random(n_rows) < 0.05] = np.nan
        columns[f"x{j}"] = values.astype(np.float32)
    for j in range(N_CATEGORICAL):
        levels = np.array([f"l{k}" for k in range(5 + 5 * j)], dtype=object)
        values = levels[rng.integers(0, len(levels), n_rows)]
        values[rng.random(n_rows) < 0.02] = None
        columns[f"c{j}"] = values
    score = (1.5 * np.nan_to_num(columns["x0"]) - np.nan_to_num(columns["x1"])
             + (columns["c0"] == "l1") + rng.logistic(0.0, 1.0, n_rows))
    frame = pd.DataFrame(columns)
    for j in range(N_CATEGORICAL):
        frame[f"c{j}"] = frame[f"c{j}"].astype("str")  # the dtype a CSV loads as
    y = np.where(score > np.quantile(score, 0.9), "yes", "no")
    return frame, pd.Series(y, name="label")


def adult_table():
    """The bundled UCI Adult table as ``(X, y)``, loaded the way a run loads it."""
    from pipeline.datasets import BUNDLED, bundled_path, infer_roles, load_table, split_target

    frame = load_table(bundled_path("adult"))
    X, y = split_target(frame, BUNDLED["adult"].target)
    roles = infer_roles(X)
    return X[roles.numeric + roles.categorical], y


def load_data(name, n_rows=None):
    """``(X, y)`` for ``"adult"`` or ``"synthetic"`` (then ``n_rows`` rows)."""
    if name == "adult":
        return adult_table()
    return synthetic_table(int(n_rows))


def peak_rss_gb():
    """This process's peak resident set size so far, in GB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


class Laps:
    """Seconds and peak memory so far, per named phase of one child run."""

    def __init__(self):
        self.seconds, self.peak_gb = {}, {}
        self._start = time.perf_counter()

    def lap(self, name):
        now = time.perf_counter()
        self.seconds[name] = round(now - self._start, 3)
        self.peak_gb[name] = round(peak_rss_gb(), 3)
        self._start = time.perf_counter()

    def result(self, **extra):
        return {"seconds": self.seconds, "total_s": round(sum(self.seconds.values()), 3),
                "peak_gb": round(peak_rss_gb(), 3), "peak_gb_by_phase": self.peak_gb, **extra}


def emit(result):
    """The last line a child prints: its result as JSON."""
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    sys.stdout.flush()


def run_child(script, *args, python=None, timeout=1800, env=None):
    """Run ``python script args`` in a fresh process and return the JSON it emitted."""
    command = [python or sys.executable, str(script), *map(str, args)]
    logger.info("running %s", " ".join(command[1:]))
    child_env = {**os.environ, **(env or {})}
    child_env.setdefault("PYTHONWARNINGS", "ignore")
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=child_env)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    last = [line for line in done.stdout.splitlines() if line.startswith("{")][-1]
    return json.loads(last)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(runs, keys=("total_s", "peak_gb")):
    """Median of each key over repeated runs, plus the per-phase medians."""
    out = {key: median([run[key] for run in runs]) for key in keys if key in runs[0]}
    if "seconds" in runs[0]:
        out["seconds"] = {phase: median([run["seconds"][phase] for run in runs])
                          for phase in runs[0]["seconds"]}
    out["repeats"] = len(runs)
    return out


def machine():
    """Cores, memory, CPU model, OS, Python and package versions of this machine."""
    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    memory_kb = next((int(line.split()[1]) for line in _read("/proc/meminfo")
                      if line.startswith("MemTotal")), 0)
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(memory_kb / 2**20, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": versions,
    }


def _read(path):
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def machine_markdown(info):
    packages = ", ".join(f"{k} {v}" for k, v in info["packages"].items() if v)
    return (f"Machine: {info['cores']} cores ({info['cpu']}), {info['memory_gb']} GB memory, "
            f"{info['os']}; Python {info['python']}; {packages}. Measured {info['date']}.")


def write_results(stem, payload, markdown):
    """Write ``results/<stem>.json`` and ``results/<stem>.md``; return their paths."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    json_path, md_path = RESULTS / f"{stem}.json", RESULTS / f"{stem}.md"
    json_path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(markdown.rstrip() + "\n", encoding="utf-8")
    return json_path, md_path


def table(header, rows):
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def fmt(value, digits=2, unit=""):
    return "–" if value is None else f"{value:.{digits}f}{unit}"


def git_commit(root, paths=()):
    """``(commit, dirty)`` of the checkout at ``root``; ``(None, None)`` outside git.

    ``dirty``: tracked files (under ``paths`` when given) differ from the commit.
    """
    def git(*args):
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              timeout=60)

    head = git("rev-parse", "HEAD")
    if head.returncode != 0:
        return None, None
    status = git("status", "--porcelain", "--untracked-files=no", "--", *map(str, paths))
    return head.stdout.strip(), bool(status.stdout.strip())


def git_last_change(root, paths):
    """The last commit of the checkout at ``root`` that changed ``paths``, or None."""
    done = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%H", "--", *map(str, paths)],
                          capture_output=True, text=True, timeout=60)
    return (done.stdout.strip() or None) if done.returncode == 0 else None


def timed_command(command, *, cwd=None, timeout=3600):
    """Run ``command``; return ``(seconds, stdout)``, or raise with the end of its stderr."""
    logger.info("running %s", " ".join(map(str, command)))
    start = time.perf_counter()
    done = subprocess.run([str(part) for part in command], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed ({done.returncode}):\n"
                           f"{done.stderr[-4000:]}")
    return seconds, done.stdout


def load_average():
    """The 1-minute load average (how busy the shared machine was), or None."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None
