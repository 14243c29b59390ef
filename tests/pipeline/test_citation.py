from pipeline.citation import cite, quote, reference


def test_articles_are_cited_by_number_without_chapter():
    assert cite("第一章/第五条") == "第五条"
    assert cite("第二章/第一节/第十二条/（三）") == "第十二条（三）"
    assert cite("第五条") == "第五条"


def test_outline_numbers():
    assert cite("四") == "四、"
    assert cite("四/（三）") == "四、（三）"
    assert cite("四/（三）/2") == "四、（三）2."
    assert cite("") == ""


def test_quote_cuts_at_punctuation():
    text = "各街道应当在社区设立戒烟门诊，为吸烟者提供免费咨询和药物支持。"
    assert quote(text, 20) == "各街道应当在社区设立戒烟门诊……"
    assert quote("短句。", 20) == "短句。"
    assert reference("第五条", text).startswith("第五条“各街道应当")
    assert reference("", "前言文字") == "“前言文字”"
