"""What every script entry point shares: logging to stderr and clean errors."""

from __future__ import annotations

import logging
import sys
from typing import Callable

from .errors import InputError


def run(main: Callable[[list[str] | None], None], argv: list[str] | None = None) -> int:
    """Run a script's `main`; bad input exits 2 with the message alone, no traceback.

    Progress goes to stderr as plain lines, which read well in SLURM logs.
    """
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        main(argv)
    except InputError as err:
        print(f"ERROR: {err}", file=sys.stderr)
        return 2
    return 0
