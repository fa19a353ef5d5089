"""``python -m gates``: the same as the ``secure-ai-gates`` console script.

``python -m`` puts the current directory (on a pull request: the checked-out tree) first on
``sys.path``. It is dropped here, before anything else of ours is imported, so no module of
the tree can stand in for one we import later. Python itself imports ``runpy`` and this package
before this line runs: in an untrusted directory prefer the ``secure-ai-gates`` script or
``python -I -m gates``, as the action does.
"""

import os
import sys

_cwd = os.getcwd()
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _cwd]

from gates.cli import main  # noqa: E402

raise SystemExit(main())
