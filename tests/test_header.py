from dataclasses import replace

from pages import footer_rows, header_rows, make_page

from extract.header import parse_fei, parse_header, parse_header_page, parse_header_rows, parse_person
from extract.records import SOURCE_OCR


def test_header_fields_from_label_positions():
    page = make_page(header_rows() + [(220, "OBSERVATION 1")] + footer_rows())
    h = parse_header([page])
    assert h.fei == "3001234567"
    assert (h.inspection_start, h.inspection_end) == ("2024-01-05", "2024-01-09")
    assert h.issued_to == "Pat Q. Doe, President"  # without the leading TO:
    assert h.firm_name == "Acme Sterile LLC"  # split from the street address printed on its line
    assert h.street_address == "12 Elm St"
    assert (h.city, h.state, h.postal_code, h.country) == ("Springfield", "IL", "62701", "US")
    assert h.establishment_type == "Outsourcing Facility"
    assert h.date_issued == "2024-01-09"
    assert h.investigators == ["Jordan P. Avery"]


def test_ocr_variants_of_labels_are_found():
    rows = [(y, [(x, t.replace("FEI NUMBER", "FEJNUMBER").replace("ESTABLISHMENT", "ESTABUSHMENT"))
                 for x, t in cells]) for y, cells in header_rows()]
    h = parse_header([make_page(rows)])
    assert h.fei == "3001234567"
    assert h.establishment_type == "Outsourcing Facility"


def test_a_lost_firm_label_is_placed_from_its_row_partner():
    rows = [(y, [(x, t) for x, t in cells if t != "FIRM NAME"]) for y, cells in header_rows()]
    h = parse_header([make_page(rows)])
    assert h.firm_name == "Acme Sterile LLC"
    assert h.street_address == "12 Elm St"


def test_header_values_are_voted_across_pages():
    good = make_page(header_rows(fei="3001234567"), number=2)
    slip = make_page(header_rows(fei="300123456"), number=1)
    third = make_page(header_rows(fei="3001234567"), number=3)
    assert parse_header([slip, good, third]).fei == "3001234567"
    # an FEI has 7 or 10 digits: one whole reading outvotes two that lost a digit
    assert parse_header([slip, make_page(header_rows(fei="300123456"), number=3), good]).fei == "3001234567"


def test_last_header_row_stops_before_body_text():
    rows = header_rows() + [(190, "the technician failed to disinfect the gloves before entering the ISO 5 area and")]
    h = parse_header([make_page(rows)])
    assert h.establishment_type == "Outsourcing Facility"
    assert h.city == "Springfield"


def test_several_investigators_in_printed_order():
    page = make_page(header_rows() + footer_rows(names=("Jordan P. Avery, Investigator", "Dr. Sam K. Lee, Ph.D., Chemist",
                                                         "Ria Moss, Microbiologist")))
    assert parse_header([page]).investigators == ["Jordan P. Avery", "Sam K. Lee", "Ria Moss"]


def test_parse_person():
    assert parse_person("Digitally signed by Janet A. Rajan, Investigator") == "Janet A. Rajan"
    assert parse_person("SEE REVERSE | Chad W Rice, Investigator") == "Chad W Rice"
    assert parse_person("Sangeeta M Khurana, Investigator-GDUFA") == "Sangeeta M Khurana"
    assert parse_person("» Andrea A. Branche Investigator") == "Andrea A. Branche"
    assert parse_person("SEE REVERSE: | Andrea A. Branche investigatolYy") == "Andrea A. Branche"
    assert parse_person("no title here") is None
    # OCR of a signature written over the name
    assert parse_person("aN Andrea A. Branche, InvestigatenG0 .") == "Andrea A. Branche"
    assert parse_person("Michele lL. Forster, investigator lithe kz if FrstK") == "Michele L. Forster"
    assert parse_person("OF THIS PAGE : ied Emily J. Orban, Investigator") == "Emily J. Orban"
    # a title OCR split anywhere
    assert parse_person("Dana L Moss, Investig ator") == "Dana L Moss"
    assert parse_person("Dana L Moss, Micro biologist") == "Dana L Moss"
    # strokes of a signature run into the name: no name, rather than a wrong one
    assert parse_person("JFiDana Mosz BUeZ, Investigator") is None
    assert parse_person("Dana L. McNeil, Investigator") == "Dana L. McNeil"


