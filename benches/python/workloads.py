"""The `python` column of `cargo bench --bench workloads` (see BENCHMARKS.md, "Workloads").

The harness exports a trained workload's rows into a folder (training and test rows, the
vocabularies and side tables the pipeline uses, and for flights its feature matrices) and runs:

    python benches/python/workloads.py --workload W --dir DIR --threads 1,2 \
        --repeats 5 --latency-rows 1000 --out DIR/results.json

This script builds the same pipeline with scikit-learn / pandas / LightGBM, fits it on the same
training rows, and measures it on the same test rows as the Rust side: batch throughput (median
of the repeats after one warm-up), one-row latency (p50/p99 over evenly spaced test rows, each
run alone, after a warm-up) and the test scores. It writes rows with the harness's fields.

- text: TfidfVectorizer word 1-grams (max_features 10,000) + char 2-5-grams (50,000) ->
  LogisticRegression (C=1, lbfgs).
- product: TfidfVectorizer over the exported brand and colour vocabularies (1-2-grams) +
  CountVectorizer char_wb 2-4-grams (20,000) -> LogisticRegression.
- stacked: the same ten shape counts in Python, HashingVectorizer groups with the exported
  settings, each into LogisticRegression(tol=1e-4), fitted out of fold on the exported folds,
  stacked into LogisticRegression.
- flights: LightGBM (100 trees, 31 leaves, learning rate 0.1) trained on the Rust side's
  exported training matrix (the same features and out-of-fold history values); the inference
  pipeline is pandas left merges (calendar, planes, airports, weather, and the four history
  tables fitted here with groupby on the training rows) and numpy ops, then the booster
  (`python`), or the booster compiled with lleaves (`python_lleaves`). The script checks that its
  test features equal the Rust side's and reports LightGBM's AUC on the Rust features.

Requirements: benches/python/requirements.txt. Only the harness runs this; neither the tests nor
the README's commands need Python.
"""

import argparse
import json
import os
import statistics
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workload", required=True, choices=["text", "product", "stacked", "flights"])
    p.add_argument("--dir", required=True)
    p.add_argument("--threads", default="1")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--latency-rows", type=int, default=1000)
    p.add_argument("--out", required=True)
    return p.parse_args()


ARGS = parse_args()
# One thread for every library that would start its own (the multi-threaded rows set LightGBM's
# num_threads explicitly).
for var in ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"]:
    os.environ[var] = "1"

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer, HashingVectorizer, TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

WARMUP = 20


def log(msg):
    print(f"  [python] {msg}", file=sys.stderr, flush=True)


def read_texts(path):
    with open(path, encoding="utf-8") as fh:
        d = json.load(fh)
    return [t if t is not None else "" for t in d["texts"]], np.asarray(d["labels"], dtype=np.float64)


