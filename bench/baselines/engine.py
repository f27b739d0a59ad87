"""PyTorch baselines of the engine suite (bench/suites/engine.ts): the same
computations, shapes and dtypes (float32), run by Debian's torch 1.13."""
import torch
import torch.nn.functional as F

import benchlib


def matmul():
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    return lambda: torch.matmul(a, b)


def bmm():
    a, b = torch.randn(2048, 64, 32), torch.randn(2048, 32, 64)
    return lambda: torch.matmul(a, b)


def conv3d():
    x = torch.randn(1, 48, 48, 48, 48, requires_grad=True)
    w = (torch.randn(48, 48, 3, 3, 3) * 0.05).requires_grad_()
    b = torch.zeros(48, requires_grad=True)

    def run():
        y = F.conv3d(x, w, b, padding=1)
        y.sum().backward()
        x.grad = w.grad = b.grad = None
    return run


# --- one Swin block (3D, window 4³, no shift), as in bench/suites/engine.ts ---
SWIN_SIDE, SWIN_DIM, SWIN_HEADS, SWIN_WS, SWIN_MLP = 24, 96, 4, 4, 384


def relative_position_index(ws):
    c = torch.stack(torch.meshgrid(torch.arange(ws), torch.arange(ws), torch.arange(ws), indexing="ij")).flatten(1)
    rel = (c[:, :, None] - c[:, None, :]).permute(1, 2, 0) + (ws - 1)
    m = 2 * ws - 1
    return (rel[..., 0] * m * m + rel[..., 1] * m + rel[..., 2]).reshape(-1)


def swin_params():
    d, h, m, ws = SWIN_DIM, SWIN_HEADS, SWIN_MLP, SWIN_WS

    def param(*shape, std=0.02):
        return (torch.randn(*shape) * std).requires_grad_()

    p = {
        "norm1_w": torch.ones(d).requires_grad_(), "norm1_b": torch.zeros(d).requires_grad_(),
        "qkv_w": param(3 * d, d), "table": param((2 * ws - 1) ** 3, h),
        "proj_w": param(d, d), "proj_b": torch.zeros(d).requires_grad_(),
        "norm2_w": torch.ones(d).requires_grad_(), "norm2_b": torch.zeros(d).requires_grad_(),
        "fc1_w": param(m, d), "fc1_b": torch.zeros(m).requires_grad_(),
        "fc2_w": param(d, m), "fc2_b": torch.zeros(d).requires_grad_(),
    }
    return p, relative_position_index(ws)


def swin_forward(x, p, index):
    """x: (1, S³, C) tokens of an S×S×S volume."""
    B, L, C = x.shape
    S, ws, heads = SWIN_SIDE, SWIN_WS, SWIN_HEADS
    n, g = ws ** 3, S // ws
    shortcut = x
    t = F.layer_norm(x, (C,), p["norm1_w"], p["norm1_b"])
    t = t.view(B, g, ws, g, ws, g, ws, C).permute(0, 1, 3, 5, 2, 4, 6, 7).reshape(-1, n, C)   # windows
    qkv = F.linear(t, p["qkv_w"]).reshape(-1, n, 3, heads, C // heads).permute(2, 0, 3, 1, 4)
    q, k, v = qkv.unbind(0)
    attn = (q * (C // heads) ** -0.5) @ k.transpose(-2, -1)
    bias = p["table"][index].reshape(n, n, heads).permute(2, 0, 1).unsqueeze(0)
    attn = (attn + bias).softmax(-1)
    t = (attn @ v).transpose(1, 2).reshape(-1, n, C)
    t = F.linear(t, p["proj_w"], p["proj_b"])
    t = t.view(B, g, g, g, ws, ws, ws, C).permute(0, 1, 4, 2, 5, 3, 6, 7).reshape(B, L, C)
    x = shortcut + t
    h = F.layer_norm(x, (C,), p["norm2_w"], p["norm2_b"])
    h = F.linear(F.gelu(F.linear(h, p["fc1_w"], p["fc1_b"])), p["fc2_w"], p["fc2_b"])
    return x + h


def swin_block():
    p, index = swin_params()
    x = torch.randn(1, SWIN_SIDE ** 3, SWIN_DIM, requires_grad=True)

    def run():
        swin_forward(x, p, index).sum().backward()
        x.grad = None
        for t in p.values():
            t.grad = None
    return run


SMALL_ADDS = 10_000


def small_adds():
    a, b = torch.randn(4), torch.randn(4)

    def run():
        for _ in range(SMALL_ADDS):
            torch.add(a, b)
    return run


if __name__ == "__main__":
    benchlib.main(globals())