def older_form(last_rows):
    """The first and last page of an older form whose box at the foot has no labels for the
    people; `last_rows` are the last page's rows above that box."""
    first = make_page(header_rows() + [(220, "OBSERVATION 1")] + footer_rows(names=(), of=2), number=1)
    foot = [(724, [(480, "DATE ISSUED")]), (735, [(72, "SEE REVERSE")]), (743, [(72, "OF THIS PAGE"), (480, "1/9/2024")]),
            (770, "FORM FDA 483 (04/03) PREVIOUS EDITION OBSOLETE INSPECTIONAL OBSERVATIONS PAGE 2 OF 2 PAGES")]
    return [first, make_page(last_rows + foot, number=2)]


def names_block(names):
    """The last page's rows of an older form: the people listed under FDA EMPLOYEES' NAMES,
    TITLES, AND SIGNATURES right after the last observation, high on the page."""
    return [(80, "OBSERVATION 3"), (95, "Cleaning records were not kept for the filling line."),
            (120, "* DATES OF INSPECTION:"), (130, "01/05/2024(Fri), 01/09/2024(Tue)"),
            (283, "FDA EMPLOYEES' NAMES, TITLES, AND SIGNATURES:"),
            (348, [(72 + 210 * i, name) for i, name in enumerate(names)])]


def test_the_names_block_of_older_forms_is_read_where_it_stands():
    pages = older_form(names_block(("Dana L Moss, Investigator", "Brent T. Hale, Investigator")))
    assert parse_header(pages).investigators == ["Dana L Moss", "Brent T. Hale"]


def test_an_observation_that_says_names_titles_and_signatures_lists_no_one():
    pages = older_form([(80, "OBSERVATION 3"),
                        (283, "The FDA employees' names, titles and signatures of the reviewers are missing"),
                        (293, "from the batch records reviewed by the Quality Unit,")])
    assert parse_header(pages).investigators == []


def test_a_name_ocr_lost_is_read_from_the_layer_it_replaced():
    # OCR reads the page better as a whole but loses the name a signature crosses; the
    # scanner's own OCR layer, which it replaced, still has it
    first, ocr = older_form(names_block(("Dana L Moss, Investigator",)))
    _, layer = older_form(names_block(("Dana L Moss, Investigator", "Brent T. Hale, Investigator")))
    assert parse_header([first, ocr]).investigators == ["Dana L Moss"]
    ocr = replace(ocr, source=SOURCE_OCR, layer_lines=layer.lines)
    assert parse_header([first, ocr]).investigators == ["Dana L Moss", "Brent T. Hale"]
    # a name only the layer of one page has, beside a page that read more, is a misreading
    pages = [make_page(header_rows() + footer_rows(names=("Dana L Moss, Investigator", "Brent T. Hale, Investigator"),
                                                   page=1, of=2), number=1),
             replace(make_page(header_rows() + footer_rows(names=("Dana L Moss, Investigator",), page=2, of=2), number=2),
                     layer_lines=make_page(footer_rows(names=("Fra Rod Lod, Investigator",), page=2, of=2)).lines)]
    assert parse_header(pages).investigators == ["Dana L Moss", "Brent T. Hale"]


def test_investigators_read_on_different_pages_are_joined():
    # A signature hides one name on some pages and the other on others.
    def page(names, number):
        return make_page(header_rows() + footer_rows(names=names, page=number, of=5), number=number)

    pages = [page(("Jordan P. Avery, Investigator",), 1), page(("Sam K. Lee, Chemist",), 2),
             page(("Jordan P. Avery, Investigator",), 3), page(("Sam K Lee, Chemist",), 4)]
    assert sorted(parse_header(pages).investigators) == ["Jordan P. Avery", "Sam K. Lee"]
    # a name read on one page only, beside the page that read the most, is a misreading
    pages = [page(("Jordan P. Avery, Investigator", "Sam K. Lee, Chemist"), 1),
             page(("Jordan P. Avery, Investigator",), 2), page(("Fra Rod Lod, Investigator",), 3)]
    assert parse_header(pages).investigators == ["Jordan P. Avery", "Sam K. Lee"]
    # each is written as most pages read them
    pages = [page(("Jordan P. Avery, Investigator", "S- Lee, Chemist"), 1), page(("Sam K. Lee, Chemist",), 2),
             page(("Sam K. Lee, Chemist",), 3), page(("Jordan Ogechi P. Avery, Investigator",), 4),
             page(("Jordan P. Avery, Investigator",), 5)]
    assert parse_header(pages).investigators == ["Jordan P. Avery", "Sam K. Lee"]


