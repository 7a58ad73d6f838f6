"""Errors a user can fix, printed as one line (no traceback), and the exit codes."""

from __future__ import annotations

import sys

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UserError(Exception):
    """A problem with what the user asked for; printed as one line, no traceback."""


def fail(message: str, code: int = EXIT_USAGE):
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(code)
