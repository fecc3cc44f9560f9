from pages import footer_rows, header_rows, make_page, words_at

from extract.layout import group_lines
from extract.records import Page

from extract.observations import is_dates_list, split


def page_with(body, number=1, of=3):
    rows = header_rows()
    y = 230
    for line in body:
        rows.append((y, line))
        y += 12
    return make_page(rows + footer_rows(page=number, of=of), number=number)


def test_observations_split_on_headings_and_run_over_page_breaks():
    p1 = page_with([
        "DURING AN INSPECTION OF YOUR FIRM WE OBSERVED:",
        "OBSERVATION 1",
        "Procedures designed to prevent microbiological contamination of drug products purporting",
        "to be sterile are not established and followed.",
        "Specifically, the operator reached over open vials during the fill and",
    ], 1)
    p2 = page_with([
        "did not sanitize the gloves, see Observation 2 below.",
        "OBSERVATION 2",
        "There is a failure to thoroughly review any unexplained discrepancy.",
        "Specifically, deviation DV-12 was closed without a root cause.",
    ], 2)
    obs = split([p1, p2])
    assert [o.number for o in obs] == [1, 2]  # "see Observation 2" is not a heading
    assert (obs[0].page_start, obs[0].page_end) == (1, 2)
    assert obs[0].citation == ("Procedures designed to prevent microbiological contamination of drug products "
                               "purporting to be sterile are not established and followed.")
    assert obs[0].text.endswith("did not sanitize the gloves, see Observation 2 below.")
    assert "FORM FDA 483" not in obs[0].text and "Acme" not in obs[0].text  # no page furniture
    assert obs[1].body.startswith("Specifically, deviation DV-12")


def test_ocr_variants_of_the_heading():
    p = page_with(["OBS ERVATION 1", "Lead statement one.", "Specifically, a.", "0BSERVATlON 2",
                   "Lead statement two.", "Specifically, b.", "OBSERVATION #3", "Lead three.", "Specifically, c."])
    assert [o.number for o in split([p])] == [1, 2, 3]


def test_a_heading_whose_number_ocr_garbled_takes_the_next_number():
    p = page_with(["OBSERVATION 1", "Lead statement one.", "Specifically, a.", "OBSERVATION $",
                   "Lead statement two.", "Specifically, b.", "OBSERVATION 3", "Lead three.", "Specifically, c."])
    obs = split([p])
    assert [o.number for o in obs] == [1, 2, 3]
    assert obs[1].text == "Lead statement two. Specifically, b."
    assert "OBSERVATION" not in obs[0].text
    # Only a heading alone on its line: words after a garbled mark are not taken for one
    p = page_with(["OBSERVATION 1", "Lead statement one.", "Specifically, the same failure",
                   "OBSERVATION $ of the last 483 cited was repeated."])
    assert [o.number for o in split([p])] == [1]
    # A number that runs backwards, alone on its line, is misread too ("3" for 9); the number of
    # the observation under way, printed again over its next page, is no new one.
    p = page_with(["OBSERVATION 1", "Lead one.", "Specifically, a.", "OBSERVATION 2", "Lead two.", "Specifically, b.",
                   "OBSERVATION 2", "and c.", "OBSERVATION 1", "Lead three.", "Specifically, d."])
    obs = split([p])
    assert [o.number for o in obs] == [1, 2, 3]
    assert obs[2].text == "Lead three. Specifically, d."


def test_a_number_read_into_the_word_fills_a_gap_only():
    """"OBSERVATION 3" read as "OBSERVATIONS Mes. sae": a heading where the next one read is 4."""
    p = page_with(["OBSERVATION 1", "Lead one.", "Specifically, a.", "OBSERVATIONS Mes. sae", "c", "aioah",
                   "Lead two.", "Specifically, b.", "OBSERVATION 3 ; : 3", "Lead three.", "Specifically, c."])
    obs = split([p])
    assert [o.number for o in obs] == [1, 2, 3]
    assert obs[1].text == "Lead two. Specifically, b."
    assert obs[2].text == "Lead three. Specifically, c."
    # with no number missing after it, the same line is text
    p = page_with(["OBSERVATION 1", "Lead one.", "Specifically, a.", "OBSERVATIONS On he", "Lead two.",
                   "OBSERVATION 2", "Lead three."])
    obs = split([p])
    assert [o.number for o in obs] == [1, 2]
    assert "OBSERVATIONS On he" in obs[0].text


