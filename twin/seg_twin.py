"""PyTorch twin of SMIT fine-tuning and segmentation (src/seg): the loss,
the training batch (label-balanced crops and augmentations), one fine-tuning
step, and sliding-window segmentation of a prepared scan with MONAI's
algorithm (twin/sliding_window.py).

Volumes are [C, X, Y, Z] like the TypeScript side (the networks read the
spatial axes as D, H, W; the order is the same), batches [N, C, X, Y, Z].
Run with Debian's /usr/bin/python3 (torch 1.13).
"""
import json
import os
import sys
from typing import Dict, List, Sequence, Tuple

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smit_twin as S  # noqa: E402
from sliding_window import sliding_window_inference  # noqa: E402


def config_from_ts(config: Dict) -> S.SmitConfig:
    """A twin config from our SmitConfig (camelCase JSON, as saveSegmenter and the bench write it)."""
    return S.SmitConfig(
        img_size=int(config["imgSize"][0]), in_chans=int(config["inChannels"]), embed_dim=int(config["embedDim"]),
        depths=tuple(config["depths"]), heads=tuple(config["heads"]), window=int(config["window"]),
        patch=int(config["patch"]), mlp_ratio=float(config["mlpRatio"]), drop_path_rate=float(config["dropPathRate"]),
        head_hidden=int(config["headHidden"]), head_bottleneck=int(config["headBottleneck"]),
        out_dim=int(config["outDim"]), classes=int(config["classes"]), feature_size=int(config["featureSize"]))


def load_segmenter(path: str) -> Tuple[S.SmitSegmenter, Dict]:
    """A segmenter from a safetensors state dict whose metadata holds `config` (our SmitConfig JSON)."""
    tensors, meta = S.load_safetensors(path)
    config = json.loads(meta["config"])
    model = S.SmitSegmenter(config_from_ts(config))
    model.load_state_dict(tensors, strict=True)
    return model, config


# ---------------------------------------------------------------------------
# loss: MONAI DiceCELoss(to_onehot_y=True, softmax=True, squared_pred=True, smooth_nr=0, smooth_dr=1e-6)
# ---------------------------------------------------------------------------
def dice_ce_loss(logits: torch.Tensor, labels: torch.Tensor, lambda_dice=1.0, lambda_ce=1.0,
                 smooth_nr=0.0, smooth_dr=1e-6) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """logits [B, K, ...], labels [B, 1, ...] class ids. Returns (loss, dice, ce)."""
    target = labels[:, 0].long()
    spatial = list(range(2, logits.dim()))
    p = logits.softmax(1)
    g = F.one_hot(target, logits.shape[1]).movedim(-1, 1).to(p.dtype)
    intersection = (p * g).sum(spatial)
    denominator = (g * g).sum(spatial) + (p * p).sum(spatial)
    dice = (1 - (2 * intersection + smooth_nr) / (denominator + smooth_dr)).mean()
    ce = F.cross_entropy(logits, target)
    return lambda_dice * dice + lambda_ce * ce, dice, ce


# ---------------------------------------------------------------------------
# the training batch: RandCropByPosNegLabel, RandRotate90, RandFlip, RandScale/ShiftIntensity
# ---------------------------------------------------------------------------
def balanced_crop_boxes(label: torch.Tensor, size: Sequence[int], samples: int, pos: float, neg: float,
                        g: torch.Generator) -> List[Tuple[int, int, int]]:
    """Starts of `samples` crops, each centred on a foreground voxel with probability pos/(pos+neg),
    else on background, shifted to stay inside (src/data/transforms/augment.ts balancedCropBoxes)."""
    spatial = label.shape[1:]
    flat = label[0].reshape(-1)
    fg = (flat > 0).nonzero().reshape(-1)
    bg = (flat <= 0).nonzero().reshape(-1)
    starts = []
    for _ in range(samples):
        want_fg = float(torch.rand((), generator=g)) < pos / (pos + neg)
        pool = fg if (want_fg and fg.numel() > 0) or bg.numel() == 0 else bg
        index = int(pool[int(torch.randint(pool.numel(), (), generator=g))])
        ny, nz = spatial[1], spatial[2]
        centre = (index // (ny * nz), (index // nz) % ny, index % nz)
        starts.append(tuple(min(max(0, c - s // 2), n - s) for c, s, n in zip(centre, size, spatial)))
    return starts


def augment(image: torch.Tensor, label: torch.Tensor, g: torch.Generator, rotate_prob=0.2, flip_prob=0.0,
            scale_prob=0.1, shift_prob=0.1) -> Tuple[torch.Tensor, torch.Tensor]:
    u = lambda: float(torch.rand((), generator=g))  # noqa: E731
    if u() < rotate_prob:
        k = 1 + int(torch.randint(3, (), generator=g))
        image, label = image.rot90(k, (1, 2)), label.rot90(k, (1, 2))
    axes = [a for a in (1, 2, 3) if u() < flip_prob]
    if axes:
        image, label = image.flip(axes), label.flip(axes)
    if u() < scale_prob:
        image = image * (1 + (u() * 0.2 - 0.1))
    if u() < shift_prob:
        image = image + (u() * 0.2 - 0.1)
    return image, label


def training_batch(image: torch.Tensor, label: torch.Tensor, crop: Sequence[int], samples: int,
                   g: torch.Generator, pos=1.0, neg=1.0) -> Tuple[torch.Tensor, torch.Tensor]:
    """`samples` augmented crops [n, 1, *crop] and their labels [n, 1, *crop] of one prepared case."""
    images, labels = [], []
    for s in balanced_crop_boxes(label, crop, samples, pos, neg, g):
        box = (slice(None),) + tuple(slice(a, a + c) for a, c in zip(s, crop))
        i, l = augment(image[box], label[box], g)
        images.append(i)
        labels.append(l)
    return torch.stack(images).contiguous(), torch.stack(labels).contiguous()


class FinetuneStep:
    """One SMIT fine-tuning step (src/seg/finetuner.ts trainStep): crops, Dice-CE, backward, AdamW."""

    def __init__(self, model: S.SmitSegmenter, image: torch.Tensor, label: torch.Tensor, crop: Sequence[int],
                 samples=4, lr=1e-4, weight_decay=1e-5, seed=0):
        self.model = model.train()
        self.image, self.label, self.crop, self.samples = image, label, list(crop), samples
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
        self.g = torch.Generator().manual_seed(seed)

    def __call__(self) -> float:
        images, labels = training_batch(self.image, self.label, self.crop, self.samples, self.g)
        loss, _, _ = dice_ce_loss(self.model(images), labels)
        value = float(loss)
        loss.backward()
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return value


# ---------------------------------------------------------------------------
# sliding-window segmentation of a prepared scan
# ---------------------------------------------------------------------------
@torch.no_grad()
def predict_labels(model: S.SmitSegmenter, image: torch.Tensor, roi_size: Sequence[int], overlap=0.5,
                   mode="constant", sw_batch_size=4) -> torch.Tensor:
    """uint8 labels [X, Y, Z] of a prepared image [1, X, Y, Z], as the official inference:
    MONAI sliding_window_inference with the model in eval mode, then argmax over classes."""
    was_training = model.training
    model.eval()
    try:
        logits = sliding_window_inference(image[None], list(roi_size), sw_batch_size, model, overlap=overlap, mode=mode)
        return logits[0].argmax(0).to(torch.uint8)
    finally:
        model.train(was_training)
