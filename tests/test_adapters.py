"""matref.testing on PyTorch and JAX functions and their autograd (CPU wheels; `make test-adapters`).

Skipped when a framework is not installed, unless MATREF_REQUIRE_ADAPTERS=1 (as CI sets), which
turns a missing framework into a failure.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

from matref import testing as T

REQUIRED = os.environ.get("MATREF_REQUIRE_ADAPTERS") == "1"
BOOK_PAGE = Path(__file__).resolve().parent.parent / "book" / "testing.md"


def _framework(name):
    try:
        return __import__(name)
    except ImportError:
        if REQUIRED:
            pytest.fail(f"{name} is required here (MATREF_REQUIRE_ADAPTERS=1) but not installed")
        pytest.skip(f"{name} is not installed: run `make test-adapters`")


@pytest.fixture(scope="module")
def torch():
    return _framework("torch")


@pytest.fixture(scope="module")
def jax():
    jax = _framework("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


def test_torch_custom_function_backward(torch):
    class LogDet(torch.autograd.Function):
        @staticmethod
        def forward(ctx, S):
            ctx.save_for_backward(S)
            return torch.logdet(S)

        @staticmethod
        def backward(ctx, g):
            (S,) = ctx.saved_tensors
            return g * torch.linalg.inv(S).T

    class Wrong(LogDet):
        @staticmethod
        def backward(ctx, g):
            (S,) = ctx.saved_tensors
            return g * torch.linalg.inv(S) @ S

    S = torch.tensor(T.spd(4).draw(np.random.default_rng(0)))
    assert T.assert_gradient(LogDet.apply, "autograd", [S], seed=0).ok
    with pytest.raises(T.ClaimFailed):
        T.assert_gradient(Wrong.apply, "autograd", [S], seed=0)


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e6])
def test_torch_hand_written_backward_at_every_scale(torch, scale):
    W = torch.randn(3, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    x = torch.randn(5, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    layer = lambda x: scale * torch.tanh(W @ x)
    assert T.check_vjp(layer, lambda x, u: scale * W.T @ (u * (1 - torch.tanh(W @ x) ** 2)), [x], seed=0).ok
    assert T.check_vjp(layer, lambda x, u: scale * W.T @ (u * (1 - torch.tanh(W @ x))), [x],
                       seed=0).verdict == "fails"
    assert T.check_vjp(layer, "autograd", [x], seed=0).ok


def test_torch_float32_uses_the_float32_row(torch):
    W = torch.randn(3, 5, generator=torch.Generator().manual_seed(0))
    x = torch.randn(5, 2, generator=torch.Generator().manual_seed(1))
    r = T.check_vjp(lambda x: torch.tanh(W @ x), "autograd", [x], seed=0)
    assert r.ok and "rtol 0.002" in r.message
    wrong = T.check_vjp(lambda x: torch.tanh(W @ x), lambda x, u: W.T @ u, [x], seed=0)
    assert wrong.verdict == "fails"


def test_torch_relu_is_not_complex_safe(torch):
    x = torch.tensor([0.5, -1.0, 2.0, -0.3], dtype=torch.float64)
    r = T.check_gradient(lambda x: torch.relu(x).sum(), "autograd", [x], seed=0)
    assert r.ok and r.method.startswith("central differences")
    assert T.check_gradient(lambda x: torch.relu(x).sum(), lambda x: torch.ones_like(x), [x],
                            seed=0).verdict == "fails"


def test_torch_hessian(torch):
    x = torch.randn(4, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    f = lambda x: (x ** 3).sum()
    assert T.check_hessian(f, "autograd", [x], seed=0).ok
    assert T.check_hessian(f, lambda x, v: 6 * x * v, [x], grad="autograd", seed=0).ok
    assert T.check_hessian(f, lambda x, v: 3 * x * v, [x], grad="autograd", seed=0).verdict == "fails"


def test_jax_gradients_jacobians_hessians(jax):
    jnp = jax.numpy
    rng = np.random.default_rng(0)
    A, X = jnp.asarray(rng.standard_normal((3, 3))), jnp.asarray(rng.standard_normal((3, 3)))
    f = lambda X: jnp.trace(A @ X @ X)
    assert T.assert_gradient(f, "autograd", [X], seed=0).ok
    assert T.check_gradient(f, lambda X: A @ X + X @ A, [X], seed=0).verdict == "fails"
    F = lambda X: jnp.sin(A @ X)
    assert T.check_jacobian(F, "autograd", [X], seed=0).ok
    assert T.check_jacobian(F, jax.jacobian(F)(X), [X], seed=0).ok
    assert T.check_jacobian(F, jax.jacobian(F)(X).transpose(0, 1, 3, 2), [X], seed=0).verdict == "fails"
    assert T.check_hessian(lambda x: jnp.sum(jnp.exp(x)), "autograd", [jnp.ones(3)], seed=0).ok


def _book_blocks(tag):
    text = BOOK_PAGE.read_text()
    return re.findall(r"```python\n# " + tag + r"\n(.*?)```", text, flags=re.S)


def test_the_books_torch_example_runs(torch):
    blocks = _book_blocks("example: torch")
    assert blocks, "book/testing.md must carry the torch example"
    for code in blocks:
        exec(compile(code, str(BOOK_PAGE), "exec"), {})