def test_a_heading_number_read_as_a_stroke_or_followed_by_specks():
    """A noisy scan: "OBSERVATION 1" read as "OBSERVATION | o", specks beside a number, numbers lost."""
    p = page_with(["OBSERVATION | o", "Lead statement one.", "Specifically, a.", "OBSERVATION 2 é",
                   "Lead statement two.", "Specifically, b.", "OBSERVATION ¥ 3", "Lead three.", "Specifically, c.",
                   "OBSERVATION - &", "Lead four.", "Specifically, d.", "OBSERVATION a", "Lead five."])
    obs = split([p])
    assert [o.number for o in obs] == [1, 2, 3, 4, 5]
    assert obs[3].text == "Lead four. Specifically, d."
    assert obs[0].text == "Lead statement one. Specifically, a."
    assert obs[1].citation == "Lead statement two."
    # Words after the number are still words: a cross-reference out of sequence is no heading
    p = page_with(["OBSERVATION 1", "Lead one.", "Specifically, a.", "OBSERVATION 1 above was not corrected."])
    assert [o.number for o in split([p])] == [1]


def test_repeat_mark_at_the_top_of_the_next_page_belongs_to_the_previous_observation():
    p1 = page_with(["OBSERVATION 1", "Strict control is not exercised over labeling.",
                    "Specifically, labels were stored in an open cabinet."], 1)
    p2 = page_with(["This is a repeat observation.", "OBSERVATION 2", "Written procedures are not followed.",
                    "Specifically, the SOP was not used."], 2)
    obs = split([p1, p2])
    assert obs[0].repeat and obs[0].page_end == 2
    assert not obs[1].repeat


def test_system_heading_is_kept_out_of_the_previous_observation():
    p = page_with(["QUALITY SYSTEM", "OBSERVATION 1", "Lead one.", "Specifically, one.", "PRODUCTION SYSTEM",
                   "OBSERVATION 2", "Lead two.", "Specifically, two."])
    obs = split([p])
    assert "PRODUCTION SYSTEM" not in obs[0].text
    assert obs[1].heading == "PRODUCTION SYSTEM"


def test_dates_list_ends_the_observations():
    p = page_with(["OBSERVATION 1", "Lead one.", "Specifically, the last words here.", "*DATES OF INSPECTION",
                   "8/18/2025(Mon), 8/19/2025(Tue), 8/20/2025(Wed)"])
    assert split([p])[0].text.endswith("the last words here.")


def test_specks_read_as_marks_on_the_next_page_do_not_extend_an_observation_onto_it():
    p1 = page_with(["OBSERVATION 1", "Lead one.", "Specifically, the last words here."], 1, of=2)
    p2 = page_with([".", "- '", "*DATES OF INSPECTION", "8/18/2025(Mon), 8/19/2025(Tue), 8/20/2025(Wed)"], 2, of=2)
    obs = split([p1, p2])
    assert (obs[0].page_end, obs[0].text[-20:]) == (1, "the last words here.")


def test_numbered_list_forms_without_headings():
    p = page_with(["The following objectionable findings were observed during inspection of the data:",
                   "1. The firm did not investigate the variations.", "a. Details of samples were lost.",
                   "2. The firm did not maintain source documents."])
    obs = split([p])
    assert [o.number for o in obs] == [1, 2]
    assert "Details of samples" in obs[0].text


