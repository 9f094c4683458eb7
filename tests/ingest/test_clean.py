from ingest.clean import clean_text, ends_sentence, is_heading_line, repair_lines, strip_markup


def test_page_break_inside_a_word_is_joined():
    text = "3. 平等对待内外资企业。依法保障其平等参与政府采购活动的权\n\n利，除涉及国家安全的项目外。\n\n4. 下一项。"
    assert repair_lines(text) == [
        "3. 平等对待内外资企业。依法保障其平等参与政府采购活动的权利，除涉及国家安全的项目外。",
        "4. 下一项。",
    ]


def test_soft_wrap_in_blank_line_separated_text_is_joined():
    text = "标题行\n\n现将《某某市财政局关于印发某方案的通知》转发给你们，请\n认真贯彻执行。\n\n特此通知\n\n二、主要任务\n\n正文一段。"
    lines = repair_lines(text)
    assert "现将《某某市财政局关于印发某方案的通知》转发给你们，请认真贯彻执行。" in lines
    assert "特此通知" in lines


def test_headings_and_list_items_are_never_merged():
    text = "一、总体要求\n\n以习近平新时代中国特色社会主义思想为指导，深化改革\n\n（一）第一项，内容\n\n1. 子项，内容\n\n第二条 条文"
    lines = repair_lines(text)
    assert lines[0] == "一、总体要求"
    assert lines[1].startswith("以习近平")
    assert lines[2].startswith("（一）") and lines[3].startswith("1.") and lines[4].startswith("第二条")


def test_real_paragraph_ends_are_kept():
    text = "第一条 为了规范采购行为，制定本法。\n第二条 本法适用于境内的采购。\n本法所称采购，是指有偿取得货物的行为。"
    assert len(repair_lines(text)) == 3


def test_title_line_is_not_joined_to_the_salutation():
    text = "关于印发某某办法的通知\n\n各县（市、区）财政局，市直各部门：\n\n现印发给你们。"
    assert repair_lines(text)[0] == "关于印发某某办法的通知"


def test_pdf_hard_wraps_are_joined_at_the_extraction_width():
    text = "\n".join(
        ["第一条 采购人应当按照合同约定的期限和方式向供应商支付资金，不得无"]
        + ["故拖延或者附加不合理的条件，也不得以审计、验收程序尚未完成为由拒"]
        + ["绝支付。"]
        + ["第二条 供应商应当按照合同约定履行义务，并接受采购人的履约验收和"]
        + ["监督检查。"]
        + ["第三条 本办法所称资金支付，是指采购人按合同向供应商付款的行为，"]
        + ["包括预付款、进度款和尾款。"]
        + ["第四条 供应商对付款有异议的，可以向同级财政部门反映，财政部门应"]
        + ["当及时处理并答复。"]
    )
    out = repair_lines(text, wrapped=True)
    assert len(out) == 4
    assert out[0].endswith("也不得以审计、验收程序尚未完成为由拒绝支付。")


def test_markup_left_in_plain_text_is_removed():
    assert strip_markup("<p>不得收取投标保证金。</p>") == "不得收取投标保证金。"
    assert strip_markup("**一、工作重点**") == "一、工作重点"
    # Chinese angle brackets used in titles are not tags
    assert strip_markup("《许昌市财政局<关于印发方案的通知>》") == "《许昌市财政局<关于印发方案的通知>》"


def test_table_rows_keep_their_tabs():
    lines = clean_text("序号\t任务\t时限\n一、第一组\t\t\n1\t签合同\t2个工作日\n\n\t续行文字\t")
    assert lines[1].startswith("一、第一组\t") and lines[3].startswith("\t")


def test_sentence_and_heading_predicates():
    assert ends_sentence("不得收取费用。") and ends_sentence("如下：") and ends_sentence("（代收）费用。”")
    assert not ends_sentence("政府采购活动的权")
    assert is_heading_line("三、加强政府采购执行管理") and not is_heading_line("1. 加快合同签订。采购人应当…")


def test_spaced_out_pdf_lines_are_unspaced():
    from ingest.clean import unspace

    assert unspace("政 府 采 购 法 第 一 条") == "政府采购法第一条"
    assert unspace("第一章  总则") == "第一章  总则"  # a heading's separator is not touched
