"""The knowledge base: registry (SQLite), vectors (Chroma), keywords (BM25), embedders, retrieval."""
