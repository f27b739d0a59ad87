"""nibabel + scipy.ndimage baselines of the data suite (bench/suites/data.ts):
load .nii.gz, reorient to RAS (as_closest_canonical), trilinear (order 1)
zoom to 1.5x1.5x2 mm, normalise."""
import os

import nibabel as nib
import numpy as np
from scipy import ndimage

import benchlib

DATA = os.path.abspath(os.environ.get("SMIT_SHARED_DATA", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data")))
CT = os.path.join(DATA, "totalseg-ct", "ct_abdomen_pelvis_3mm.nii.gz")
MRIS = [os.path.join(DATA, "chaos-mr-t2", f"image_{i}.nii.gz") for i in (1, 5, 8, 10, 13, 15, 19, 21, 22, 31, 32, 36, 37, 38, 39)]
TARGET = (1.5, 1.5, 2.0)  # x, y, z


def _preprocess(path, kind):
    img = nib.as_closest_canonical(nib.load(path))
    data = np.asarray(img.dataobj, dtype=np.float32)
    zooms = img.header.get_zooms()[:3]
    out = ndimage.zoom(data, [z / t for z, t in zip(zooms, TARGET)], order=1)
    if kind == "ct":
        out = np.clip((out + 175.0) / 425.0, 0.0, 1.0)
    else:
        out = (out - out.mean()) / out.std()
    return float(out.sum())


def ct_preprocess():
    return lambda: _preprocess(CT, "ct")


def mri15_preprocess():
    def run():
        for p in MRIS:
            _preprocess(p, "mri")
    return run


if __name__ == "__main__":
    benchlib.main(globals())