def test_parse_fei():
    assert parse_fei("3016710931") == "3016710931"
    assert parse_fei("FEI 30l67l0931") == "3016710931"  # l read for 1
    assert parse_fei("1019003") == "1019003"
    assert parse_fei("Detroit, MI 48207 (313) 393-8100") is None  # an address and phone are no FEI


def test_a_person_is_listed_once():
    page = make_page(header_rows() + footer_rows(names=("Annet R. Rajan, Investigator",
                                                         "Digitally signed by Annet Rajan, Investigator")))
    assert parse_header([page]).investigators == ["Annet R. Rajan"]


def test_an_inspection_day_ocr_lost_is_left_unknown():
    # The range's first date is unreadable on every page: the last day stands alone, no one-day
    # inspection is made up.
    pages = [make_page(header_rows(dates="22/5/2024 = 1/9/2024*")), make_page(header_rows(dates="= 1/9/2024*"))]
    h = parse_header(pages)
    assert (h.inspection_start, h.inspection_end) == (None, "2024-01-09")
    # where another page reads it whole, that page's reading gives the first day
    h = parse_header(pages + [make_page(header_rows(dates="1/5/2024-1/9/2024*"))])
    assert (h.inspection_start, h.inspection_end) == ("2024-01-05", "2024-01-09")


def test_box_borders_read_as_marks_are_no_values():
    # OCR reads the boxes' borders as "|": one under the CITY label, one between the two values.
    rows = [r for r in header_rows() if r[0] != 180]
    rows += [(176, [(316, "|")]), (181, [(72, "Springfield, IL 62701"), (316, "|"), (325, "Outsourcing Facility")])]
    h = parse_header([make_page(rows)])
    assert (h.city, h.state, h.postal_code) == ("Springfield", "IL", "62701")
    assert h.establishment_type == "Outsourcing Facility"


def test_ocr_readings_of_one_surname_are_one_person():
    def page(names, number):
        return make_page(header_rows() + footer_rows(names=names, page=number, of=5), number=number)

    pages = [page(("Demario L Wails, Investigator",), 1), page(("Demario L Wallis, Investigator",), 2),
             page(("Demario L Walls, Investigator",), 3), page(("Demario L Walls, Investigator",), 4),
             page(("Demario L Walls, Investigator",), 5)]
    assert parse_header(pages).investigators == ["Demario L Walls"]
    # two people who share an initial and whose surnames differ by more than a slip stay two
    pages = [page(("Sam K. Lee, Chemist", "Sara Lewis, Investigator"), n) for n in (1, 2)]
    assert parse_header(pages).investigators == ["Sam K. Lee", "Sara Lewis"]


def test_a_middle_initial_o_read_as_a_zero_or_a_sign():
    assert parse_person("OF THIS PAGE | Michael 0 Idowu, Investigator") == "Michael O Idowu"
    assert parse_person("OF THIS PAGE | Michael © Idowu, Investigator") == "Michael O Idowu"


def test_names_beside_see_reverse_when_the_box_labels_are_unread():
    rows = header_rows() + [
        (690, [(72, "The firm did not document the Media Fill,")]),
        (700, [(72, "EWP LOVERS) EGNATURS"), (480, "DATE ISSUED")]),
        (706, [(150, "Michele L. Forster, Investigator")]),
        (716, [(72, "SEE REVERSE"), (150, "Rebecca E. Dombrowski, Investigator"), (480, "1/9/2024")]),
        (726, [(72, "OF THIS PAGE"), (150, "Emily J. Orban, Investigator")]),
        (760, [(72, "FORM FDA 483 (09/08) PREVIOUS EDITION OBSOLETE INSPECTIONAL OBSERVATIONS PAGE 1 OF 1 PAGES")]),
    ]
    h = parse_header([make_page(rows)])
    assert h.investigators == ["Michele L. Forster", "Rebecca E. Dombrowski", "Emily J. Orban"]
    # the date issued, its label unread too, still stands at the right of that box
    at = rows.index((700, [(72, "EWP LOVERS) EGNATURS"), (480, "DATE ISSUED")]))
    rows[at] = (700, [(72, "EWP LOVERS) EGNATURS"), (480, "ok")])
    h = parse_header([make_page(rows)])
    assert (h.investigators[0], h.date_issued) == ("Michele L. Forster", "2024-01-09")


