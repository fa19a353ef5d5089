"""``python -m demo_app QUESTION``."""

from demo_app.app import main

raise SystemExit(main())
