"""Frameworks as the checks see them: call a user's function on numpy arrays, get numpy back.

numpy is always there; PyTorch and JAX are used when installed (``pip install matref[torch]``,
``matref[jax]``) and only when the inputs are their arrays (or ``backend=`` names them), so
importing :mod:`matref.testing` never imports a framework. Each backend also gives its
autograd (``grad="autograd"``): gradients, vector-Jacobian and Hessian-vector products.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np

from matref.errors import MatrefError


class NotComplexSafe(Exception):
    """The function cannot be evaluated at complex inputs as an analytic continuation."""


def _complex_guard(out: np.ndarray, complex_in: bool) -> np.ndarray:
    if complex_in and out.dtype.kind != "c":
        raise NotComplexSafe("the function returned a real result for a complex input")
    return out


class NumpyBackend:
    name = "numpy"

    def native(self, a, like=None):
        return a

    def numpy(self, y) -> np.ndarray:
        return np.asarray(y)

    def call(self, f, args, kwargs=None):
        complex_in = False
        for a in args:
            if isinstance(a, np.ndarray) and a.dtype.kind == "c":
                complex_in = True
        if not complex_in:
            return np.asarray(f(*args, **(kwargs or {})))
        with warnings.catch_warnings():
            # numpy warns (ComplexWarning) where code drops an imaginary part: not complex-safe
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            try:
                out = f(*args, **(kwargs or {}))
            except (np.exceptions.ComplexWarning, TypeError) as e:
                raise NotComplexSafe(str(e)) from None
        return _complex_guard(np.asarray(out), complex_in)

    def grad(self, f, args, wrt, kwargs=None):
        raise MatrefError("numpy has no autograd: give the claimed gradient as an array or a function, "
                          "or pass torch or jax arrays as inputs")

    vjp = hvp = jvp = grad


NUMPY = NumpyBackend()


class TorchBackend:
    name = "torch"

    def __init__(self):
        import torch

        self.torch = torch

    def native(self, a, like=None):
        t = self.torch.from_numpy(np.ascontiguousarray(a))
        return t

    def numpy(self, y) -> np.ndarray:
        t = self.torch
        if isinstance(y, t.Tensor):
            y = y.detach()
            if y.is_complex():
                y = y.resolve_conj()
            return y.cpu().numpy()
        return np.asarray(y)

    def call(self, f, args, kwargs=None):
        complex_in = any(np.iscomplexobj(a) for a in args)
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)  # torch warns when it drops imaginary parts
            try:
                with self.torch.no_grad():
                    out = f(*[self.native(a) for a in args], **(kwargs or {}))
            except (RuntimeError, TypeError, UserWarning, NotImplementedError) as e:
                if complex_in:
                    raise NotComplexSafe(str(e)) from None
                raise
        return _complex_guard(self.numpy(out), complex_in)

    def _leaf(self, args, wrt):
        xs = [self.native(a) for a in args]
        xs[wrt] = xs[wrt].clone().requires_grad_(True)
        return xs

    def _backward(self, f, args, wrt, kwargs, derivative):
        """Run f with gradients on (the checks call f under no_grad) and return
        ``derivative(x, y)`` as numpy, zeros where f does not depend on x."""
        with self.torch.enable_grad():
            xs = self._leaf(args, wrt)
            out = derivative(xs[wrt], f(*xs, **(kwargs or {})))
        return np.zeros_like(args[wrt]) if out is None else self.numpy(out)

    def grad(self, f, args, wrt, kwargs=None):
        def derivative(x, y):
            if y.numel() != 1:
                raise MatrefError(f"a gradient needs a scalar function; f returned shape {tuple(y.shape)}")
            return self.torch.autograd.grad(y.reshape(()), x, allow_unused=True)[0]

        return self._backward(f, args, wrt, kwargs, derivative)

    def vjp(self, f, args, wrt, u, kwargs=None):
        def derivative(x, y):
            cotangent = self.native(u).to(y.dtype).reshape(y.shape)
            return self.torch.autograd.grad(y, x, grad_outputs=cotangent, allow_unused=True)[0]

        return self._backward(f, args, wrt, kwargs, derivative)

    def hvp(self, f, args, wrt, v, kwargs=None):
        def derivative(x, y):
            (g,) = self.torch.autograd.grad(y.reshape(()), x, create_graph=True)
            return self.torch.autograd.grad(g, x, grad_outputs=self.native(v).to(g.dtype), allow_unused=True)[0]

        return self._backward(f, args, wrt, kwargs, derivative)


class JaxBackend:
    name = "jax"

    def __init__(self):
        import jax
        import jax.numpy as jnp

        self.jax, self.jnp = jax, jnp

    def native(self, a, like=None):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # float64 -> float32 when x64 is off
            return self.jnp.asarray(a)

    def numpy(self, y) -> np.ndarray:
        return np.asarray(y)

    def call(self, f, args, kwargs=None):
        complex_in = any(np.iscomplexobj(a) for a in args)
        try:
            out = f(*[self.native(a) for a in args], **(kwargs or {}))
        except (TypeError, ValueError, NotImplementedError) as e:
            if complex_in:
                raise NotComplexSafe(str(e)) from None
            raise
        return _complex_guard(self.numpy(out), complex_in)

    def _fn(self, f, args, wrt, kwargs):
        xs = [self.native(a) for a in args]

        def g(x):
            return f(*xs[:wrt], x, *xs[wrt + 1:], **(kwargs or {}))

        return g, xs[wrt]

    def grad(self, f, args, wrt, kwargs=None):
        g, x = self._fn(f, args, wrt, kwargs)
        return np.asarray(self.jax.grad(lambda x: g(x).reshape(()))(x))

    def vjp(self, f, args, wrt, u, kwargs=None):
        g, x = self._fn(f, args, wrt, kwargs)
        y, back = self.jax.vjp(g, x)
        return np.asarray(back(self.jnp.asarray(u, dtype=y.dtype).reshape(y.shape))[0])

    def hvp(self, f, args, wrt, v, kwargs=None):
        g, x = self._fn(f, args, wrt, kwargs)
        grad = self.jax.grad(lambda x: g(x).reshape(()))
        return np.asarray(self.jax.jvp(grad, (x,), (self.jnp.asarray(v, dtype=x.dtype),))[1])


def _is_torch(a) -> bool:
    t = sys.modules.get("torch")
    return t is not None and isinstance(a, t.Tensor)


def _is_jax(a) -> bool:
    jax = sys.modules.get("jax")
    return jax is not None and isinstance(a, jax.Array)


def backend_for(inputs, name: str | None = None):
    """The backend named, else the one whose arrays are among ``inputs``, else numpy."""
    if name is None and all(type(a) is np.ndarray for a in inputs):
        return NUMPY  # checked first: isinstance against torch.Tensor is slow once torch is loaded
    if name is None:
        if any(_is_torch(a) for a in inputs):
            name = "torch"
        elif any(_is_jax(a) for a in inputs):
            name = "jax"
        else:
            name = "numpy"
    if name == "numpy":
        return NUMPY
    try:
        return {"torch": TorchBackend, "jax": JaxBackend}[name]()
    except KeyError:
        raise MatrefError(f"unknown backend {name!r} (known: numpy, torch, jax)") from None
    except ImportError:
        raise MatrefError(f"backend {name!r} is not installed (pip install 'matref[{name}]')") from None


def to_numpy(a) -> np.ndarray:
    """A user's input (numpy, torch or jax array, or a number) as a numpy array."""
    if type(a) is np.ndarray:
        return a
    if _is_torch(a):
        a = a.detach()
        if a.is_complex():
            a = a.resolve_conj()
        return a.cpu().numpy()
    return np.asarray(a)