def test_a_numbered_list_read_through_misread_numbers():
    intro = "The following objectionable findings were observed during inspection of the data:"
    # "1." read with a stroke before it; "2." read as two letters: the one line of finding 1
    # opening with marks where a number stands is finding 2, and 3 and 4 keep their numbers
    p = page_with([intro, "41. The firm did not investigate the variations.", "a. Details of samples were lost.",
                   "eS The firm did not maintain all source documents for the studies.", "b. Scrap paper.",
                   "3. The firm did not account for volume.", "4. The firm reported inaccurate data."])
    obs = split([p])
    assert [o.number for o in obs] == [1, 2, 3, 4]
    assert obs[0].text == "The firm did not investigate the variations. a. Details of samples were lost."
    assert obs[1].text == "The firm did not maintain all source documents for the studies. b. Scrap paper."
    assert obs[3].text == "The firm reported inaccurate data."
    # a number smudged away altogether, or two lines that could be it: finding 2 stays within 1
    for smudge in (["a. Details of samples were lost.", "The firm did not maintain all source documents."],
                   ["eS The firm did not maintain all source documents.", "oS Details of samples were all lost there."]):
        p = page_with([intro, "1. The firm did not investigate the variations.", *smudge,
                       "3. The firm did not account for volume."])
        obs = split([p])
        assert [o.number for o in obs] == [1, 3]
        assert "source documents" in obs[0].text
    # "1." not read at all: the text ahead of "2." is finding 1
    p = page_with([intro, "~ The firm did not investigate the variations in the response.",
                   "2. The firm did not maintain source documents.", "3. The firm did not account for volume."])
    obs = split([p])
    assert [o.number for o in obs] == [1, 2, 3]
    assert obs[0].text.endswith("The firm did not investigate the variations in the response.")
    # a lone number out of the sequence, the list not going on from it, is text
    p = page_with([intro, "1. The firm did not investigate.", "3. Vials were counted.", "The end of it.",
                   "2. The firm did not maintain source documents."])
    assert [o.number for o in split([p])] == [1, 2]


def test_is_dates_list():
    assert is_dates_list("5/05/2026(Tue), 5/06/2026(Wed), 5/07/2026(Thu)")
    assert not is_dates_list("On 5/05/2026 the technician was observed")


def test_citation_ends_at_the_sentence_opening_specifically():
    # regression: 211.42(c)'s own wording says "within specifically defined areas"
    p = page_with(["OBSERVATION 1", "Operations are not performed within specifically defined areas of adequate size.",
                   "Specifically, the corridor is used to stage equipment."])
    assert split([p])[0].citation == "Operations are not performed within specifically defined areas of adequate size."


def test_a_cross_reference_starting_a_line_is_not_a_heading():
    p = page_with(["OBSERVATION 1", "Lead statement one.", "Specifically, the same failure is described in",
                   "Observation 2.", "OBSERVATION 2", "Lead two.", "Specifically, two."])
    obs = split([p])
    assert [o.number for o in obs] == [1, 2]
    assert obs[0].text.endswith("described in Observation 2.")


def test_a_header_row_that_ocr_lost_does_not_put_the_address_into_an_observation():
    """When OCR loses a label row of the header ("CITY, STATE, ZIP CODE ..."), the values below
    it open the page's body; they repeat another page's header lines and are taken out."""
    p1 = page_with(["OBSERVATION 1", "Written procedures are not followed.",
                    "Specifically, the operator skipped the line clearance of lot 7 and"], 1)
    rows = [r for r in header_rows() if not (isinstance(r[1], list) and r[1][0][1].startswith("CITY"))]
    rows += [(210, "did not record it."), (222, "OBSERVATION 2"), (234, "Equipment is not maintained."),
             (246, "Specifically, the mixer's seal leaked.")]
    p2 = make_page(rows + footer_rows(page=2, of=3), number=2)
    obs = split([p1, p2])
    assert [o.number for o in obs] == [1, 2]
    assert obs[0].text.endswith("line clearance of lot 7 and did not record it.")
    assert all("Springfield" not in o.text and "Outsourcing Facility" not in o.text for o in obs)


def test_the_footers_label_read_into_the_last_line_is_cut_from_it():
    """OCR can join "DATE ISSUED" to the last line of text when its box is tall; the label and
    the separators before it go, the text stays."""
    rows = header_rows() + [(230, "OBSERVATION 1"), (242, "Written procedures are not followed."),
                            (254, "Specifically, the batch record was signed after the fact.")]
    page = make_page(rows + footer_rows()[1:], number=1)
    tall = words_at("The review was not dated. ;", 72, 676, h=16)
    label = words_at("DATE ISSUED", 480, 688)
    page = Page(1, 612.0, 792.0, group_lines([w for line in page.lines for w in line.words] + tall + label),
                page.source, 1.0)
    assert any("DATE ISSUED" in line.text and "not dated" in line.text for line in page.lines)
    (obs,) = split([page])
    assert obs.text.endswith("signed after the fact. The review was not dated.")


