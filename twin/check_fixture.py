#!/usr/bin/python3
"""Check the PyTorch twin (smit_twin.py) against the official-code fixture and key tables.

  /usr/bin/python3 twin/check_fixture.py [--ref ../shared/reference]

1. full-size (config `small`) state-dict keys / shapes / param-or-buffer equal
   keys-{student,teacher,segmenter}.tsv exactly (same order) and the parameter totals;
2. fixture-tiny weights load with strict=True; every output in io.safetensors is
   reproduced (eval mode, no drop-path): tensors to <= 1e-4 absolute, losses to
   <= 1e-5 relative.
Exit status 0 only if everything passes.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smit_twin as S  # noqa: E402

ABS_TOL = 1e-4
REL_TOL = 1e-5
TOTALS = {"student": 49_192_632, "teacher": 49_192_584, "segmenter": 62_889_078}


def read_tsv(path):
    with open(path) as f:
        lines = [l.rstrip("\n") for l in f if l.strip()]
    assert lines[0].split("\t") == ["key", "shape", "kind"], lines[0]
    return [tuple(l.split("\t")) for l in lines[1:]]


def check_keys(ref_dir):
    ok = True
    cfg = S.config_small()
    for name, ctor in (("student", S.SmitStudent), ("teacher", S.SmitTeacher), ("segmenter", S.SmitSegmenter)):
        torch.manual_seed(0)
        m = ctor(cfg)
        got = S.state_dict_table(m)
        want = read_tsv(os.path.join(ref_dir, f"keys-{name}.tsv"))
        same = got == want
        n = S.count_params(m)
        rpi = m.state_dict()["transformer.layers.0.blocks.0.attn.relative_position_index"]
        good = same and n == TOTALS[name] and rpi.dtype == torch.int64
        ok &= good
        print(f"[{'PASS' if good else 'FAIL'}] keys-{name}.tsv: {len(got)} entries, identical={same}; "
              f"params {n:,} (expected {TOTALS[name]:,}); relative_position_index {rpi.dtype}")
        if not same:
            for a, b in zip(got, want):
                if a != b:
                    print("    first difference: got", a, "want", b)
                    break
            if len(got) != len(want):
                print(f"    lengths differ: {len(got)} vs {len(want)}")
        del m
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "reference"))
    args = ap.parse_args()
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    fx = os.path.join(args.ref, "fixture-tiny")

    ok = check_keys(args.ref)

    sw, meta = S.load_safetensors(os.path.join(fx, "student.safetensors"))
    gw, _ = S.load_safetensors(os.path.join(fx, "segmenter.safetensors"))
    io, _ = S.load_safetensors(os.path.join(fx, "io.safetensors"))
    cfg = S.config_from_metadata(meta)
    print(f"tiny config from fixture metadata: embed {cfg.embed_dim}, depths {cfg.depths}, heads {cfg.heads}, "
          f"window {cfg.window}, patch {cfg.patch}, img {cfg.img_size}, head {cfg.token_dim}->{cfg.head_hidden}->"
          f"{cfg.head_hidden}->{cfg.head_bottleneck}->{cfg.out_dim}, classes {cfg.classes}")

    student = S.SmitStudent(cfg).eval()
    student.load_state_dict(sw, strict=True)
    teacher = S.SmitTeacher(cfg).eval()
    teacher.load_state_dict({k: v for k, v in sw.items() if k != "transformer.mask_token"}, strict=True)
    seg = S.SmitSegmenter(cfg).eval()
    seg.load_state_dict(gw, strict=True)
    print("[PASS] strict load of student, teacher (student weights minus mask_token), segmenter")

    x, pm, tm = io["views"], io["patch_mask"], io["token_mask"]
    got = {}
    with torch.no_grad():
        s_cls, s_patch, rec, enc = student(x, pm)
        t_cls, t_patch = teacher(x)
        for i in range(4):
            got[f"encoder_out{i}"] = enc.outs[i]
        got["encoder_stage3_tokens"] = enc.stage3_tokens
        got["encoder_bottleneck"] = enc.bottleneck
        got.update(student_cls=s_cls, student_patch=s_patch, reconstruction=rec, teacher_cls=t_cls,
                   teacher_patch=t_patch)
        got["segmenter_logits"] = seg(x[:1])
        got["loss_mip"] = S.loss_mip(x, rec, pm, cfg.patch).reshape(1)
        for ep in (0, 45):
            zero = torch.zeros(1, 1, cfg.out_dim)          # centres start at zero for each epoch's check
            mpd, itd = S.distillation_losses(cfg, s_cls, s_patch, t_cls, t_patch, tm, zero, zero, ep)
            c1, c2 = S.update_centers(zero, zero, t_cls, t_patch, cfg.center_momentum)
            got[f"loss_mpd_epoch{ep}"] = mpd.reshape(1)
            got[f"loss_itd_epoch{ep}"] = itd.reshape(1)
            got[f"center_after_epoch{ep}"] = c1
            got[f"center2_after_epoch{ep}"] = c2

    inputs = {"views", "patch_mask", "token_mask"}
    missing = [k for k in io if k not in inputs and k not in got]
    if missing:
        ok = False
        print("[FAIL] outputs in io.safetensors not computed:", missing)
    print(f"{'output':26s} {'shape':>20s} {'max|diff|':>12s} {'rel':>10s}  tol")
    for k in io:
        if k in inputs or k not in got:
            continue
        ref, out = io[k].float(), got[k].float()
        if tuple(ref.shape) != tuple(out.shape):
            ok = False
            print(f"[FAIL] {k}: shape {tuple(out.shape)} != {tuple(ref.shape)}")
            continue
        d = (out - ref).abs().max().item()
        if k.startswith("loss_"):
            rel = d / max(abs(ref.item()), 1e-30)
            good = rel <= REL_TOL
            tol = f"rel<={REL_TOL:g}"
        else:
            rel = d / max(ref.abs().max().item(), 1e-30)
            good = d <= ABS_TOL
            tol = f"abs<={ABS_TOL:g}"
        ok &= good
        print(f"[{'PASS' if good else 'FAIL'}] {k:21s} {str(tuple(ref.shape)):>20s} {d:12.3e} {rel:10.2e}  {tol}"
              + (f"   value {ref.item():.7f}" if k.startswith("loss_") else ""))

    print("ALL PASS" if ok else "SOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
