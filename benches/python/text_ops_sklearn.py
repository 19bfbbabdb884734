"""scikit-learn side of the "Text operators" benchmark (see BENCHMARKS.md).

Times TfidfVectorizer.transform on the same texts and settings as `cargo bench --bench text_ops`:
word 1-grams (max_features 10,000) and char 2-5-grams (max_features 50,000), both fitted on all
texts, each transform over all texts, one thread. Prints docs/s (best and median of the repeats).

Usage (from the repository root, in a venv with scikit-learn 1.9.1):
    python benches/python/text_ops_sklearn.py [--data ../shared/data] [--repeats 5]
"""

import argparse
import os
import platform
import statistics
import time

import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer

FILES = [
    "sms_spam.tsv",
    "sentiment_tweets.tsv",
    "sentiment_movies.tsv",
    "sentiment_amazon.tsv",
    "sentiment_nyt.tsv",
]


def load_texts(data_dir):
    """The `text` column of every TSV in texts/, in FILES order (quoting off, as the README says)."""
    texts = []
    for name in FILES:
        with open(os.path.join(data_dir, "texts", name), encoding="utf-8", newline="\n") as fh:
            header = fh.readline().rstrip("\n").split("\t")
            col = header.index("text")
            for line in fh:
                line = line.rstrip("\n")
                if line:
                    texts.append(line.split("\t")[col])
    return texts


def time_transform(vec, texts, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        vec.transform(texts)
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    texts = load_texts(args.data)
    n = len(texts)
    print(f"scikit-learn {sklearn.__version__}, Python {platform.python_version()}, {n} docs")
    word = TfidfVectorizer(max_features=10_000)
    char = TfidfVectorizer(analyzer="char", ngram_range=(2, 5), max_features=50_000)
    for name, vec in [("word_1gram_tfidf", word), ("char_2_5gram_tfidf", char)]:
        t0 = time.perf_counter()
        vec.fit(texts)
        fit = time.perf_counter() - t0
        print(f"{name}: fit {fit:.3f} s, vocabulary {len(vec.vocabulary_)}")
    results = {}
    for name, vec in [("word_1gram_tfidf", word), ("char_2_5gram_tfidf", char)]:
        best, med = time_transform(vec, texts, args.repeats)
        results[name] = (best, med)
        print(f"{name}: transform best {best:.3f} s ({n / best:,.0f} docs/s), median {med:.3f} s ({n / med:,.0f} docs/s)")
    best = sum(r[0] for r in results.values())
    med = sum(r[1] for r in results.values())
    print(f"word+char: transform best {best:.3f} s ({n / best:,.0f} docs/s), median {med:.3f} s ({n / med:,.0f} docs/s)")


if __name__ == "__main__":
    main()
