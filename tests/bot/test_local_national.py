"""When a city rule and a national rule both answer, the answer shows both and says which governs."""

import pytest

from bot.types import Turn
from chunfeng.factory import build_assistant, chunker_for, open_kb
from chunfeng.settings import Settings
from ingest.pipeline import Ingestor
from tests.fixtures.texts import FORWARDED_PLAN, law_md

NATIONAL_MANIFEST = "file\ttitle\tdoc_number\tissuer\tdate\tjurisdiction\nlaw.md\t示例采购管理法\t\t示例全国人大常委会\t2099-06-30\tnational\n"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    root = tmp_path_factory.mktemp("levels")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "law.md").write_text(law_md(), encoding="utf-8")
    (corpus / "plan.txt").write_text(FORWARDED_PLAN, encoding="utf-8")
    (corpus / "MANIFEST.tsv").write_text(NATIONAL_MANIFEST, encoding="utf-8")
    settings = Settings(data_dir=root / "kb")
    kb = open_kb(settings, create=True)
    assert Ingestor(kb, chunker_for(settings)).run([corpus]).exit_code == 0
    kb.close()
    return build_assistant(settings)


def test_contract_deadline_shows_national_and_local_rules(assistant):
    reply = assistant.reply(Turn(text="中标通知书发出后多久要签合同？"))
    assert not reply.handoff
    text = reply.answer
    assert "国家规定：《示例采购管理法》第三条" in text and "二十日内" in text
    assert "明湖市规定" in text and "3个工作日内签订合同" in text
    assert "在明湖市办理时按明湖市的规定执行" in text


def test_question_without_a_rule_type_shows_one_level(assistant):
    reply = assistant.reply(Turn(text="示例采购是什么意思"))
    assert "国家规定：" not in reply.answer
