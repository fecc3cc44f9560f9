import pytest

from extract.text import count_redactions, join_lines, normalise_redactions, strip_edges


@pytest.mark.parametrize(
    "raw,clean",
    [
        ("sterile (b) (4) bottles", "sterile (b)(4) bottles"),
        ("steril~(b) 4) bottles", "steril~ (b)(4) bottles"),  # OCR lost the opening bracket
        ("from[(6) (4) ] and", "from (b)(4)] and"),  # b read as 6
        ("((bb))( 4(4)) supplier", "(b)(4) supplier"),  # a doubled born-digital layer
        ("operator (b)(6) signed", "operator (b)(6) signed"),
        ("names (b)(7)(C) were", "names (b)(7)(C) were"),
        ("specification to (b) (4).", "specification to (b)(4)."),
        # a label printed "(b)" over "(6)" on a mark of the layer's own, at the same spot
        ("your analyst (b) (b)(4) (6) reviewed", "your analyst (b)(6) reviewed"),
        ("a total of(b) (b)(4) (4) bottles", "a total of (b)(4) bottles"),
        # what is left of a label beside its box's mark, on either side
        ("each lot (b) (b)(4) was", "each lot (b)(4) was"),
        ("filled (b) (4) (4) bottles", "filled (b)(4) bottles"),
        ("produced on(b) (b)(4) and a (b) (4) (4)reduction", "produced on (b)(4) and a (b)(4) reduction"),
        # OCR's readings of the label's "(b)"
        ("cleaned with (B) (4) agent", "cleaned with (b)(4) agent"),
        ("batch # (0) (4) was", "batch # (b)(4) was"),
        ("also operates (15) (4) and (l5) (4) located", "also operates (b)(4) and (b)(4) located"),
        ("treated with sterile (1D) (4) (made by", "treated with sterile (b)(4) (made by"),
        ("recovered in Anteroom ((I:>) (4)) on", "recovered in Anteroom (b)(4) on"),
        ("cleaning(l:>)(4) times with:(o) (4) then", "cleaning (b)(4) times with: (b)(4) then"),
        ("and batch 4_() (4) was", "and batch 4_ (b)(4) was"),
        ("received on (b)_(4), your", "received on (b)(4), your"),
    ],
)
def test_redactions_are_normalised(raw, clean):
    assert normalise_redactions(raw) == clean


@pytest.mark.parametrize("text", ["items (b) and (c) of the SOP", "section (b)(1) applies", "a) and (b) 4 units",
                                  "the causes: (b) (b)(4) was not reviewed", "was found. (b) (b)(4) lots were",
                                  "NLT 80% (Q) (4) of the label", "under 582(c)(4)(A)(i) of the Act",
                                  "items (n), (o) and (p)"])
def test_list_markers_are_not_redactions(text):
    assert normalise_redactions(text) == text


def test_count_redactions():
    assert count_redactions("(b)(4) and (b)(4), (b)(6)") == {"(b)(4)": 2, "(b)(6)": 1}


def test_join_lines_mends_hyphenation_only_inside_words():
    assert join_lines(["contam-", "ination of the", "HOU-", "OPS-017 rev"]) == "contamination of the HOU-OPS-017 rev"


def test_strip_edges_removes_box_borders():
    assert strip_edges("| Camerson E Moore, Investigator |") == "Camerson E Moore, Investigator"
