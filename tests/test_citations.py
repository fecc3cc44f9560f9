"""classify.citations: citation wording -> 21 CFR provision, and its library."""
from __future__ import annotations

import json
import random
import re
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from classify import citations
from classify.citations import CitationMatch, explicit_cfr, library, match_citation
from classify.taxonomy import category_for_cfr

GOLD = Path(__file__).parents[1] / ".." / "shared" / "data" / "483s" / "gold"


# --- the library ------------------------------------------------------------------------------


def test_every_provision_is_a_valid_provision():
    bad = [p.provision for p in library() if not citations.PROVISION_RE.match(p.provision)]
    assert not bad


def test_provisions_are_listed_once():
    counts = Counter(p.provision for p in library())
    assert [p for p, n in counts.items() if n > 1] == []


def test_every_citable_provision_has_a_wording_and_a_title():
    assert [p.provision for p in library() if p.citable and not p.wordings] == []
    assert all(p.title.strip() for p in library())


# Part 211 provisions that taxonomy.yml (a copy of ../shared/taxonomy.yml, not ours to change)
# gives no category: separate facilities for penicillin (211.42(d): its 211.42 prefixes are
# (a), (b) and (c)) and automated equipment checked by one person (211.68(c): its 211.68
# prefixes are (a) and (b)). Listed so that a change to the taxonomy shows here.
TAXONOMY_GAPS = {"211.42(d)", "211.68(c)"}


def test_every_part_211_provision_maps_to_a_taxonomy_category():
    unmapped = {
        p.provision
        for p in library()
        if p.provision.startswith("211.") and p.citable and category_for_cfr(p.provision) is None
    }
    assert unmapped == TAXONOMY_GAPS


def test_every_section_of_part_211_is_listed():
    sections = {p.provision.split("(")[0] for p in library() if p.provision.startswith("211.")}
    part_211 = {"211.1", "211.3", "211.22", "211.25", "211.28", "211.34", "211.42", "211.44", "211.46",
                "211.48", "211.50", "211.52", "211.56", "211.58", "211.63", "211.65", "211.67", "211.68",
                "211.72", "211.80", "211.82", "211.84", "211.86", "211.87", "211.89", "211.94", "211.100",
                "211.101", "211.103", "211.105", "211.110", "211.111", "211.113", "211.115", "211.122",
                "211.125", "211.130", "211.132", "211.134", "211.137", "211.142", "211.150", "211.160",
                "211.165", "211.166", "211.167", "211.170", "211.173", "211.176", "211.180", "211.182",
                "211.184", "211.186", "211.188", "211.192", "211.194", "211.196", "211.198", "211.204",
                "211.208"}
    assert part_211 - sections == set()


def test_no_duplicate_wordings():
    seen: dict[str, str] = {}
    clashes = []
    for p in library():
        for w in p.wordings:
            key = " ".join(citations._word_terms(citations._raw_tokens(w)))
            if key in seen:
                clashes.append((w, seen[key], p.provision))
            seen[key] = p.provision
    assert clashes == []


def test_library_is_several_hundred_wordings():
    assert sum(len(p.wordings) for p in library()) >= 500


def test_each_wording_finds_its_own_provision():
    """A wording read back must name its provision: two provisions whose wordings are
    indistinguishable would make the library ambiguous."""
    wrong = []
    for p in library():
        for w in p.wordings:
            m = match_citation(w)
            if m is None or m.provision != p.provision:
                wrong.append((p.provision, m and m.provision, w))
    assert wrong == []


# --- explicit citations -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, provision",
    [
        ("There is a failure to thoroughly review ... [21 CFR 211.192]", "211.192"),
        ("Procedures ... are not established [21 CFR 211.113(b)].", "211.113(b)"),
        ("21 C.F.R. § 211.42(c)(10)(iv)", "211.42(c)(10)(iv)"),
        ("as required by 21 CFR 820.100(a)(1)", "820.100(a)(1)"),
        ("under 21 CFR Part 11.10(e)", "11.10(e)"),
        ("§ 312.62(b)", "312.62(b)"),
        ("21 CFR 2l1.l92", "211.192"),  # OCR: l for 1
        ("21CFR211.22 (d)", "211.22(d)"),
    ],
)
def test_explicit_cfr_reads_a_written_provision(text, provision):
    assert explicit_cfr(text) == provision


@pytest.mark.parametrize("text", ["SOP 211.3 version 2.0", "21 CFR Part 211", "", None, "Page 3 of 12"])
def test_explicit_cfr_needs_a_cited_provision(text):
    assert explicit_cfr(text) is None


def test_explicit_citation_wins_over_wording():
    m = match_citation("Equipment is not cleaned at appropriate intervals [21 CFR 211.192].")
    assert m == CitationMatch("211.192", 1.0, "explicit", "21 CFR 211.192")


# --- wording matches --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, provision",
    [
        # the alternatives joined in different ways, and tense
        ("Procedures designed to prevent microbiological contamination of drug products purporting to be "
         "sterile are not [established] [written] [followed].", "211.113(b)"),
        ("Procedures designed to prevent microbiological contamination of drug products purporting to be "
         "sterile were not established/written/followed.", "211.113(b)"),
        ("Procedures designed to prevent objectionable microorganisms in drug products not required to be "
         "sterile were not established, written, or followed.", "211.113(a)"),
        # "failure to" and "Your firm failed to"
        ("Failure to thoroughly investigate unexplained discrepancies and failures of batches to meet "
         "specifications, whether or not the batch had been distributed.", "211.192"),
        ("Your firm failed to establish and follow written procedures for the cleaning and maintenance of "
         "equipment and utensils.", "211.67(b)"),
        # number
        ("The responsibility and procedure applicable to the quality control unit is not in writing and is "
         "not fully followed.", "211.22(d)"),
        ("Laboratory controls do not include the establishment of scientifically sound and appropriate "
         "test procedures designed to assure that drug products conform to standards of strength and purity.",
         "211.160(b)"),
        # other parts
        ("Procedures for corrective and preventive action have not been adequately established.", "820.100(a)"),
        ("An investigation was not conducted in accordance with the investigational plan.", "312.60"),
        ("Failure to prepare or maintain adequate and accurate case histories.", "312.62(b)"),
        ("Audit trails are not used to record the date and time of operator entries that create, modify or "
         "delete electronic records.", "11.10(e)"),
    ],
)
def test_wording_variants(text, provision):
    m = match_citation(text)
    assert m is not None and (m.provision, m.method) == (provision, "wording"), m


