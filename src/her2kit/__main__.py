"""``python -m her2kit``."""

from her2kit.cli import main

raise SystemExit(main())