def test_header_values_read_by_their_rows_when_ocr_lost_every_label():
    garbled = {"DISTRICT ADDRESS AND PHONE NUMBER": "GR TRIN? ADURESE AND Poon NORBES",
               "DATE(S) OF INSPECTION": "xin", "FEI NUMBER": "Sty aan",
               "NAME AND TITLE OF INDIVIDUAL TO WHOM REPORT ISSUED": "AME ANS THLE CF RUBURL Fo RIO",
               "FIRM NAME": "hae Corporate", "STREET ADDRESS": "IA TREET ADS",
               "CITY, STATE, ZIP CODE, COUNTRY": "Evy YATE 2 on SRY", "TYPE ESTABLISHMENT INSPECTED": "FYSE ASPECED Bee."}
    rows = [(y, [(x, garbled.get(t, t)) for x, t in cells]) for y, cells in header_rows()]
    notice = [(200, "This. document lists observations made by the FDA representative(s) during the inspection")]
    page = make_page(rows + notice + [(230, "OBSERVATION 1")] + footer_rows())
    got = parse_header_rows(page)
    assert got == {"fei": "3001234567", "inspection_start": "2024-01-05", "inspection_end": "2024-01-09",
                   "issued_to": "Pat Q. Doe, President", "firm_name": "Acme Sterile LLC", "street_address": "12 Elm St",
                   "city": "Springfield", "state": "IL", "postal_code": "62701", "country": "US",
                   "establishment_type": "Outsourcing Facility"}
    h = parse_header([page])
    assert (h.firm_name, h.city, h.fei) == ("Acme Sterile LLC", "Springfield", "3001234567")
    # without the notice under the boxes (a continuation page), only a range of dates at the top
    # of the page is read; a range lower down is the body's, and one day is no range
    assert parse_header_rows(make_page(rows + [(230, "OBSERVATION 1")])) == {
        "inspection_start": "2024-01-05", "inspection_end": "2024-01-09"}
    assert parse_header_rows(make_page([(230, "OBSERVATION 1"), (250, "Filled 01/05/2024 - 01/09/2024")])) == {}
    one_day = [(y, [(x, "1/5/2024" if "/2024" in t else t) for x, t in cells]) for y, cells in rows]
    assert parse_header_rows(make_page(one_day + [(230, "OBSERVATION 1")])) == {}


def test_a_text_field_takes_the_reading_the_others_agree_with():
    from extract.header import _consensus
    # pages read other words beside the value, or stops inside it: the reading the others are
    # most like wins, though no two pages read it alike
    assert _consensus({"David L. Rapy, General Manager FRA NAME STREET ES": 1, "David L. Rapy,: General Manager": 1,
                       "David L. Rapy, General: Manager": 1, "David L. Rapy, General Manager FR NAME 3": 1}
                      ) == "David L. Rapy,: General Manager"
    assert _consensus({"roaepnaehogmene om lTior rar 870 Parkdale Rd 1": 1,
                       "870 Parkdate Rd WYRE ESTAR SHMENT": 1, "870 Parkdale Rd": 1}) == "870 Parkdale Rd"
    # readings alike: the most frequent; a tie: the earliest
    assert _consensus({"Pompano Beach:": 1, "Pompano Beach": 3, "2 f She Pompano Beach": 1}) == "Pompano Beach"
    assert _consensus({"Clay": 1, "elay": 1}) == "Clay"


def test_stray_tokens_after_a_value_are_dropped():
    from extract.header import clean_value
    # a handwritten date beside the establishment type, as OCR reads it
    assert clean_value("Outsourcing Facility os}aq//A ie") == "Outsourcing Facility"
    assert clean_value("Outsourcing Facility os)aq/") == "Outsourcing Facility"
    # words, numbers and dates that end values stay
    for value in ("Acme Pharma inc", "4155 Route 31, Suite 2", "Raymond J. Davis - Owner/pharmacist",
                  "Sincerus Florida, LLC dba SKNV", "1/9/2024*", "Drug Manufacturer"):
        assert clean_value(value) == value