def test_a_cite_of_a_whole_part_keeps_the_wording_after_it():
    """Regression: stripping "21 CFR ..." from the wording took all text up to a "]" or the end."""
    m = match_citation("In violation of 21 CFR Part 211, written procedures are not established and followed "
                       "for the cleaning and maintenance of equipment.")
    assert (m.provision, m.method) == ("211.67(b)", "wording")


def test_specifically_inside_a_wording_does_not_end_it():
    """Regression: the cut where a 483's details begin ("Specifically, ...") also cut
    211.42(c)'s "performed within specifically defined areas", in the library too."""
    assert citations._raw_tokens("Operations are not performed within specifically defined areas.")[-2:] == [
        "defined", "areas"]
    assert citations._raw_tokens("Procedures are not followed. Specifically, the SOP ...") == [
        "procedures", "are", "not", "followed"]
    m = match_citation("Operations are not performed within defined areas of adequate size.")
    assert m is not None and m.provision == "211.42(c)"


def test_ocr_damaged_stop_words_are_not_repaired_into_content_words():
    """Regression: with only the library's content words as repair targets, OCR's "riot" (not)
    and "arid" (and) became "hot" and "valid"."""
    index = citations._index()
    assert citations._repair(["riot", "arid", "fallure"], index) == ["not", "and", "failure"]


@pytest.mark.parametrize(
    "text, provision",
    [
        ("Laborato1y controls do not include the establishment of scientifically sound and appropriate "
         "specifications, standards and test procedures.", "211.160(b)"),
        ("Procedures designed to prevent microbiological conta1ninatio n of dmg products pmpo1ting to be "
         "sterile are not established, written and followed.", "211.113(b)"),
        ("The responsibilities and procednres applicable to the qnality control nnit are not in writing "
         "and fnlly followed.", "211.22(d)"),
        ("Aseptic processing areas are deficient regarding the system for rnonitoring environrnental "
         "condi- tions.", "211.42(c)(10)(iv)"),
        ("Equipment and utensiIs are not cleaned, maintained and sanitized at appropriate interva1s to "
         "prevent contamination , that would a1ter the safety, identity, strength, quality or purity of "
         "the dmg product.", "211.67(a)"),
        ("There is a fai1ure to thorough1y review any unexp1ained discrepancy whether or not the batch "
         "has a1ready been distributed.", "211.192"),
        ("The fnm failed to establish writtenprocedures for production and process controls.", "211.100(a)"),
    ],
)
def test_ocr_noise(text, provision):
    m = match_citation(text)
    assert m is not None and m.provision == provision, m


@pytest.mark.parametrize(
    "text, provision",
    [
        # the paragraph's own words are there
        ("Batch production and control records do not include the identity of major equipment used.",
         "211.188(b)(2)"),
        ("Aseptic processing areas are deficient regarding the system for monitoring environmental conditions.",
         "211.42(c)(10)(iv)"),
        # tied paragraphs, none of whose own words are there: what they share
        ("Separate or defined areas to prevent contamination or mixups are deficient.", "211.42(c)"),
        ("Aseptic processing areas are deficient.", "211.42(c)(10)"),
        ("The written stability program is deficient.", "211.166(a)"),
        # a section's wording, with a paragraph close by
        ("Batch production and control records are not complete for each batch of drug product.", "211.188"),
    ],
)
def test_tied_paragraphs_need_their_own_words(text, provision):
    """A paragraph is answered only when the input has words that set it apart from the
    provisions it ties with; otherwise the input supports only what they share."""
    assert match_citation(text).provision == provision


@pytest.mark.parametrize(
    "text",
    [
        "The firm's address is 100 Main Street, Springfield.",
        "Smoke studies were not performed under dynamic conditions.",
        "Personnel performed aseptic manipulations with exposed hair or skin.",
        "This is a repeat observation from the 2019 inspection.",
        "Your outsourcing facility did not submit a report identifying the drugs it compounded during the "
        "previous six-month period.",
        "",
        "   ",
    ],
)
def test_a_sentence_that_cites_nothing_returns_none(text):
    assert match_citation(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "The batch record was reviewed by the Quality Unit on the following day.",
        "The Quality Unit approved the deviation report two weeks after the event.",
        "Three lots were released by the QCU in March.",
    ],
)
def test_a_sentence_that_mentions_the_quality_unit_is_not_211_22(text):
    """Regression: with "quality unit" read as "quality control unit", any sentence naming
    it matched "There is no quality control unit." until a wording had to explain most of
    the input."""
    assert match_citation(text) is None


@pytest.mark.parametrize(
    "text, provision",
    [
        ("There is no quality unit.", "211.22(a)"),
        ("The QCU's responsibilities and procedures are not in writing.", "211.22(d)"),
        ("Employees are not trained in CGMP on a continuing basis.", "211.25(a)"),
        ("HEPA filtered air under positive pressure is not supplied to the aseptic processing area.",
         "211.42(c)(10)(iii)"),
        ("Distribution records do not contain the lot number and the name and address of the consignee.", "211.196"),
    ],
)
def test_abbreviations_and_synonyms(text, provision):
    m = match_citation(text)
    assert m is not None and m.provision == provision, m


