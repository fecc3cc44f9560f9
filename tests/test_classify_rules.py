"""classify.rules: the spaCy category cue component, on short inputs written for these tests."""
from __future__ import annotations

import pytest

from classify import rules
from classify.taxonomy import codes


def cues(text: str) -> list[tuple[str, str]]:
    doc = rules.cue_nlp()(text)
    return [(span.text, span.label_) for span in doc.spans[rules.SPANS_KEY]]


def labels(text: str) -> set[str]:
    return {label for _, label in cues(text)}


def test_every_category_has_a_documented_phrase_function():
    assert set(rules.PHRASES) == set(codes())
    for code, fn in rules.PHRASES.items():
        doc = fn.__doc__ or getattr(getattr(rules, code, None), "__doc__", "")
        assert doc and "Matches" in doc, f"{code}: its phrase function needs a docstring saying what it matches"
        assert fn(), f"{code}: no phrases"


def test_phrases_are_lower_case_and_not_blank():
    for code, fn in rules.PHRASES.items():
        for phrase in fn():
            assert phrase == phrase.lower() and phrase.strip() == phrase and phrase, (code, phrase)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Settle plates in the ISO-5 zone exceeded the action limit.",
         {"environmental_monitoring", "aseptic_processing"}),
        ("An out-of-specification assay result was invalidated without a root cause.",
         {"investigations", "laboratory_controls"}),
        ("Label reconciliation was not performed after packaging.", {"packaging_labeling"}),
        ("The QCU's review of the annual product review was late.", {"quality_unit"}),
        ("Transaction information was not provided to trading partners.", {"warehousing_distribution"}),
        ("Informed consent was obtained after dosing.", {"other"}),
        ("Bioburden of the oral syrup exceeded the microbial limits.", {"microbiological_control"}),
    ],
)
def test_cues_name_the_subject(text, expected):
    assert expected <= labels(text)


def test_the_longest_cue_wins_an_overlap():
    # "cleaning validation" is a cleaning cue, not production's "validation"
    assert cues("The cleaning validation was incomplete.") == [("cleaning validation", "cleaning")]
    # "label claim" is a laboratory cue, not a labeling one
    assert ("label claim", "laboratory_controls") in cues("The assay was 88% of label claim.")
    assert "packaging_labeling" not in labels("The assay was 88% of label claim.")


def test_a_phrase_listed_under_two_categories_is_a_cue_of_both():
    assert sorted(cues("A sporicidal agent was not used.")) == [
        ("sporicidal", "aseptic_processing"), ("sporicidal", "cleaning")]


@pytest.mark.parametrize("written", ["ISO 5", "ISO-5", "ISO5", "iso class 5", "Grade A"])
def test_classified_air_written_every_way(written):
    assert ("aseptic_processing" in labels(f"Vials were exposed outside the {written} area."))


def test_spans_carry_character_offsets_and_counts():
    text = "Media fills were not investigated; EM excursions and EM trends were not reviewed."
    doc = rules.cue_nlp()(text)
    for span in doc.spans[rules.SPANS_KEY]:
        assert text[span.start_char:span.end_char] == span.text
    assert doc._.cue_counts["environmental_monitoring"] == 3  # "EM excursions", "EM", "trends"
    lead_end = text.index(";")
    assert rules.cue_counts_in(doc, 0, lead_end) == {"aseptic_processing": 1, "investigations": 1}


def test_find_gives_the_spans_without_making_them():
    nlp = rules.cue_nlp()
    text = "Gowning of operators in the cleanroom was not qualified."
    doc = nlp(text)
    found = nlp.get_pipe(rules.FACTORY).find(nlp.make_doc(text))
    assert [(code, doc[s:e].text) for code, s, e in found] == [
        (s.label_, s.text) for s in doc.spans[rules.SPANS_KEY]]


def test_a_negated_cue_is_no_cue():
    assert labels("Non-sterile oral liquids and nonsterile creams were made.") == set()
    assert "aseptic_processing" in labels("Sterile injections were made.")


def test_no_cues_in_text_about_nothing():
    assert cues("The weather on the day was fine.") == []


def test_a_cue_summary_puts_the_most_frequent_first_and_says_what_it_leaves_out():
    from classify.rules import cue_summary
    assert cue_summary({"stoppers": 3, "crimped": 1, "seal": 2}) == "stoppers (3), seal (2), crimped"
    # ties keep the order of first mention
    assert cue_summary({"hood": 1, "iso 5": 1}) == "hood, iso 5"
    assert cue_summary({"iso 5": 2, "hood": 1, "gown": 1}, limit=2) == "iso 5 (2), hood and 1 more"
    assert cue_summary({}) is None and cue_summary(None) is None