def test_a_page_whose_header_labels_ocr_lost_keeps_its_header_out_of_the_body():
    p1 = page_with(["OBSERVATION 1", "Written procedures are not followed.", "Specifically, the SOP was not",
                    "used for the batch."], 1)
    # Page 3: the banner is read, the labels under it are not; their values must not join observation 1.
    garbled = [(y, cells) for y, cells in header_rows() if y <= 50]
    garbled += [(70, [(72, "I0O Man St, Sulte 5 1/5/2024 - 1/9/2024*")]), (120, [(72, "NAVE ANO TTLE OF NDIVDUAL")]),
                (130, [(72, "TO: Pat Q. Doe, President")]), (155, [(72, "Acme Sterlle LLC 12 Elm St")]),
                (180, [(72, "Spnngfield, IL 62701 Outsourcing Facility")])]
    rows = garbled + [(230, "OBSERVATION 2"), (242, "Equipment is not maintained."), (254, "Specifically, the hood.")]
    p3 = make_page(rows + footer_rows(page=3, of=3), number=3)
    obs = split([p1, page_with(["the batch record was not reviewed."], 2, 3), p3])
    assert [o.number for o in obs] == [1, 2]
    assert obs[0].text.endswith("the batch record was not reviewed.")
    assert not any(w in o.text for o in obs for w in ("Acme", "Elm St", "Pat Q. Doe", "1/9/2024"))


def test_the_form_is_known_by_its_printed_words_as_ocr_reads_them():
    """A noisy scan whose header labels OCR lost: the notice and the heading line still say 483."""
    from extract import is_form_483

    body = ["This document lists observations made by the FDA representative(s) during the inspection",
            "of your facility. They are inspectional observations, and do not represent a final",
            ': DURING', 'AN INSPECTION OF "YOUR FIRM WE OBSERVED:', "OBSERVATION | o"]
    assert is_form_483([make_page([(100 + 12 * i, line) for i, line in enumerate(body)])])
    # A letter from FDA names the agency and may speak of inspections; it is no 483
    letter = ["DEPARTMENT OF HEALTH AND HUMAN SERVICES", "Food and Drug Administration", "WARNING LETTER",
              "During our inspection of your firm, our investigators observed violations. The",
              "inspectional observations were listed on a Form 483 issued to you."]
    assert not is_form_483([make_page([(100 + 12 * i, line) for i, line in enumerate(letter)])])


def test_a_signature_box_that_ocr_could_not_read_is_cut_where_the_other_pages_have_it():
    """On a poor scan OCR may read none of a page's footer labels, only the names and
    signatures in its box: they must not open or end an observation. The box begins where it
    does on the pages whose labels were read."""
    p1 = page_with(["OBSERVATION 1", "Written procedures are not followed.", "Specifically, the SOP was not"], 1)
    garbled_footer = [(712, [(72, "SEE aa"), (150, "Jordan P. Avery, Investigator"), (480, "1/9/2024")]),
                      (726, [(72, "REVERSE OF | Casey R. Lund, Investigator")]),
                      (760, [(72, "FORM FDA 483 (09/08) PREVIOUS EDIION INSPECTIONAL OBSERVATIONS PAGE 2 OF 3")])]
    p2 = make_page(header_rows() + [(230, "used for the batch."), (242, "OBSERVATION 2"),
                                    (254, "Equipment is not maintained."), (266, "Specifically, the hood.")]
                   + garbled_footer, number=2)
    p3 = page_with(["OBSERVATION 3", "Laboratory controls are not followed.", "Specifically, the balance."], 3)
    obs = split([p1, p2, p3])
    assert [o.number for o in obs] == [1, 2, 3]
    assert obs[1].text == "Equipment is not maintained. Specifically, the hood."
    assert not any(w in o.text for o in obs for w in ("Avery", "Lund", "REVERSE", "FORM FDA"))
    # Without a page whose labels were read there is nothing to go by: the page is kept whole.
    assert "Avery" in split([p2])[-1].text