@pytest.mark.parametrize(
    "written, words",
    [
        ("Quality Assurance Unit", "quality control unit"), ("QU", "quality control unit"),
        ("Q.C.U.", "quality control unit"), ("C GMP", "current good manufacturing practice"),
        ("cGMPs", "current good manufacturing practice"), ("CAPAs", "corrective and preventive action"),
        ("OOS", "out of specification"), ("COA", "certificate of analysis"), ("C of A", "certificate of analysis"),
        ("SOPs", "standard operating procedure"), ("HEPA", "high efficiency particulate air"),
        ("HCT/Ps", "hctp"), ("contained", "include"),
    ],
)
def test_each_way_of_writing_an_abbreviation_is_written_out(written, words):
    assert " ".join(citations._raw_tokens(f"The {written} is noted.")) == f"the {words} is noted"
    assert " ".join(citations._raw_tokens(f"{written} (b)(4) [21 CFR 211.22]")) == words


def test_score_is_between_zero_and_one():
    m = match_citation(library()[5].wordings[0])
    assert 0.0 < m.score <= 1.0


def _mixed_citations() -> list[str | None]:
    """Wordings of the library, OCR-damaged too, paraphrases, and what matches nothing."""
    texts = [p.wordings[0] for p in library()[::5] if p.wordings]
    texts += [ocr_noise(t) for t in texts] + [text for text, _ in PARAPHRASES]
    return texts + ["", None, "   ", "ab", "The firm's address is 100 Main Street.", "Cleaning is deficient [21 CFR 211.67]."]


def test_citations_matched_together_match_as_one_by_one():
    # A document's citations are scored in one batch; each must come out as it does alone
    # (provision, score to the last digit, wording), whatever else is in the batch.
    texts = _mixed_citations()
    alone = [match_citation(t) for t in texts]
    assert sum(m is not None for m in alone) > len(texts) / 2
    for size in (2, 7, len(texts)):
        together = [m for i in range(0, len(texts), size) for m in citations.match_citations(texts[i:i + size])]
        assert together == alone
    assert citations.match_citations([]) == []


def test_character_ngrams_looked_up_by_number_give_the_same_vectors():
    index = citations._index()
    token_lists = [citations._repair(citations._raw_tokens(t), index) for t in _mixed_citations() if t]
    short = [[], ["ab"], ["abc"], ["qx90", "zz"]]  # skeletons shorter than an n-gram, or none
    # the n-grams of a batch are numbered over its skeletons run together: short ones first,
    # between and last, and a batch of short ones only
    for batch in (short + token_lists, token_lists[:5] + short + token_lists[5:] + short, short):
        vectors = citations._char_vectors(batch, index)
        assert len(vectors) == len(batch)
        for tokens, (idx, w) in zip(batch, vectors):
            want_idx, want_w = index.chars.vector(citations._char_terms(tokens))
            assert idx.dtype == want_idx.dtype and w.dtype == want_w.dtype
            assert np.array_equal(idx, want_idx) and np.array_equal(w, want_w)


