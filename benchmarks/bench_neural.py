"""Training and prediction speed of the neural stages, side by side, in one process.

Compared on the same data, module and thread count:

- ``plain``: a hand-written loop that shuffles indices and slices tensors (the bar);
- ``engine``: :class:`pipeline.nn.Engine` on the same module;
- ``estimator``: the scikit-learn wrapper (TorchMLPClassifier, LSTMClassifier,
  TransformerClassifier), which adds input validation and its own module;
- ``skorch``: skorch's NeuralNet on the same module (skipped if skorch is missing);
- ``sklearn``: scikit-learn's MLPClassifier (MLP only).

Workloads: MLP 200k x 32 -> (64, 64) -> 1, 3 epochs; LSTM 10k sequences x 64 steps x
8 channels, hidden 64, 1 epoch; Transformer d_model 64, 4 heads, 2 layers, 1.5k
sequences of variable lengths 16-64 (padded, masked), 1 epoch. The LSTM (20k
sequences asked) and Transformer runs are shortened, and get two more repeats than
the MLP, so the whole benchmark stays near ten minutes of CPU on two shared cores.
Reported: samples/s in training (rows x epochs / fit time)
and prediction, medians over repeats, and ratios to the plain loop. A final table
times the engine with one and with two torch threads.

Run: ``python benchmarks/bench_neural.py [--repeats 3] [--quick] [--only MLP]``; writes
``benchmarks/results/neural.md`` and ``neural.json`` (``neural-MLP.*`` with ``--only MLP``).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import torch
from threadpoolctl import threadpool_limits
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import git_commit  # noqa: E402

from pipeline.models.neural import (  # noqa: E402
    MLP,
    LSTMClassifier,
    RecurrentNet,
    TorchMLPClassifier,
    TransformerClassifier,
    TransformerNet,
)
from pipeline.nn import Engine  # noqa: E402

try:
    import skorch
except ImportError:  # optional: its rows are skipped with a note
    skorch = None

RESULTS = Path(__file__).resolve().parent / "results"
PREDICT_BATCH = 1024  # the plain loop predicts in the engine's default inference batch
#: The plain loop on the estimator's own network (its default dropout included).
LIKE_ESTIMATOR = "plain loop, the estimator's network"


def _bce(logits, target):
    return nn.functional.binary_cross_entropy_with_logits(logits[:, 0], target)


# -- the bar: a plain slicing loop ----------------------------------------------
def plain_fit(module, inputs, y, *, epochs, batch_size, lr=1e-3, seed=0):
    opt = torch.optim.Adam(module.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    n = len(y)
    module.train()
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen)
        for start in range(0, n, batch_size):
            idx = perm[start : start + batch_size]
            opt.zero_grad()
            loss = _bce(module(*(t[idx] for t in inputs)), y[idx])
            loss.backward()
            opt.step()


def plain_predict(module, inputs):
    module.eval()
    with torch.no_grad():
        return torch.cat([
            module(*(t[s : s + PREDICT_BATCH] for t in inputs))
            for s in range(0, len(inputs[0]), PREDICT_BATCH)
        ])


# -- contenders -----------------------------------------------------------------
def engine_fit(module, inputs, y, *, epochs, batch_size, n_threads=1):
    engine = Engine(module, _bce, max_epochs=epochs, batch_size=batch_size, device="cpu",
                    random_state=0, n_threads=n_threads)
    engine.fit((*inputs, y))
    return engine


def skorch_net(module, *, epochs, batch_size):
    from skorch import NeuralNetBinaryClassifier

    class _Squeeze(nn.Module):  # skorch's binary net wants logits of shape (B,)
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x, lengths=None):
            return self.inner(x, lengths)[:, 0] if lengths is not None else self.inner(x)[:, 0]

    return NeuralNetBinaryClassifier(
        _Squeeze(module), max_epochs=epochs, batch_size=batch_size, lr=1e-3,
        optimizer=torch.optim.Adam, train_split=None, verbose=0, device="cpu",
        iterator_train__shuffle=True,
    )


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def _median_rate(times, n):
    return n / statistics.median(times)


def run_workload(name, make_module, inputs, y, estimator, *, epochs, batch_size, repeats, sklearn_mlp=None,
                 make_estimators_module=None):
    """Time every contender on one workload; return rows of results.

    ``make_estimators_module`` builds the network the estimator trains when it
    differs from ``make_module`` (the MLP's dropout): the plain loop then runs on it
    too, so the estimator is also compared with a plain loop on its own network.
    """
    n = len(y)
    X_np = inputs[0].numpy()
    lengths_np = inputs[1].numpy() if len(inputs) > 1 else None
    y_np = y.numpy().astype(int)
    if lengths_np is not None:  # the estimator takes a ragged list
        est_X = [X_np[i, : lengths_np[i]] for i in range(n)]
    else:
        est_X = X_np
    contenders = {}

    def plain_on(make):
        def plain():
            torch.manual_seed(0)
            m = make()
            t_fit, _ = _timed(lambda: plain_fit(m, inputs, y, epochs=epochs, batch_size=batch_size))
            t_pred, _ = _timed(lambda: plain_predict(m, inputs))
            return t_fit, t_pred

        return plain

    def engine():
        torch.manual_seed(0)
        m = make_module()
        t_fit, eng = _timed(lambda: engine_fit(m, inputs, y, epochs=epochs, batch_size=batch_size))
        t_pred, _ = _timed(lambda: eng.predict(inputs))
        return t_fit, t_pred

    def wrapper():
        est = estimator()
        t_fit, _ = _timed(lambda: est.fit(est_X, y_np))
        t_pred, _ = _timed(lambda: est.predict_proba(est_X))
        return t_fit, t_pred

    contenders["plain loop"] = plain_on(make_module)
    if make_estimators_module is not None:
        contenders[LIKE_ESTIMATOR] = plain_on(make_estimators_module)
    contenders["Engine"] = engine
    contenders[f"{type(estimator()).__name__} (estimator)"] = wrapper
    if skorch is not None:
        def skorch_run():
            torch.manual_seed(0)
            net = skorch_net(make_module(), epochs=epochs, batch_size=batch_size)
            X_sk = X_np if lengths_np is None else {"x": X_np, "lengths": lengths_np}
            y_sk = y.numpy()
            t_fit, _ = _timed(lambda: net.fit(X_sk, y_sk))
            t_pred, _ = _timed(lambda: net.predict_proba(X_sk))
            return t_fit, t_pred

        contenders[f"skorch {skorch.__version__}"] = skorch_run
    if sklearn_mlp is not None:
        def sk():
            clf = sklearn_mlp()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # ConvergenceWarning after 3 epochs, by design
                t_fit, _ = _timed(lambda: clf.fit(X_np, y_np))
            t_pred, _ = _timed(lambda: clf.predict_proba(X_np))
            return t_fit, t_pred

        contenders["scikit-learn MLPClassifier"] = sk

    # warm-up, untimed: first calls pay for lazy initialisation inside torch
    warm = [t[:2048] for t in inputs]
    plain_fit(make_module(), warm, y[:2048], epochs=1, batch_size=batch_size)
    plain_predict(make_module(), warm)
    rows = []
    times = {k: ([], []) for k in contenders}
    for r in range(repeats):  # interleaved, so drifting machine load hits all alike
        for key, fn in contenders.items():
            t_fit, t_pred = fn()
            times[key][0].append(t_fit)
            times[key][1].append(t_pred)
            print(f"  {name} | {key} | repeat {r + 1}: fit {t_fit:.2f} s, predict {t_pred:.3f} s", flush=True)
    base_fit, base_pred = times["plain loop"]
    for key, (t_fit, t_pred) in times.items():
        train_rate, pred_rate = _median_rate(t_fit, n * epochs), _median_rate(t_pred, n)
        rows.append({
            "workload": name, "contender": key,
            "train_samples_per_s": train_rate, "predict_samples_per_s": pred_rate,
            # paired: each repeat's ratio to the plain loop run just before it, so load
            # that drifts between repeats cancels; then the median over repeats
            "train_ratio": statistics.median(b / t for b, t in zip(base_fit, t_fit)),
            "predict_ratio": statistics.median(b / t for b, t in zip(base_pred, t_pred)),
            "fit_seconds": t_fit, "predict_seconds": t_pred,
        })
    return rows


def thread_study(workloads, repeats):
    """Engine training rate with 1 and 2 torch threads on each workload."""
    rows = []
    for name, make_module, inputs, y, epochs, batch_size in workloads:
        rates = {}
        for n_threads in (1, 2):
            t = []
            for _ in range(repeats):
                torch.manual_seed(0)
                m = make_module()
                dt, _ = _timed(functools.partial(engine_fit, m, inputs, y, epochs=epochs,
                                                 batch_size=batch_size, n_threads=n_threads))
                t.append(dt)
            rates[n_threads] = _median_rate(t, len(y) * epochs)
            print(f"  threads | {name} | {n_threads}: {rates[n_threads]:,.0f} samples/s", flush=True)
        rows.append({"workload": name, "one_thread": rates[1], "two_threads": rates[2],
                     "two_over_one": rates[2] / rates[1]})
    return rows


def machine() -> dict:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sklearn

    return {
        "cpu": cpu, "logical_cores": os.cpu_count(),
        "python": platform.python_version(), "torch": torch.__version__,
        "scikit-learn": sklearn.__version__, "skorch": getattr(skorch, "__version__", "not installed"),
        "platform": platform.platform(),
    }


def _commit_text():
    commit, dirty = git_commit(Path(__file__).resolve().parents[1], ["pipeline"])
    return "an unknown commit" if commit is None else commit[:7] + (" with local changes" if dirty else "")


def to_markdown(info, rows, threads, sizes, repeats, elapsed, command) -> str:
    out = [
        "# Neural stages: training and prediction speed",
        "",
        f"Command: `{command}` at {_commit_text()} ({elapsed / 60:.1f} min in all).",
        "",
        f"Machine: {info['cpu']}, {info['logical_cores']} logical cores (shared, noisy: read ratios, "
        f"not seconds); {info['platform']}; Python {info['python']}, torch {info['torch']} (CPU), "
        f"scikit-learn {info['scikit-learn']}, skorch {info['skorch']}. One-minute load average "
        f"at start / end: {info['load_average_1min'][0]} / {info['load_average_1min'][1]} "
        "(above 1: other jobs shared the cores).",
        "",
        "Every contender runs in the same process with ONE torch thread (and one BLAS thread for "
        "scikit-learn); repeats are interleaved; figures are medians. Train rate = rows x epochs / "
        f"fit time; predict rate = rows / predict time (plain loop and Engine predict in batches of "
        f"{PREDICT_BATCH}; skorch in its training batch size). Ratios (x plain) are paired: each "
        "repeat's time against the plain loop's in the same repeat, median over repeats. The "
        "plain loop uses torch's default Adam; the Engine uses the fused Adam kernel.",
        "",
        "Workloads: " + "; ".join(sizes) + ".",
        "",
    ]
    for workload in dict.fromkeys(r["workload"] for r in rows):
        out += [f"## {workload}", "",
                "| contender | train samples/s | x plain | predict samples/s | x plain |",
                "|---|---:|---:|---:|---:|"]
        for r in rows:
            if r["workload"] == workload:
                out.append(
                    f"| {r['contender']} | {r['train_samples_per_s']:,.0f} | {r['train_ratio']:.2f} | "
                    f"{r['predict_samples_per_s']:,.0f} | {r['predict_ratio']:.2f} |"
                )
        out.append("")
        like = {r["contender"]: r for r in rows if r["workload"] == workload}
        estimator = next((r for key, r in like.items() if key.endswith("(estimator)")), None)
        if LIKE_ESTIMATOR in like and estimator is not None:
            ratio = estimator["train_samples_per_s"] / like[LIKE_ESTIMATOR]["train_samples_per_s"]
            out += [f"Like with like, the estimator trains at {ratio:.2f}x the plain loop on its own "
                    "network (the first plain loop's network has no dropout; the estimator's default "
                    "has, and torch's CPU dropout is slow).", ""]
    if skorch is None:
        out += ["skorch was not importable, so its rows are missing (`pip install skorch`).", ""]
    if not threads:
        return "\n".join(out)
    out += ["## Torch threads (Engine training)", "",
            "| workload | 1 thread samples/s | 2 threads samples/s | 2 / 1 |", "|---|---:|---:|---:|"]
    for r in threads:
        out.append(f"| {r['workload']} | {r['one_thread']:,.0f} | {r['two_threads']:,.0f} "
                   f"| {r['two_over_one']:.2f} |")
    out.append("")
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    parser.add_argument("--only", choices=("MLP", "LSTM", "Transformer"), default=None,
                        help="one workload, no thread study; writes neural-<name>.md (default: all)")
    args = parser.parse_args(argv)
    scale = 0.05 if args.quick else 1.0
    torch.set_num_threads(1)
    start = time.perf_counter()
    load_before = os.getloadavg()
    gen = torch.Generator().manual_seed(0)

    # MLP 200k x 32
    n_mlp, epochs_mlp = int(200_000 * scale), 3
    X_mlp = torch.randn(n_mlp, 32, generator=gen)
    y_mlp = (X_mlp[:, :4].sum(1) > 0).float()
    make_mlp = lambda: MLP(32, (64, 64), 1)  # noqa: E731
    # LSTM 20k x 64 x 8
    n_lstm, epochs_lstm = int(10_000 * scale), 1
    X_lstm = torch.randn(n_lstm, 64, 8, generator=gen)
    y_lstm = (X_lstm[:, :, 0].mean(1) > 0).float()
    make_lstm = lambda: RecurrentNet("lstm", "sequence", 8, 1, hidden_size=64)  # noqa: E731
    # Transformer, lengths 16-64
    n_tr, epochs_tr = int(1_500 * scale), 1
    lengths = torch.randint(16, 65, (n_tr,), generator=gen)
    mask = torch.arange(64)[None, :, None] < lengths[:, None, None]
    X_tr = torch.randn(n_tr, 64, 8, generator=gen) * mask
    y_tr = (X_tr[:, :, 0].sum(1) > 0).float()
    make_tr = lambda: TransformerNet("sequence", 8, 1, d_model=64, n_heads=4, n_layers=2,  # noqa: E731
                                     dim_feedforward=128, dropout=0.1)
    sizes = [
        f"MLP {n_mlp:,} rows x 32 features, hidden (64, 64), {epochs_mlp} epochs, batch 256",
        f"LSTM {n_lstm:,} sequences x 64 steps x 8 channels, hidden 64, {epochs_lstm} epochs, batch 256",
        f"Transformer {n_tr:,} sequences of 16-64 steps x 8 channels, d_model 64, 4 heads, 2 layers, "
        f"feed-forward 128, {epochs_tr} epochs, batch 128",
    ]
    rows = []
    with threadpool_limits(1):
        from sklearn.neural_network import MLPClassifier

        wanted = {"MLP", "LSTM", "Transformer"} if args.only is None else {args.only}
        rows += [] if "MLP" not in wanted else run_workload(
            "MLP", make_mlp, (X_mlp,), y_mlp,
            lambda: TorchMLPClassifier((64, 64), max_epochs=epochs_mlp, batch_size=256, device="cpu",
                                       random_state=0),
            epochs=epochs_mlp, batch_size=256, repeats=args.repeats,
            sklearn_mlp=lambda: MLPClassifier((64, 64), batch_size=256, max_iter=epochs_mlp, random_state=0),
            make_estimators_module=lambda: MLP(32, (64, 64), 1, dropout=TorchMLPClassifier().dropout),
        )
        rows += [] if "LSTM" not in wanted else run_workload(
            "LSTM", make_lstm, (X_lstm,), y_lstm,
            lambda: LSTMClassifier(64, max_epochs=epochs_lstm, batch_size=256, grad_clip=None,
                                   device="cpu", random_state=0),
            epochs=epochs_lstm, batch_size=256, repeats=args.repeats + 2,
        )
        rows += [] if "Transformer" not in wanted else run_workload(
            "Transformer (variable lengths)", make_tr, (X_tr, lengths), y_tr,
            lambda: TransformerClassifier(64, n_heads=4, n_layers=2, dim_feedforward=128,
                                          max_epochs=epochs_tr, batch_size=128, grad_clip=None,
                                          device="cpu", random_state=0),
            epochs=epochs_tr, batch_size=128, repeats=args.repeats + 2,
        )
        small = 1 / 4  # the thread study uses a quarter of each workload
        threads = [] if args.only else thread_study([
            ("MLP", make_mlp, (X_mlp[: int(n_mlp * small)],), y_mlp[: int(n_mlp * small)], 1, 256),
            ("LSTM", make_lstm, (X_lstm[: int(n_lstm * small)],), y_lstm[: int(n_lstm * small)], 1, 256),
            ("Transformer", make_tr, (X_tr[: int(n_tr * small)], lengths[: int(n_tr * small)]),
             y_tr[: int(n_tr * small)], 1, 128),
        ], repeats=2)
    elapsed = time.perf_counter() - start
    info = machine()
    info["load_average_1min"] = [round(load_before[0], 1), round(os.getloadavg()[0], 1)]
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = ("-quick" if args.quick else "") + (f"-{args.only}" if args.only else "")
    (RESULTS / f"neural{suffix}.json").write_text(json.dumps(
        {"machine": info, "repeats": args.repeats, "sizes": sizes, "rows": rows, "threads": threads,
         "elapsed_seconds": elapsed}, indent=2))
    command = " ".join(["python benchmarks/bench_neural.py", *(argv if argv is not None else sys.argv[1:])])
    markdown = to_markdown(info, rows, threads, sizes, args.repeats, elapsed, command)
    (RESULTS / f"neural{suffix}.md").write_text(markdown)
    print(markdown)


if __name__ == "__main__":
    main()
