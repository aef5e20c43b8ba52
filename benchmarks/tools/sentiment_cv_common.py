"""Shared by the sentiment research scripts (sentiment_fasttext_cv.py, sentiment_embedding_cv.py): reads the out-of-fold
file of `train-sentiment --out-of-fold` and scores class scores as BuiltInSentimentTrainer does (en macro recall, pcm
weighted F1, by argmax and with class offsets tuned on the out-of-fold scores, Pidgin offsets from a marker threshold)."""
from types import SimpleNamespace
import numpy as np


def read_oof(path):
    """The rows of the out-of-fold TSV, in training-file order (English file, then Pidgin file)."""
    rows = []
    with open(path, encoding='utf-8') as f:
        next(f)
        for line in f:
            p = line.rstrip('\n').split('\t')
            rows.append((p[0], int(p[1]), int(p[2]), int(p[3]), [float(x) for x in p[4:7]], p[7] if len(p) > 7 else ''))
    corpus = np.array([r[0] for r in rows])
    return SimpleNamespace(corpus=corpus, fold=np.array([r[1] for r in rows]), y=np.array([r[2] for r in rows]),
                           markers=np.array([r[3] for r in rows]), lin=np.array([r[4] for r in rows]),
                           toks=[r[5] for r in rows], pcm=corpus == 'pcm')


def confusion(yt, yp):
    m = np.zeros((3, 3)); np.add.at(m, (yt, yp), 1); return m
def macro_recall(m):
    return np.mean([m[c, c] / m[c].sum() for c in range(3) if m[c].sum() > 0])
def weighted_f1(m):
    tot = 0
    for c in range(3):
        tp = m[c, c]; pr = tp / m[:, c].sum() if m[:, c].sum() else 0; rc = tp / m[c].sum() if m[c].sum() else 0
        f1 = 2 * pr * rc / (pr + rc) if pr + rc else 0; tot += f1 * m[c].sum()
    return tot / m.sum()
def metric(is_pcm, yt, s, off):
    m = confusion(yt, np.argmax(s + off, axis=1))
    return weighted_f1(m) if is_pcm else macro_recall(m)
def tune(is_pcm, yt, s):
    best = metric(is_pcm, yt, s, np.zeros(3)); bn = bp = 0.0
    for cs, st in ((2.0, 0.1), (0.2, 0.02)):
        n0, p0 = bn, bp
        for n in np.arange(n0 - cs, n0 + cs + 1e-9, st):
            for p in np.arange(p0 - cs, p0 + cs + 1e-9, st):
                r = metric(is_pcm, yt, s, np.array([n, 0, p]))
                if r > best + 1e-12 or (abs(r - best) <= 1e-12 and abs(n) + abs(p) < abs(bn) + abs(bp)):
                    best, bn, bp = r, n, p
    return np.array([bn, 0, bp])
def report(name, s, d):
    y, pcm, markers, fold = d.y, d.pcm, d.markers, d.fold
    en = ~pcm
    raw_en = metric(False, y[en], s[en], 0); raw_pcm = metric(True, y[pcm], s[pcm], 0)
    oe = tune(False, y[en], s[en]); op = tune(True, y[pcm], s[pcm])
    best = None
    for t in (1, 2, 3):
        sh = s + np.where((markers >= t)[:, None], op, oe)
        e = metric(False, y[en], sh[en], 0); p = metric(True, y[pcm], sh[pcm], 0)
        if best is None or e + p > best[0] + 1e-12: best = (e + p, t, e, p)
    folds_en = [metric(False, y[en & (fold == k)], s[en & (fold == k)], 0) for k in range(5)]
    print(f"{name}: en macro recall {best[2]:.4f} (argmax {raw_en:.4f}) | pcm weighted F1 {best[3]:.4f} (argmax {raw_pcm:.4f}) | thr {best[1]} off en {oe.round(2)} pcm {op.round(2)} | en folds {' '.join(f'{v:.3f}' for v in folds_en)}", flush=True)
    return best

def nested_english(s, d):
    y, pcm, fold = d.y, d.pcm, d.fold
    """English offsets tuned on four folds' out-of-fold scores, applied to the fifth: what tuning them on the same rows hides."""
    en = ~pcm; m = np.zeros((3, 3))
    for k in range(5):
        t = en & (fold != k); h = en & (fold == k)
        m += confusion(y[h], np.argmax(s[h] + tune(False, y[t], s[t]), axis=1))
    print(f"  offsets tuned on the other folds: en macro recall {macro_recall(m):.4f}", flush=True)