# Paraphrases written for these tests, as investigators word citations in their own way
# (shorter, plainer, "quality unit" for "quality control unit"), across the parts the
# library covers. The first half was used while developing the matcher, the second half
# was measured once before any change for it (39 of 56 exact, 11 none, 6 wrong).
PARAPHRASES = [
    ('Management reviews have not been conducted in accordance with established procedures.', '820.20(c)'),
    ('Procedures to ensure that equipment is routinely calibrated, inspected, checked and maintained have not been adequately established.', '820.72(a)'),
    ('Software used as part of the quality system was not validated for its intended use according to an established protocol.', '820.70(i)'),
    ('A device master record has not been adequately maintained.', '820.181'),
    ('Device history records have not been maintained.', '820.184'),
    ('Procedures for acceptance of incoming product have not been adequately established.', '820.80(b)'),
    ('Procedures for document control have not been adequately established.', '820.40'),
    ('Complaints were not evaluated to determine whether an MDR report is required.', '820.198(a)'),
    ('Procedures to control product that does not conform to specified requirements have not been adequately established.', '820.90(a)'),
    ('Design changes were not validated or verified before their implementation.', '820.30(i)'),
    ('Suppliers were not evaluated on the basis of their ability to meet specified requirements.', '820.50(a)'),
    ('Corrective and preventive action activities were not documented.', '820.100(b)'),
    ('Failure to conduct the investigation in accordance with the signed statement of investigator and the investigational plan.', '312.60'),
    ('Investigational drug disposition records are not adequate with respect to dates, quantity, and use by subjects.', '312.62(a)'),
    ('Case histories were not adequate or accurate.', '312.62(b)'),
    ('You did not report to the sponsor serious adverse events immediately.', '312.64'),
    ('Informed consent was not documented by use of a written consent form approved by the IRB.', '50.27(a)'),
    ('The consent form did not contain the basic elements of informed consent.', '50.25'),
    ('The IRB did not conduct continuing review of research at least once per year.', '56.109'),
    ('IRB meeting minutes do not show attendance, actions taken and the vote on those actions.', '56.115'),
    ('The quality assurance unit did not inspect the study at adequate intervals.', '58.35'),
    ('Computer systems were not validated to ensure accuracy, reliability and the ability to discern altered records.', '11.10(a)'),
    ('Audit trails were not enabled to record operator actions that create, modify or delete electronic records.', '11.10(e)'),
    ('User names and passwords were shared among analysts.', '11.300'),
    ('Reserve samples of the test and reference products from the bioequivalence study were not retained.', '320.63'),
    ('Field alert reports were not submitted within three working days.', '314.81(b)(1)'),
    ('Environmental monitoring of the HCT/P processing area was not performed.', '1271.195(c)'),
    ('Procedures for cleaning and sanitizing equipment used in HCT/P manufacture have not been established.', '1271.200(b)'),
    ('Your tracking system does not allow tracking of each HCT/P from the donor to the consignee.', '1271.290'),
    ('Storage temperature limits for HCT/Ps have not been established.', '1271.260(b)'),
    ('Records of the receipt of supplies and reagents were not maintained.', '1271.210(d)'),
    ('The quality program does not include procedures for investigating and documenting HCT/P deviations.', '1271.160(b)'),
    ('Personnel do not wear protective apparel such as gloves, masks and hair covers as necessary to protect drug products.', '211.28(a)'),
    ('Rodents and insects were observed in the warehouse.', '211.56(a)'),
    ('The quality unit did not review and approve changes to specifications and procedures.', '211.22(c)'),
    ('Employees did not receive CGMP training on a continuing basis.', '211.25(a)'),
    ('Components were not stored under quarantine until tested and released.', '211.82(b)'),
    ('Your firm failed to test each component for identity before use in manufacturing.', '211.84(d)(1)'),
    ('In-process materials were not tested for identity, strength, quality and purity.', '211.110(c)'),
    ('Time limits for each phase of production were not established.', '211.111'),
    ('The sterility test procedures are not written and followed.', '211.167(a)'),
    ('Reserve samples are not retained for each lot of drug product.', '211.170(b)'),
    ('Equipment use logs do not record the product and lot number of each batch processed.', '211.182'),
    ('Distribution records do not include the lot number of the drug product shipped.', '211.196'),
    ('Complaints regarding drug products were not reviewed by the quality unit to determine the need for an investigation.', '211.198(a)'),
    ('Returned drug products were not held and identified as such.', '211.204'),
    ('Labels for different products are not stored separately with suitable identification.', '211.122(d)'),
    ('Line clearance is not performed before packaging operations.', '211.130(e)'),
    ('The expiration dating of your drug products is not supported by stability data.', '211.137(a)'),
    ('Calibration of laboratory instruments is not performed at suitable intervals in accordance with a written program.', '211.160(b)(4)'),
    ('Laboratory records do not include the date the test was performed and the signature of the analyst.', '211.194(a)(7)'),
    ('The annual product review does not include a review of complaints, recalls and investigations.', '211.180(e)'),
    ('Drug products are not stored under appropriate conditions of temperature and humidity.', '211.142(b)'),
    ('Cleaning procedures do not describe how equipment is disassembled for cleaning.', '211.67(b)(3)'),
    ('Your HEPA filters in the ISO 5 area are not certified.', '211.42(c)(10)(iii)'),
    ('The quality control unit does not have the authority to review production records.', '211.22(a)'),
    ('Procedures describing the responsibilities of the quality unit have not been written.', '211.22(d)'),
    ('There are not enough qualified personnel to supervise the manufacture of each drug product.', '211.25(c)'),
    ('Gowning practices in the cleanroom are inadequate to protect drug products from contamination.', '211.28(a)'),
    ('The building lacks adequate space for orderly placement of equipment and materials to prevent mix-ups.', '211.42(b)'),
    ('The cleanroom ceilings are not smooth and easily cleanable.', '211.42(c)(10)(i)'),
    ('Pressure differentials between the ISO 7 and ISO 8 rooms are not monitored and controlled.', '211.46(b)'),
    ('Your facility is not kept clean and sanitary.', '211.56(a)'),
    ('Written procedures for use of cleaning and sanitizing agents are not followed.', '211.56(c)'),
    ('Equipment is not of adequate size for its intended use.', '211.63'),
    ('The cleaning procedure does not include a schedule for cleaning the tablet press.', '211.67(b)(2)'),
    ('Calibration of the balance is not performed according to a written program.', '211.68(a)'),
    ('Backup of electronic data from the laboratory systems is not maintained.', '211.68(b)'),
    ('Components are not handled and stored to prevent contamination.', '211.80(b)'),
    ('Incoming containers of components are not visually examined for damage and contamination upon receipt.', '211.82(a)'),
    ("The reliability of the supplier's certificate of analysis was not established through validation of the supplier's results.", '211.84(d)(2)'),
    ('Rejected components are not quarantined to prevent their use.', '211.89'),
    ('The depyrogenation process for vials has not been validated.', '211.94(c)'),
    ('Deviations from production procedures were not recorded or justified.', '211.100(b)'),
    ('The actual yield and percentage of theoretical yield are not calculated at the end of each phase of manufacturing.', '211.103'),
    ('Major equipment is not identified with a distinctive number recorded in the batch record.', '211.105(b)'),
    ('Your firm has not validated the manufacturing process for its drug products.', '211.110(a)'),
    ('Your firm failed to validate the sterilization cycles of the autoclave.', '211.113(b)'),
    ('Batches were reprocessed without approval of the quality unit.', '211.115(b)'),
    ('Labeling reconciliation is not performed for each batch.', '211.125(c)'),
    ('Obsolete labels are not destroyed.', '211.122(e)'),
    ('Warehousing procedures are not written and followed.', '211.142'),
    ('There is no system for determining the distribution of each lot of drug product to facilitate a recall.', '211.150(b)'),
    ('The quality unit did not approve changes to test procedures and specifications for laboratory controls.', '211.160(a)'),
    ('Your drug product specifications are not scientifically sound.', '211.160(b)'),
    ('Finished product is released without testing for identity and strength of the active ingredient.', '211.165(a)'),
    ('The analytical method used to test the finished product has not been validated.', '211.165(e)'),
    ('Out-of-specification batches were not rejected.', '211.165(f)'),
    ('The stability program does not use stability-indicating methods.', '211.166(a)(3)'),
    ('Batch records are not kept for at least one year after the expiration date.', '211.180(a)'),
    ('Annual product reviews were not performed.', '211.180(e)'),
    ('The equipment cleaning log is not maintained in chronological order.', '211.182'),
    ('The master production record does not include a statement of theoretical yield.', '211.186(b)(7)'),
    ('Batch production records do not document the weights of components used.', '211.188(b)(4)'),
    ('The investigation of the out-of-specification result did not determine the root cause and was not extended to other batches.', '211.192'),
    ('Laboratory records do not include a record of all calculations performed.', '211.194(a)(5)'),
    ('Records of the standardization of reference standards and reagents are not maintained.', '211.194(c)'),
    ('Written complaint records do not include the findings of the investigation.', '211.198(b)'),
    ('Drug products exposed to extreme temperatures during a fire were salvaged.', '211.208'),
    ('Procedures for identifying and analyzing sources of quality data to detect nonconforming product have not been established.', '820.100(a)'),
    ('Complaint files are not maintained by a formally designated unit.', '820.198(a)'),
    ('The inspection, measuring and test equipment was not calibrated.', '820.72(b)'),
    ('The sterilization process has not been validated.', '820.75(a)'),
    ('An IND was not in effect for the clinical investigation.', '312.20'),
    ('You did not maintain adequate records of the disposition of the investigational product.', '312.62(a)'),
    ('Subjects were enrolled before informed consent was obtained.', '50.20'),
    ('Changes to the protocol were implemented without IRB approval.', '312.66'),
    ('Each electronic signature is not unique to one individual.', '11.100'),
    ('The system does not limit access to authorized individuals.', '11.10(d)'),
    ('HCT/Ps were distributed without review of the records to verify release criteria were met.', '1271.265(c)'),
    ('The donor eligibility determination was made without complete donor screening.', '1271.50'),
]