def sample_rows(n, k):
    """The harness's latency rows: all rows when n <= k, else i * n // k."""
    return list(range(n)) if n <= k else [i * n // k for i in range(k)]


def timed_batch(fn, batch, repeats):
    fn(batch)  # warm-up
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn(batch)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def latencies(fn, one_rows):
    for r in one_rows[:WARMUP]:
        fn(r)
    out = []
    for r in one_rows:
        t = time.perf_counter()
        fn(r)
        out.append((time.perf_counter() - t) * 1e6)
    return out


def nearest_rank(v, q):
    s = sorted(v)
    k = min(max(int(np.ceil(q * len(s))), 1), len(s))
    return s[k - 1]


def row(workload, variant, threads, n, batch_s, lat, metric, labels, p, compile_ms=None):
    acc = float(np.mean((p > 0.5) == (labels == 1.0)))
    auc = float(roc_auc_score(labels, p))
    return {
        "workload": workload,
        "variant": variant,
        "threads": threads,
        "rows": n,
        "rows_per_s": n / batch_s,
        "p50_us": nearest_rank(lat, 0.5) if lat else None,
        "p99_us": nearest_rank(lat, 0.99) if lat else None,
        "score_name": metric,
        "score": acc if metric == "accuracy" else auc,
        "accuracy": acc,
        "auc": auc,
        "precision_at_k": None,
        "approx_fraction": None,
        "compile_ms": compile_ms,
        "max_abs_diff_vs_eager": None,
    }


def text_rows(d):
    """Pipelines over a list of texts: (fit(texts, y) -> predict(texts) -> p1)."""
    return read_texts(os.path.join(d, "train.json")), read_texts(os.path.join(d, "test.json"))


def run_text(d, params):
    (tr, ytr), (te, yte) = text_rows(d)
    word = TfidfVectorizer(max_features=params["word_max_features"])
    char = TfidfVectorizer(analyzer="char", ngram_range=(2, 5), max_features=params["char_max_features"])
    x = sp.hstack([word.fit_transform(tr), char.fit_transform(tr)]).tocsr()
    lr = LogisticRegression(C=params["C"], max_iter=1000).fit(x, ytr)
    notes = {"vocabulary_sizes": [len(word.vocabulary_), len(char.vocabulary_)], "rust_vocabulary_sizes": params["n_features_rust"]}

    def predict(texts):
        return lr.predict_proba(sp.hstack([word.transform(texts), char.transform(texts)]).tocsr())[:, 1]

    return te, yte, predict, notes


def run_product(d, params):
    (tr, ytr), (te, yte) = text_rows(d)
    brands = TfidfVectorizer(vocabulary=params["brands"], ngram_range=(1, 2))
    colours = TfidfVectorizer(vocabulary=params["colours"], ngram_range=(1, 2))
    grams = CountVectorizer(analyzer="char_wb", ngram_range=(2, 4), max_features=params["char_max_features"])
    x = sp.hstack([brands.fit_transform(tr), colours.fit_transform(tr), grams.fit_transform(tr)]).tocsr()
    lr = LogisticRegression(C=params["C"], max_iter=1000).fit(x, ytr)

    def predict(texts):
        x = sp.hstack([brands.transform(texts), colours.transform(texts), grams.transform(texts)]).tocsr()
        return lr.predict_proba(x)[:, 1]

    return te, yte, predict, {"char_vocabulary_size": len(grams.vocabulary_)}


def shape_features(texts):
    """The Rust workload's ten shape counts (stacked.rs `shape_features`)."""
    out = np.zeros((len(texts), 10))
    for i, t in enumerate(texts):
        n = max(len(t), 1)
        words = t.split()
        links = t.count("http") + t.count("www.")
        out[i] = [
            len(t) / 100.0,
            sum(c.isupper() for c in t) / n,
            sum(c in "0123456789" for c in t) / n,
            min(t.count("!"), 5) / 5.0,
            min(t.count("?"), 5) / 5.0,
            min(links, 3) / 3.0,
            sum(ord(c) > 127 for c in t) / n,
            len(words) / 20.0,
            min(max((len(w) for w in words), default=0), 30) / 10.0,
            min(sum(c in "£$€" for c in t), 3) / 3.0,
        ]
    return out


def run_stacked(d, params):
    (tr, ytr), (te, yte) = text_rows(d)
    g = params["groups"]

    def hv(spec):
        return HashingVectorizer(analyzer=spec["analyzer"], ngram_range=tuple(spec["ngram_range"]), n_features=spec["n_features"])

    groups = [[hv(g["words"])], [hv(g["chars"])], [hv(s) for s in g["wide"]]]

    def group_x(vs, texts):
        return sp.hstack([v.transform(texts) for v in vs]).tocsr()

    def fit_small(texts, y):
        models = [LogisticRegression(tol=1e-4, max_iter=1000).fit(shape_features(texts), y)]
        models += [LogisticRegression(tol=1e-4, max_iter=1000).fit(group_x(vs, texts), y) for vs in groups]
        return models

    def scores(models, texts):
        cols = [models[0].decision_function(shape_features(texts))]
        cols += [m.decision_function(group_x(vs, texts)) for m, vs in zip(models[1:], groups)]
        return np.column_stack(cols)

    folds = np.asarray(params["folds"])
    tr_arr = np.asarray(tr, dtype=object)
    oof = np.zeros((len(tr), 4))
    for f in (0, 1):
        fit_idx, out_idx = np.where(folds != f)[0], np.where(folds == f)[0]
        oof[out_idx] = scores(fit_small(list(tr_arr[fit_idx]), ytr[fit_idx]), list(tr_arr[out_idx]))
    stacker = LogisticRegression(max_iter=1000).fit(oof, ytr)
    small = fit_small(tr, ytr)

    def predict(texts):
        return stacker.predict_proba(scores(small, texts))[:, 1]

    return te, yte, predict, {}


def run_texts(workload, d, params, threads, repeats, k):
    te, yte, predict, notes = {"text": run_text, "product": run_product, "stacked": run_stacked}[workload](d, params)
    log(f"{workload}: fitted; timing {len(te)} test rows")
    p = predict(te)
    batch = timed_batch(predict, te, repeats)
    lat = latencies(predict, [[te[i]] for i in sample_rows(len(te), k)])
    metric = "accuracy"
    return [row(workload, "python", 1, len(te), batch, lat, metric, yte, p)], notes


# ---------------------------------------------------------------------------------------------
# flights

def run_flights(d, params, threads, repeats, k):
    import lightgbm as lgb
    import pandas as pd

    feats = params["features"]
    nf = len(feats)
    train_x = np.fromfile(os.path.join(d, "train_x.f64"), dtype="<f8").reshape(-1, nf)
    test_x_rust = np.fromfile(os.path.join(d, "test_x.f64"), dtype="<f8").reshape(-1, nf)
    str_cols = {"carrier": str, "tailnum": str, "origin": str, "dest": str, "time_hour": str, "faa": str}
    train = pd.read_csv(os.path.join(d, "train.csv"), dtype=str_cols, keep_default_na=False, na_values=[""])
    test = pd.read_csv(os.path.join(d, "test.csv"), dtype=str_cols, keep_default_na=False, na_values=[""])
    side = {n: pd.read_csv(os.path.join(d, f"{n}.csv"), dtype=str_cols, keep_default_na=False, na_values=[""])
            for n in ["calendar", "planes", "airports", "weather"]}
    ytr, yte = train["late"].to_numpy(), test["late"].to_numpy()

    g = params["gbdt"]
    lgb_params = {
        "objective": "binary", "num_leaves": g["num_leaves"], "learning_rate": g["learning_rate"],
        "min_data_in_leaf": g["min_data_in_leaf"], "min_sum_hessian_in_leaf": 1e-3, "lambda_l2": 0.0,
        "max_bin": g["max_bin"], "feature_fraction": 1.0, "bagging_freq": 0, "verbose": -1,
        "deterministic": True, "force_row_wise": True, "num_threads": 1, "seed": 0,
    }
    booster = lgb.train(lgb_params, lgb.Dataset(train_x, ytr), num_boost_round=g["n_trees"])
    auc_on_rust_features = float(roc_auc_score(yte, booster.predict(test_x_rust)))
    log(f"flights: LightGBM test AUC on the Rust features {auc_on_rust_features:.5f}")

    # History tables, fitted on the training rows (pandas groupby), served by left merges.
    m = params["smoothing"]
    prior = float(ytr.mean())
    hist = []
    for h in params["histories"]:
        keys = h["keys"]
        agg = train.groupby(keys, dropna=True)["late"].agg(["count", "sum"]).reset_index()
        agg[f"{h['name']}_flights"] = agg["count"].astype(np.float64)
        agg[f"{h['name']}_late_rate"] = (agg["sum"] + m * prior) / (agg["count"] + m)
        hist.append((keys, agg.drop(columns=["count", "sum"]), h["name"]))

    planes = side["planes"]
    airports = side["airports"].rename(columns={"faa": "dest"})
    weather = side["weather"]
    calendar = side["calendar"]

    def features(df):
        n = len(df)
        x = df[["year", "month", "day", "hour", "minute", "distance", "carrier", "tailnum", "origin", "dest", "time_hour"]]
        x = x.merge(calendar, on=["year", "month", "day"], how="left")
        x = x.merge(planes, on="tailnum", how="left")
        x = x.merge(airports, on="dest", how="left")
        x = x.merge(weather, on=["origin", "time_hour"], how="left")
        for keys, table, name in hist:
            x = x.merge(table, on=keys, how="left")
            x[f"{name}_flights"] = x[f"{name}_flights"].fillna(0.0)
            x[f"{name}_late_rate"] = x[f"{name}_late_rate"].fillna(prior)
        assert len(x) == n, "a left merge must keep every row exactly once"
        x["dep_minutes"] = x["hour"] * 60.0 + x["minute"]
        x["log_distance"] = np.log1p(x["distance"])
        return x[feats].to_numpy(dtype=np.float64)

    test_x = features(test)
    same = np.isnan(test_x) == np.isnan(test_x_rust)
    diff = np.nanmax(np.abs(np.where(same, test_x - test_x_rust, np.inf)))
    log(f"flights: pandas features vs Rust features: max |diff| {diff}")

    notes = {
        "lightgbm_auc_on_rust_features": auc_on_rust_features,
        "max_abs_feature_diff_vs_rust": float(diff),
    }
    rows = []
    one_rows = [test.iloc[[i]] for i in sample_rows(len(test), k)]
    # lleaves: LightGBM's model compiled with LLVM.
    compiled = None
    try:
        import tempfile

        import lleaves

        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
            fh.write(booster.model_to_string())
            path = fh.name
        t = time.perf_counter()
        compiled = lleaves.Model(model_file=path)
        compiled.compile()
        compile_ms = (time.perf_counter() - t) * 1e3
        os.unlink(path)
    except Exception as e:  # lleaves is optional
        log(f"flights: lleaves unavailable ({e})")
    for t in threads:
        p = booster.predict(features(test), num_threads=t)
        batch = timed_batch(lambda df: booster.predict(features(df), num_threads=t), test, repeats)
        lat = latencies(lambda df: booster.predict(features(df), num_threads=1), one_rows) if t == 1 else None
        rows.append(row("flights", "python", t, len(test), batch, lat, "auc", yte, p))
        if compiled is not None:
            p = compiled.predict(features(test), n_jobs=t)
            batch = timed_batch(lambda df: compiled.predict(features(df), n_jobs=t), test, repeats)
            lat = latencies(lambda df: compiled.predict(features(df), n_jobs=1), one_rows) if t == 1 else None
            rows.append(row("flights", "python_lleaves", t, len(test), batch, lat, "auc", yte, p, compile_ms))
    return rows, notes


def main():
    d = ARGS.dir
    with open(os.path.join(d, "params.json")) as fh:
        params = json.load(fh)
    threads = [int(t) for t in ARGS.threads.split(",") if t]
    if ARGS.workload == "flights":
        rows, notes = run_flights(d, params, threads, ARGS.repeats, ARGS.latency_rows)
    else:
        rows, notes = run_texts(ARGS.workload, d, params, threads, ARGS.repeats, ARGS.latency_rows)
    import lightgbm
    import sklearn

    notes["versions"] = {"python": sys.version.split()[0], "scikit-learn": sklearn.__version__,
                         "lightgbm": lightgbm.__version__, "numpy": np.__version__}
    with open(ARGS.out, "w") as fh:
        json.dump({"results": rows, "notes": notes}, fh, indent=1)


if __name__ == "__main__":
    main()
