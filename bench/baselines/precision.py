"""PyTorch baselines of the precision suite (bench/suites/precision.ts): the
same ops and shapes in float32, forward + backward, by Debian's torch 1.13."""
import torch
import torch.nn.functional as F

import benchlib

TOKENS = 48 ** 3
WINDOWS = 1728 * 4


def _step(inputs, forward):
    def run():
        forward().sum().backward()
        for t in inputs:
            t.grad = None
    return run


def _linear(out):
    x = torch.randn(TOKENS, 48, requires_grad=True)
    w = (torch.randn(out, 48) * 0.1).requires_grad_()
    b = torch.zeros(out, requires_grad=True)
    return _step([x, w, b], lambda: F.linear(x, w, b))


def linear_qkv():
    return _linear(144)


def linear_mlp():
    return _linear(192)


def attention_bmm():
    q, k, v = (torch.randn(WINDOWS, 64, 12, requires_grad=True) for _ in range(3))
    return _step([q, k, v], lambda: torch.bmm(torch.bmm(q, k.transpose(1, 2)), v))


def softmax():
    x = torch.randn(WINDOWS, 64, 64, requires_grad=True)
    return _step([x], lambda: torch.softmax(x, -1))


def layer_norm():
    x = torch.randn(TOKENS, 48, requires_grad=True)
    w = torch.ones(48, requires_grad=True)
    b = torch.zeros(48, requires_grad=True)
    return _step([x, w, b], lambda: F.layer_norm(x, [48], w, b))


def conv3d():
    x = torch.randn(1, 48, 48, 48, 48, requires_grad=True)
    w = (torch.randn(48, 48, 3, 3, 3) * 0.05).requires_grad_()
    b = torch.zeros(48, requires_grad=True)
    return _step([x, w, b], lambda: F.conv3d(x, w, b, padding=1))


if __name__ == "__main__":
    benchlib.main(globals())
