"""``python -m gates``: the same as the ``secure-ai-gates`` console script."""

from gates.cli import main

raise SystemExit(main())
