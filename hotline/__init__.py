"""12345 hotline adapter: operator search with spoken answer scripts, work orders in and out through
the city platform, import of historical records, and hot-question statistics."""
