"""Baselines of the data suite (bench/suites/data.ts): load .nii.gz, reorient
to RAS (as_closest_canonical), trilinear to 1.5x1.5x2 mm, normalise.

Two of each: nibabel + scipy.ndimage (order-1 zoom, numpy), and the torch twin
of the official pipeline, whose MONAI transforms resample and normalise torch
tensors in a process that has torch loaded (nibabel load, then
F.interpolate(trilinear, align_corners=False) to MONAI Spacingd's size)."""
import os

import nibabel as nib
import numpy as np
from scipy import ndimage

import benchlib

DATA = os.path.abspath(os.environ.get("SMIT_SHARED_DATA", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data")))
CT = os.path.join(DATA, "totalseg-ct", "ct_abdomen_pelvis_3mm.nii.gz")
MRIS = [os.path.join(DATA, "chaos-mr-t2", f"image_{i}.nii.gz") for i in (1, 5, 8, 10, 13, 15, 19, 21, 22, 31, 32, 36, 37, 38, 39)]
TARGET = (1.5, 1.5, 2.0)  # x, y, z


def _load_ras_float32(path):
    """The volume in RAS as float32, and its voxel spacing (x, y, z)."""
    img = nib.as_closest_canonical(nib.load(path))
    return np.asarray(img.dataobj, dtype=np.float32), img.header.get_zooms()[:3]


def _preprocess(path, kind):
    data, zooms = _load_ras_float32(path)
    out = ndimage.zoom(data, [z / t for z, t in zip(zooms, TARGET)], order=1)
    if kind == "ct":
        out = np.clip((out + 175.0) / 425.0, 0.0, 1.0)
    else:
        out = (out - out.mean()) / out.std()
    return float(out.sum())


def _preprocess_torch(path, kind):
    import torch
    import torch.nn.functional as F

    data, zooms = _load_ras_float32(path)
    size = [max(1, round(n * z / t)) for n, z, t in zip(data.shape, zooms, TARGET)]
    with torch.no_grad():
        out = F.interpolate(torch.from_numpy(data)[None, None], size=size, mode="trilinear", align_corners=False)[0]
        del data
        if kind == "ct":
            out = out.add_(175.0).div_(425.0).clamp_(0.0, 1.0)
        else:
            out = out.sub_(out.mean()).div_(out.std(unbiased=False))
        return float(out.sum())


def ct_preprocess():
    return lambda: _preprocess(CT, "ct")


def mri15_preprocess():
    def run():
        for p in MRIS:
            _preprocess(p, "mri")
    return run


def ct_preprocess_torch():
    import torch  # noqa: F401  loaded before the RSS is read, as in any torch pipeline
    return lambda: _preprocess_torch(CT, "ct")


def mri15_preprocess_torch():
    import torch  # noqa: F401

    def run():
        for p in MRIS:
            _preprocess_torch(p, "mri")
    return run


if __name__ == "__main__":
    benchlib.main(globals())
