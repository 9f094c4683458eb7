"""A retriever over a real knowledge base built from the small test corpus (tests.kb.helpers), shared
by the retrieval and ranking-mechanism tests; none of them changes it."""

import pytest

from kb.glossary import Glossary
from kb.retrieve import HybridRetriever
from tests.kb.helpers import ingest, open_kb, write_corpus


@pytest.fixture(scope="session")
def retriever(tmp_path_factory):
    root = tmp_path_factory.mktemp("retr")
    kb = open_kb(root / "kb")
    ingest(kb, write_corpus(root / "corpus"))
    return HybridRetriever(kb, Glossary.load())