def test_paraphrases_across_parts():
    exact = wrong = 0
    for text, provision in PARAPHRASES:
        m = match_citation(text)
        if m is None:
            continue
        if m.provision == provision:
            exact += 1
        else:
            wrong += 1
            print(f"  wrong: {provision} -> {m.provision} ({m.score}) {text[:70]}")
    n = len(PARAPHRASES)
    print(f"\nparaphrases: exact {exact / n:.3f}, none {(n - exact - wrong) / n:.3f}, wrong {wrong / n:.3f} over {n}")
    assert exact >= 0.75 * n
    assert wrong <= 0.08 * n


# Citations worded as FDA's standard 483 citations put them (its inspection-citation wording,
# written down here from memory of that public wording, not from any 483 in ../shared; none
# shares a run of eight words with a gold citation, which the test below checks), for
# provisions mostly not in the gold: how the matcher holds up on real 483s beyond the shared
# set. Measured once before any change for it: 77 of 86 exact, 7 wrong, 2 none; the nine
# misses were then given wordings in the library (returned products, salvaging, master
# records, sanitation, calibration procedures, 820.75(a) against 1271.230, ...).
FDA_STYLE = [
    ("Employees are not given training in the particular operations they perform as part of their function, current good manufacturing practices and written procedures required by current good manufacturing practice regulations.",
     "211.25(a)"),
    ("Employees engaged in the manufacture, processing, packing and holding of a drug product lack the training required to perform their assigned functions.",
     "211.25(a)"),
    ("Protective apparel is not worn as necessary to protect drug products from contamination.",
     "211.28(a)"),
    ("Personnel do not practice good sanitation and health habits.",
     "211.28(b)"),
    ("Routine calibration of automatic, mechanical, or electronic equipment is not performed according to a written program designed to assure proper performance.",
     "211.68(a)"),
    ("Written records of calibration checks and inspections of automatic, mechanical or electronic equipment are not maintained.",
     "211.68(a)"),
    ("Written procedures are not established and followed describing in sufficient detail the receipt, identification, storage, handling, sampling, testing, and approval or rejection of components and drug product containers and closures.",
     "211.80(a)"),
    ("Reports of analysis from component suppliers are accepted in lieu of testing each component for conformity with all appropriate written specifications, without establishing the reliability of the supplier's analyses through appropriate validation of the supplier's test results at appropriate intervals.",
     "211.84(d)(2)"),
    ("At least one test is not conducted to verify the identity of each component of a drug product.",
     "211.84(d)(1)"),
    ("Drug product containers and closures were not clean and, where indicated by the nature of the drug, sterilized and processed to remove pyrogenic properties to assure that they are suitable for their intended use.",
     "211.94(c)"),
    ("Standards or specifications, methods of testing, and, where indicated, methods of cleaning, sterilizing, and processing to remove pyrogenic properties are not written and followed for drug product containers and closures.",
     "211.94(d)"),
    ("Written production and process control procedures are not followed in the execution of production and process control functions and documented at the time of performance.",
     "211.100(b)"),
    ("Deviations from written production and process control procedures are not recorded and justified.",
     "211.100(b)"),
    ("Written procedures are not established and followed describing in sufficient detail the receipt, identification, storage, handling, sampling, examination and testing of labeling and packaging materials.",
     "211.122(a)"),
    ("Labeling issued for a batch is not carefully examined for identity and conformity to the labeling specified in the master or batch production records.",
     "211.125(b)"),
    ("Packaged and labeled products are not examined during finishing operations to provide assurance that containers and packages in the lot have the correct label.",
     "211.134(a)"),
    ("Drug products do not bear an expiration date determined by appropriate stability testing.",
     "211.137(a)"),
    ("Written procedures describing the warehousing of drug products are not established and followed.",
     "211.142"),
    ("Written procedures are not established and followed describing the distribution of drug products.",
     "211.150"),
    ("The establishment of specifications, standards, sampling plans, test procedures, or other laboratory control mechanisms are not reviewed and approved by the quality control unit.",
     "211.160(a)"),
    ("Drug products failing to meet established standards or specifications and any other relevant quality control criteria are not rejected.",
     "211.165(f)"),
    ("There is no written testing program designed to assess the stability characteristics of drug products.",
     "211.166(a)"),
    ("Appropriate laboratory testing is not conducted to determine conformance to sterility and pyrogen specifications for each batch of drug product purporting to be sterile and pyrogen-free.",
     "211.167(a)"),
    ("Reserve samples from representative sample lots or batches of drug products selected by acceptable statistical procedures are not examined visually at least once a year for evidence of deterioration.",
     "211.170(b)"),
    ("Master production and control records are not prepared for each drug product.",
     "211.186(a)"),
    ("Drug product production and control records are not reviewed and approved by the quality control unit to determine compliance with all established, approved written procedures before a batch is released or distributed.",
     "211.192"),
    ("Written procedures describing the handling of all written and oral complaints regarding a drug product are not established and followed.",
     "211.198(a)"),
    ("Written procedures describing the handling of returned drug products are not established and followed.",
     "211.204"),
    ("Aseptic processing areas are deficient regarding air supply that is filtered through high-efficiency particulate air filters under positive pressure.",
     "211.42(c)(10)(iii)"),
    ("Floors, walls and ceilings in aseptic processing areas are not smooth, hard surfaces that are easily cleanable.",
     "211.42(c)(10)(i)"),
    ("Adequate lighting is not provided in all areas.",
     "211.44"),
    ("Potable water is not supplied under continuous positive pressure in a plumbing system free of defects that could contribute contamination to any drug product.",
     "211.48(a)"),
    ("Filters used in the manufacture of injectable drug products release fibers into such products.",
     "211.72"),
    ("Written procedures for sanitation are not established and followed.",
     "211.56(b)"),
    ("Equipment and utensil cleaning and maintenance records are not kept.",
     "211.67(c)"),
    ("Actual yields and percentages of theoretical yield are not determined at the conclusion of each appropriate phase of manufacturing, processing, packaging, or holding of the drug product.",
     "211.103"),
    ("Components are not approved by the quality control unit prior to use.",
     "211.84(a)"),
    ("Time limits for the completion of each phase of production are not established.",
     "211.111"),
    ("Drug product salvaging operations were conducted without evidence from laboratory tests and assays that the drug products meet all applicable standards of identity, strength, quality and purity.",
     "211.208"),
    ("Computer or related systems are not routinely calibrated, inspected or checked according to a written program designed to assure proper performance.",
     "211.68(a)"),
    ("Backup data are not exact and complete and secure from alteration, inadvertent erasures, or loss.",
     "211.68(b)"),
    ("Procedures describing the calibration of instruments, apparatus, gauges, and recording devices are not adequate.",
     "211.160(b)(4)"),
    ("The quality control unit lacks authority to fully investigate errors that have occurred.",
     "211.22(a)"),
    ("Procedures for receiving, reviewing, and evaluating complaints by a formally designated unit have not been adequately established.",
     "820.198(a)"),
    ("A process whose results cannot be fully verified by subsequent inspection and test has not been adequately validated according to established procedures.",
     "820.75(a)"),
    ("Written MDR procedures have not been developed, maintained and implemented.",
     "803.17"),
    ("Procedures to ensure that all purchased or otherwise received product and services conform to specified requirements have not been adequately established.",
     "820.50"),
    ("An investigation was not conducted according to the signed statement of investigator and the investigational plan.",
     "312.60"),
    ("The flow of components, drug product containers, closures, labeling, in-process materials, and drug products through the building is not designed to prevent contamination.",
     "211.42(b)"),
    ("Aseptic processing areas are deficient regarding air supply filtered through high-efficiency particulate air filters under positive pressure.",
     "211.42(c)(10)(iii)"),
    ("Aseptic processing areas are deficient regarding temperature and humidity controls.",
     "211.42(c)(10)(ii)"),
    ("Air filtration systems, including prefilters and particulate matter air filters, are not used when appropriate on air supplies to production areas.",
     "211.46(c)"),
    ("Automatic, mechanical, or electronic equipment used in the manufacture, processing, packing, and holding of a drug product is not routinely calibrated, inspected, or checked according to a written program designed to assure proper performance.",
     "211.68(a)"),
    ("Input to and output from the computer or related system of formulas or other records or data are not checked for accuracy.",
     "211.68(b)"),
    ("Components, drug product containers, and closures are not stored under quarantine until they have been tested or examined and released.",
     "211.82(b)"),
    ("Components are not retested or reexamined after storage for long periods or after exposure to air, heat or other conditions that might adversely affect the component.",
     "211.87"),
    ("Rejected components, drug product containers, and closures are not identified and controlled under a quarantine system designed to prevent their use in manufacturing or processing operations for which they are unsuitable.",
     "211.89"),
    ("The batch is not formulated with the intent to provide not less than 100 percent of the labeled or established amount of active ingredient.",
     "211.101(a)"),
    ("Components for drug product manufacturing are not weighed, measured or subdivided as appropriate.",
     "211.101(b)"),
    ("All compounding and storage containers, processing lines, and major equipment used during the production of a batch of a drug product are not properly identified at all times to indicate their contents and, when necessary, the phase of processing of the batch.",
     "211.105(a)"),
    ("In-process materials are not tested for identity, strength, quality and purity as appropriate, and approved or rejected by the quality control unit during the production process.",
     "211.110(c)"),
    ("Written procedures are not established and followed designed to assure that correct labels, labeling, and packaging materials are used for drug products.",
     "211.130"),
    ("Laboratory controls do not include the determination of conformance to appropriate written specifications for the acceptance of each lot within each shipment of components, drug product containers, closures and labeling used in the manufacture of drug products.",
     "211.160(b)(1)"),
    ("There is no appropriate laboratory testing of each batch of drug product required to be free of objectionable microorganisms.",
     "211.165(b)"),
    ("The written stability program does not include sample size and test intervals based on statistical criteria for each attribute examined to assure valid estimates of stability.",
     "211.166(a)(1)"),
    ("The written stability testing program does not include storage conditions for samples retained for testing.",
     "211.166(a)(2)"),
    ("Equipment cleaning and use logs are not maintained.",
     "211.182"),
    ("Laboratory records do not include a statement of each method used in the testing of the sample.",
     "211.194(a)(2)"),
    ("Laboratory records do not include a complete record of all data secured in the course of each test, including all graphs, charts and spectra from laboratory instrumentation.",
     "211.194(a)(4)"),
    ("Written records of complaints do not include the findings of the investigation and follow-up.",
     "211.198(b)"),
    ("Procedures to control the design of the device in order to ensure that specified design requirements are met have not been established.",
     "820.30(a)"),
    ("Design validation did not ensure that devices conform to defined user needs and intended uses.",
     "820.30(g)"),
    ("Procedures for design change have not been adequately established.",
     "820.30(i)"),
    ("Procedures to control documents have not been adequately established.",
     "820.40"),
    ("Process control procedures that describe any process controls necessary to ensure conformance to specifications have not been adequately established.",
     "820.70(a)"),
    ("A device history record has not been adequately maintained.",
     "820.184"),
    ("Quality audits have not been conducted.",
     "820.22"),
    ("An MDR report was not submitted within 30 days of receiving or otherwise becoming aware of information that reasonably suggests that a marketed device may have caused or contributed to a death or serious injury.",
     "803.50(a)"),
    ("Failure to maintain adequate records of the disposition of the drug, including dates, quantity, and use by subjects.",
     "312.62(a)"),
    ("The investigator did not obtain the legally effective informed consent of the subject.",
     "50.20"),
    ("The nonclinical laboratory study was not conducted in accordance with the protocol.",
     "58.130"),
    ("Procedures for all significant steps in the manufacture of HCT/Ps are not established and maintained.",
     "1271.180"),
    ("Records of HCT/Ps are not maintained concurrently with the performance of each significant step.",
     "1271.270"),
    ("Written procedures for reprocessing batches are not established and followed.",
     "211.115(a)"),
    ("Reserve samples are not retained and stored under conditions consistent with product labeling.",
     "211.170(b)"),
    ("The expiration date is not related to any storage conditions stated on the label.",
     "211.137(b)"),
    # the same requirements as FDA also words them, "Your firm failed to ..." (these 18 all
    # matched before; of the 36 written, those that came near a gold citation are left out)
    ("Your firm failed to establish an adequate quality control unit with the responsibility and authority to approve or reject all components, drug product containers, closures, in-process materials, packaging materials, labeling, and drug products.",
     "211.22(a)"),
    ("Your firm failed to establish and follow an adequate written testing program designed to assess the stability characteristics of drug products and to use results of such stability testing to determine appropriate storage conditions and expiration dates.",
     "211.166(a)"),
    ("Your firm failed to establish and follow written procedures for production and process control designed to assure that the drug products you manufacture have the identity, strength, quality, and purity they purport or are represented to possess.",
     "211.100(a)"),
    ("Your firm failed to have, for each batch of drug product, appropriate laboratory determination of satisfactory conformance to final specifications for the drug product, including the identity and strength of each active ingredient, prior to release.",
     "211.165(a)"),
    ("Your firm failed to establish an adequate system for monitoring environmental conditions in aseptic processing areas.",
     "211.42(c)(10)(iv)"),
    ("Your firm failed to ensure that drug product containers and closures were clean and, where indicated by the nature of the drug, sterilized and processed to remove pyrogenic properties to assure that they are suitable for their intended use.",
     "211.94(c)"),
    ("Your firm failed to establish written procedures for the receipt, identification, storage, handling, sampling, testing, and approval or rejection of components and drug product containers and closures.",
     "211.80(a)"),
    ("Your firm failed to establish and follow written procedures describing the handling of all written and oral complaints regarding a drug product.",
     "211.198(a)"),
    ("Your firm failed to routinely calibrate, inspect, or check automatic, mechanical, or electronic equipment according to a written program designed to assure proper performance.",
     "211.68(a)"),
    ("Your firm failed to use equipment of appropriate design, adequate size, and suitably located to facilitate operations for its intended use and for its cleaning and maintenance.",
     "211.63"),
    ("Your firm failed to follow written procedures for production and process control.",
     "211.100(b)"),
    ("Your firm failed to conduct at least one test to verify the identity of each component of a drug product.",
     "211.84(d)(1)"),
    ("Your firm failed to validate and establish the reliability of your component supplier's test analyses at appropriate intervals.",
     "211.84(d)(2)"),
    ("Your firm failed to provide adequate training to employees in the particular operations they perform and in current good manufacturing practice.",
     "211.25(a)"),
    ("Your firm failed to have personnel wear clean clothing appropriate for the duties they perform and protective apparel as necessary to protect drug products from contamination.",
     "211.28(a)"),
    ("Your firm failed to establish and follow adequate written procedures describing the warehousing of drug products.",
     "211.142"),
    ("Your firm failed to perform appropriate laboratory testing, as necessary, of each batch of drug product purporting to be sterile and/or pyrogen-free.",
     "211.167(a)"),
    ("Your firm failed to ensure that drug products bear an expiration date determined by appropriate stability testing.",
     "211.137(a)"),
]


