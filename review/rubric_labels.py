"""The screening rubric's words (questions, answers, outcomes, determinants, populations) in the
reader's language. The rubric (pipeline/, no Flask) and the stored screening results speak
Chinese; the English comes from the catalogue, looked up here by the rubric's codes at display time."""
from __future__ import annotations

from functools import lru_cache

from .i18n import _l, language, translate

QUESTIONS = {
    "Q1": _l("Infectious disease"),
    "Q2": _l("Major chronic diseases"),
    "Q3": _l("Poisoning and injury"),
    "Q4": _l("Other public-health emergencies"),
    "Q5": _l("Population development (births, ageing, population structure)"),
    "Q6": _l("Healthy environment (air, drinking water, food, sanitation)"),
    "Q7": _l("Healthy lifestyles and psychosocial health"),
    "Q8": _l("Health spending and medical insurance"),
    "Q9": _l("Allocation of quality medical resources"),
    "Q10": _l("Quality, safety, equity and accessibility of services"),
}

OUTCOMES = {
    "Q1": _l("occurrence and spread of infectious disease"),
    "Q2": _l("chronic-disease risk"),
    "Q3": _l("risk of poisoning and injury"),
    "Q4": _l("response to public-health emergencies"),
    "Q5": _l("births, old-age care and population structure"),
    "Q6": _l("environmental and food exposure"),
    "Q7": _l("lifestyle and mental health"),
    "Q8": _l("burden and coverage of medical costs"),
    "Q9": _l("access to quality medical resources"),
    "Q10": _l("quality, equity and accessibility of health services"),
}

ANSWERS = {"是": _l("Yes"), "否": _l("No"), "不知道": _l("Unknown")}

POPULATIONS = {
    "children_youth": _l("Children and adolescents"),
    "older_people": _l("Older people"),
    "pregnant_women": _l("Pregnant and postpartum women"),
    "disabled": _l("People with disabilities"),
    "chronic_mental_ill": _l("People with chronic or mental illness"),
    "low_income": _l("Low-income and unemployed people"),
    "homeless": _l("Homeless people"),
    "migrants_minorities": _l("Migrants and ethnic minorities"),
    "outdoor_workers": _l("Outdoor workers"),
    "rural_deprived": _l("Residents of rural and less developed areas"),
    "carers": _l("Carers"),
}

DETERMINANTS = {
    "behaviour": _l("Behaviour and lifestyle"),
    "behaviour.diet": _l("Diet"),
    "behaviour.physical_activity": _l("Physical activity and sitting"),
    "behaviour.tobacco": _l("Tobacco"),
    "behaviour.alcohol": _l("Alcohol"),
    "behaviour.drugs": _l("Substance abuse and addiction"),
    "behaviour.risk_taking": _l("Risk-taking"),
    "behaviour.travel_mode": _l("Travel mode"),
    "behaviour.health_literacy": _l("Health literacy"),
    "natural_environment": _l("Natural environment"),
    "natural_environment.air": _l("Air"),
    "natural_environment.indoor_air": _l("Indoor air"),
    "natural_environment.drinking_water": _l("Drinking water"),
    "natural_environment.soil": _l("Soil and heavy metals"),
    "natural_environment.noise": _l("Noise and vibration"),
    "natural_environment.radiation": _l("Radiation"),
    "natural_environment.odour": _l("Odour"),
    "natural_environment.heat_climate": _l("Heat and climate"),
    "built_environment": _l("Built environment and housing"),
    "built_environment.housing": _l("Housing"),
    "built_environment.green_space": _l("Green space"),
    "built_environment.walking_cycling": _l("Walking and cycling"),
    "built_environment.road_safety": _l("Road safety"),
    "built_environment.age_friendly": _l("Age-friendly and barrier-free design"),
    "built_environment.fire_safety": _l("Fire safety"),
    "built_environment.vectors": _l("Disease vectors"),
    "sanitation": _l("Sanitation and waste"),
    "sanitation.water_sewage": _l("Water supply and sewage"),
    "sanitation.toilets": _l("Toilets"),
    "sanitation.household_waste": _l("Household waste"),
    "sanitation.hazardous_waste": _l("Hazardous and medical waste"),
    "sanitation.incineration": _l("Incineration"),
    "food": _l("Food"),
    "food.food_safety": _l("Food safety"),
    "food.foodborne_disease": _l("Foodborne disease"),
    "food.food_access": _l("Access to food"),
    "food.school_food": _l("School meals"),
    "social_environment": _l("Social environment"),
    "social_environment.social_support": _l("Social support"),
    "social_environment.isolation": _l("Social isolation"),
    "social_environment.discrimination": _l("Discrimination"),
    "social_environment.violence_crime": _l("Violence and crime"),
    "social_environment.cohesion": _l("Community cohesion"),
    "mental": _l("Mental health"),
    "mental.stress": _l("Stress"),
    "mental.job_strain": _l("Job strain"),
    "mental.financial_stress": _l("Financial stress"),
    "mental.control": _l("Sense of control"),
    "economy_work": _l("Economy and work"),
    "economy_work.income": _l("Income"),
    "economy_work.employment": _l("Employment"),
    "economy_work.occupational_exposure": _l("Occupational exposure"),
    "economy_work.work_injury": _l("Work injury"),
    "economy_work.affordability": _l("Affordability"),
    "economy_work.education": _l("Education"),
    "services": _l("Access to public services"),
    "services.health_care": _l("Health care"),
    "services.care_services": _l("Elderly care and childcare"),
    "services.social_assistance": _l("Social assistance"),
    "services.public_transport": _l("Public transport"),
    "services.education_services": _l("Education services"),
    "services.leisure_sport": _l("Leisure and sports facilities"),
    "health_system": _l("Health system"),
    "health_system.investment": _l("Health investment"),
    "health_system.insurance": _l("Medical insurance"),
    "health_system.resources": _l("Allocation of resources"),
    "health_system.quality_safety": _l("Quality and safety"),
    "health_system.tiered_care": _l("Tiered care"),
    "safety": _l("Safety and emergencies"),
    "safety.crowding": _l("Crowds and mobility"),
    "safety.hazardous_chemicals": _l("Hazardous chemicals"),
    "safety.mass_gatherings": _l("Mass gatherings"),
    "safety.secondary_disasters": _l("Secondary disasters"),
    "population": _l("Population and equity"),
    "population.fertility": _l("Fertility"),
    "population.ageing": _l("Ageing"),
    "population.maternal_child": _l("Maternal and child health"),
    "population.equity": _l("Health equity"),
}


