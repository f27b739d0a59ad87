"""PyTorch baseline of the segment suite (bench/suites/segment.ts), on the twin
(twin/seg_twin.py, twin/sliding_window.py = MONAI's sliding_window_inference).

Inputs and initial weights are the ones our side wrote in its setup into
$SMIT_BENCH_SEGMENT_DIR (the harness runs ours first in every round and sets
the folder for both). After the timed iterations of a sliding-window
workload, the share of voxels whose label equals ours is printed on stderr.
"""
import atexit
import json
import os
import sys
import tempfile

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "twin"))
import smit_twin as S  # noqa: E402
import seg_twin  # noqa: E402

import benchlib  # noqa: E402

DIR = os.environ.get("SMIT_BENCH_SEGMENT_DIR") or os.path.join(tempfile.gettempdir(), "smit-bench-segment")
GB = 2 ** 30


def _input(name):
    path = os.path.join(DIR, name + ".safetensors")
    if not os.path.exists(path):
        sys.exit(f"segment.py: {path} is missing: our side writes it in its setup, so run this "
                 "through `npm run bench -- segment` (or set SMIT_BENCH_SEGMENT_DIR to where it was written)")
    return path


def _require_memory(need, what):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                available = int(line.split()[1]) * 1024
                if available < need:
                    sys.exit(f"segment.py: {what} needs ~{need / GB:.1f} GB, the machine has {available / GB:.1f} GB "
                             "available: fewer crops with --env SMIT_BENCH_SEGMENT_SAMPLES=N")
                return


def finetune_step():
    model, _ = seg_twin.load_segmenter(_input("finetune_weights"))
    case, meta = S.load_safetensors(_input("finetune_case"))
    samples = int(meta["samples"])
    _require_memory(samples * 5.5 * GB + GB, f"a fine-tuning step on {samples} crops of 96^3")
    step = seg_twin.FinetuneStep(model, case["image"], case["label"], json.loads(meta["crop"]), samples=samples,
                                 lr=float(meta["lr"]), weight_decay=float(meta["weight_decay"]))

    def run():
        loss = step()
        print(f"segment.py finetune_step: loss {loss:.4f}", file=sys.stderr, flush=True)
    return run


def _sliding(name):
    model, _ = seg_twin.load_segmenter(_input(name + "_weights"))
    scan, meta = S.load_safetensors(_input(name + "_scan"))
    w = json.loads(meta["window"])
    image = scan["image"]
    out = {}

    def run():
        out["labels"] = seg_twin.predict_labels(model, image, w["roi_size"], overlap=w["overlap"], mode=w["mode"],
                                                sw_batch_size=w["sw_batch_size"])

    def compare():
        path = os.path.join(DIR, name + "_ours_labels.safetensors")
        if "labels" not in out or not os.path.exists(path):
            return
        ours = S.load_safetensors(path)[0]["labels"]
        theirs = out["labels"]
        if ours.shape != theirs.shape:
            print(f"segment.py {name}: label maps differ in shape: ours {list(ours.shape)}, twin {list(theirs.shape)}",
                  file=sys.stderr, flush=True)
            return
        same = (ours == theirs).double().mean().item()
        print(f"segment.py {name}: {same * 100:.3f}% of {theirs.numel()} voxels have the same label as ours; "
              f"classes ours {torch.unique(ours).tolist()}, twin {torch.unique(theirs).tolist()}", file=sys.stderr, flush=True)
    atexit.register(compare)
    return run


def sliding_window_ct():
    return _sliding("sliding_window_ct")


def sliding_window_ct_bf16():
    """The float32 twin on the inputs of our bfloat16 workload: the label agreement printed is bf16 against fp32."""
    return _sliding("sliding_window_ct_bf16")


def sliding_window_ct_overlap025():
    """The official overlap 0.5 on the inputs of our overlap-0.25 workload (the window meta saved by our side is the official one)."""
    return _sliding("sliding_window_ct_overlap025")


def sliding_window_mri():
    return _sliding("sliding_window_mri")


if __name__ == "__main__":
    benchlib.main(globals())