@pytest.mark.parametrize("text, provision", FDA_STYLE)
def test_fda_style_wordings(text, provision):
    m = match_citation(text)
    assert m is not None and m.provision == provision, m


def test_fda_style_wordings_are_not_the_golds():
    if not GOLD.is_dir():
        pytest.skip(f"no gold answer files at {GOLD.resolve()}")

    def runs(text, n=8):
        words = re.findall(r"[a-z0-9]+", text.lower())
        return {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}

    gold = set().union(*(runs(obs.get("citation") or "")
                         for path in sorted(GOLD.glob("*.json"))
                         for obs in json.loads(path.read_text(encoding="utf-8"))["observations"]))
    assert [text for text, _ in FDA_STYLE if runs(text) & gold] == []

# --- measured on the real gold ----------------------------------------------------------------

# OCR confusions seen on scanned 483s: each maps clean text to how OCR misreads it.
CONFUSIONS = [("r", "1"), ("m", "rn"), ("u", "ii"), ("l", "1"), ("i", "l"), ("o", "0"), ("e", "c"),
              ("n", "ri"), ("h", "li"), ("ru", "m"), ("ir", "n"), ("d", "cl"), ("rn", "m"), ("t", "l")]


def ocr_noise(text: str, rate: float = 0.2) -> str:
    """A deterministic OCR-like corruption of `text`: about `rate` of its words get one
    character confusion, one long word is broken in two, two words run together and a stray
    mark is dropped in."""
    rng = random.Random(zlib.crc32(text.encode()))
    words = text.split()
    for i, w in enumerate(words):
        options = [(a, b) for a, b in CONFUSIONS if a in w]
        if options and rng.random() < rate:
            a, b = rng.choice(options)
            at = rng.choice([m.start() for m in re.finditer(re.escape(a), w)])
            words[i] = w[:at] + b + w[at + len(a) :]
    long_words = [i for i, w in enumerate(words) if len(w) >= 8]
    if long_words:
        i = rng.choice(long_words)
        cut = rng.randrange(3, len(words[i]) - 2)
        words[i] = words[i][:cut] + " " + words[i][cut:]
    if len(words) > 3:
        i = rng.randrange(len(words) - 1)
        words[i : i + 2] = [words[i] + words[i + 1]]
        words.insert(rng.randrange(len(words)), rng.choice([",", ".", "'", "-", "~"]))
    return " ".join(words)


