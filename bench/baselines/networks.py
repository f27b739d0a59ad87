"""PyTorch baselines of the networks suite (bench/suites/networks.ts): the
twin of the SMIT networks (twin/smit_twin.py), same config and inputs.
SMIT_BENCH_DEVICE=cuda runs on the GPU; SMIT_BENCH_PRECISION=bf16 adds
torch.autocast(bfloat16) there (on the CPU the twin stays float32)."""
import contextlib
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "twin"))
import smit_twin as S  # noqa: E402

import benchlib  # noqa: E402

DEVICE = os.environ.get("SMIT_BENCH_DEVICE") or "cpu"
PRECISION = os.environ.get("SMIT_BENCH_PRECISION") or "fp32"


def _timed(fn):
    """fn under the suite's precision, finished on the device."""
    def run():
        scope = torch.autocast("cuda", dtype=torch.bfloat16) if DEVICE == "cuda" and PRECISION == "bf16" else contextlib.nullcontext()
        with scope:
            fn()
        if DEVICE == "cuda":
            torch.cuda.synchronize()
    return run


def _pair():
    torch.manual_seed(0)
    cfg = S.config_small()
    student = S.SmitStudent(cfg).train().to(DEVICE)
    teacher = S.SmitTeacher(cfg).eval().to(DEVICE)
    for p in teacher.parameters():
        p.requires_grad_(False)
    views = torch.rand(2, 1, 96, 96, 96).to(DEVICE)
    mask = torch.randint(0, 2, (2, 48, 48, 48)).to(DEVICE)
    return student, teacher, views, mask


def student_teacher_forward():
    student, teacher, views, mask = _pair()

    def run():
        with torch.no_grad():
            teacher(views)
            student(views, mask)
    return _timed(run)


def student_teacher_forward_backward():
    student, teacher, views, mask = _pair()

    def run():
        with torch.no_grad():
            teacher(views)
        cls, patch, rec, _ = student(views, mask)
        (cls.mean() + patch.mean() + rec.mean()).backward()
        student.zero_grad(set_to_none=True)
    return _timed(run)


def _segmenter():
    torch.manual_seed(0)
    cfg = S.config_small()
    return S.SmitSegmenter(cfg).train().to(DEVICE), torch.rand(1, 1, 96, 96, 96).to(DEVICE)


def segmenter_forward():
    seg, crop = _segmenter()

    def run():
        with torch.no_grad():
            seg(crop)
    return _timed(run)


def segmenter_forward_backward():
    seg, crop = _segmenter()

    def run():
        seg(crop).mean().backward()
        seg.zero_grad(set_to_none=True)
    return _timed(run)


if __name__ == "__main__":
    benchlib.main(globals())
