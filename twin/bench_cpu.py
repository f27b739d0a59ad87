#!/usr/bin/python3
"""CPU timing of the full-size (`small`) twin, for information only.

  /usr/bin/python3 twin/bench_cpu.py [--threads 2] [--reps 2]

Times (a) student(masked)+teacher forward on 2 views of 96^3 (no grad), and
(b) one pre-train step: student forward+backward, teacher forward without grad,
AdamW step, teacher EMA.  Random weights/inputs (timing does not depend on values).
"""
import argparse
import math
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smit_twin as S  # noqa: E402


def random_mask(n, grid_tokens=48, block_tokens=8, ratio=0.7, gen=None):
    nb = grid_tokens // block_tokens
    k = math.ceil(ratio * nb ** 3)
    m = torch.zeros(n, nb ** 3, dtype=torch.int64)
    for i in range(n):
        m[i, torch.randperm(nb ** 3, generator=gen)[:k]] = 1
    tok = m.view(n, nb, nb, nb)
    pm = tok.repeat_interleave(block_tokens, 1).repeat_interleave(block_tokens, 2).repeat_interleave(block_tokens, 3)
    return pm, tok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cfg = S.config_small()
    student = S.SmitStudent(cfg)
    teacher = S.SmitTeacher(cfg)
    teacher.load_state_dict({k: v for k, v in student.state_dict().items() if k != "transformer.mask_token"})
    for p in teacher.parameters():
        p.requires_grad_(False)
    teacher.eval()
    g = torch.Generator().manual_seed(0)
    views = torch.rand(2, 1, 96, 96, 96, generator=g)
    pm, tm = random_mask(2, gen=g)
    c1 = torch.zeros(1, 1, cfg.out_dim)
    c2 = torch.zeros(1, 1, cfg.out_dim)

    # (a) forward only
    student.eval()
    times = []
    for r in range(args.reps + 1):
        t0 = time.perf_counter()
        with torch.no_grad():
            s = student(views, pm)
            t = teacher(views)
        times.append(time.perf_counter() - t0)
    print(f"forward student(masked)+teacher, 2 views 96^3, {args.threads} threads: "
          f"{min(times[1:]):.2f} s (runs: {', '.join(f'{x:.2f}' for x in times)}; first is warm-up)")

    # (b) full training step
    student.train()
    opt = torch.optim.AdamW([p for p in student.parameters() if p.requires_grad], lr=1e-4 * 1, weight_decay=0.04)
    times = []
    for r in range(args.reps + 1):
        t0 = time.perf_counter()
        loss, parts, (c1, c2) = S.pretrain_step(student, teacher, views, pm, tm, c1, c2, epoch=0, cfg=cfg)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        S.ema_update(teacher, student, S.teacher_momentum(r, 1000))
        times.append(time.perf_counter() - t0)
        print(f"  step {r}: loss {loss.item():.4f} (mip {parts['mip'].item():.4f} mpd {parts['mpd'].item():.4f} "
              f"itd {parts['itd'].item():.4f}) {times[-1]:.2f} s")
    print(f"pre-train step (student fwd+bwd with drop-path 0.3, teacher no-grad, AdamW, EMA), 2 views 96^3, "
          f"{args.threads} threads: {min(times[1:]):.2f} s")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2:.2f} GiB")


if __name__ == "__main__":
    main()
