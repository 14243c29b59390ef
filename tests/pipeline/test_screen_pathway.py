"""Screening answers from pathways, not words: each false match measured in issue 11, the reasons
behind a 是, the graded impact level and the stored form. Every text is written here."""
from pipeline.document import Result
from pipeline.run import run_bytes


def screen_text(text: str):
    result = run_bytes(text.encode("utf-8"), "draft.txt")
    assert result.status == "success", result.errors
    return result.document


def answers(doc) -> dict:
    return {q.id: q for q in doc.screening.questions}


def terms_of(doc) -> set[str]:
    return {t for c in doc.clauses for t in c.evidence}


def law(title: str, *articles: str) -> str:
    return title + "\n" + "\n".join(articles) + "\n"


# --- whole words, not substrings -------------------------------------------------------------

def test_dibao_is_not_found_inside_minimum_protection_price():
    doc = screen_text(law("测试市粮食收购管理办法",
                          "第一条 对稻谷、小麦实行最低保护价收购，保护种粮农民利益。",
                          "第二条 收购企业应当按照最低保护价敞开收购农民余粮。"))
    assert "低保" not in terms_of(doc)
    assert answers(doc)["Q8"].answer == "否" and answers(doc)["Q10"].answer == "否"
    assert "low_income" not in {p["code"] for p in doc.screening.populations}


def test_dibao_as_a_word_still_counts():
    doc = screen_text(law("测试区困难群众救助办法",
                          "第一条 对低保对象和特困人员给予医疗救助，减轻其医疗费用负担。"))
    assert "低保" in terms_of(doc)
    assert answers(doc)["Q8"].answer == "是"


def test_chanhou_is_not_found_after_bankruptcy_or_production_start():
    doc = screen_text(law("测试市企业国有资产管理条例",
                          "第一条 企业破产后，应当依法清偿债务，妥善安置职工。",
                          "第二条 项目建成投产后，应当按照规定办理竣工验收。"))
    assert "产后" not in terms_of(doc)
    assert answers(doc)["Q5"].answer == "否" and answers(doc)["Q10"].answer == "否"


def test_chanhou_as_a_word_still_counts():
    doc = screen_text(law("测试区妇幼健康服务办法", "第一条 社区卫生服务中心应当为产妇提供产后访视服务。"))
    assert "产后" in terms_of(doc)


def test_enterprise_alone_is_not_occupational_exposure():
    doc = screen_text(law("测试市促进科技创新条例",
                          "第一条 支持企业开展技术创新，鼓励企业加大研发投入。",
                          "第二条 企业应当建立技术创新管理制度，保障企业研发人员的岗位待遇。",
                          "第三条 对高新技术企业给予税收优惠，支持企业职工参加技能培训。"))
    a = answers(doc)
    assert a["Q3"].answer == "否" and a["Q7"].answer == "否"
    assert doc.screening.impact_level == "none"
    # the clause is still tagged with the domain: the term supports, it does not decide
    assert any(d["code"] == "occupational_health" for c in doc.clauses for d in c.domains)


def test_occupational_terms_with_an_action_answer_yes():
    doc = screen_text(law("测试市职业病防治条例",
                          "第一条 用人单位应当为劳动者提供符合标准的职业病防护用品，定期组织职业健康检查。"))
    assert answers(doc)["Q3"].answer == "是"


def test_negative_context_radiation_that_drives_development():
    doc = screen_text(law("测试市中心城区发展规划实施办法",
                          "第一条 发挥中心城区辐射带动作用，扩大对周边县区的辐射范围。",
                          "第二条 支持中心城区增强辐射能力。"))
    assert "辐射" not in terms_of(doc)
    assert answers(doc)["Q2"].answer == "否" and answers(doc)["Q6"].answer == "否"


def test_radiation_in_its_health_sense_counts():
    doc = screen_text(law("测试市辐射环境管理办法", "第一条 生态环境部门应当加强电磁辐射和电离辐射监测。"))
    assert "辐射" in terms_of(doc)


