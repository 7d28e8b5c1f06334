"""matref.testing on numpy functions: true claims hold, wrong ones fail, at any scale and precision."""

from __future__ import annotations

import numpy as np
import pytest

import matref
from matref import testing as T

RNG = np.random.default_rng(7)
A = RNG.standard_normal((4, 4))
B = RNG.standard_normal((4, 4))


def quad(X):
    return np.trace(A @ X @ B @ X.T)


def quad_grad(X):
    return A.T @ X @ B.T + A @ X @ B


# the wrong variants of the benchmark: dropped transpose, swapped order, sign, factor 2
WRONG = {
    "dropped transpose": lambda X: A @ X @ B.T + A @ X @ B,
    "swapped order": lambda X: X @ A.T @ B.T + A @ X @ B,
    "sign": lambda X: -quad_grad(X),
    "factor 2": lambda X: 2 * quad_grad(X),
    "one term missing": lambda X: A @ X @ B,
}


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e6])
def test_scaling_f_changes_no_verdict(scale):
    assert T.check_gradient(lambda X: scale * quad(X), lambda X: scale * quad_grad(X), [T.general(4)], seed=1).ok
    for name, wrong in WRONG.items():
        r = T.check_gradient(lambda X: scale * quad(X), lambda X: scale * wrong(X), [T.general(4)], seed=1)
        assert r.verdict == "fails", name


@pytest.mark.parametrize("seed", range(5))
def test_same_verdict_under_every_seed(seed):
    assert T.check_gradient(quad, quad_grad, [T.general(4)], seed=seed).verdict == "holds"
    assert T.check_gradient(quad, WRONG["dropped transpose"], [T.general(4)], seed=seed).verdict == "fails"


def test_assert_gradient_raises_a_readable_assertion():
    with pytest.raises(T.ClaimFailed) as e:
        T.assert_gradient(quad, WRONG["dropped transpose"], [T.general(4)], seed=11)
    msg = str(e.value)
    assert isinstance(e.value, AssertionError)
    for part in ("does NOT hold", "variable: argument 0, shape (4, 4), float64", "numerical d/dt f(x + tV)",
                 "claimed <G, V>", "elementwise", "largest difference at", "seed 11",
                 "matref.testing.assert_gradient(..., seed=11)"):
        assert part in msg, part


def test_fixed_array_inputs_and_keywords():
    X = RNG.standard_normal((4, 4))
    assert T.assert_gradient(quad, quad_grad(X), [X], seed=0).ok
    r = T.check_gradient(lambda X, M: np.sum(M * X), lambda X, M: M, {"X": X, "M": A}, wrt="X", seed=0)
    assert r.ok
    assert T.check_gradient(lambda X, M: np.sum(M * X), lambda X, M: M.T, {"X": X, "M": A}, wrt="X",
                            seed=0).verdict == "fails"
    # the gradient with respect to the second argument
    assert T.check_gradient(lambda M, X: np.sum(M * X), lambda M, X: M, [A, X], wrt=1, seed=0).ok


def test_float32_row_is_used():
    A32, B32 = A.astype(np.float32), B.astype(np.float32)
    f = lambda X: np.trace(A32 @ X @ B32 @ X.T)
    g = lambda X: A32.T @ X @ B32.T + A32 @ X @ B32
    r = T.check_gradient(f, g, [T.general(4, dtype="float32")], seed=3)
    assert r.ok and "rtol 0.002" in r.message
    assert T.check_gradient(f, lambda X: A32 @ X @ B32.T + A32 @ X @ B32, [T.general(4, dtype="float32")],
                            seed=3).verdict == "fails"
    # the float64 row would be far too strict for a float32 claim of a float64 function
    r64 = T.check_gradient(quad, lambda X: quad_grad(X).astype(np.float32), [T.general(4)], seed=3)
    assert r64.ok and "rtol 0.002" in r64.message


def test_structured_directions_and_the_gradient_on_symmetric_matrices():
    # the gradient of log det on SPD matrices is inv(S) (symmetric)
    assert T.assert_gradient(lambda S: np.linalg.slogdet(S)[1], np.linalg.inv, [T.spd(4)], seed=2).ok
    # the Cookbook's G + G^T - G o I is not the gradient on symmetric matrices (sym(G) is)
    cookbook = lambda S: A + A.T - np.diag(np.diag(A))
    assert T.check_gradient(lambda S: np.trace(A @ S), cookbook, [T.symmetric(4)], seed=2).verdict == "fails"
    assert T.check_gradient(lambda S: np.trace(A @ S), lambda S: (A + A.T) / 2, [T.symmetric(4)], seed=2).ok
    # structure given for an array input
    S = T.spd(3).draw(np.random.default_rng(0))
    assert T.check_gradient(lambda S: np.trace(A[:3, :3] @ S), lambda S: A[:3, :3].T, [S],
                            structure="symmetric", seed=0).ok
    # orthogonal: directions X @ skew
    Q = T.orthogonal(3).draw(np.random.default_rng(0))
    assert T.check_gradient(lambda Q: np.trace(A[:3, :3] @ Q), lambda Q: A[:3, :3].T, [Q], structure="orthogonal",
                            seed=0).ok


