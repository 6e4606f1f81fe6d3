"""Ingestion: database, file, API and document sources loaded into lakehouse tables."""