# --- incidental mentions and procedure are no evidence ----------------------------------------

def test_petition_article_about_infectious_disease_patients_is_incidental():
    doc = screen_text(law("测试市信访条例",
                          "第一条 为了规范信访工作，保护信访人的合法权益，根据有关法律，制定本条例。",
                          "第二条 信访工作机构应当及时登记信访事项，并在十五日内告知信访人是否受理。",
                          "第三条 传染病患者及其家属提出信访事项的，信访工作机构可以通过书面方式受理。",
                          "第四条 本条例自公布之日起施行。"))
    a = answers(doc)
    assert a["Q1"].answer == "否" and a["Q9"].answer == "否"
    assert a["Q1"].reasons == [] and a["Q1"].evidence == []
    assert doc.screening.impact_level == "none"


def test_procedural_clauses_are_no_evidence():
    doc = screen_text(law("测试市档案管理条例",
                          "第一章 总则",
                          "第一条 为了加强档案管理，根据《中华人民共和国档案法》，制定本条例。",
                          "第二条 本条例所称传染病防治档案，是指疾病预防控制机构形成的记录。",
                          "第三条 市档案主管部门负责本市档案工作的监督管理工作。",
                          "第二章 法律责任",
                          "第四条 违反本条例规定，损毁医院病历档案的，由档案主管部门处一千元罚款。",
                          "第三章 附则",
                          "第五条 医疗机构的档案管理参照本条例执行。本条例自2026年1月1日起施行。"))
    assert all(q.answer == "否" for q in doc.screening.questions), [(q.id, q.answer) for q in doc.screening.questions]
    assert doc.screening.impact_level == "none" and not doc.screening.major_impact


def test_an_item_of_a_portfolio_enumeration_is_incidental():
    doc = screen_text(law("测试市人民政府组织条例",
                          "第一条 市人民政府应当管理本行政区域内的经济、教育、科学、文化、卫生、体育等事业。",
                          "第二条 区人民政府应当执行本级人民代表大会的决议，管理财政、民政、体育、统计、审计等工作。"))
    assert answers(doc)["Q7"].answer == "否"


def test_one_acting_clause_with_a_weak_term_is_unclear():
    doc = screen_text(law("测试区城市更新工作方案", "第一条 支持老旧片区医院改扩建，完善周边配套设施。"))
    q9 = answers(doc)["Q9"]
    assert q9.answer == "不知道" and q9.reasons and q9.reasons[0]["citation"] == "第一条"


# --- a 是 names its pathway --------------------------------------------------------------------

def test_yes_names_clause_determinant_outcome_and_a_reason():
    doc = screen_text(law("测试县农村供水保障条例",
                          "第一条 为了保障农村饮水安全，根据有关法律，制定本条例。",
                          "第十二条 县人民政府应当在农村地区建设集中供水工程，提高农村饮水安全保障水平。"))
    q6 = answers(doc)["Q6"]
    assert q6.answer == "是"
    clause = next(c for c in doc.clauses if c.path.endswith("第十二条"))
    assert q6.evidence == [clause.id]  # 第一条 is the purpose article: not evidence
    (reason,) = q6.reasons
    assert reason["clause_id"] == clause.id and reason["citation"] == "第十二条"
    assert reason["determinant"] == "供水与污水"
    assert "环境与食品暴露" in reason["outcome"] and "农村与欠发达地区居民" in reason["outcome"]
    assert reason["text"].startswith("第十二条 建设集中供水工程") and reason["text"].count(" → ") == 2
    assert set(reason) == {"clause_id", "citation", "determinant", "outcome", "text"}


def test_plan_item_is_cited_as_people_cite_it():
    doc = screen_text("测试区控烟工作方案\n一、重点任务\n（三）落实室内公共场所全面禁烟，对吸烟者提供戒烟门诊服务。\n")
    reason = answers(doc)["Q7"].reasons[0]
    assert reason["citation"] == "一、（三）" and reason["text"].startswith("一、（三） 提供戒烟门诊服务 → 烟草 → ")