def test_not_complex_safe_functions_use_real_differences():
    r = T.check_gradient(lambda x: np.abs(x).sum() + np.maximum(x, 0).sum(), lambda x: np.sign(x) + (x > 0),
                         [T.vector(5)], seed=4)
    assert r.ok and r.method.startswith("central differences")
    assert T.check_gradient(lambda x: np.abs(x).sum(), lambda x: x, [T.vector(5)], seed=4).verdict == "fails"
    # declared
    r = T.check_gradient(quad, quad_grad, [T.general(4)], seed=0, complex_safe=False)
    assert r.ok and r.method.startswith("central differences")
    assert T.check_gradient(quad, WRONG["factor 2"], [T.general(4)], seed=0, complex_safe=False).verdict == "fails"


def test_conjugating_function_is_caught_by_the_real_confirmation():
    # np.conj makes the complex step wrong silently; a failure must be confirmed in real arithmetic
    f = lambda x: np.sum(np.conj(x) * x)
    r = T.check_gradient(f, lambda x: 2 * x, [T.vector(4)], seed=0)
    assert r.ok, r.message


def test_jacobian_dense_applied_and_framework_layout():
    F = lambda X: A[:3, :3] @ X @ B[:3, :2]
    J = np.kron(B[:3, :2].T, A[:3, :3])
    assert T.assert_jacobian(F, J, [T.general(3)], seed=0).ok
    assert T.check_jacobian(F, np.kron(A[:3, :3], B[:3, :2].T), [T.general(3)], seed=0).verdict == "fails"
    assert T.check_jacobian(F, lambda X, V: A[:3, :3] @ V @ B[:3, :2], [T.general(3)], seed=0).ok
    assert T.check_jacobian(F, lambda X, V: A[:3, :3] @ V.T @ B[:3, :2], [T.general(3)], seed=0).verdict == "fails"
    # F.shape + X.shape (what torch/jax jacobian functions return)
    X = RNG.standard_normal((3, 3))
    J4 = np.einsum("ik,lj->ijkl", A[:3, :3], B[:3, :2])
    assert T.check_jacobian(F, J4, [X], seed=0).ok
    assert T.check_jacobian(F, J4.transpose(0, 1, 3, 2), [X], seed=0).verdict == "fails"


def test_vjp_is_a_backward_pass():
    W = RNG.standard_normal((3, 5))
    layer = lambda x: np.tanh(W @ x)
    back = lambda x, u: W.T @ (u * (1 - np.tanh(W @ x) ** 2))
    assert T.assert_vjp(layer, back, [T.general(5, 2)], seed=0).ok
    assert T.check_vjp(layer, lambda x, u: W.T @ (u * (1 - np.tanh(W @ x))), [T.general(5, 2)],
                       seed=0).verdict == "fails"


def test_hessian_dense_hvp_and_through_the_gradient():
    M = A + A.T
    f = lambda x: x @ A @ x + np.sum(np.exp(x))
    H = lambda x: M + np.diag(np.exp(x))
    assert T.assert_hessian(f, lambda x, v: H(x) @ v, [T.vector(4)], seed=0).ok
    x = RNG.standard_normal(4)
    assert T.check_hessian(f, H(x), [x], seed=0).ok
    assert T.check_hessian(f, H(x) + np.eye(4) * 1e-3, [x], seed=0).verdict == "fails"
    assert T.check_hessian(f, lambda x, v: 2 * A @ v + np.exp(x) * v, [T.vector(4)], seed=0).verdict == "fails"
    grad = lambda x: M @ x + np.exp(x)
    assert T.check_hessian(f, lambda x, v: H(x) @ v, [T.vector(4)], grad=grad, seed=0).ok
    assert T.check_hessian(f, lambda x, v: 2 * A @ v + np.exp(x) * v, [T.vector(4)], grad=grad,
                           seed=0).verdict == "fails"


def test_equal():
    assert T.assert_equal(lambda A, B: np.trace(A @ B), lambda A, B: np.trace(B @ A),
                          [T.general(3, 4), T.general(4, 3)], seed=0).ok
    with pytest.raises(T.ClaimFailed, match="does NOT hold"):
        T.assert_equal(lambda A: np.linalg.det(2 * A), lambda A: 2 * np.linalg.det(A), [T.general(3)], seed=0)


