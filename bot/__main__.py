"""`python -m bot` runs the `kenes` command."""

from bot.cli import main

raise SystemExit(main())