# --- graded result -------------------------------------------------------------------------------

def test_levels_none_minor_major():
    none = screen_text(law("测试市统计管理办法", "第一条 统计机构应当按时报送统计报表，确保数据真实准确。"))
    minor = screen_text(law("测试市学生暑期安全工作通知", "第一条 各学校应当开展防溺水安全教育。"))
    major = screen_text(law("测试区健康社区建设方案",
                            "第一条 社区卫生服务中心应当开设戒烟门诊，为吸烟者提供戒烟药物治疗。",
                            "第二条 街道应当建设健身步道和体育设施，组织居民开展全民健身活动。",
                            "第三条 对低保对象参加基本医疗保险给予参保补助。",
                            "第四条 为孕产妇提供免费产前检查，为老年人提供家庭医生签约服务。"))
    levels = [d.screening.impact_level for d in (none, minor, major)]
    assert levels == ["none", "minor", "major"]
    assert [d.screening.major_impact for d in (none, minor, major)] == [False, False, True]


def test_many_acting_clauses_on_one_question_are_major():
    articles = [f"第{n}条 {place}应当落实全面禁烟，设置禁止吸烟标识。" for n, place in
                zip("一二三四五", ["医院", "学校", "商场", "车站", "宾馆"])]
    doc = screen_text(law("测试市控制吸烟条例", *articles))
    a = answers(doc)
    assert a["Q7"].answer == "是" and len(a["Q7"].evidence) == 5
    assert doc.screening.impact_level == "major" and doc.screening.major_impact


# --- stored form ---------------------------------------------------------------------------------

def test_reasons_and_level_round_trip_and_old_json_loads():
    result = run_bytes(law("测试县农村供水保障条例",
                           "第十二条 县人民政府应当在农村地区建设集中供水工程，提高农村饮水安全保障水平。").encode(),
                       "d.txt")
    data = result.to_dict()
    assert data["screening"]["impact_level"] == result.document.screening.impact_level
    again = Result.from_dict(data)
    assert again.to_dict() == data
    q6 = next(q for q in again.document.screening.questions if q.id == "Q6")
    assert q6.reasons and q6.reasons[0]["citation"] == "第十二条"

    old = dict(data, screening={k: v for k, v in data["screening"].items() if k != "impact_level"})
    old["screening"]["questions"] = [{k: v for k, v in q.items() if k != "reasons"} for q in old["screening"]["questions"]]
    loaded = Result.from_dict(old).document.screening
    assert all(q.reasons == [] for q in loaded.questions)
    assert loaded.impact_level == ("major" if old["screening"]["major_impact"] else "none")
    old["screening"]["major_impact"] = True
    assert Result.from_dict(old).document.screening.impact_level == "major"


def test_a_term_in_a_cited_document_title_is_no_evidence():
    doc = screen_text(law("测试区社区戒烟工作方案",
                          "第一条 社区应当宣传《自治区爱国卫生条例》和《传染病防治法》。",
                          "第二条 社区应当组织学习《食品安全法》。"))
    a = answers(doc)
    assert a["Q1"].answer == "否" and a["Q6"].answer == "否"


def test_a_carbon_monoxide_meter_for_smokers_is_no_public_health_emergency():
    doc = screen_text(law("测试区社区戒烟工作方案", "第一条 戒烟门诊应当配备一氧化碳检测仪，为吸烟者提供呼气检测。"))
    assert answers(doc)["Q4"].answer == "否"


def test_warm_loads_the_segmenter_once():
    from pipeline.stages.screen import default_matcher, warm

    matcher = warm()
    assert matcher is default_matcher() and matcher.words.tokenizer() is matcher.words.tokenizer()
    assert matcher.words.words("最低保护价") == ["最低", "保护价"]
