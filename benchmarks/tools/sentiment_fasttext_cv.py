#!/usr/bin/python3
"""Cross-validates a fastText classifier (and linear + fastText ensembles) on the very folds, tokens and
out-of-fold scores of the built-in sentiment model, to compare them as the issue asks (a research tool:
nothing at runtime uses Python or fastText).

Metrics as BuiltInSentimentTrainer: en macro recall, pcm weighted F1, by argmax and with class offsets
tuned on the out-of-fold scores (the trainer's grid), Pidgin offsets for rows with >= threshold markers
(threshold 1..3 chosen on the sum). Ensembles add w * fastText log-probabilities to the linear scores.

Needs Debian's fastText binding: `apt-get install -y python3-fasttext` (0.9.2), then:
  dotnet run -c Release --project src/Pipeline.Host -- train-sentiment <the model card's arguments> \
      --out /tmp/linear --out-of-fold /tmp/oof.tsv
  LINEAR_ONLY=1 /usr/bin/python3 benchmarks/tools/sentiment_fasttext_cv.py --oof /tmp/oof.tsv   # the linear model's figures
  /usr/bin/python3 benchmarks/tools/sentiment_fasttext_cv.py --oof /tmp/oof.tsv --dim 50 --epoch 5 --lr 0.1 --ngrams 2
"""
import sys, os, json, argparse, tempfile, time
import numpy as np
import fasttext

ap = argparse.ArgumentParser()
ap.add_argument('--oof', required=True, help='the TSV of train-sentiment --out-of-fold')
ap.add_argument('--dim', type=int, default=50)
ap.add_argument('--epoch', type=int, default=10)
ap.add_argument('--lr', type=float, default=0.5)
ap.add_argument('--ngrams', type=int, default=2)
ap.add_argument('--minn', type=int, default=0)
ap.add_argument('--maxn', type=int, default=0)
ap.add_argument('--bucket', type=int, default=2**18)
ap.add_argument('--mincount', type=int, default=1)
ap.add_argument('--pcm-rep', type=int, default=3, help='copies of each Pidgin row')
ap.add_argument('--balance', action='store_true', help='oversample English classes to equal size')
ap.add_argument('--loss', default='softmax')
ap.add_argument('--threads', type=int, default=2)
ap.add_argument('--save-scores', default=None)
ap.add_argument('--seed', type=int, default=2023)
a = ap.parse_args()

rows = []
with open(a.oof, encoding='utf-8') as f:
    next(f)
    for line in f:
        p = line.rstrip('\n').split('\t')
        rows.append((p[0], int(p[1]), int(p[2]), int(p[3]), [float(x) for x in p[4:7]], p[7] if len(p) > 7 else ''))
corpus = np.array([r[0] for r in rows]); fold = np.array([r[1] for r in rows]); y = np.array([r[2] for r in rows])
markers = np.array([r[3] for r in rows]); lin = np.array([r[4] for r in rows]); toks = [r[5] for r in rows]
pcm = corpus == 'pcm'

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
def report(name, s):
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

def nested_english(s):
    """English offsets tuned on four folds' out-of-fold scores, applied to the fifth: what tuning them on the same rows hides."""
    en = ~pcm; m = np.zeros((3, 3))
    for k in range(5):
        t = en & (fold != k); h = en & (fold == k)
        m += confusion(y[h], np.argmax(s[h] + tune(False, y[t], s[t]), axis=1))
    print(f"  offsets tuned on the other folds: en macro recall {macro_recall(m):.4f}", flush=True)

if os.environ.get('LINEAR_ONLY'):
    report('linear', lin); nested_english(lin); sys.exit()

labels = ['negative', 'neutral', 'positive']
ft = np.zeros((len(rows), 3))
rng = np.random.default_rng(a.seed)
t0 = time.time()
for k in range(5):
    tr = np.where(fold != k)[0]; te = np.where(fold == k)[0]
    lines = []
    for i in tr:
        rep = a.pcm_rep if pcm[i] else 1
        lines += [f"__label__{y[i]} {toks[i]}"] * rep
    if a.balance:
        en_tr = [i for i in tr if not pcm[i]]
        counts = np.bincount(y[en_tr], minlength=3); target = counts.max()
        for c in range(3):
            members = [i for i in en_tr if y[i] == c]
            extra = rng.choice(members, target - counts[c], replace=True) if target > counts[c] else []
            lines += [f"__label__{y[i]} {toks[i]}" for i in extra]
    rng.shuffle(lines)
    with tempfile.NamedTemporaryFile('w', suffix='.txt', delete=False, encoding='utf-8') as tf:
        tf.write('\n'.join(lines) + '\n'); path = tf.name
    model = fasttext.train_supervised(path, dim=a.dim, epoch=a.epoch, lr=a.lr, wordNgrams=a.ngrams, minn=a.minn, maxn=a.maxn,
                                      bucket=a.bucket, minCount=a.mincount, loss=a.loss, thread=a.threads, seed=a.seed, verbose=0)
    os.unlink(path)
    for i in te:
        lab, pr = model.predict(toks[i] if toks[i] else ' ', k=3)
        for l, p in zip(lab, pr):
            ft[i, int(l[len('__label__'):])] = np.log(max(p, 1e-6))
rows_in, dim = model.get_input_matrix().shape
print(f"# {vars(a)}  ({time.time() - t0:.0f}s; input matrix {rows_in:,} x {dim} = {rows_in * dim * 4 / 2**20:.0f} MB as float32)", flush=True)
report('fasttext', ft)
# Ensemble: linear logits + w * fastText log-probabilities; w chosen on the same out-of-fold rows.
for w in (0.25, 0.5, 1.0):
    report(f'linear + {w} fasttext', lin + w * ft)
if a.save_scores:
    np.save(a.save_scores, ft)
