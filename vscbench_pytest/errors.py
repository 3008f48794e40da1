"""Exceptions that carry a message meant for the user (file, row, option)."""
from __future__ import annotations


class VscError(Exception):
    """A problem the user can fix; the message names the file, row or option."""


class DatasetError(VscError):
    """A release root or sheet that cannot be read."""


class SpecError(VscError):
    """An unknown or malformed --vlm, --vsc-judge or gate value."""


class ItemError(VscError):
    """One input that cannot be run (missing or unreadable image, no response)."""


class MissingExtra(VscError):
    """An optional dependency is not installed; the message names the extra that installs it."""
