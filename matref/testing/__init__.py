"""Check your own derivatives: hand-written backward passes, custom autograd functions, formulas.

Point the same engine that proves the catalog at your numpy, PyTorch or JAX code::

    from matref.testing import assert_gradient, spd

    def f(S, x):                      # Gaussian log-likelihood in the covariance S
        return -0.5 * (np.linalg.slogdet(S)[1] + x @ np.linalg.solve(S, x))

    def grad_S(S, x):
        Si = np.linalg.inv(S)
        return -0.5 * (Si - Si @ np.outer(x, x) @ Si)

    assert_gradient(f, grad_S, [spd(4), np.ones(4)], wrt=0)

Every ``assert_*`` raises :class:`ClaimFailed` (an ``AssertionError``) when the claim is wrong,
with the input, the direction, the numbers, an elementwise comparison at small sizes, the seed
and the call that reproduces it; :class:`Undecided` (also an ``AssertionError``) when rounding
or the domain kept it from deciding; and returns a :class:`Result` when the claim holds. The
``check_*`` functions return the :class:`Result` without raising.

* Tolerances are relative to the compared values, so scaling f by 1e-6 or 1e6 changes nothing;
  float32 claims get the float32 row (``rtol`` 2e-3 for first derivatives), float64 ``1e-8``.
* Inputs are arrays (numpy, torch, jax) or specs drawn at random: :func:`spd`, :func:`symmetric`,
  :func:`orthogonal`, :func:`diagonal`, :func:`invertible`, :func:`positive`, :func:`general`,
  :func:`vector`. A structured variable is varied only in its space (symmetric directions for
  ``spd(4)``; ``structure="symmetric"`` for an array input), where only the projection of a claim
  is visible: ``sym(G)`` is the gradient on symmetric matrices.
* One complex-step evaluation of f per check when f is complex-safe; real differences
  otherwise (found by trying, or declared with ``complex_safe=False``). Never a dense Jacobian.
* ``grad="autograd"`` (``J=``, ``vjp=``, ``H=`` likewise) checks the framework's own derivative,
  which is how a custom ``torch.autograd.Function``'s backward is tested.

Examples
--------
>>> import numpy as np
>>> from matref.testing import assert_gradient, check_gradient, general
>>> A = np.arange(9.0).reshape(3, 3)
>>> r = assert_gradient(lambda X: np.trace(A @ X), lambda X: A.T, [general(3)], seed=0)
>>> r.verdict
'holds'
>>> check_gradient(lambda X: np.trace(A @ X), lambda X: A, [general(3)], seed=0).verdict
'fails'
"""

from __future__ import annotations

from matref.testing.checks import ClaimFailed, Result, Undecided
from matref.testing.checks import equal_check as _equal
from matref.testing.checks import gradient_check as _gradient
from matref.testing.checks import hessian_check as _hessian
from matref.testing.checks import jacobian_check as _jacobian
from matref.testing.checks import vjp_check as _vjp
from matref.testing.specs import Spec, diagonal, general, invertible, orthogonal, positive, spd, symmetric, vector

__all__ = ["assert_gradient", "assert_jacobian", "assert_vjp", "assert_hessian", "assert_equal",
           "check_gradient", "check_jacobian", "check_vjp", "check_hessian", "check_equal",
           "ClaimFailed", "Undecided", "Result", "Spec", "spd", "symmetric", "orthogonal", "diagonal",
           "invertible", "positive", "general", "vector"]


