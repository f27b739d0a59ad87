"""PyTorch baselines of the networks suite (bench/suites/networks.ts): the
twin of the SMIT networks (twin/smit_twin.py), same config and inputs."""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "twin"))
import smit_twin as S  # noqa: E402

import benchlib  # noqa: E402


def _pair():
    torch.manual_seed(0)
    cfg = S.config_small()
    student = S.SmitStudent(cfg).train()
    teacher = S.SmitTeacher(cfg).eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    views = torch.rand(2, 1, 96, 96, 96)
    mask = torch.randint(0, 2, (2, 48, 48, 48))
    return student, teacher, views, mask


def student_teacher_forward():
    student, teacher, views, mask = _pair()

    def run():
        with torch.no_grad():
            teacher(views)
            student(views, mask)
    return run


def student_teacher_forward_backward():
    student, teacher, views, mask = _pair()

    def run():
        with torch.no_grad():
            teacher(views)
        cls, patch, rec, _ = student(views, mask)
        (cls.mean() + patch.mean() + rec.mean()).backward()
        student.zero_grad(set_to_none=True)
    return run


def _segmenter():
    torch.manual_seed(0)
    cfg = S.config_small()
    return S.SmitSegmenter(cfg).train(), torch.rand(1, 1, 96, 96, 96)


def segmenter_forward():
    seg, crop = _segmenter()

    def run():
        with torch.no_grad():
            seg(crop)
    return run


def segmenter_forward_backward():
    seg, crop = _segmenter()

    def run():
        seg(crop).mean().backward()
        seg.zero_grad(set_to_none=True)
    return run


if __name__ == "__main__":
    benchlib.main(globals())
