"""``python -m mongodbapi``: the SQL shell (see :mod:`mongodbapi.shell`)."""

from .shell import main

raise SystemExit(main())