def test_specks_before_a_value_are_dropped():
    from extract.header import clean_value
    # marks and a lone small letter that OCR read beside the box's left border
    assert clean_value("% Distributor -") == "Distributor"
    assert clean_value("é Pompano Beach") == "Pompano Beach"
    assert clean_value("= 1/9/2024*") == "1/9/2024*"
    assert clean_value("= 1/9/2024*", leading=False) == "= 1/9/2024*"  # the dates: "=" was the range's dash
    # a capital, a number or a word may open a value
    for value in ("A Plus Pharmacy", "2 Main St", "e-Pharma Inc", "(b)(4) Pharma"):
        assert clean_value(value) == value


def test_a_second_address_written_beside_the_street_is_left_out():
    from extract.header import _first_street
    # an investigator's handwritten note of the firm's other building, as OCR reads it
    assert _first_street("3265 W Mcnab Rd é A030 W- McNAB RD") == "3265 W Mcnab Rd"
    assert _first_street("265.W Mena Rd 2 2030 W. McNAB RD") == "265.W Mena Rd"
    assert _first_street("3265 W Menab Rd é A0zs0 W- McNAB RD") == "3265 W Menab Rd"
    # one street, however it goes on, is kept whole
    for street in ("100 St Paul Street", "1 Main St 2nd Floor", "4155 Route 31, Suite 2",
                   "300 River Place Drive Ste 5900", "9265 Kirby Dr"):
        assert _first_street(street) == street


def test_a_box_value_ends_at_the_notice_though_its_first_line_was_not_read():
    # OCR lost "This document lists observations made by ..." and read of the notice's next
    # lines only pieces in the right column: they are the notice, no part of the type above
    rows = header_rows() + [
        (190, [(325, "observations, and do not represent")]),
        (200, [(325, "implemented, or plan to implement,")]),
    ]
    header = parse_header_page(make_page(rows))
    assert header["establishment_type"] == "Outsourcing Facility"


def test_the_person_is_read_where_the_label_of_its_box_was_lost():
    rows = [r for r in header_rows(issued_to="Pat Q. Doe, Chief Operating Officer") if r[0] != 120]
    assert parse_header_page(make_page(rows))["issued_to"] == "Pat Q. Doe, Chief Operating Officer"
    # a blank box: the district's last line above it is no person
    rows = [r for r in header_rows() if r[0] not in (120, 130)] + [(112, [(72, "Detroit, MI 48207 (313) 393-8100")])]
    assert "issued_to" not in parse_header_page(make_page(rows))
    # a parenthesis read as a brace is mended
    rows = header_rows(issued_to="TO: Pat Q. Doe, Chief Executive Officer (CEO}")
    assert parse_header_page(make_page(rows))["issued_to"] == "Pat Q. Doe, Chief Executive Officer (CEO)"


def test_the_district_is_the_reading_the_pages_agree_with():
    from extract.header import _pick
    # two pages read only the box's first line, four the whole box, each with its own specks:
    # the whole box wins, not the one reading that recurs
    readings = {"555 Winderley Place, Suite 200": 2,
                "Y, 555 Winderley Place, Suite 200, Maitland, FL 32751 ., (407) 475-4700": 1,
                "555 Winderley Place, Suite 200, Maitland, FL 32751 -, (407) 475-4700": 1,
                "5, 555 Winderley Place, Suite 200, Maitland, FL 32751, (407) 475-4700 eT": 1,
                "555 Winderley Place, Suite 200, ., Maitland, FL 32751, (407) 475-4700": 1}
    assert "Maitland" in _pick("district", readings)


def test_a_value_row_is_read_though_a_speck_stretched_one_word_below_the_next_label():
    # OCR joined a speck under "Sterile" to its box: the row's bottom reaches past the top of
    # the CITY label below, but the row stands above it
    from extract.records import Word
    page = make_page(header_rows())
    row = next(ln for ln in page.lines if ln.text.startswith("Acme"))
    row.words[1] = Word("Sterile", row.words[1].x0, row.words[1].top, row.words[1].x1, 186.0)
    header = parse_header_page(page)
    assert header["firm_name"] == "Acme Sterile LLC"
    assert header["street_address"] == "12 Elm St"


