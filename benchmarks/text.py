"""Open-comment scoring and aspect tagging at scale, side by side with snownlp and VADER.

Goal: 1,000,000 comments (half Chinese hotel reviews, half English airline tweets,
resampled from ../shared/data) scored (zero-shot sentiment) and tagged (hotel aspects)
in under 2 minutes on 2 cores. The peers a user would pick: snownlp (Chinese
sentiment) and vaderSentiment (English), timed on samples of the same comments, one
process each (neither tags aspects), interleaved with ours on the same sample, and
compared on accuracy against the labels of the two data sets.

    PYTHONPATH=src .venv/bin/python benchmarks/text.py [--rows 1000000] [--sample 3000]

Prints rows/s, the ratio, peak memory, os.getloadavg() and the CPU count (the machine
may be shared: read the load beside the figures).
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
if not DATA.exists():
    DATA = Path("/work/shared/data")


def _load() -> tuple[pd.DataFrame, pd.DataFrame]:
    zh = pd.read_csv(DATA / "reviews_zh" / "ChnSentiCorp_htl_all.csv.gz").fillna({"review": ""})
    en = pd.read_csv(DATA / "reviews_en" / "airline_tweets.csv.gz")
    return zh, en


def _ours(texts: list[str]) -> tuple[int, int, int, float]:
    """Score and tag a chunk; return (negative, positive, aspect mentions) counts and the
    CPU seconds spent (on a shared machine, wall time alone says little)."""
    cpu = time.process_time()
    from patron.analyze.text.aspects import AspectTagger
    from patron.analyze.text.lexicon import default_lexicon
    from patron.analyze.text.reading import read_comment

    lexicon, tagger = default_lexicon(), _tagger(AspectTagger)
    neg = pos = mentions = 0
    for text in texts:
        comment = read_comment(text)
        label = lexicon.score(comment).label
        neg += label == "negative"
        pos += label == "positive"
        mentions += len(tagger.aspects(comment))
    return neg, pos, mentions, time.process_time() - cpu


_TAGGER = None


def _tagger(cls):
    global _TAGGER
    if _TAGGER is None:
        _TAGGER = cls()
    return _TAGGER


def _snownlp(texts: list[str]) -> list[str]:
    from snownlp import SnowNLP

    out = []
    for t in texts:
        try:
            out.append("positive" if SnowNLP(t).sentiments >= 0.5 else "negative")
        except ZeroDivisionError:  # snownlp fails on comments without words
            out.append("error")
    return out


def _vader(texts: list[str]) -> list[str]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    out = []
    for t in texts:
        c = analyzer.polarity_scores(t)["compound"]
        out.append("positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral")
    return out


def _rate(fn, texts) -> float:
    start = time.perf_counter()
    fn(texts)
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=3000, help="comments per peer timing")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--accuracy-rows", type=int, default=0,
        help="compare accuracy on this many labelled comments per set (0: all; snownlp "
        "needs about 30 ms a comment)",
    )  # fmt: skip
    args = parser.parse_args()
    zh, en = _load()
    rng = np.random.default_rng(0)
    half = args.rows // 2
    texts = list(zh["review"].to_numpy()[rng.integers(0, len(zh), half)]) + list(
        en["text"].to_numpy()[rng.integers(0, len(en), args.rows - half)]
    )
    rng.shuffle(texts)
    print(f"CPUs {os.cpu_count()}, load before {os.getloadavg()}")

    # 1. the million, on `workers` processes
    chunks = [texts[i : i + 20_000] for i in range(0, len(texts), 20_000)]
    start = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        parts = list(pool.map(_ours, chunks))
    wall = time.perf_counter() - start
    neg, pos, mentions, cpu = (sum(p[i] for p in parts) for i in range(4))
    print(
        f"ours: {args.rows:,} comments scored and tagged in {wall:.1f} s "
        f"({args.rows / wall:,.0f} rows/s, {args.workers} processes); negative {neg:,}, "
        f"positive {pos:,}, aspect mentions {mentions:,}; CPU {cpu:.1f} s in the workers "
        f"({cpu / args.workers:.1f} s per core if the cores were free); goal < 120 s: "
        f"{'met' if wall < 120 else 'NOT met'}; load after {os.getloadavg()}"
    )

    # the workers' counts equal one process's on the same chunk (no state lost in pickling)
    again = _ours(chunks[0])[:3]
    print(f"first chunk re-run in this process gives the same counts: {again == parts[0][:3]}")

    # 2. speed against the peers on the same samples, interleaved, one process each
    zs = list(zh["review"].sample(args.sample, random_state=1))
    es = list(en["text"].sample(args.sample, random_state=1))
    from patron.analyze.text.lexicon import default_lexicon

    lexicon = default_lexicon()

    def ours_zh(t):
        return [lexicon.score(x).label for x in t]

    rates: dict[str, list[float]] = {"ours_zh": [], "snownlp": [], "ours_en": [], "vader": []}
    for _ in range(2):
        rates["ours_zh"].append(_rate(ours_zh, zs))
        rates["snownlp"].append(_rate(_snownlp, zs))
        rates["ours_en"].append(_rate(ours_zh, es))
        rates["vader"].append(_rate(_vader, es))
    best = {k: max(v) for k, v in rates.items()}
    print(
        f"Chinese sentiment, 1 process: ours {best['ours_zh']:,.0f} rows/s, snownlp "
        f"{best['snownlp']:,.0f} rows/s, ratio {best['ours_zh'] / best['snownlp']:.1f}x"
    )
    print(
        f"English sentiment, 1 process: ours {best['ours_en']:,.0f} rows/s, VADER "
        f"{best['vader']:,.0f} rows/s, ratio {best['ours_en'] / best['vader']:.1f}x"
    )

    # 3. accuracy on the labelled sets (no labels used by either side): every comment,
    # or the same seeded sample for both sides when --accuracy-rows is given
    if args.accuracy_rows:
        zh = zh.sample(min(args.accuracy_rows, len(zh)), random_state=2)
        en = en.sample(min(args.accuracy_rows, len(en)), random_state=2)
    print(f"accuracy on {len(zh):,} Chinese reviews and {len(en):,} English tweets")
    y_zh = np.where(zh["label"].to_numpy() == 1, "positive", "negative")
    ours = np.array(ours_zh(list(zh["review"])))
    ours = np.where(ours == "negative", "negative", "positive")
    peer = np.array(_snownlp(list(zh["review"])))
    print(
        f"reviews_zh accuracy (binary; neutral counted positive): ours "
        f"{(ours == y_zh).mean():.4f}, snownlp {(peer == y_zh).mean():.4f}; agreement "
        f"{(ours == peer).mean():.3f}; snownlp failed on {(peer == 'error').sum()} comments"
    )
    from sklearn.metrics import f1_score

    y_en = en["airline_sentiment"].to_numpy()
    ours_e = np.array([lexicon.score(x).label or "neutral" for x in en["text"]])
    peer_e = np.array(_vader(list(en["text"])))
    print(
        f"reviews_en (3 classes): ours accuracy {(ours_e == y_en).mean():.4f} macro-F1 "
        f"{f1_score(y_en, ours_e, average='macro'):.4f}; VADER accuracy "
        f"{(peer_e == y_en).mean():.4f} macro-F1 {f1_score(y_en, peer_e, average='macro'):.4f}"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"peak memory: main {peak:,.0f} MB, largest worker {children:,.0f} MB; "
        f"load {os.getloadavg()}, CPUs {os.cpu_count()}"
    )


if __name__ == "__main__":
    main()
