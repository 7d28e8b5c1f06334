"""``python -m matref``: the same as the ``matref`` command."""

import sys

from matref.faces.cli import main

sys.exit(main())
