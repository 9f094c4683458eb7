"""Ingest: loaders per format, cleaning, structure parsing, metadata, chunking, incremental re-ingest."""