def test_ocr_noise_is_deterministic_and_changes_text():
    s = "Procedures designed to prevent microbiological contamination are not established."
    assert ocr_noise(s) == ocr_noise(s) != s


def _gold() -> list[tuple[str, str | None, str]]:
    if not GOLD.is_dir():
        pytest.skip(f"no gold answer files at {GOLD.resolve()}")
    rows = []
    for path in sorted(GOLD.glob("*.json")):
        for obs in json.loads(path.read_text(encoding="utf-8"))["observations"]:
            if obs.get("citation"):
                rows.append((path.name, obs.get("cfr"), obs["citation"]))
    return rows


def _accuracy(rows, transform=lambda s: s):
    cited = [(name, cfr, cit) for name, cfr, cit in rows if cfr]
    exact = section = 0
    misses = []
    for name, cfr, cit in cited:
        m = match_citation(transform(cit))
        got = m.provision if m else None
        exact += got == cfr
        section += got is not None and got.split("(")[0] == cfr.split("(")[0]
        if got != cfr:
            misses.append((name, cfr, got, m.score if m else None, cit[:80]))
    return exact / len(cited), section / len(cited), len(cited), misses


def _report(label, exact, section, n, misses):
    print(f"\n{label}: exact {exact:.3f}, section {section:.3f} over {n} cited observations")
    for miss in misses:
        print("  miss:", miss)


