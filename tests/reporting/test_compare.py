import json

import pytest

from pipeline.cli import main
from pipeline.errors import ConfigError
from pipeline.reporting import compare_runs

HOSTILE = "<img src=x onerror=alert(1)>"


def _run(folder, seed, models):
    folder.mkdir()
    metrics = {
        "run": {"config": {"seed": seed, "models": list(models), "data": HOSTILE, "n_jobs": 1},
                "data": {"path": HOSTILE, "sha256": "ab" * 32}, "started": "2026-01-01T00:00:00"},
        "dataset": {"n_rows": 100, "target": "y"},
        "models": {name: {"validation": {"roc_auc": auc}, "test": {"roc_auc": auc - 0.01, "f1": 0.5},
                          "curves": {"average_precision": 0.4}, "fit_time_s": 1.0}
                   for name, auc in models.items()},
        "best_model": max(models, key=models.get),
    }
    (folder / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    return folder


def test_compare_sets_leaderboards_side_by_side_with_config_differences(tmp_path):
    a = _run(tmp_path / "a", 0, {"rf": 0.9, "logreg": 0.8})
    b = _run(tmp_path / "b", 1, {"rf": 0.85, HOSTILE: 0.95})
    out = tmp_path / "out" / "compare.html"
    assert main(["-q", "compare", str(a), str(b), "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert HOSTILE not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.count('<tr class="best">') == 2
    differences = html[html.index('id="config"'):html.index('id="by-model"')]
    assert "<td>seed</td>" in differences and "<td>models</td>" in differences
    # equal values are not differences
    assert "n_jobs" not in differences and "<td>data</td>" not in differences
    assert list(tmp_path.joinpath("out").iterdir()) == [out]  # no temporary file left beside it


def test_compare_needs_two_finished_runs(tmp_path):
    a = _run(tmp_path / "a", 0, {"rf": 0.9})
    with pytest.raises(ConfigError, match="at least two run folders"):
        compare_runs([a], tmp_path / "c.html")
    (tmp_path / "empty").mkdir()
    assert main(["-q", "compare", str(a), str(tmp_path / "empty"), "--out", str(tmp_path / "c.html")]) == 65
    assert not (tmp_path / "c.html").exists()
