"""Mistakes that the data shows are refused before any worker starts or torch is imported."""

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import make_mixed_frame

ROOT = Path(__file__).resolve().parent.parent

# Runs in a fresh interpreter, so that whether torch and the workers were started is
# this command's doing: two refused runs that name a torch model and two jobs.
_SCRIPT = """
import json, sys
from pipeline.cli import main
from joblib.externals.loky import reusable_executor
common = ["--models", "logreg,mlp", "--n-jobs", "2", "--out", sys.argv[3]]
codes = [main(["-q", "run", "--data", sys.argv[1], "--target", "lable", *common]),
         main(["-q", "run", "--data", sys.argv[2], "--target", "label", "--threshold", "auto", *common])]
print(json.dumps({"codes": codes, "torch": "torch" in sys.modules,
                  "workers": reusable_executor._executor is not None}))
"""


def test_wrong_target_and_multiclass_auto_threshold_fail_before_workers_and_torch(tmp_path):
    two, three = tmp_path / "two.csv", tmp_path / "three.csv"
    make_mixed_frame(n=80).to_csv(two, index=False)
    make_mixed_frame(n=80, n_classes=3).to_csv(three, index=False)
    out = tmp_path / "runs"
    done = subprocess.run([sys.executable, "-c", _SCRIPT, str(two), str(three), str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["codes"] == [65, 78], done.stderr
    assert "Did you mean 'label'" in done.stderr
    assert "`threshold` is 'auto', but the target has 3 classes" in done.stderr
    assert found == {"codes": [65, 78], "torch": False, "workers": False}
    assert not out.exists() or list(out.iterdir()) == []
