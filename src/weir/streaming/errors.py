"""Errors of the streaming layer."""

from __future__ import annotations

from weir.errors import TransientError, WeirError


class StreamError(WeirError):
    """A stream cannot go on: a bad stream declaration, a missing topic, a failed write."""


class BrokerUnreachable(TransientError):
    """No broker answered within the configured time (retried with backoff first)."""
