"""A real Kafka-protocol broker (tansu) for the stream tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from stream_helpers import create_topic


@pytest.fixture
def kafka(service: Callable[[str], dict[str, Any]]) -> str:
    """Bootstrap servers of the shared tansu broker (memory storage)."""
    return str(service("tansu")["bootstrap_servers"])


@pytest.fixture
def topic(kafka: str, unique_name: str) -> Callable[..., str]:
    """``topic(partitions=1, suffix="")`` creates a fresh topic and returns its name."""

    def make(partitions: int = 1, suffix: str = "") -> str:
        return create_topic(kafka, unique_name + suffix, partitions)

    return make