def test_the_first_line_of_a_page_close_under_the_header_is_body_text():
    """Text-layer line boxes are taller than the type: the body's first line can stand less than
    a box's height below the header's last value and still be text, not a second value line."""
    def tall(rows):
        return [w for y, text in rows for w in words_at(text, 72, y, h=13.2)]
    base = make_page(header_rows()[:-1] + footer_rows(page=2), number=2)
    words = [w for line in base.lines for w in line.words]
    words += tall([(181, "Springfield, IL 62701 Outsourcing Facility"), (206, "you released the batch anyway."),
                   (222, "OBSERVATION 2"), (238, "Equipment is not maintained."), (254, "Specifically, the hood.")])
    p2 = Page(2, 612.0, 792.0, group_lines(words), base.source, 1.0)
    p1 = page_with(["OBSERVATION 1", "Written procedures are not followed.", "Specifically, after the OOS result"], 1)
    obs = split([p1, p2])
    assert obs[0].text.endswith("after the OOS result you released the batch anyway.")
    # a value set over two lines, as the form's small type sets them, stays in the header
    base = make_page(header_rows()[:-1] + [(180, [(72, "Poce Sur Cisse, 37530"), (325, "Drug Manufacturer")]),
                                           (191, "France"), (230, "OBSERVATION 1"), (242, "Lead one."),
                                           (254, "Specifically, a.")] + footer_rows(), number=1)
    assert "France" not in split([base])[0].text


def test_a_heading_whose_number_ocr_garbled_with_words_read_beside_it():
    """OCR can read text from the right of the heading into its line: "OBSERVATION a): ; ..."."""
    p = page_with(["OBSERVATION 1", "Lead one.", "Specifically, a.", "OBSERVATION a): ; purporting to be sterile.",
                   "Procedures designed to prevent contamination are not followed.", "Specifically, b."])
    obs = split([p])
    assert [o.number for o in obs] == [1, 2]
    assert obs[0].text == "Lead one. Specifically, a."
    # in running text a lower-case "observation" with a letter after it stays text
    p = page_with(["OBSERVATION 1", "Lead one.", "Specifically, the observation a) above was repeated."])
    assert [o.number for o in split([p])] == [1]


def test_the_forms_continuation_button_is_no_text():
    """Fillable 483s print an "Add Continuation Page" button; OCR reads it with specks about it or
    a redaction box over it."""
    for button in ("Add Continuation Page", '"Add Continuation Page', ": Add Continuation Page",
                   "Add Continuation (b)(4) Page"):
        p = page_with(["OBSERVATION 1", "Lead statement one.", "Specifically, the unit was not held.", button])
        assert split([p])[0].text == "Lead statement one. Specifically, the unit was not held."


def test_citation_ends_at_a_garbled_specifically():
    # OCR of poor scans: the lead statement ends at "Specifically" however it was read; a
    # sentence that only starts with "Specially" is still the lead statement's.
    p = page_with([
        "OBSERVATION 1",
        "Equipment used in the manufacture of drug products is not of appropriate design for its",
        "intended use Specitia ly, the (b)(4) filler was never qualified for the batch sizes made.",
        "OBSERVATION 2",
        "There is a failure to thoroughly review any unexplained discrepancy. Speersally, A. Lot",
        "22-104 failed assay and no investigation was opened.",
        "OBSERVATION 3",
        "Specially trained staff clean the hoods, but not with a sporicidal agent. Specifically,",
        "the hoods were cleaned with 70% IPA alone.",
    ])
    obs = split([p])
    assert obs[0].citation == ("Equipment used in the manufacture of drug products is not of appropriate "
                               "design for its intended use")
    assert obs[0].body.startswith("Specitia ly, the (b)(4) filler")
    assert obs[1].citation == "There is a failure to thoroughly review any unexplained discrepancy."
    assert obs[1].body.startswith("Speersally, A. Lot")
    assert obs[2].citation == "Specially trained staff clean the hoods, but not with a sporicidal agent."


def test_a_repeat_mark_with_a_word_ocr_broke_is_found():
    p = page_with(["OBSERVATION 1", "Laboratory investigations are not thorough.",
                   "Specifically, the rinse was not checked. This is a repeat ob: ervation from the'previous FDA",
                   "483, #19(B)(1)."])
    assert split([p])[0].repeat
    # a repeat test of a sample from the previous lot is no repeat mark
    p = page_with(["OBSERVATION 1", "Laboratory investigations are not thorough.",
                   "Specifically, a repeat test from the previous lot was averaged in."])
    assert not split([p])[0].repeat