def check_gradient(f, grad, inputs, wrt=None, structure=None, seed=None, complex_safe=None, backend=None, trials=None) -> Result:
    """Like :func:`assert_gradient`, but returns the :class:`Result` instead of raising.

    Parameters
    ----------
    f, grad, inputs, wrt, structure, seed, complex_safe, backend, trials
        As in :func:`assert_gradient`.

    Returns
    -------
    Result
        Whatever the verdict: ``"holds"``, ``"fails"`` or ``"undecided"``.

    Raises
    ------
    matref.MatrefError
        Bad arguments (a claim of the wrong shape, an unknown structure, a ``wrt`` that is not
        an input, ...). A wrong claim is not an error here: it is the verdict ``"fails"``.

    Examples
    --------
    >>> import numpy as np
    >>> from matref.testing import check_gradient, general, symmetric
    >>> A = np.arange(9.0).reshape(3, 3)
    >>> r = check_gradient(lambda X: np.trace(A @ X), lambda X: A, [general(3)], seed=0)
    >>> r.verdict, r.ok
    ('fails', False)
    >>> print(r.message.splitlines()[0])
    matref.testing.assert_gradient: the claimed gradient does NOT hold

    On symmetric matrices only the symmetric part of a claim is seen: ``A.T`` and its
    projection ``(A + A.T) / 2`` are the same gradient there.

    >>> check_gradient(lambda S: np.trace(A @ S), lambda S: A.T, [symmetric(3)], seed=0).verdict
    'holds'
    """
    return _gradient(f, grad, inputs, wrt, structure, seed, complex_safe, backend, trials=trials)


def assert_gradient(f, grad, inputs, wrt=None, structure=None, seed=None, complex_safe=None, backend=None, trials=None) -> Result:
    """Assert that ``grad`` is the gradient of the scalar function ``f`` with respect to one input.

    Parameters
    ----------
    f : callable
        ``f(*inputs)`` (or ``f(**inputs)`` for a dict) returning a scalar (numpy, torch or jax).
    grad : array, callable or "autograd"
        The claimed gradient at the inputs (shaped like the variable), a function of the inputs
        returning it, or ``"autograd"`` for the framework's own (``torch.autograd``, ``jax.grad``).
    inputs : list, tuple, dict, array or Spec
        The arguments of ``f``: arrays, or specs drawn at random (``spd(4)``, ``vector(3)``, ...).
    wrt : int or str, optional
        Which input is the variable (an index, or a key of a dict); the first by default.
    structure : {"general", "symmetric", "diagonal", "orthogonal"}, optional
        The variable's space, when it is an array rather than a spec that says so.
    seed : int, optional
        The seed of the directions and of the draws; a fresh one (reported) when omitted.
    complex_safe : bool, optional
        Whether f is an analytic continuation of itself at complex inputs (then the complex step
        is used); found by trying when omitted.
    backend : {"numpy", "torch", "jax"}, optional
        The framework f is written in; by default the one whose arrays are among the inputs.
    trials : int, optional
        Instances checked: fresh draws of the spec inputs (3 by default when any input is a
        spec), fresh directions for fixed arrays (1 by default). A verdict is about the
        instances checked: a claim right only on part of the domain is caught where it is drawn.

    Returns
    -------
    Result
        When the claim holds.

    Raises
    ------
    ClaimFailed
        The claim does not hold (an ``AssertionError`` whose message shows the numbers).
    Undecided
        No verdict could be reached (the message says why).
    matref.MatrefError
        Bad arguments (a claim of the wrong shape, an unknown structure, ...).

    Examples
    --------
    >>> import numpy as np
    >>> from matref.testing import assert_gradient, spd, vector
    >>> assert_gradient(lambda S: np.linalg.slogdet(S)[1], lambda S: np.linalg.inv(S), [spd(3)], seed=1).ok
    True
    >>> assert_gradient(lambda S, x: x @ S @ x, lambda S, x: np.outer(x, x),
    ...                 {"S": spd(3), "x": vector(3)}, wrt="S", seed=0).verdict
    'holds'
    >>> assert_gradient(lambda x: x @ x, lambda x: x, [vector(3)], seed=0)
    Traceback (most recent call last):
    ...
    matref.testing.checks.ClaimFailed: matref.testing.assert_gradient: the claimed gradient does NOT hold
    ...
    """
    return check_gradient(f, grad, inputs, wrt, structure, seed, complex_safe, backend, trials).raise_if_not_ok()


