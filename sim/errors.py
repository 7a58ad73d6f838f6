"""What the command line and the report share about failing: one line, an exit status.

A :class:`UserError` is a problem with what the user asked for (a config, a folder);
:func:`fail` prints it as ``error: <message>`` on stderr and exits, never a traceback.
"""

from __future__ import annotations

import sys

EXIT_USAGE = 2
EXIT_FAILED = 1
EXIT_INTERRUPTED = 130


class UserError(Exception):
    """A problem with what the user asked for; printed as one line, no traceback."""


def fail(message: str, code: int = EXIT_USAGE):
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(code)


class ConfigError(ValueError):
    """A bad config value: ``key``, ``value`` and what is ``allowed``."""

    def __init__(self, key: str, value, allowed: str):
        self.key, self.value, self.allowed = key, value, allowed
        super().__init__(f"{key}={value!r}: {allowed}")
