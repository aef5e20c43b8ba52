#!/usr/bin/python3
"""Export a randomly initialised classifier with RoBERTa-base's shape to ONNX, for benchmarking
OnnxRobertaScorer at realistic cost without downloading Cardiff's weights.

Same ONNX interface as `optimum-cli export onnx --task text-classification` of
RobertaForSequenceClassification (inputs input_ids / attention_mask int64 [batch, sequence],
output logits float32 [batch, 3], dynamic axes) and the same computation graph shape as
Hugging Face's RoBERTa (post-LayerNorm encoder, GELU, positions from the pad id, <s>-token head):
12 layers, hidden 768, 12 heads, FFN 3072, vocab 50265, 514 positions, 3 labels (~125M parameters,
~500 MB). The weights are random (seeded): its predictions mean nothing; only speed and memory do.

Needs PyTorch only (Debian bookworm: `apt-get install python3-torch`, 1.13). Never commit the output.

Usage: /usr/bin/python3 benchmarks/tools/make_roberta_base_shape.py /tmp/roberta-base-shape
       (writes model.onnx there and copies vocab.json / merges.txt from the test fixtures,
        plus a config.json with the label map and max_position_embeddings)
"""
import json
import math
import os
import shutil
import sys

import torch
from torch import nn

VOCAB, HIDDEN, LAYERS, HEADS, FFN, POSITIONS, LABELS, PAD = 50265, 768, 12, 12, 3072, 514, 3, 1
EPS = 1e-5
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "tests", "Pipeline.Models.Tests", "Fixtures", "roberta")


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.query, self.key, self.value = nn.Linear(HIDDEN, HIDDEN), nn.Linear(HIDDEN, HIDDEN), nn.Linear(HIDDEN, HIDDEN)
        self.attention_output = nn.Linear(HIDDEN, HIDDEN)
        self.attention_norm = nn.LayerNorm(HIDDEN, eps=EPS)
        self.intermediate = nn.Linear(HIDDEN, FFN)
        self.output = nn.Linear(FFN, HIDDEN)
        self.output_norm = nn.LayerNorm(HIDDEN, eps=EPS)

    def heads(self, x):
        b, s, _ = x.shape
        return x.view(b, s, HEADS, HIDDEN // HEADS).permute(0, 2, 1, 3)

    def forward(self, x, additive_mask):
        q, k, v = self.heads(self.query(x)), self.heads(self.key(x)), self.heads(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(HIDDEN // HEADS) + additive_mask
        context = torch.matmul(torch.softmax(scores, dim=-1), v).permute(0, 2, 1, 3)
        context = context.reshape(x.shape[0], x.shape[1], HIDDEN)
        x = self.attention_norm(self.attention_output(context) + x)
        return self.output_norm(self.output(nn.functional.gelu(self.intermediate(x))) + x)


class RobertaBaseShape(nn.Module):
    def __init__(self):
        super().__init__()
        self.words = nn.Embedding(VOCAB, HIDDEN, padding_idx=PAD)
        self.positions = nn.Embedding(POSITIONS, HIDDEN, padding_idx=PAD)
        self.token_type = nn.Embedding(1, HIDDEN)
        self.embedding_norm = nn.LayerNorm(HIDDEN, eps=EPS)
        self.layers = nn.ModuleList(Layer() for _ in range(LAYERS))
        self.dense = nn.Linear(HIDDEN, HIDDEN)
        self.out_proj = nn.Linear(HIDDEN, LABELS)
        for module in self.modules():  # Hugging Face's initialisation
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, std=0.02)
            if isinstance(module, nn.Linear):
                nn.init.zeros_(module.bias)

    def forward(self, input_ids, attention_mask):
        # RoBERTa numbers real tokens from pad+1 and gives padding the pad position.
        not_pad = input_ids.ne(PAD).to(torch.int64)
        position_ids = torch.cumsum(not_pad, dim=1) * not_pad + PAD
        x = self.words(input_ids) + self.positions(position_ids) + self.token_type(torch.zeros_like(input_ids))
        x = self.embedding_norm(x)
        additive_mask = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        for layer in self.layers:
            x = layer(x, additive_mask)
        return self.out_proj(torch.tanh(self.dense(x[:, 0, :])))


def main():
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "/tmp/roberta-base-shape")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(2023)
    model = RobertaBaseShape().eval()
    print(f"parameters: {sum(p.numel() for p in model.parameters()):,}")
    ids = torch.tensor([[0, 31414, 232, 328, 2], [0, 20760, 2, PAD, PAD]], dtype=torch.int64)
    mask = ids.ne(PAD).to(torch.int64)
    with torch.no_grad():
        print("torch logits:", model(ids, mask).tolist())
        torch.onnx.export(
            model, (ids, mask), os.path.join(out, "model.onnx"),
            input_names=["input_ids", "attention_mask"], output_names=["logits"],
            dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"},
                          "attention_mask": {0: "batch_size", 1: "sequence_length"},
                          "logits": {0: "batch_size"}},
            opset_version=14, do_constant_folding=True)
    for name in ("vocab.json", "merges.txt"):
        shutil.copyfile(os.path.join(FIXTURES, name), os.path.join(out, name))
    with open(os.path.join(out, "config.json"), "w", encoding="utf-8") as f:
        json.dump({"_name_or_path": "random-roberta-base-shape", "max_position_embeddings": POSITIONS,
                   "id2label": {"0": "negative", "1": "neutral", "2": "positive"}}, f, indent=2)
    print(f"wrote {out}: model.onnx {os.path.getsize(os.path.join(out, 'model.onnx')) / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