def check_jacobian(F, J, inputs, wrt=None, structure=None, seed=None, complex_safe=None, backend=None, trials=None) -> Result:
    """Like :func:`assert_jacobian`, but returns the :class:`Result` instead of raising.

    Parameters
    ----------
    F, J, inputs, wrt, structure, seed, complex_safe, backend, trials
        As in :func:`assert_jacobian`.

    Returns
    -------
    Result
        Whatever the verdict: ``"holds"``, ``"fails"`` or ``"undecided"``.

    Raises
    ------
    matref.MatrefError
        Bad arguments (a claim of the wrong shape, an unknown structure, a ``wrt`` that is not
        an input, ...). A wrong claim is not an error here: it is the verdict ``"fails"``.

    Examples
    --------
    >>> import numpy as np
    >>> from matref.testing import check_jacobian, general
    >>> A, B = np.eye(2) + 1, np.eye(3) * 2
    >>> check_jacobian(lambda X: A @ X @ B, np.kron(A, B.T), [general(2, 3)], seed=0).verdict
    'fails'
    """
    return _jacobian(F, J, inputs, wrt, structure, seed, complex_safe, backend, trials=trials)


def assert_jacobian(F, J, inputs, wrt=None, structure=None, seed=None, complex_safe=None, backend=None, trials=None) -> Result:
    """Assert that ``J`` is the Jacobian of ``F`` with respect to one input.

    The claim is compared with the numerical derivative of ``F`` along a random direction
    (three in float32).

    Parameters
    ----------
    F : callable
        ``F(*inputs)`` (or ``F(**inputs)`` for a dict), returning an array.
    J : array, callable or "autograd"
        A dense array, either ``d vec(F) / d vec(x)`` (numel F x numel x, column-major vec, as
        in the catalog) or shaped ``F.shape + x.shape`` (as ``torch.autograd.functional.jacobian``
        and ``jax.jacobian`` return it); a function ``J(*inputs, v)`` returning the
        Jacobian-vector product ``J v`` (shaped like F); or ``"autograd"`` (checked through
        vector-Jacobian products, never forming J).
    inputs, wrt, structure, seed, complex_safe, backend, trials
        As in :func:`assert_gradient`.

    Returns
    -------
    Result
        When the claim holds.

    Raises
    ------
    ClaimFailed
        The claim does not hold (an ``AssertionError`` whose message shows the numbers).
    Undecided
        No verdict could be reached (the message says why).
    matref.MatrefError
        Bad arguments (a claim of the wrong shape, an unknown structure, ...).

    Examples
    --------
    >>> import numpy as np
    >>> from matref.testing import assert_jacobian, general
    >>> A, B = np.eye(2) + 1, np.eye(3) * 2
    >>> assert_jacobian(lambda X: A @ X @ B, np.kron(B.T, A), [general(2, 3)], seed=0).ok
    True
    >>> assert_jacobian(lambda X: A @ X @ B, lambda X, V: A @ V @ B, [general(2, 3)], seed=0).ok
    True
    """
    return check_jacobian(F, J, inputs, wrt, structure, seed, complex_safe, backend, trials).raise_if_not_ok()


def check_vjp(F, vjp, inputs, wrt=None, structure=None, seed=None, complex_safe=None, backend=None, trials=None) -> Result:
    """Like :func:`assert_vjp`, but returns the :class:`Result` instead of raising.

    Parameters
    ----------
    F, vjp, inputs, wrt, structure, seed, complex_safe, backend, trials
        As in :func:`assert_vjp`.

    Returns
    -------
    Result
        Whatever the verdict: ``"holds"``, ``"fails"`` or ``"undecided"``.

    Raises
    ------
    matref.MatrefError
        Bad arguments (a claim of the wrong shape, an unknown structure, a ``wrt`` that is not
        an input, ...). A wrong claim is not an error here: it is the verdict ``"fails"``.

    Examples
    --------
    >>> import numpy as np
    >>> from matref.testing import check_vjp, general
    >>> W = np.arange(6.0).reshape(2, 3)
    >>> check_vjp(lambda x: np.tanh(W @ x), lambda x, u: W.T @ u, [general(3, 1)], seed=0).verdict
    'fails'
    """
    return _vjp(F, vjp, inputs, wrt, structure, seed, complex_safe, backend, trials=trials)


