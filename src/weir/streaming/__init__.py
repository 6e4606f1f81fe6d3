"""Streaming: Kafka micro-batches committed exactly once into Delta/Iceberg tables."""

from weir.streaming.errors import BrokerUnreachable, StreamError
from weir.streaming.publish import PublishResult, publish
from weir.streaming.source import RawBatch, StreamSource

__all__ = ["BrokerUnreachable", "PublishResult", "RawBatch", "StreamError", "StreamSource", "publish"]
