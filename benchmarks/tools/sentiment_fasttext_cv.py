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
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sentiment_cv_common import read_oof, report as report_rows, nested_english as nested_rows

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

d = read_oof(a.oof)
corpus, fold, y, markers, lin, toks, pcm = d.corpus, d.fold, d.y, d.markers, d.lin, d.toks, d.pcm
rows = toks

def report(name, s):
    return report_rows(name, s, d)

if os.environ.get('LINEAR_ONLY'):
    report('linear', lin); nested_rows(lin, d); sys.exit()

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
