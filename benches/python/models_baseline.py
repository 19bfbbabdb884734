"""Python baselines for benches/models.rs, on the very files the Rust bench wrote.

    python benches/python/models_baseline.py GBDT_FILE N_TRAIN LR_FILE [REPEATS]

Prints human-readable lines, then one JSON line with the numbers (the Rust bench reads it).
LightGBM 4.7 with the Rust trainer's hyper-parameters (leaf-wise, 31 leaves, learning rate 0.1,
100 trees, min_data_in_leaf 20, min_sum_hessian 1e-3, lambda_l2 0, max_bin 255), with 1 and 2
threads; scikit-learn 1.9.1 LogisticRegression (lbfgs for L2, saga for L1, tol 1e-4, C 1).
"""

import json
import sys
import time
import warnings

import numpy as np


def best_of(repeats, f):
    best, out = float("inf"), None
    for _ in range(repeats):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out


def read_dense(path):
    with open(path, "rb") as f:
        n, d = np.frombuffer(f.read(16), dtype="<u8")
        x = np.frombuffer(f.read(int(n * d) * 8), dtype="<f8").reshape(int(n), int(d))
        y = np.frombuffer(f.read(int(n) * 8), dtype="<f8")
    return x, y


def read_csr(path):
    import scipy.sparse as sp

    with open(path, "rb") as f:
        n, d, nnz = (int(v) for v in np.frombuffer(f.read(24), dtype="<u8"))
        indptr = np.frombuffer(f.read((n + 1) * 8), dtype="<u8").astype(np.int64)
        indices = np.frombuffer(f.read(nnz * 4), dtype="<u4").astype(np.int32)
        data = np.frombuffer(f.read(nnz * 8), dtype="<f8")
        y = np.frombuffer(f.read(n * 8), dtype="<f8")
    return sp.csr_matrix((data, indices, indptr), shape=(n, d)), y


def main():
    gbdt_file, n_train, lr_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    out = {}
    import lightgbm as lgb
    from sklearn.metrics import roc_auc_score

    x, y = read_dense(gbdt_file)
    xtr, ytr, xte, yte = x[:n_train], y[:n_train], x[n_train:], y[n_train:]
    params = dict(objective="binary", num_leaves=31, learning_rate=0.1, min_data_in_leaf=20,
                  min_sum_hessian_in_leaf=1e-3, lambda_l2=0.0, max_bin=255, verbose=-1, seed=0,
                  force_row_wise=True)
    booster = None
    for threads in (1, 2):
        p = dict(params, num_threads=threads)

        def fit():
            ds = lgb.Dataset(xtr, label=ytr, params={"max_bin": 255, "verbose": -1})
            return lgb.train(p, ds, num_boost_round=100)

        secs, booster = best_of(repeats, fit)
        auc = roc_auc_score(yte, booster.predict(xte, num_threads=1))
        print(f"  LightGBM {lgb.__version__} fit, {threads} thread(s): {secs:.3f} s, test AUC {auc:.5f}")
        out[f"lgbm_fit_s_{threads}"] = secs
        out[f"lgbm_auc_{threads}"] = auc
    secs, _ = best_of(5, lambda: booster.predict(xte, num_threads=1))
    out["lgbm_predict_batch_rps"] = len(xte) / secs
    rows = min(len(xte), 2000)
    one = [xte[i : i + 1] for i in range(rows)]
    secs1, _ = best_of(3, lambda: [booster.predict(r, num_threads=1) for r in one])
    out["lgbm_predict_one_us"] = secs1 / rows * 1e6
    print(f"  LightGBM predict: batch {out['lgbm_predict_batch_rps']:.0f} rows/s, one row {out['lgbm_predict_one_us']:.1f} us")
    try:
        import lleaves

        path = gbdt_file + ".lgbm.txt"
        booster.save_model(path)
        model = lleaves.Model(model_file=path)
        model.compile()
        secs, _ = best_of(5, lambda: model.predict(xte, n_jobs=1))
        out["lleaves_predict_batch_rps"] = len(xte) / secs
        print(f"  lleaves predict: batch {out['lleaves_predict_batch_rps']:.0f} rows/s")
    except ImportError:
        print("  (lleaves not installed)")

    from sklearn.linear_model import LogisticRegression

    xs, ys = read_csr(lr_file)
    for name, kw in (("l2", dict(l1_ratio=0.0, solver="lbfgs")), ("l1", dict(l1_ratio=1.0, solver="saga"))):
        model = LogisticRegression(C=1.0, tol=1e-4, max_iter=1000, **kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            secs, model = best_of(2, lambda: model.fit(xs, ys))
        auc = roc_auc_score(ys, model.predict_proba(xs)[:, 1])
        print(f"  sklearn LR {name} ({kw['solver']}): {secs:.3f} s, {int(np.max(model.n_iter_))} iterations, train AUC {auc:.5f}")
        out[f"sk_lr_{name}_s"] = secs
        out[f"sk_lr_{name}_auc"] = auc
    print(json.dumps(out))


if __name__ == "__main__":
    main()
