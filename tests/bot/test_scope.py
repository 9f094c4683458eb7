from bot.scope import ScopeGuard


def test_everyday_topics_are_recognised_by_category():
    g = ScopeGuard.load()
    assert g.off_topic("社保断缴了怎么补").category == "社保医保"
    assert g.off_topic("房东不退租房押金").category == "住房物业"
    assert g.off_topic("快递丢了去哪投诉").category == "消费维权"


def test_procurement_anchor_wins_over_everyday_words():
    g = ScopeGuard.load()
    assert g.off_topic("医院采购设备要公开招标吗") is None
    assert g.off_topic("学校的物业服务项目能用竞争性磋商吗") is None
    assert g.off_topic("政府单位拖欠中小企业的货款怎么办") is None


def test_guard_reads_its_data_files(tmp_path):
    (tmp_path / "offtopic.tsv").write_text("# c\n宠物\t猫|狗\n", encoding="utf-8")
    (tmp_path / "anchors.txt").write_text("政府采购\n", encoding="utf-8")
    g = ScopeGuard.load(tmp_path)
    assert g.off_topic("猫丢了").category == "宠物" and g.off_topic("政府采购买猫粮") is None
