"""PyTorch twin of src/seg/inferer/sliding_window.ts: MONAI's
sliding_window_inference (monai/inferers/utils.py, dense_patch_slices,
_get_scan_interval and compute_importance_map in monai/data/utils.py) in plain
torch, computed the way MONAI computes it, for N-D inputs N x C x *spatial.

    /usr/bin/python3 twin/sliding_window.py IN.safetensors OUT.safetensors

IN holds the images and a Conv3d predictor (`weight` K x C x 3 x 3 x 3,
`bias` K; padding 1) and, in its metadata, `cases`: a JSON list of
{"image": key, "roi_size": [..], "overlap": f, "mode": "constant"|"gaussian",
"sw_batch_size": n, "sigma_scale": f (optional)}. OUT gets `out<i>` per case.
"""
import json
import math
import os
import sys
from typing import Callable, List, Sequence, Tuple

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smit_twin import load_safetensors, save_safetensors  # noqa: E402


def get_scan_interval(image_size: Sequence[int], roi_size: Sequence[int], overlap: Sequence[float]) -> Tuple[int, ...]:
    scan_interval = []
    for i, o in enumerate(overlap):
        if roi_size[i] == image_size[i]:
            scan_interval.append(int(roi_size[i]))
        else:
            interval = int(roi_size[i] * (1 - o))
            scan_interval.append(interval if interval > 0 else 1)
    return tuple(scan_interval)


def dense_patch_slices(image_size: Sequence[int], patch_size: Sequence[int], scan_interval: Sequence[int]) -> List[Tuple[slice, ...]]:
    ndim = len(image_size)
    patch_size = tuple(min(ms, ps or ms) for ms, ps in zip(image_size, patch_size))
    scan_num = []
    for i in range(ndim):
        if scan_interval[i] == 0:
            scan_num.append(1)
        else:
            num = int(math.ceil(float(image_size[i]) / scan_interval[i]))
            scan_dim = next((d for d in range(num) if d * scan_interval[i] + patch_size[i] >= image_size[i]), None)
            scan_num.append(scan_dim + 1 if scan_dim is not None else 1)
    starts = []
    for dim in range(ndim):
        dim_starts = []
        for idx in range(scan_num[dim]):
            start_idx = idx * scan_interval[dim]
            start_idx -= max(start_idx + patch_size[dim] - image_size[dim], 0)
            dim_starts.append(start_idx)
        starts.append(dim_starts)
    grids = torch.meshgrid(*[torch.tensor(s) for s in starts], indexing="ij")
    corners = torch.stack([g.flatten() for g in grids], dim=1).tolist()
    return [tuple(slice(s, s + patch_size[d]) for d, s in enumerate(c)) for c in corners]


def compute_importance_map(patch_size: Sequence[int], mode: str = "constant", sigma_scale=0.125) -> torch.Tensor:
    if mode == "constant":
        importance_map = torch.ones(patch_size, dtype=torch.float)
    elif mode == "gaussian":
        if not isinstance(sigma_scale, (list, tuple)):
            sigma_scale = [sigma_scale] * len(patch_size)
        sigmas = [i * s for i, s in zip(patch_size, sigma_scale)]
        for i in range(len(patch_size)):
            x = torch.arange(start=-(patch_size[i] - 1) / 2.0, end=(patch_size[i] - 1) / 2.0 + 1, dtype=torch.float)
            x = torch.exp(x ** 2 / (-2 * sigmas[i] ** 2))
            importance_map = importance_map.unsqueeze(-1) * x[(None,) * i] if i > 0 else x
    else:
        raise ValueError(f"unsupported mode {mode}")
    min_non_zero = max(torch.min(importance_map).item(), 1e-3)
    return torch.clamp_(importance_map.to(torch.float), min=min_non_zero)


def sliding_window_inference(inputs: torch.Tensor, roi_size: Sequence[int], sw_batch_size: int,
                             predictor: Callable[[torch.Tensor], torch.Tensor], overlap=0.25,
                             mode: str = "constant", sigma_scale=0.125, cval: float = 0.0) -> torch.Tensor:
    num_spatial_dims = inputs.dim() - 2
    if not isinstance(overlap, (list, tuple)):
        overlap = [overlap] * num_spatial_dims
    for o in overlap:
        if o < 0 or o >= 1:
            raise ValueError(f"overlap must be >= 0 and < 1, got {overlap}.")
    batch_size, _, *image_size_ = inputs.shape
    roi_size = list(roi_size)

    image_size = tuple(max(image_size_[i], roi_size[i]) for i in range(num_spatial_dims))
    pad_size = []
    for k in range(inputs.dim() - 1, 1, -1):
        diff = max(roi_size[k - 2] - inputs.shape[k], 0)
        half = diff // 2
        pad_size.extend([half, diff - half])
    if any(pad_size):
        inputs = F.pad(inputs, pad=pad_size, mode="constant", value=cval)

    scan_interval = get_scan_interval(image_size, roi_size, overlap)
    slices = dense_patch_slices(image_size, roi_size, scan_interval)
    num_win = len(slices)
    total_slices = num_win * batch_size

    importance_map = compute_importance_map(roi_size, mode, sigma_scale)[None, None]

    output_image, count_map = None, None
    for slice_g in range(0, total_slices, sw_batch_size):
        slice_range = range(slice_g, min(slice_g + sw_batch_size, total_slices))
        unravel_slice = [[slice(idx // num_win, idx // num_win + 1), slice(None)] + list(slices[idx % num_win])
                         for idx in slice_range]
        win_data = torch.cat([inputs[tuple(s)] for s in unravel_slice])
        seg_prob = predictor(win_data)
        if output_image is None:
            output_image = torch.zeros([batch_size, seg_prob.shape[1], *image_size], dtype=inputs.dtype)
            count_map = torch.zeros([1, 1, *image_size], dtype=inputs.dtype)
            for s in slices:
                count_map[(slice(None), slice(None), *s)] += importance_map
        seg_prob = seg_prob * importance_map
        for idx, p in zip(unravel_slice, seg_prob):
            output_image[tuple(idx)] += p
    output_image /= count_map

    if any(pad_size):
        crop = []
        for sp in range(num_spatial_dims):
            si = num_spatial_dims - sp - 1
            crop.insert(0, slice(pad_size[sp * 2], pad_size[sp * 2] + image_size_[si]))
        output_image = output_image[(slice(None), slice(None), *crop)]
    return output_image


def main(argv: List[str]) -> None:
    tensors, meta = load_safetensors(argv[1])
    weight, bias = tensors["weight"], tensors["bias"]

    def predictor(x: torch.Tensor) -> torch.Tensor:
        return F.conv3d(x, weight, bias, padding=1)

    out = {}
    with torch.no_grad():
        for i, case in enumerate(json.loads(meta["cases"])):
            image = tensors[case["image"]]
            if image.dim() == 4:
                image = image[None]
            out["out%d" % i] = sliding_window_inference(
                image, case["roi_size"], case["sw_batch_size"], predictor, overlap=case["overlap"],
                mode=case["mode"], sigma_scale=case.get("sigma_scale", 0.125)).contiguous()
    save_safetensors(argv[2], out)


if __name__ == "__main__":
    main(sys.argv)
