"""Embedders: the built-in one ranks sensibly; local models load by path (never downloaded)."""

import numpy as np
import pytest

from chunfeng.errors import ModelLoadError
from kb.embed import HashNgramEmbedder, SentenceTransformerEmbedder, make_embedder
from kb.rerank import CrossEncoderReranker, make_reranker
from tests.fixtures.tiny_models import build_cross_encoder, build_sentence_transformer
from tests.kb.helpers import ingest, open_kb, write_corpus


def test_hash_embedder_is_deterministic_normalised_and_ranks_paraphrases_closer():
    e = HashNgramEmbedder()
    a, b, c = e.embed_documents(["投标保证金不得超过采购项目预算金额的2%", "投标保证金最多是预算的百分之几", "明天天气怎么样"])
    assert np.allclose(e.embed_query("投标保证金不得超过采购项目预算金额的2%"), a)
    assert abs(float(np.linalg.norm(a)) - 1.0) < 1e-5
    assert float(a @ b) > float(a @ c)
    assert e.name == "hash-ngram-v1-d512-n123" and make_embedder(None).name == e.name


def test_full_width_and_half_width_embed_alike():
    e = HashNgramEmbedder()
    assert float(e.embed_query("２％") @ e.embed_query("2%")) > 0.99


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    return build_sentence_transformer(root), build_cross_encoder(root)


def test_sentence_transformer_embedder_loads_a_local_folder_and_builds_an_index(tiny, tmp_path):
    st_path, _ = tiny
    e = SentenceTransformerEmbedder(st_path)
    vecs = e.embed_documents(["政府采购法", "投标保证金"])
    assert vecs.shape == (2, 32) and np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert e.name.startswith("st:st-model:")
    kb = open_kb(tmp_path / "kb", embedder=e)
    report = ingest(kb, write_corpus(tmp_path / "corpus"))
    assert report.exit_code == 0 and kb.vectors.count() == kb.count()
    hits = kb.vectors.query(e.embed_query("签订合同"), 3)
    assert len(hits) == 3 and all(cid in kb.table().position for cid, _ in hits)


def test_bge_folder_gets_the_query_instruction(tiny, tmp_path):
    import shutil

    st_path, _ = tiny
    bge = tmp_path / "bge-small-zh-v1.5"
    shutil.copytree(st_path, bge)
    assert SentenceTransformerEmbedder(bge).query_prefix.startswith("为这个句子生成表示")
    assert SentenceTransformerEmbedder(st_path).query_prefix == ""


def test_cross_encoder_reranker_scores_pairs_in_0_1(tiny):
    _, ce_path = tiny
    r = make_reranker(ce_path)
    assert isinstance(r, CrossEncoderReranker)
    s = r.score("多久签合同", ["第四十六条 三十日内签订合同", "天气"])
    assert s.shape == (2,) and np.all((s >= 0) & (s <= 1))
    assert make_reranker(None) is None


def test_missing_model_folders_say_what_to_do(tmp_path):
    with pytest.raises(ModelLoadError) as exc:
        SentenceTransformerEmbedder(tmp_path / "no-such-model")
    assert "CHUNFENG_EMBED_MODEL" in exc.value.message
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelLoadError):
        CrossEncoderReranker(empty)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ModelLoadError) as bad:
        SentenceTransformerEmbedder(broken)
    assert "无法从" in bad.value.message