def test_gold_citations():
    rows = _gold()
    exact, section, n, misses = _accuracy(rows)
    _report("gold", exact, section, n, misses)
    assert exact >= 0.90
    assert section >= 0.95


def test_gold_citations_without_a_provision_mostly_match_nothing():
    rows = [(name, cit) for name, cfr, cit in _gold() if cfr is None]
    matched = [(name, m.provision, m.score, cit[:80]) for name, cit in rows if (m := match_citation(cit))]
    print(f"\ngold without cfr: {len(matched)} of {len(rows)} matched a provision")
    for row in matched:
        print("  matched:", row)
    assert len(matched) <= 0.1 * len(rows)


def test_gold_narrative_mostly_matches_nothing():
    """The first and last words of each gold observation: the details, not the citation,
    though some restate it ("Your firm failed to establish and follow an adequate written
    testing program ..."). They share the citations' vocabulary, so they test the threshold."""
    if not GOLD.is_dir():
        pytest.skip(f"no gold answer files at {GOLD.resolve()}")
    texts = [
        re.sub(r"^\s*specifically,?\s*", "", obs[key], flags=re.I)
        for path in sorted(GOLD.glob("*.json"))
        for obs in json.loads(path.read_text(encoding="utf-8"))["observations"]
        for key in ("first_words", "last_words")
        if obs.get(key)
    ]
    matched = sum(1 for t in texts if match_citation(t))
    print(f"\ngold narrative: {matched} of {len(texts)} fragments matched a provision")
    assert matched <= 0.12 * len(texts)


def test_gold_citations_under_ocr_noise():
    rows = _gold()
    exact, section, n, misses = _accuracy(rows, ocr_noise)
    _report("gold, OCR-noised", exact, section, n, misses)
    assert exact >= 0.85
    assert section >= 0.90


def test_gold_citations_under_heavy_ocr_noise():
    rows = _gold()
    exact, section, n, misses = _accuracy(rows, lambda s: ocr_noise(s, rate=0.4))
    _report("gold, heavily OCR-noised", exact, section, n, misses)
    assert section >= 0.80
