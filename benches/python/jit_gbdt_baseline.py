"""LightGBM and lleaves beside the JIT on one GBDT (benches/jit_gbdt.rs), run by hand.

    python benches/python/jit_gbdt_baseline.py OUT_DIR

Writes OUT_DIR/model.txt (LightGBM 4.7, binary, 100 trees, 31 leaves, learning rate 0.1, trained
on 20,000 seeded rows of 50 features with 5% NaN) and OUT_DIR/rows.f64 (100,000 test rows:
u64 n, u64 d, then n * d little-endian f64), then times, on one thread: LightGBM's predict on the
batch and on one row per call, and lleaves (llvmlite 0.44) compile time, batch and one row.
Prints one JSON line with the numbers.
"""

import json
import os
import sys
import time

import numpy as np


def median_time(repeats, f):
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts) // 2]


def data(n, d, rng):
    x = rng.normal(size=(n, d))
    logit = 1.5 * x[:, 0] - x[:, 1] ** 2 + 0.8 * x[:, 2] * x[:, 3] + 0.5 * np.sin(3 * x[:, 4]) + 0.3 * rng.normal(size=n)
    y = (logit > -0.5).astype(float)
    x[rng.random(size=(n, d)) < 0.05] = np.nan
    return x, y


def one_row_latency(predict, x, calls=2000):
    ts = []
    for i in range(calls):
        row = x[i % len(x)].reshape(1, -1)
        t = time.perf_counter()
        predict(row)
        ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2] * 1e6, ts[int(len(ts) * 0.99)] * 1e6


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    import lightgbm as lgb

    rng = np.random.default_rng(7)
    xtr, ytr = data(20_000, 50, rng)
    xte, _ = data(100_000, 50, rng)
    params = dict(objective="binary", num_leaves=31, learning_rate=0.1, verbose=-1, num_threads=1, seed=1)
    booster = lgb.train(params, lgb.Dataset(xtr, ytr), num_boost_round=100)
    model_path = os.path.join(out, "model.txt")
    booster.save_model(model_path)
    with open(os.path.join(out, "rows.f64"), "wb") as f:
        f.write(np.array(xte.shape, dtype="<u8").tobytes())
        f.write(np.ascontiguousarray(xte, dtype="<f8").tobytes())
    res = {}
    t = median_time(5, lambda: booster.predict(xte, num_threads=1))
    res["lightgbm_rows_per_s"] = len(xte) / t
    res["lightgbm_one_row_p50_us"], res["lightgbm_one_row_p99_us"] = one_row_latency(
        lambda r: booster.predict(r, num_threads=1), xte
    )
    try:
        import lleaves

        m = lleaves.Model(model_file=model_path)
        t = time.perf_counter()
        m.compile()
        res["lleaves_compile_s"] = time.perf_counter() - t
        p_ll = m.predict(xte[:1000], n_jobs=1)
        p_lgb = booster.predict(xte[:1000], num_threads=1)
        res["lleaves_max_abs_diff_vs_lightgbm"] = float(np.max(np.abs(p_ll - p_lgb)))
        t = median_time(5, lambda: m.predict(xte, n_jobs=1))
        res["lleaves_rows_per_s"] = len(xte) / t
        res["lleaves_one_row_p50_us"], res["lleaves_one_row_p99_us"] = one_row_latency(
            lambda r: m.predict(r, n_jobs=1), xte
        )
    except ImportError:
        pass
    print(json.dumps(res))


if __name__ == "__main__":
    main()
