"""Streaming: Kafka micro-batches committed exactly once with their offsets."""