def test_outside_the_domain_is_undecided_not_a_counterexample():
    r = T.check_gradient(lambda x: np.sum(np.log(x)), lambda x: 1 / x, [-np.ones(3)], seed=0)
    assert r.verdict == "undecided"
    with pytest.raises(T.Undecided):
        T.assert_gradient(lambda x: np.sum(np.log(x)), lambda x: 1 / x, [-np.ones(3)], seed=0)
    assert T.check_gradient(lambda x: np.sum(np.log(x)), lambda x: 1 / x, [T.positive(3)], seed=0).ok


@pytest.mark.parametrize("call, message", [
    (lambda: T.check_gradient(quad, lambda X: np.ones((3, 3)), [T.general(4)]), "must have shape (4, 4)"),
    (lambda: T.check_gradient(quad, quad_grad, [T.general(4)], wrt=3), "wrt=3 must be the index"),
    (lambda: T.check_gradient(quad, quad_grad, [T.general(4)], structure="hermitian"), "known structures"),
    (lambda: T.check_gradient(quad, quad_grad, [T.general(4)], seed=-1), "seed must be"),
    (lambda: T.check_gradient(quad, "autograd", [T.general(4)]), "numpy has no autograd"),
    (lambda: T.spd(0), "positive integers"),
    (lambda: T.Spec((2, 2), ("unknown",)), "unknown"),
    (lambda: T.check_gradient(quad, quad_grad, [np.array(["a"])]), "must be"),
    (lambda: T.check_jacobian(quad, np.ones((2, 2)), [T.general(4)]), "claimed Jacobian has shape"),
    (lambda: T.check_gradient(lambda X: A @ X, lambda X: A, [T.general(4)]), "f must return a scalar"),
])
def test_bad_arguments_are_clear_errors(call, message):
    with pytest.raises(matref.MatrefError, match=None) as e:
        call()
    assert message in str(e.value)


def test_cost_is_one_complex_evaluation_when_the_claim_holds():
    calls = []

    def f(X):
        calls.append(X.dtype)
        return quad(X)

    X = T.general(4).draw(np.random.default_rng(0))
    r = T.check_gradient(f, quad_grad, [X], seed=0)
    assert r.ok and calls == [np.complex128]
    calls.clear()
    # spec inputs: three instances by default, one complex evaluation each
    assert T.check_gradient(f, quad_grad, [T.general(4)], seed=0).ok and calls == [np.complex128] * 3


@pytest.mark.parametrize("seed", range(20))
def test_a_claim_right_on_part_of_the_domain_is_caught_on_spec_inputs(seed):
    # 3 x^2 is the derivative of |x|^3 only where x > 0
    f = lambda x: np.sum(np.abs(x) ** 3)
    assert T.check_gradient(f, lambda x: 3 * x * np.abs(x), [T.vector(3)], seed=seed, trials=6).ok
    assert T.check_gradient(f, lambda x: 3 * x ** 2, [T.vector(3)], seed=seed, trials=6).verdict == "fails"


def test_matref_check_takes_python_functions():
    assert matref.check(f=quad, grad=quad_grad, inputs=[T.general(4)], seed=0).verdict == "holds"
    assert matref.check(f=quad, grad=WRONG["sign"], inputs=[T.general(4)], seed=0).verdict == "fails"
    with pytest.raises(matref.MatrefError, match="give its inputs"):
        matref.check(f=quad, grad=quad_grad)


def test_the_readme_example_runs():
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = re.search(r"## Testing your own code.*?```python\n(.*?)```", text, re.S)
    assert block, "the README must show matref.testing"
    exec(compile(block.group(1), "README.md", "exec"), {})


def test_large_variables_try_real_differences_first():
    n = 64  # 4096 entries: QUICK_SIZE
    rng = np.random.default_rng(3)
    A, B = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    f = lambda X: np.trace(A @ X @ B @ X.T) + np.sum(np.exp(X / 8))
    g = lambda X: A.T @ X @ B.T + A @ X @ B + np.exp(X / 8) / 8
    r = T.check_gradient(f, g, [T.general(n)], seed=0, trials=1)
    assert r.ok and r.method.startswith("central differences at two steps") and r.evaluations == 4
    for wrong in (lambda X: A @ X @ B.T + A @ X @ B + np.exp(X / 8) / 8, lambda X: (1 + 1e-6) * g(X)):
        assert T.check_gradient(f, wrong, [T.general(n)], seed=0, trials=1).verdict == "fails"
    # a constant offset ruins real differences (rounding of f), not the complex step: it falls back
    r = T.check_gradient(lambda X: f(X) + 1e12, g, [T.general(n)], seed=0, trials=1)
    assert r.ok and r.method == "complex step"
