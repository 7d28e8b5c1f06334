"""matref: an executable reference of matrix calculus.

Every identity in the catalog (``matref/identities/*.yaml``) is parsed safely, typed, rendered
to LaTeX and proved numerically on random instances.

Examples
--------
>>> import matref
>>> ident = matref.get("trace.grad_axb")
>>> ident.latex
'\\\\frac{\\\\partial}{\\\\partial X} \\\\operatorname{tr}\\\\left(A X B\\\\right) = A^{\\\\top} B^{\\\\top}'
>>> matref.check(f="x.T @ A @ x", wrt="x", grad="2 * A @ x", seed=0).ok
False
"""

from matref.faces.api import check
from matref.calculus.derive import Derivation, derive
from matref.data.catalog import Catalog, Family, catalog, get
from matref.errors import CatalogError, ExprError, MatrefError, ShapeError
from matref.data.identity import Identity
from matref.engine.verify import Report, verify
from matref.faces.numpy_source import module_source as numpy_source

__all__ = ["catalog", "get", "check", "derive", "Derivation", "verify", "numpy_source", "Catalog", "Family", "Identity",
           "Report",
           "MatrefError", "CatalogError", "ExprError", "ShapeError"]
__version__ = "0.1.0"
