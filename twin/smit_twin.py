"""PyTorch twin of the SMIT networks (written from ../shared/SMIT-SPEC.md and
checked against ../shared/reference/fixture-tiny).

Layout conventions (see NOTES.md):
  * volumes are N x C x D x H x W (D = tensor dim 2, H = dim 3, W = dim 4);
  * token sequences are N x L x C with L = D*H*W flattened row-major
    (D slowest, W fastest), exactly x.flatten(2).transpose(1, 2).

Run with Debian's /usr/bin/python3 (torch 1.13).
"""
import json
import os
import math
import struct
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# ---------------------------------------------------------------------------
# safetensors reader / writer (json + numpy)
# ---------------------------------------------------------------------------
_DT = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64,
       "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}
_DT_INV = {np.dtype(v).str: k for k, v in _DT.items()}


def load_safetensors(path: str) -> Tuple[Dict[str, torch.Tensor], Dict[str, str]]:
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {}) or {}
    base = 8 + n
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        dt = np.dtype(_DT[info["dtype"]]).newbyteorder("<")
        arr = np.frombuffer(raw, dtype=dt, count=(e - b) // dt.itemsize, offset=base + b)
        out[name] = torch.from_numpy(arr.reshape(info["shape"]).astype(dt.newbyteorder("="), copy=True))
    return out, meta


def save_safetensors(path: str, tensors: Dict[str, torch.Tensor], metadata: Optional[Dict[str, str]] = None):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        a = t.detach().cpu().contiguous().numpy()
        a = a.astype(a.dtype.newbyteorder("<"), copy=False)
        key = np.dtype(a.dtype).newbyteorder("<").str
        dt = _DT_INV.get(key) or _DT_INV[np.dtype(a.dtype).str]
        b = a.tobytes()
        header[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


# ---------------------------------------------------------------------------
# configs
# ---------------------------------------------------------------------------
@dataclass
class SmitConfig:
    img_size: int = 96
    in_chans: int = 1
    embed_dim: int = 48
    depths: Tuple[int, ...] = (2, 2, 4, 2)
    heads: Tuple[int, ...] = (4, 4, 4, 4)
    window: int = 4
    patch: int = 2
    mlp_ratio: float = 4.0
    drop_path_rate: float = 0.3
    head_hidden: int = 2048
    head_bottleneck: int = 256
    out_dim: int = 8192
    classes: int = 14
    feature_size: int = 48      # segmenter decoder width == embed_dim in the reference
    # losses / schedules
    student_temp: float = 0.1
    warmup_teacher_temp: float = 0.04
    teacher_temp: float = 0.07
    warmup_teacher_temp_epochs: int = 30
    mim_start_epoch: int = 30    # patch temperature held at warm-up value this long
    lambda_mpd: float = 0.1
    lambda_itd: float = 0.1
    center_momentum: float = 0.9
    epochs: int = 100

    @property
    def num_features(self) -> int:          # bottleneck width 16C
        return self.embed_dim * 2 ** len(self.depths)

    @property
    def token_dim(self) -> int:             # distillation tokens width 8C
        return self.embed_dim * 2 ** (len(self.depths) - 1)

    @property
    def total_stride(self) -> int:          # 2 * 2^4 = 32
        return self.patch * 2 ** len(self.depths)


def config_small() -> SmitConfig:
    return SmitConfig()


def config_from_metadata(meta: Dict[str, str]) -> SmitConfig:
    return SmitConfig(
        img_size=int(meta["img_size"]), embed_dim=int(meta["embed_dim"]),
        depths=tuple(int(v) for v in meta["depths"].split(",")),
        heads=tuple(int(v) for v in meta["heads"].split(",")),
        window=int(meta["window"]), patch=int(meta["patch"]),
        head_hidden=int(meta["head_hidden"]), head_bottleneck=int(meta["head_bottleneck"]),
        out_dim=int(meta["out_dim"]), classes=int(meta["classes"]),
        feature_size=int(meta["embed_dim"]),
        student_temp=float(meta.get("student_temp", 0.1)),
        lambda_mpd=float(meta.get("lambda_mpd", 0.1)), lambda_itd=float(meta.get("lambda_itd", 0.1)),
        center_momentum=float(meta.get("center_momentum", 0.9)),
        epochs=int(meta.get("epochs", 100)),
    )


DEFAULT_FIXTURE = os.path.join(
    os.environ.get("SMIT_SHARED", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared")),
    "reference", "fixture-tiny")


def config_tiny(fixture_dir: str = DEFAULT_FIXTURE) -> SmitConfig:
    _, meta = load_safetensors(os.path.join(fixture_dir, "student.safetensors"))
    return config_from_metadata(meta)


# ---------------------------------------------------------------------------
# Swin building blocks
# ---------------------------------------------------------------------------
def drop_path(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    if p == 0.0 or not training:
        return x
    keep = 1.0 - p
    mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)
    return x * mask / keep


class DropPath(nn.Module):
    def __init__(self, p: float = 0.0):
        super().__init__()
        self.p = p

    def forward(self, x):
        return drop_path(x, self.p, self.training)


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


def relative_position_index(ws: int) -> torch.Tensor:
    """(ws^3, ws^3) int64: index into the (2ws-1)^3 table, d-major."""
    c = torch.stack(torch.meshgrid(torch.arange(ws), torch.arange(ws), torch.arange(ws), indexing="ij"))
    c = c.flatten(1)                                   # 3, N
    rel = (c[:, :, None] - c[:, None, :]).permute(1, 2, 0).contiguous() + (ws - 1)   # N, N, 3
    m = 2 * ws - 1
    return rel[..., 0] * m * m + rel[..., 1] * m + rel[..., 2]


def window_partition(x: torch.Tensor, ws: int) -> torch.Tensor:
    """B, D, H, W, C -> (B * nW, ws^3, C); windows ordered (b, d, h, w)."""
    B, D, H, W, C = x.shape
    x = x.view(B, D // ws, ws, H // ws, ws, W // ws, ws, C)
    return x.permute(0, 1, 3, 5, 2, 4, 6, 7).reshape(-1, ws * ws * ws, C)


def window_reverse(w: torch.Tensor, ws: int, B: int, D: int, H: int, W: int) -> torch.Tensor:
    """Reference-compatible window "reverse" (NOT the inverse of window_partition).

    The reference views the windows as (B, D/ws, H/ws, W/ws, ws, ws, ws, C) and
    applies the SAME permutation as window_partition, (0,1,3,5,2,4,6,7), giving
    (B, D/ws, W/ws, ws_h, H/ws, ws_d, ws_w, C) in memory, which is then viewed
    as (B, D, H, W, C).  This scrambles token positions inside every block;
    the fixture (official code) requires it.  See NOTES.md."""
    x = w.reshape(B, D // ws, H // ws, W // ws, ws, ws, ws, -1)
    return x.permute(0, 1, 3, 5, 2, 4, 6, 7).reshape(B, D, H, W, -1)


def window_reverse_true(w: torch.Tensor, ws: int, B: int, D: int, H: int, W: int) -> torch.Tensor:
    """The mathematically correct inverse of window_partition (not used by the reference)."""
    x = w.reshape(B, D // ws, H // ws, W // ws, ws, ws, ws, -1)
    return x.permute(0, 1, 4, 2, 5, 3, 6, 7).reshape(B, D, H, W, -1)


def shift_attention_mask(Dp: int, Hp: int, Wp: int, ws: int, shift: int, device=None) -> torch.Tensor:
    """(nW, ws^3, ws^3) float mask, 0 within a region, -100 across regions."""
    img = torch.zeros((1, Dp, Hp, Wp, 1), device=device)
    sl = (slice(0, -ws), slice(-ws, -shift), slice(-shift, None))
    cnt = 0
    for d in sl:
        for h in sl:
            for w in sl:
                img[:, d, h, w, :] = cnt
                cnt += 1
    mw = window_partition(img, ws).squeeze(-1)        # nW, N
    m = mw.unsqueeze(1) - mw.unsqueeze(2)
    return m.masked_fill(m != 0, -100.0).masked_fill(m == 0, 0.0)


class WindowAttention3D(nn.Module):
    def __init__(self, dim: int, heads: int, ws: int):
        super().__init__()
        self.dim, self.heads, self.ws = dim, heads, ws
        self.scale = (dim // heads) ** -0.5
        self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * ws - 1) ** 3, heads))
        self.register_buffer("relative_position_index", relative_position_index(ws))
        self.qkv = nn.Linear(dim, dim * 3, bias=False)
        self.proj = nn.Linear(dim, dim)
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor]) -> torch.Tensor:
        B_, N, C = x.shape
        qkv = self.qkv(x).reshape(B_, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = (q * self.scale) @ k.transpose(-2, -1)             # B_, h, N, N
        bias = self.relative_position_bias_table[self.relative_position_index[:N, :N].reshape(-1)]
        attn = attn + bias.reshape(N, N, -1).permute(2, 0, 1).unsqueeze(0)
        if mask is not None:
            nW = mask.shape[0]
            attn = attn.view(B_ // nW, nW, self.heads, N, N) + mask.unsqueeze(1).unsqueeze(0)
            attn = attn.view(-1, self.heads, N, N)
        attn = attn.softmax(dim=-1)
        x = (attn @ v).transpose(1, 2).reshape(B_, N, C)
        return self.proj(x)


class SwinBlock3D(nn.Module):
    def __init__(self, dim: int, heads: int, ws: int, shift: int, mlp_ratio: float, dpr: float):
        super().__init__()
        self.ws, self.shift = ws, shift
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention3D(dim, heads, ws)
        self.drop_path = DropPath(dpr)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: torch.Tensor, D: int, H: int, W: int, attn_mask: Optional[torch.Tensor]) -> torch.Tensor:
        B, L, C = x.shape
        ws, s = self.ws, self.shift
        shortcut = x
        x = self.norm1(x).view(B, D, H, W, C)
        pd, ph, pw = (-D) % ws, (-H) % ws, (-W) % ws
        x = F.pad(x, (0, 0, 0, pw, 0, ph, 0, pd))       # pad at the end of each axis (zeros after norm1)
        _, Dp, Hp, Wp, _ = x.shape
        if s > 0:
            x = torch.roll(x, shifts=(-s, -s, -s), dims=(1, 2, 3))
            mask = attn_mask
        else:
            mask = None
        w = self.attn(window_partition(x, ws), mask)
        x = window_reverse(w, ws, B, Dp, Hp, Wp)
        if s > 0:
            x = torch.roll(x, shifts=(s, s, s), dims=(1, 2, 3))
        x = x[:, :D, :H, :W, :].reshape(B, L, C)
        x = shortcut + self.drop_path(x)
        return x + self.drop_path(self.mlp(self.norm2(x)))


# order of the 8 sub-voxels (d, h, w offsets) concatenated by patch merging
MERGE_ORDER = ((0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (0, 1, 1), (1, 0, 1), (1, 1, 1))


class PatchMerging3D(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.reduction = nn.Linear(8 * dim, 2 * dim, bias=False)   # registered first (state-dict order)
        self.norm = nn.LayerNorm(8 * dim)

    def forward(self, x: torch.Tensor, D: int, H: int, W: int):
        B, L, C = x.shape
        x = x.view(B, D, H, W, C)
        x = F.pad(x, (0, 0, 0, W % 2, 0, H % 2, 0, D % 2))
        x = torch.cat([x[:, a::2, b::2, c::2, :] for (a, b, c) in MERGE_ORDER], dim=-1)
        D2, H2, W2 = x.shape[1:4]
        x = x.reshape(B, -1, 8 * C)
        return self.reduction(self.norm(x)), D2, H2, W2


class BasicLayer3D(nn.Module):
    def __init__(self, dim: int, depth: int, heads: int, ws: int, mlp_ratio: float, dprs: Sequence[float]):
        super().__init__()
        self.ws, self.shift = ws, ws // 2
        self.blocks = nn.ModuleList([
            SwinBlock3D(dim, heads, ws, 0 if i % 2 == 0 else ws // 2, mlp_ratio, dprs[i]) for i in range(depth)])
        self.downsample = PatchMerging3D(dim)

    def forward(self, x, D, H, W):
        ws = self.ws
        Dp, Hp, Wp = [int(math.ceil(n / ws)) * ws for n in (D, H, W)]
        mask = shift_attention_mask(Dp, Hp, Wp, ws, self.shift, x.device).to(x.dtype)
        for blk in self.blocks:
            x = blk(x, D, H, W, mask)
        xd, D2, H2, W2 = self.downsample(x, D, H, W)
        return x, xd, D2, H2, W2


class PatchEmbed3D(nn.Module):
    def __init__(self, in_chans: int, dim: int, patch: int):
        super().__init__()
        self.patch = patch
        self.proj = nn.Conv3d(in_chans, dim, kernel_size=patch, stride=patch)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        p = self.patch
        D, H, W = x.shape[2:]
        x = F.pad(x, (0, (-W) % p, 0, (-H) % p, 0, (-D) % p))
        x = self.proj(x)                                 # B C D H W
        D, H, W = x.shape[2:]
        x = self.norm(x.flatten(2).transpose(1, 2))      # B L C
        return x, D, H, W


@dataclass
class EncoderOutput:
    outs: List[torch.Tensor]          # norm_i(stage i output) as N x C x D x H x W
    stage3_tokens: torch.Tensor       # tokens after the third merging, B x L3 x 8C (not normalised)
    bottleneck: torch.Tensor          # tokens after the fourth merging, B x L4 x 16C (not normalised)
    grid3: Tuple[int, int, int]
    grid4: Tuple[int, int, int]


class SwinEncoder3D(nn.Module):
    def __init__(self, cfg: SmitConfig, mask_token: bool = False):
        super().__init__()
        self.cfg = cfg
        C = cfg.embed_dim
        self.patch_embed = PatchEmbed3D(cfg.in_chans, C, cfg.patch)
        if mask_token:
            self.mask_token = nn.Parameter(torch.zeros(1, 1, C))   # zero-initialised (fixture value: all 0)
        else:
            self.mask_token = None
        dpr = torch.linspace(0, cfg.drop_path_rate, sum(cfg.depths)).tolist()
        self.layers = nn.ModuleList()
        k = 0
        for i, d in enumerate(cfg.depths):
            self.layers.append(BasicLayer3D(C * 2 ** i, d, cfg.heads[i], cfg.window, cfg.mlp_ratio, dpr[k:k + d]))
            k += d
        for i in range(len(cfg.depths)):
            self.add_module(f"norm{i}", nn.LayerNorm(C * 2 ** i))
        self.apply(_init_weights)

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None) -> EncoderOutput:
        """x: B x 1 x D x H x W; mask: B x D/2 x H/2 x W/2 (1 = masked) or None."""
        x, D, H, W = self.patch_embed(x)
        if mask is not None:
            assert self.mask_token is not None
            m = mask.reshape(x.shape[0], -1, 1).to(x.dtype)
            x = x * (1.0 - m) + self.mask_token.to(x.dtype) * m
        outs, grids = [], []
        for i, layer in enumerate(self.layers):
            xo, x, D2, H2, W2 = layer(x, D, H, W)
            xo = getattr(self, f"norm{i}")(xo)
            outs.append(xo.view(xo.shape[0], D, H, W, -1).permute(0, 4, 1, 2, 3).contiguous())
            D, H, W = D2, H2, W2
            grids.append((D, H, W))
            if i == len(self.layers) - 2:
                stage3 = x
        return EncoderOutput(outs, stage3, x, grids[-2], grids[-1])


def _init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.trunc_normal_(m.weight, std=0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.LayerNorm):
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)


# ---------------------------------------------------------------------------
# heads
# ---------------------------------------------------------------------------
class WeightNormLinear(nn.Module):
    """weight = g * v / ||v||_row (torch.nn.utils.weight_norm, dim=0), no bias.

    `as_buffers` reproduces the reference state dict, where last_layer2's
    weight_g / weight_v are buffers (not parameters)."""

    def __init__(self, inp: int, out: int, as_buffers: bool = False):
        super().__init__()
        v = torch.empty(out, inp)
        nn.init.trunc_normal_(v, std=0.02)
        g = torch.ones(out, 1)
        if as_buffers:
            self.register_buffer("weight_g", g)
            self.register_buffer("weight_v", v)
        else:
            self.weight_g = nn.Parameter(g, requires_grad=False)   # norm fixed at 1
            self.weight_v = nn.Parameter(v)

    def weight(self):
        return self.weight_g * self.weight_v / self.weight_v.norm(dim=1, keepdim=True)

    def forward(self, x):
        return F.linear(x, self.weight())


class IBOTHead(nn.Module):
    def __init__(self, inp: int, hidden: int, bottleneck: int, out: int):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(inp, hidden), nn.GELU(), nn.Linear(hidden, hidden), nn.GELU(),
                                 nn.Linear(hidden, bottleneck))
        self.last_layer = WeightNormLinear(bottleneck, out)
        self.last_layer2 = WeightNormLinear(bottleneck, out, as_buffers=True)
        self.mlp.apply(_init_weights)

    def forward(self, x):
        x = F.normalize(self.mlp(x), dim=-1, p=2)
        return self.last_layer2(x)


def pixel_shuffle_3d(x: torch.Tensor, r: int) -> torch.Tensor:
    """B x (C r^3) x D x H x W -> B x C x rD x rH x rW; channel = ((c*r + i)*r + j)*r + k
    goes to voxel (d*r + i, h*r + j, w*r + k)."""
    B, Cr, D, H, W = x.shape
    C = Cr // (r ** 3)
    x = x.view(B, C, r, r, r, D, H, W).permute(0, 1, 5, 2, 6, 3, 7, 4)
    return x.reshape(B, C, D * r, H * r, W * r)


class _SmitBase(nn.Module):
    def __init__(self, cfg: SmitConfig, student: bool):
        super().__init__()
        self.cfg = cfg
        self.transformer = SwinEncoder3D(cfg, mask_token=student)
        td = cfg.token_dim
        r = cfg.total_stride
        self.decoder1 = nn.Conv3d(cfg.num_features, r ** 3 * cfg.in_chans, kernel_size=1)
        self.norm = nn.LayerNorm(td, eps=1e-6)
        self.head_group = IBOTHead(td, cfg.head_hidden, cfg.head_bottleneck, cfg.out_dim)
        self.head_cls = IBOTHead(td, cfg.head_hidden, cfg.head_bottleneck, cfg.out_dim)

    def encode(self, x, mask=None):
        enc = self.transformer(x, mask)
        t = self.norm(enc.stage3_tokens)                 # B, L3, 8C
        g = t.mean(dim=1, keepdim=True)                  # B, 1, 8C
        return enc, self.head_cls(g), self.head_group(t)

    def reconstruct(self, enc: EncoderOutput) -> torch.Tensor:
        b = enc.bottleneck
        D, H, W = enc.grid4
        z = b.transpose(1, 2).reshape(b.shape[0], -1, D, H, W)
        return pixel_shuffle_3d(self.decoder1(z), self.cfg.total_stride)


class SmitStudent(_SmitBase):
    def __init__(self, cfg: SmitConfig):
        super().__init__(cfg, student=True)

    def forward(self, x, mask=None):
        """returns (cls logits B x 1 x K, patch logits B x L3 x K, reconstruction B x 1 x D x H x W, encoder output)"""
        enc, cls, patch = self.encode(x, mask)
        return cls, patch, self.reconstruct(enc), enc


class SmitTeacher(_SmitBase):
    def __init__(self, cfg: SmitConfig):
        super().__init__(cfg, student=False)

    def forward(self, x):
        enc, cls, patch = self.encode(x, None)
        return cls, patch


# ---------------------------------------------------------------------------
# segmenter (SwinUNETR / UNETR style decoder, MONAI UnetResBlock / UnetrUpBlock)
# ---------------------------------------------------------------------------
class _Conv(nn.Module):
    def __init__(self, cin, cout, k, transposed=False, bias=False):
        super().__init__()
        if transposed:
            self.conv = nn.ConvTranspose3d(cin, cout, kernel_size=k, stride=k, bias=bias)
        else:
            self.conv = nn.Conv3d(cin, cout, kernel_size=k, stride=1, padding=k // 2, bias=bias)

    def forward(self, x):
        return self.conv(x)


class UnetResBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = _Conv(cin, cout, 3)
        self.conv2 = _Conv(cout, cout, 3)
        self.has_shortcut = cin != cout
        if self.has_shortcut:
            self.conv3 = _Conv(cin, cout, 1)

    def forward(self, x):
        y = F.leaky_relu(F.instance_norm(self.conv1(x), eps=1e-5), 0.01)
        y = F.instance_norm(self.conv2(y), eps=1e-5)
        r = F.instance_norm(self.conv3(x), eps=1e-5) if self.has_shortcut else x
        return F.leaky_relu(y + r, 0.01)


class UnetrBasicBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.layer = UnetResBlock(cin, cout)

    def forward(self, x):
        return self.layer(x)


class UnetrUpBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.transp_conv = _Conv(cin, cout, 2, transposed=True)
        self.conv_block = UnetResBlock(2 * cout, cout)

    def forward(self, x, skip):
        return self.conv_block(torch.cat([self.transp_conv(x), skip], dim=1))


class UnetOutBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = _Conv(cin, cout, 1, bias=True)

    def forward(self, x):
        return self.conv(x)


class SmitSegmenter(nn.Module):
    def __init__(self, cfg: SmitConfig):
        super().__init__()
        self.cfg = cfg
        f = cfg.feature_size
        C = cfg.embed_dim
        self.transformer = SwinEncoder3D(cfg, mask_token=False)
        self.encoder1 = UnetrBasicBlock(cfg.in_chans, f)
        self.encoder2 = UnetrBasicBlock(C, f)
        self.encoder3 = UnetrBasicBlock(2 * C, 2 * f)
        self.encoder4 = UnetrBasicBlock(4 * C, 4 * f)
        self.encoder10 = UnetrBasicBlock(16 * C, 16 * f)
        self.decoder5 = UnetrUpBlock(16 * f, 8 * f)
        self.decoder4 = UnetrUpBlock(8 * f, 4 * f)
        self.decoder3 = UnetrUpBlock(4 * f, 2 * f)
        self.decoder2 = UnetrUpBlock(2 * f, f)
        self.decoder1 = UnetrUpBlock(f, f)
        self.out = UnetOutBlock(f, cfg.classes)

    def forward(self, x):
        enc = self.transformer(x, None)
        o0, o1, o2, o3 = enc.outs
        b = enc.bottleneck
        D, H, W = enc.grid4
        b = b.transpose(1, 2).reshape(b.shape[0], -1, D, H, W)
        enc0 = self.encoder1(x)
        enc1 = self.encoder2(o0)
        enc2 = self.encoder3(o1)
        enc3 = self.encoder4(o2)
        dec4 = self.encoder10(b)
        dec3 = self.decoder5(dec4, o3)
        dec2 = self.decoder4(dec3, enc3)
        dec1 = self.decoder3(dec2, enc2)
        dec0 = self.decoder2(dec1, enc1)
        out = self.decoder1(dec0, enc0)
        return self.out(out)


# ---------------------------------------------------------------------------
# losses and schedules
# ---------------------------------------------------------------------------
def upsample_token_mask(mask: torch.Tensor, factor: int) -> torch.Tensor:
    """B x d x h x w -> B x 1 x fd x fh x fw (nearest, each token covers f^3 voxels)."""
    m = mask
    for dim in (1, 2, 3):
        m = m.repeat_interleave(factor, dim=dim)
    return m.unsqueeze(1)


def loss_mip(x: torch.Tensor, x_rec: torch.Tensor, patch_mask: torch.Tensor, patch: int = 2) -> torch.Tensor:
    """SimMIM: sum |x_rec - x| over masked voxels / (number of masked voxels + 1e-5) / in_chans."""
    m = upsample_token_mask(patch_mask, patch).to(x.dtype)
    l1 = (x_rec - x).abs()
    return (l1 * m).sum() / (m.sum() + 1e-5) / x.shape[1]


def teacher_temp_schedule(cfg: SmitConfig) -> np.ndarray:
    """ITD teacher temperature per epoch: linspace(0.04, 0.07, 30) then 0.07."""
    return np.concatenate((np.linspace(cfg.warmup_teacher_temp, cfg.teacher_temp, cfg.warmup_teacher_temp_epochs),
                           np.ones(cfg.epochs - cfg.warmup_teacher_temp_epochs) * cfg.teacher_temp))


def teacher_patch_temp_schedule(cfg: SmitConfig) -> np.ndarray:
    """MPD teacher temperature per epoch: 0.04 for 30 epochs, linspace(0.04, 0.07, 30), then 0.07."""
    return np.concatenate((np.ones(cfg.mim_start_epoch) * cfg.warmup_teacher_temp,
                           np.linspace(cfg.warmup_teacher_temp, cfg.teacher_temp, cfg.warmup_teacher_temp_epochs),
                           np.ones(cfg.epochs - cfg.warmup_teacher_temp_epochs - cfg.mim_start_epoch)
                           * cfg.teacher_temp))


def distillation_losses(cfg: SmitConfig, student_cls, student_patch, teacher_cls, teacher_patch,
                        token_mask, center_cls, center_patch, epoch: int, n_views: int = 2):
    """Returns (loss_mpd, loss_itd) (weights applied).  The batch is n_views chunks
    (torch.chunk along dim 0: chunk v = view v of every volume).  token_mask: B x d x h x w
    (the student's mask at distillation-token level, row j belongs to batch row j)."""
    t_itd = float(teacher_temp_schedule(cfg)[epoch])
    t_mpd = float(teacher_patch_temp_schedule(cfg)[epoch])
    s_cls = (student_cls / cfg.student_temp).chunk(n_views)
    s_patch = (student_patch / cfg.student_temp).chunk(n_views)
    t_cls = F.softmax((teacher_cls - center_cls) / t_itd, dim=-1).detach().chunk(n_views)
    t_patch = F.softmax((teacher_patch - center_patch) / t_mpd, dim=-1).detach().chunk(n_views)
    masks = token_mask.flatten(1).to(student_patch.dtype).chunk(n_views)
    itd, n_itd, mpd, n_mpd = 0.0, 0, 0.0, 0
    for q in range(n_views):
        for v in range(n_views):
            if q == v:
                l = torch.sum(-t_patch[q] * F.log_softmax(s_patch[v], dim=-1), dim=-1)   # b, L
                m = masks[v]
                l = torch.sum(l * m, dim=-1) / m.sum(dim=-1).clamp(min=1.0)
                mpd = mpd + l.mean()
                n_mpd += 1
            else:
                l = torch.sum(-t_cls[q] * F.log_softmax(s_cls[v], dim=-1), dim=-1)
                itd = itd + l.mean()
                n_itd += 1
    return mpd / n_mpd * cfg.lambda_mpd, itd / n_itd * cfg.lambda_itd


@torch.no_grad()
def update_centers(center_cls, center_patch, teacher_cls, teacher_patch, momentum: float = 0.9):
    """c = m*c + (1-m)*batch mean.  cls: mean over batch of teacher_cls (B x 1 x K);
    patch: mean over batch of (mean over tokens of teacher_patch)."""
    cls_mean = teacher_cls.sum(dim=0, keepdim=True) / teacher_cls.shape[0]             # 1 x 1 x K
    patch_mean = teacher_patch.mean(dim=1).sum(dim=0, keepdim=True) / teacher_patch.shape[0]  # 1 x K
    new_cls = center_cls * momentum + cls_mean * (1 - momentum)
    new_patch = center_patch * momentum + patch_mean.view(center_patch.shape) * (1 - momentum)
    return new_cls, new_patch


def total_loss(l_mip, l_mpd_weighted, l_itd_weighted):
    """L = L_MIP + 0.1 L_MPD + 0.1 L_ITD (the 0.1 weights are already inside the distillation terms)."""
    return l_mip + l_mpd_weighted + l_itd_weighted


def teacher_momentum(global_step: int, total_steps: int, base: float = 0.996, final: float = 1.0) -> float:
    """EMA momentum, cosine from base to final over all iterations, indexed by the GLOBAL step
    (project choice; the official code indexes by the step within the epoch)."""
    return final - (final - base) * (math.cos(math.pi * global_step / total_steps) + 1) / 2


@torch.no_grad()
def ema_update(teacher: nn.Module, student: nn.Module, m: float):
    """teacher_param = m * teacher_param + (1 - m) * student_param, matched by name (the
    student's extra transformer.mask_token is skipped).  Buffers (relative_position_index and
    the heads' last_layer2 weight_g / weight_v) are not touched: they stay as initialised."""
    sp = dict(student.named_parameters())
    for n, p in teacher.named_parameters():
        p.mul_(m).add_(sp[n].detach(), alpha=1 - m)


def cosine_lr(epoch_float: float, base_lr: float, warmup_epochs: int = 20, epochs: int = 500) -> float:
    """Linear warm-up then cosine to 0 (lr = 1e-4 x batch size in the reference)."""
    if epoch_float < warmup_epochs:
        return base_lr * epoch_float / warmup_epochs
    t = (epoch_float - warmup_epochs) / max(1e-12, epochs - warmup_epochs)
    return base_lr * 0.5 * (1 + math.cos(math.pi * min(1.0, t)))


def pretrain_step(student: "SmitStudent", teacher: "SmitTeacher", views: torch.Tensor, patch_mask: torch.Tensor,
                  token_mask: torch.Tensor, center_cls, center_patch, epoch: int, cfg: SmitConfig):
    """One SMIT loss evaluation.  views: (2B) x 1 x D x H x W, the first B rows view u of each volume,
    the next B rows view v (the 2 chunks).  patch_mask: (2B) x D/2 x H/2 x W/2 (student mask, row
    j for view row j); token_mask: the same mask at distillation-token level.
    Returns (loss, parts dict, new centres)."""
    s_cls, s_patch, rec, _ = student(views, patch_mask)
    with torch.no_grad():
        t_cls, t_patch = teacher(views)
    l_mip = loss_mip(views, rec, patch_mask, cfg.patch)
    l_mpd, l_itd = distillation_losses(cfg, s_cls, s_patch, t_cls, t_patch, token_mask, center_cls, center_patch,
                                       epoch)
    c1, c2 = update_centers(center_cls, center_patch, t_cls, t_patch, cfg.center_momentum)
    loss = total_loss(l_mip, l_mpd, l_itd)
    return loss, {"mip": l_mip, "mpd": l_mpd, "itd": l_itd}, (c1, c2)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def state_dict_table(module: nn.Module) -> List[Tuple[str, str, str]]:
    params = {n for n, _ in module.named_parameters()}
    rows = []
    for k, v in module.state_dict().items():
        rows.append((k, "x".join(str(s) for s in v.shape), "param" if k in params else "buffer"))
    return rows


def count_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
