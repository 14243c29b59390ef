import shutil

import pytest

from pipeline.rubrics import RUBRICS_DIR, RubricError, load_domains
from review import create_app

EXPECTED_CODES = {
    "disease_control", "health_promotion", "clinical_care", "pharma", "environmental_health",
    "water_engineering", "nutrition_food", "physical_activity", "tobacco_alcohol", "mental_health",
    "maternal_child", "school_health", "occupational_health", "elderly_care", "chronic_disease",
    "built_environment", "social_protection", "injury_safety",
}


def test_taxonomy_has_the_18_codes_with_labels():
    domains = load_domains()
    assert {d.code for d in domains} == EXPECTED_CODES
    by_code = {d.code: d for d in domains}
    assert by_code["tobacco_alcohol"].zh == "控烟限酒"
    assert all(d.en and d.description for d in domains)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda s: s.replace('zh = "控烟限酒"\n', ""), "'zh' is a required property"),
        (lambda s: s.replace('code = "pharma"', 'code = "Pharma-X"'), "does not match"),
        (lambda s: s.replace('code = "pharma"', 'code = "clinical_care"'), "appears twice"),
        (lambda s: s + "\n[[domain\n", "not valid TOML"),
    ],
)
def test_broken_taxonomy_is_reported_clearly(tmp_path, mutate, message):
    path = tmp_path / "domains.toml"
    path.write_text(mutate((RUBRICS_DIR / "domains.toml").read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(RubricError, match=message) as info:
        load_domains(path)
    assert str(path) in str(info.value)


def test_app_refuses_to_start_on_a_broken_rubric(tmp_path, monkeypatch):
    rubrics = tmp_path / "rubrics"
    shutil.copytree(RUBRICS_DIR, rubrics)
    (rubrics / "domains.toml").write_text("version = 1\n", encoding="utf-8")
    monkeypatch.setenv("REVIEW_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("REVIEW_RUBRICS_DIR", str(rubrics))
    with pytest.raises(RuntimeError, match=r"cannot start: rubric file .*domains.toml.*'domain' is a required property"):
        create_app({"TESTING": True})


def test_missing_rubric_file(tmp_path):
    with pytest.raises(RubricError, match="rubric file missing"):
        load_domains(tmp_path / "nope.toml")


def test_organisation_aliases_are_longest_first_and_unambiguous(tmp_path):
    from pipeline.rubrics import load_organisation_aliases

    pairs = load_organisation_aliases()
    assert ("卫生健康委员会", "卫健委") in pairs and ("卫生健康委", "卫健委") in pairs
    lengths = [len(form) for form, _ in pairs]
    assert lengths == sorted(lengths, reverse=True)
    path = tmp_path / "organisations.toml"
    path.write_text('version = 1\n[[alias]]\ncanonical = "卫健委"\nforms = ["卫计委"]\n'
                    '[[alias]]\ncanonical = "发改委"\nforms = ["卫计委"]\n', encoding="utf-8")
    with pytest.raises(RubricError, match="form of both"):
        load_organisation_aliases(path)
    path.write_text('version = 1\n[[alias]]\ncanonical = "卫健委"\n', encoding="utf-8")
    with pytest.raises(RubricError, match="'forms' is a required property"):
        load_organisation_aliases(path)


# --- screening rubric (rubrics/screening.toml) ---------------------------------------------

def _screening_variant(tmp_path, old: str, new: str):
    from pipeline.rubrics import load_screening

    text = (RUBRICS_DIR / "screening.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "screening.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return lambda: load_screening(path)


def test_screening_rubric_gives_every_term_its_sense_and_flags():
    from pipeline.rubrics import screening

    rubric = screening()
    assert all(e.sense for e in rubric.lexicon)
    by_term = {}
    for e in rubric.lexicon:
        by_term.setdefault(e.term, []).append(e)
    assert all(e.support for e in by_term["企业"])  # generic: tags a domain, never alone evidence
    assert "辐射带动" in by_term["辐射"][0].not_in
    assert set(rubric.outcomes) == {q for q, _ in rubric.questions}
    assert rubric.pathway.action_verbs and "附则" in rubric.pathway.procedural_headings


@pytest.mark.parametrize(
    "old, new, message",
    [
        ('sense = "职业病危害、工作场所与劳动保护"\n', "", "'sense' is a required property"),
        ('support = ["企业",', 'support = ["企业家",', "'企业家' is listed under support or not_in but is no term"),
        ('"辐射" = ["辐射带动",', '"辐射" = ["带动",', "not_in context '带动' must contain '辐射'"),
        ('procedural_patterns = [\n', 'procedural_patterns = [\n  "(unclosed",\n', "not a valid regular expression"),
        ('outcome = "传染病发生与传播"\n', "", "'outcome' is a required property"),
        ("minor_unknown = 2", 'minor_unknown = "2"', "rules/minor_unknown"),
    ],
)
def test_broken_screening_rubric_is_reported_clearly(tmp_path, old, new, message):
    from pipeline.rubrics import RubricError

    load = _screening_variant(tmp_path, old, new)
    with pytest.raises(RubricError, match=message) as info:
        load()
    assert "screening.toml" in str(info.value)


def test_app_refuses_to_start_on_a_broken_screening_rubric(tmp_path, monkeypatch):
    rubrics = tmp_path / "rubrics"
    shutil.copytree(RUBRICS_DIR, rubrics)
    text = (rubrics / "screening.toml").read_text(encoding="utf-8")
    (rubrics / "screening.toml").write_text(text.replace("[pathway]", "[pathwy]", 1), encoding="utf-8")
    monkeypatch.setenv("REVIEW_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("REVIEW_RUBRICS_DIR", str(rubrics))
    with pytest.raises(RuntimeError, match=r"cannot start: rubric file .*screening.toml.*'pathway' is a required property"):
        create_app({"TESTING": True})
