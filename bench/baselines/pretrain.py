"""PyTorch baseline of the pretrain suite (bench/suites/pretrain.ts): one
full-size SMIT pre-training step on the twin networks, written like the
published training loop (iBOT style): two 96³ views of a 128³ region, block
masks, teacher without gradients, student, MIP + 0.1 MPD + 0.1 ITD,
backward, per-parameter gradient clipping, AdamW, EMA of the teacher."""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "twin"))
import smit_twin as S  # noqa: E402

import benchlib  # noqa: E402


def _crop(x, size, g):
    starts = [int(torch.randint(0, s - size + 1, (1,), generator=g)) for s in x.shape[1:]]
    return x[:, starts[0]:starts[0] + size, starts[1]:starts[1] + size, starts[2]:starts[2] + size]


def _block_mask(g):
    bits = torch.zeros(216)
    bits[torch.randperm(216, generator=g)[:math.ceil(0.7 * 216)]] = 1
    token = bits.view(6, 6, 6).long()
    patch = token.repeat_interleave(8, 0).repeat_interleave(8, 1).repeat_interleave(8, 2)
    return token, patch


def pretrain_step():
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    cfg = S.config_small()
    student = S.SmitStudent(cfg).train()
    teacher = S.SmitTeacher(cfg).eval()
    teacher.load_state_dict({k: v for k, v in student.state_dict().items() if k != "transformer.mask_token"})
    for p in teacher.parameters():
        p.requires_grad_(False)
    named = list(student.named_parameters())
    decay = [p for n, p in named if not n.endswith(".bias") and p.ndim > 1]
    plain = [p for n, p in named if n.endswith(".bias") or p.ndim <= 1]
    opt = torch.optim.AdamW([{"params": decay}, {"params": plain, "weight_decay": 0.0}], lr=1e-4, weight_decay=0.04)
    center_cls = torch.zeros(1, 1, cfg.out_dim)
    center_patch = torch.zeros(1, 1, cfg.out_dim)
    volume = torch.rand(1, 128, 128, 128)
    teacher_params = dict(teacher.named_parameters())

    def run():
        nonlocal center_cls, center_patch
        region = _crop(volume, 128, g)
        views = torch.stack([_crop(region, 96, g), _crop(region, 96, g)])
        masks = [_block_mask(g) for _ in range(2)]
        token_mask = torch.stack([m[0] for m in masks])
        patch_mask = torch.stack([m[1] for m in masks])
        with torch.no_grad():
            t_cls, t_patch = teacher(views)
        s_cls, s_patch, rec, _ = student(views, patch_mask)
        mip = S.loss_mip(views, rec, patch_mask)
        mpd, itd = S.distillation_losses(cfg, s_cls, s_patch, t_cls, t_patch, token_mask, center_cls, center_patch, 0)
        loss = mip + mpd + itd
        loss.backward()
        center_cls, center_patch = S.update_centers(center_cls, center_patch, t_cls, t_patch)
        for p in student.parameters():
            if p.grad is not None:
                norm = p.grad.data.norm(2)
                coef = 3.0 / (norm + 1e-6)
                if coef < 1:
                    p.grad.data.mul_(coef)
        opt.step()
        opt.zero_grad(set_to_none=True)
        with torch.no_grad():
            for n, p in student.named_parameters():
                if n in teacher_params:
                    teacher_params[n].mul_(0.996).add_(p.detach(), alpha=0.004)
    return run


if __name__ == "__main__":
    benchlib.main(globals())