def assert_vjp(F, vjp, inputs, wrt=None, structure=None, seed=None, complex_safe=None, backend=None, trials=None) -> Result:
    """Assert that ``vjp(*inputs, u)`` is the vector-Jacobian product ``u^T J`` of ``F``: a backward pass.

    ``u`` is random and shaped like F's output; ``u^T J`` is the gradient of ``<u, F>``, and is
    checked as such.

    Parameters
    ----------
    F : callable
        ``F(*inputs)`` (or ``F(**inputs)`` for a dict), returning an array.
    vjp : callable or "autograd"
        ``vjp(*inputs, u)`` returning ``u^T J`` shaped like the variable, or ``"autograd"`` for
        the framework's own backward pass.
    inputs, wrt, structure, seed, complex_safe, backend, trials
        As in :func:`assert_gradient`.

    Returns
    -------
    Result
        When the claim holds.

    Raises
    ------
    ClaimFailed
        The claim does not hold (an ``AssertionError`` whose message shows the numbers).
    Undecided
        No verdict could be reached (the message says why).
    matref.MatrefError
        Bad arguments (a claim of the wrong shape, an unknown structure, ...).

    Examples
    --------
    >>> import numpy as np
    >>> from matref.testing import assert_vjp, general
    >>> W = np.arange(6.0).reshape(2, 3)
    >>> assert_vjp(lambda x: np.tanh(W @ x), lambda x, u: W.T @ (u * (1 - np.tanh(W @ x) ** 2)),
    ...            [general(3, 1)], seed=0).ok
    True
    """
    return check_vjp(F, vjp, inputs, wrt, structure, seed, complex_safe, backend, trials).raise_if_not_ok()


def check_hessian(f, H, inputs, wrt=None, grad=None, structure=None, seed=None, complex_safe=None,
                  backend=None, trials=None) -> Result:
    """Like :func:`assert_hessian`, but returns the :class:`Result` instead of raising.

    Parameters
    ----------
    f, H, inputs, wrt, grad, structure, seed, complex_safe, backend, trials
        As in :func:`assert_hessian`.

    Returns
    -------
    Result
        Whatever the verdict: ``"holds"``, ``"fails"`` or ``"undecided"``.

    Raises
    ------
    matref.MatrefError
        Bad arguments (a claim of the wrong shape, an unknown structure, a ``wrt`` that is not
        an input, ...). A wrong claim is not an error here: it is the verdict ``"fails"``.

    Examples
    --------
    >>> import numpy as np
    >>> from matref.testing import check_hessian, vector
    >>> A = np.array([[2.0, 1.0], [0.0, 3.0]])
    >>> check_hessian(lambda x: x @ A @ x, 2 * A, [vector(2)], seed=0).verdict
    'fails'
    """
    return _hessian(f, H, inputs, wrt, grad, structure, seed, complex_safe, backend, trials=trials)