@lru_cache(maxsize=1)
def _by_chinese() -> dict[str, str]:
    """The rubric's Chinese words → their codes, for results that stored only the words."""
    from pipeline.rubrics import screening

    rubric = screening()
    codes: dict[str, str] = {}
    for code, (category, item) in rubric.determinants.items():
        codes.setdefault(item, code)
        codes.setdefault(category, code.split(".")[0])
    for code, zh, _terms in rubric.populations:
        codes.setdefault(zh, f"population:{code}")
    for qid, outcome in rubric.outcomes.items():
        codes.setdefault(outcome, f"outcome:{qid}")
    for qid, topic in rubric.questions:
        codes.setdefault(topic, f"question:{qid}")
    return codes


def _pick(table: dict, key: str, chinese: str) -> str:
    """Chinese readers read the rubric's own words (those printed on the forms); others the catalogue."""
    text = table.get(key)
    if text is None or (language() != "en" and chinese):
        return chinese or key
    return translate(text)


def _field(obj, name: str) -> str:
    return (obj.get(name) if isinstance(obj, dict) else getattr(obj, name, "")) or ""


def question_topic(q) -> str:
    """A screening question's topic; ``q`` is a stored answer (dict) or any object with id and topic."""
    return _pick(QUESTIONS, _field(q, "id"), _field(q, "topic"))


def answer_label(value: str) -> str:
    return _pick(ANSWERS, value, value)


def population_label(p: dict) -> str:
    return _pick(POPULATIONS, p.get("code", ""), p.get("zh", ""))


def determinant_label(code: str, chinese: str = "") -> str:
    return _pick(DETERMINANTS, code, chinese)


def rubric_word(chinese: str) -> str:
    """A rubric word stored as Chinese (a reason's determinant or outcome) in the reader's language."""
    if language() != "en" or not chinese:
        return chinese
    code = _by_chinese().get(chinese, "")
    kind, _, key = code.rpartition(":")
    table = {"population": POPULATIONS, "outcome": OUTCOMES, "question": QUESTIONS}.get(kind, DETERMINANTS)
    text = table.get(key)
    return translate(text) if text is not None else chinese


def reason_parts(reason: dict) -> tuple[str, str, str, str]:
    """(citation, matched words, determinant, outcome) of a screening reason; the citation and the
    matched words are the draft's own (document content)."""
    outcome = reason.get("outcome", "")
    if language() == "en" and "（" in outcome:  # "慢性病风险（儿童青少年、老年人）"
        head, _, tail = outcome.partition("（")
        names = [rubric_word(n) for n in tail.rstrip("）").split("、") if n]
        outcome = f"{rubric_word(head)} ({', '.join(names)})" if head else ", ".join(names)
    else:
        outcome = rubric_word(outcome)
    citation = reason.get("citation", "")
    phrase = (reason.get("text") or "").split(" → ")[0]
    phrase = phrase[len(citation):].strip() if phrase.startswith(citation) else phrase.strip()
    return citation, phrase, rubric_word(reason.get("determinant", "")), outcome


def init_app(app) -> None:
    app.jinja_env.globals.update(question_topic=question_topic, answer_label=answer_label,
                                 population_label=population_label, determinant_label=determinant_label,
                                 rubric_word=rubric_word, reason_parts=reason_parts)
