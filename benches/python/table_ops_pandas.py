"""The pandas / numpy / scikit-learn side of benches/numeric_ops.rs and benches/table_ops.rs.

Same inputs (the nycflights13 CSV files under $WILLUMP_DATA/flights, default ../shared/data
beside the workspace), same operations, one thread. Prints rows/s per operation (median of
several timed repeats after one warm-up) as a table, and as JSON with --json.

    OMP_NUM_THREADS=1 /work/venv/bin/python benches/python/table_ops_pandas.py

Not run by CI; the project never needs Python.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
import scipy.sparse as sp
import sklearn
from sklearn.model_selection import KFold
from sklearn.preprocessing import OneHotEncoder, TargetEncoder

ROOT = Path(__file__).resolve().parents[2]


def timed(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.environ.get("WILLUMP_DATA", str(ROOT / ".." / "shared" / "data")))
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    d = Path(args.data) / "flights"
    if not (d / "flights.csv").exists():
        sys.exit(f"no flights data under {d}")
    flights = pd.read_csv(d / "flights.csv")
    planes = pd.read_csv(d / "planes.csv")
    weather = pd.read_csv(d / "weather.csv")
    n = len(flights)

    distance = flights["distance"].to_numpy(dtype=np.float64)
    air_time = flights["air_time"].to_numpy(dtype=np.float64)
    delay = flights["arr_delay"]
    delay_np = delay.to_numpy(dtype=np.float64)
    sched = flights["sched_dep_time"].to_numpy()
    bins = np.arange(1, 24, dtype=np.float64) * 100.0
    dense_cols = ["month", "sched_dep_time", "distance", "hour", "air_time"]

    ops = {}

    def run(name, fn, rows=n):
        ops[name] = rows / timed(fn, args.repeats)

    run("numeric/div_distance_air_time", lambda: distance / air_time)
    run("numeric/mul_const_distance", lambda: distance * 1.609)
    run("numeric/log1p_distance", lambda: np.log1p(distance))
    run("numeric/clip_arr_delay", lambda: np.clip(delay_np, -60.0, 180.0))
    run("numeric/fill_missing_arr_delay", lambda: delay.fillna(0.0))
    run("numeric/bucketize_sched_dep_time_23", lambda: np.digitize(sched, bins))
    run("numeric/to_dense_5_columns", lambda: flights[dense_cols].to_numpy(dtype=np.float64))

    for col in ["dest", "tailnum"]:
        x = flights[[col]]
        run(f"one_hot/fit_{col}", lambda: OneHotEncoder(handle_unknown="ignore").fit(x))
        enc = OneHotEncoder(handle_unknown="ignore").fit(x)
        run(f"one_hot/transform_{col}", lambda: enc.transform(x))

    planes_v = planes[["tailnum", "year", "engines", "seats", "manufacturer"]]
    probe_p = flights[["tailnum"]]
    run("join/planes_tailnum_4cols", lambda: probe_p.merge(planes_v, on="tailnum", how="left"))
    wcols = ["origin", "time_hour", "temp", "dewp", "humid", "wind_speed", "precip", "pressure", "visib"]
    weather_v = weather[wcols]
    probe_w = flights[["origin", "time_hour"]]
    run("join/weather_origin_time_hour_7cols", lambda: probe_w.merge(weather_v, on=["origin", "time_hour"], how="left"))
    # The merge must not change the row count (weather's (origin, time_hour) is unique).
    assert len(probe_w.merge(weather_v, on=["origin", "time_hour"], how="left")) == n

    m = 20.0
    keys = ["carrier", "dest"]

    def agg_fit():
        g = flights.groupby(keys)["arr_delay"].agg(["count", "sum"])
        prior = flights["arr_delay"].mean()
        g["route_delay"] = (g["sum"] + m * prior) / (g["count"] + m)
        return g.rename(columns={"count": "route_n"})[["route_n", "route_delay"]].reset_index(), prior

    run("aggregate_route/fit", agg_fit)
    side, prior = agg_fit()
    probe_a = flights[keys]

    def agg_transform():
        out = probe_a.merge(side, on=keys, how="left")
        return out["route_n"].fillna(0), out["route_delay"].fillna(prior)

    run("aggregate_route/transform", agg_transform)
    # Out-of-fold encoding: scikit-learn's TargetEncoder (cross fitting, 5 shuffled folds,
    # smooth = m); it takes no missing target, so only the labelled rows, on a combined key.
    labelled = flights[flights["arr_delay"].notna()]
    route = (labelled["carrier"] + "|" + labelled["dest"]).to_frame("route")
    y = labelled["arr_delay"].to_numpy()
    run(
        "aggregate_route/fit_out_of_fold",
        lambda: TargetEncoder(
            target_type="continuous", smooth=m, cv=KFold(5, shuffle=True, random_state=1)
        ).fit_transform(
            route, y
        ),
        rows=len(labelled),
    )

    dense = flights[dense_cols].to_numpy(dtype=np.float64)
    onehot = OneHotEncoder(handle_unknown="ignore").fit_transform(flights[["dest"]]).tocsr()
    run("stack/dense5_plus_onehot_dest_to_sparse", lambda: sp.hstack([sp.csr_matrix(dense), onehot], format="csr"))
    run("stack/dense5_plus_onehot_dest_to_dense", lambda: np.hstack([dense, onehot.toarray()]))

    meta = {
        "rows": n,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "sklearn": sklearn.__version__,
        "scipy": scipy.__version__,
    }
    if args.json:
        print(json.dumps({"meta": meta, "rows_per_s": ops}, indent=1))
    else:
        print(meta)
        for k, v in ops.items():
            print(f"{k:48s} {v:14,.0f} rows/s")


if __name__ == "__main__":
    main()