def assert_hessian(f, H, inputs, wrt=None, grad=None, structure=None, seed=None, complex_safe=None,
                   backend=None, trials=None) -> Result:
    """Assert that ``H`` is the Hessian of the scalar function ``f``.

    With ``grad``, ``H v`` is compared with the derivative of the gradient along ``v`` (one
    evaluation, like a Jacobian check; ``grad`` itself is taken as right: check it with
    :func:`assert_gradient`); without it, with second derivatives of f along two directions,
    plus the symmetry ``u^T H v = v^T H u``.

    Parameters
    ----------
    f : callable
        ``f(*inputs)`` (or ``f(**inputs)`` for a dict), returning a scalar.
    H : array, callable or "autograd"
        Dense (``numel x`` square, column-major vec, or shaped ``x.shape + x.shape``), a
        Hessian-vector product ``H(*inputs, v)`` shaped like the variable, or ``"autograd"``.
    inputs, wrt
        As in :func:`assert_gradient`.
    grad : callable or "autograd", optional
        The gradient of ``f`` as a function of the inputs (or the framework's own).
    structure, seed, complex_safe, backend, trials
        As in :func:`assert_gradient`.

    Returns
    -------
    Result
        When the claim holds.

    Raises
    ------
    ClaimFailed
        The claim does not hold (an ``AssertionError`` whose message shows the numbers).
    Undecided
        No verdict could be reached (the message says why).
    matref.MatrefError
        Bad arguments (a claim of the wrong shape, an unknown structure, ...).

    Examples
    --------
    >>> import numpy as np
    >>> from matref.testing import assert_hessian, vector
    >>> A = np.array([[2.0, 1.0], [0.0, 3.0]])
    >>> assert_hessian(lambda x: x @ A @ x, A + A.T, [vector(2)], seed=0).ok
    True
    >>> assert_hessian(lambda x: x @ A @ x, lambda x, v: (A + A.T) @ v, [vector(2)],
    ...                grad=lambda x: (A + A.T) @ x, seed=0).ok
    True
    """
    return check_hessian(f, H, inputs, wrt, grad, structure, seed, complex_safe, backend, trials).raise_if_not_ok()


def check_equal(f, g, inputs, seed=None, trials: int = 3, backend=None) -> Result:
    """Like :func:`assert_equal`, but returns the :class:`Result` instead of raising.

    Parameters
    ----------
    f, g, inputs, seed, trials, backend
        As in :func:`assert_equal`.

    Returns
    -------
    Result
        Whatever the verdict: ``"holds"``, ``"fails"`` or ``"undecided"``.

    Raises
    ------
    matref.MatrefError
        Bad inputs, or sides of different shapes.

    Examples
    --------
    >>> import numpy as np
    >>> from matref.testing import check_equal, invertible
    >>> check_equal(lambda A, B: np.linalg.inv(A @ B), lambda A, B: np.linalg.inv(A) @ np.linalg.inv(B),
    ...             [invertible(3), invertible(3)], seed=0).verdict
    'fails'
    """
    return _equal(f, g, inputs, seed, trials, backend)


def assert_equal(f, g, inputs, seed=None, trials: int = 3, backend=None) -> Result:
    """Assert ``f(*inputs) == g(*inputs)`` to a relative tolerance (``1e-9`` in float64).

    Parameters
    ----------
    f, g : callable
        The two sides, called with the inputs; their results must have the same shape.
    inputs : list, tuple, dict, array or Spec
        As in :func:`assert_gradient`.
    seed : int, optional
        The seed of the draws; a fresh one (reported) when omitted.
    trials : int, default 3
        Draws of the spec inputs compared; one when no input is a spec.
    backend : {"numpy", "torch", "jax"}, optional
        As in :func:`assert_gradient`.

    Returns
    -------
    Result
        When the two sides are equal.

    Raises
    ------
    ClaimFailed
        The sides differ (the message shows where, and by how much).
    Undecided
        No verdict could be reached (the message says why).
    matref.MatrefError
        Bad inputs, or sides of different shapes.

    Examples
    --------
    >>> import numpy as np
    >>> from matref.testing import assert_equal, general
    >>> assert_equal(lambda A, B: np.trace(A @ B), lambda A, B: np.trace(B @ A),
    ...              [general(3, 4), general(4, 3)], seed=0).ok
    True
    """
    return check_equal(f, g, inputs, seed, trials, backend).raise_if_not_ok()
