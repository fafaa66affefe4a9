"""The one exception of chaos_shim: what the C library (and the CLI) say."""


class ChaosShimError(Exception):
    """A failed operation. `code` is one of "usage", "profile",
    "no_segment", "exists", "no_rule", "full", "segment", "system";
    `errno` is set for "system"; str() is the CLI's one-line message."""

    def __init__(self, code, message, errno=0):
        super().__init__(message)
        self.code = code
        self.errno = errno
