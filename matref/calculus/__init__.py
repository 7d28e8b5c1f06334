"""Symbolic differentiation of matref's own expressions: ``matref.derive``.

- :mod:`matref.calculus.build`: smart constructors that simplify as they build (I @ M = M, ...).
- :mod:`matref.calculus.reverse`: the gradient of a scalar expression, one rule per node and function.
- :mod:`matref.calculus.derive`: derive, then prove with the catalog's engine.
"""
