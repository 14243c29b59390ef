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