def test_a_firm_reading_that_ran_into_the_rows_below_is_outvoted():
    # two pages lost every label below the firm's and read its box on through the street,
    # the place and the type; one page read the box alone
    alone = make_page(header_rows(), number=1)
    ran_on = [
        make_page([r for r in header_rows() if r[0] not in (145, 155, 170, 180)]
                  + [(145, [(72, "FIRM NAME")]), (155, [(72, "Acme Sterile LLC : 12 Elm St,")]),
                     (165, [(72, f"Springfield, IL 62701 {etype}")])], number=n)
        for n, etype in ((2, "Outsourcing Facility"), (3, "Outsourcing Facil"))]
    assert parse_header_page(ran_on[0])["firm_name"].endswith("Outsourcing Facility")
    h = parse_header([alone] + ran_on)
    assert h.firm_name == "Acme Sterile LLC"
    # where every page ran on, the readings stand
    assert "Acme Sterile LLC" in parse_header(ran_on).firm_name


def test_words_read_beside_a_box_on_a_page_or_two_are_trimmed():
    from extract.header import _pick
    # a stamp's date and specks beside the type box, read differently on each page
    readings = {"CARR Outsourcing Facility": 1, "Outsourcing. Facility": 1, "cCrR RD Outsourcing Facility OF 129/26": 1,
                "caer) : Outsourcing Facility 605129426)": 1, "tsourcing Facility os / 29/26": 1}
    assert _pick("establishment_type", readings) == "Outsourcing Facility"
    # words OCR read nearly alike count as one: "Lic" for "LLC"
    assert _pick("firm_name", {"T Acme,LLC Ms": 1, "ae aaa Acme, LLC": 1, "Acme, Lic": 1}) in ("Acme,LLC", "Acme, LLC")
    # a word half the readings have is the value's: a page's box and rows readings of the
    # person's name beside it do not outvote two pages' readings of the firm
    assert _pick("firm_name", {"Jesse E. Rettig, CEO RIA NAME cee Inc": 1, "Acme, Inc": 2, "cee Inc": 1}) == "Acme, Inc"
    # two readings are too few to tell the value's words from the rest: kept as read
    assert _pick("firm_name", {"Acme Sterile LLC": 1, "Acme Sterile LLC Sm 1": 1}) in ("Acme Sterile LLC", "Acme Sterile LLC Sm 1")
    # a value no reading shares a word of is left as the readings have it
    assert _pick("city", {"Clay": 1, "elay": 1, "MO OBSERVATION 2": 1}) in ("Clay", "elay", "MO OBSERVATION 2")


def test_specks_read_above_the_person_are_no_part_of_it():
    rows = [r for r in header_rows() if r[0] != 130] + [(129, [(330, "esau pag hear me")]),
                                                        (137, [(72, "TO: Pat Q. Doe, President")])]
    assert parse_header_page(make_page(rows))["issued_to"] == "Pat Q. Doe, President"
    # without "TO:" the box's first lines are the value, as before
    rows = [r for r in header_rows() if r[0] != 130] + [(130, [(72, "Pat Q. Doe, President")])]
    assert parse_header_page(make_page(rows))["issued_to"] == "Pat Q. Doe, President"


def test_a_box_the_first_pages_read_twice_takes_the_later_pages_readings_too():
    # OCR lost the firm's box on four of the first six pages; the two that read it read
    # specks beside it. The later pages' readings join the vote, and the specks are trimmed
    def page(n, firm=None):
        rows = header_rows(firm=firm or "x") if firm else [r for r in header_rows() if r[0] not in (145, 155)]
        return make_page(rows, number=n)
    pages = [page(1, "Fin Nawe TY Acme Sterile LLC eects"), page(2), page(3), page(4, "Acme Sterile LLC Mets"),
             page(5), page(6), page(7, "Acme Sterile LLC"), page(8, "Fina NAME Acme Sterile LLC")]
    assert parse_header(pages).firm_name == "Acme Sterile LLC"
    assert parse_header(pages[:6]).firm_name != "Acme Sterile LLC"  # two readings: nothing to trim by
