"""PyTorch's side of bench/diagnostics/op_overhead.ts: µs per small op.
    /usr/bin/python3 bench/diagnostics/op_overhead.py [n] [reps]"""
import json
import statistics
import sys
import time

import torch

N = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
REPS = int(sys.argv[2]) if len(sys.argv) > 2 else 15
torch.set_num_threads(int(__import__("os").environ.get("SMIT_NUM_THREADS", "2")))
a, b = torch.randn(4), torch.randn(4)


def empty():
    for _ in range(N):
        pass


def torch_add():
    for _ in range(N):
        torch.add(a, b)


def operator_add():
    for _ in range(N):
        a + b


def out_add():
    c = torch.empty(4)
    for _ in range(N):
        torch.add(a, b, out=c)


def no_grad_add():
    with torch.no_grad():
        for _ in range(N):
            torch.add(a, b)


def inference_add():
    with torch.inference_mode():
        for _ in range(N):
            torch.add(a, b)


variants = {"empty loop": empty, "torch.add(a, b)": torch_add, "a + b": operator_add,
            "torch.add(a, b, out=c) (no allocation)": out_add,
            "no_grad: torch.add(a, b)": no_grad_add, "inference_mode: torch.add(a, b)": inference_add}
times = {k: [] for k in variants}
for _ in range(REPS):
    for k, f in variants.items():
        t0 = time.perf_counter()
        f()
        times[k].append((time.perf_counter() - t0) * 1e6 / N)
out = {k: round(statistics.median(v[2:]), 3) for k, v in times.items()}
for k, v in out.items():
    print(f"{v:8.3f} µs  {k}", file=sys.stderr)
print(json.dumps({"n": N, "reps": REPS, "threads": torch.get_num_threads(), "us_per_op": out}))
