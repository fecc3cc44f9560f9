from extract.layout import group_lines, undouble
from extract.records import Line, Word


def test_words_group_into_lines_top_to_bottom():
    words = [Word("world", 40, 10, 60, 18), Word("second", 10, 30, 40, 38), Word("hello", 10, 10, 35, 18)]
    assert [l.text for l in group_lines(words)] == ["hello world", "second"]


def test_a_skewed_line_stays_one_line():
    # each word 1.5 points lower than the one before, as on a slightly rotated scan
    words = [Word(f"w{i}", 10 + 30 * i, 100 + 1.5 * i, 35 + 30 * i, 108 + 1.5 * i) for i in range(8)]
    assert len(group_lines(words)) == 1


def test_a_comma_box_does_not_break_the_line():
    # regression: a comma's small low box made the next word start a new line
    words = [Word("Jr.", 220, 132, 240, 138), Word(",", 248, 137, 250, 140), Word("Executive", 259, 132, 300, 138)]
    assert [l.text for l in group_lines(words)] == ["Jr. , Executive"]


def test_fragments_of_one_word_are_joined():
    # born-digital layers write "Proc" and "ess" as separate runs
    words = [Word("Proc", 10, 10, 30, 20), Word("ess", 30.5, 10, 45, 20, spaced=False), Word("Unit", 50, 10, 70, 20)]
    assert group_lines(words)[0].text == "Process Unit"


def test_words_the_layer_spaced_stay_apart_however_close():
    # regression: a j's descender box reached back to the word before: "gallonjug"
    words = [Word("gallon", 10, 10, 40, 20), Word("jug", 40.2, 10, 55, 20)]
    assert group_lines(words)[0].text == "gallon jug"


def test_doubled_glyphs_are_undone_on_a_doubled_line():
    line = Line([Word("DDEEPPAARRTTMMEENNTT", 0, 0, 1, 1), Word("OOFF", 0, 0, 1, 1), Word("HHEEAALLTTHH", 0, 0, 1, 1)])
    assert undouble(line).text == "DEPARTMENT OF HEALTH"


def test_ordinary_doubled_letters_are_kept():
    line = Line([Word("1100", 0, 0, 1, 1), Word("units", 0, 0, 1, 1), Word("were", 0, 0, 1, 1), Word("released", 0, 0, 1, 1)])
    assert undouble(line).text == "1100 units were released"


def test_a_swollen_first_box_does_not_pull_in_the_next_line():
    # regression: "a)" OCR'd 17 points tall set the line's band and drew the next line's words in
    words = [Word("a)", 84, 402, 98, 419), Word("In", 102, 402, 110, 409), Word("December", 113, 402, 150, 409),
             Word("apparatuses", 179, 413, 225, 421), Word("the", 240, 402, 255, 409)]
    assert [l.text for l in group_lines(words)] == ["a) In December the", "apparatuses"]


def test_split_words_of_an_old_ocr_layer_are_mended():
    from extract.layout import join_split_words
    from extract.quality import is_word

    def line(*texts):
        return Line([Word(t, 10 * i, 0, 10 * i + 8, 8) for i, t in enumerate(texts)])

    assert join_split_words(line("Houst", "on", "TX"), is_word).text == "Houston TX"
    assert join_split_words(line("Cent", "r", "al", "Facilit", "y"), is_word).text == "Central Facility"
    assert join_split_words(line("a", "part", "of", "it"), is_word).text == "a part of it"  # real words stay


def test_a_line_opened_by_a_border_sliver_follows_its_words():
    # regression: a box border read as "|", a sliver at the foot of the line, held the line's
    # band to its one point, and the right half of a tilted line was left a line of its own,
    # printed above the left half: "for use in ... operations." before "Strict control ..."
    left = [Word("|", 65, 461.5, 66, 462.2), Word("Strict", 70, 456.2, 99, 465.1),
            Word("control", 102, 455.5, 136, 464.6), Word("issued", 283, 453.1, 312, 464.2)]
    right = [Word("for", 316, 452.9, 331, 461.8), Word("use", 332, 455.5, 348, 461.3),
             Word("operations.", 470, 450.2, 522, 462.2)]
    assert [l.text for l in group_lines(left + right)] == ["| Strict control issued for use operations."]


def test_a_word_following_a_slanted_line_joins_it_not_the_swollen_line_below():
    # A dusty, turned scan: the line sinks to the right, a short word has narrowed its band, and
    # OCR's boxes have swollen by half a line. The end of the line ("within the lot is")
    # overlaps the swollen next line's band more than its own, but follows its last word.
    words = [Word("approach", 73, 247.0, 123, 258.0), Word("of", 202, 248.4, 213, 257.3),
             Word("not.", 371, 249.8, 388, 259.9), Word("variability", 423, 248.9, 473, 267.6),
             Word("within", 476, 252.5, 508, 270.5), Word("the", 509, 251.5, 523, 261.8),
             Word("lot", 525, 253.4, 545, 268.1), Word("is", 547, 255.8, 553, 267.1),
             Word("adequately", 73, 260.2, 124, 282.0), Word("assessed.", 128, 259.9, 171, 276.2)]
    assert [l.text for l in group_lines(words)] == ["approach of not. variability within the lot is",
                                                    "adequately assessed."]


def test_a_one_word_line_of_a_small_label_does_not_take_the_words_after_it():
    # a redaction's label printed small, half a line down ("(4)"), then the line's next word:
    # the word stays on its line although it follows the label a space apart
    words = [Word("Tablet", 303, 529.5, 333, 542.8), Word("(4)", 334, 535.3, 341, 540.8),
             Word("mg", 345, 529.5, 360, 542.8), Word("and", 388, 529.5, 405, 542.8)]
    lines = group_lines(words)
    assert any(l.text.startswith("Tablet") and "mg and" in l.text for l in lines), [l.text for l in lines]


def _row(y: float, *texts: str, x: float = 100.0) -> list[Word]:
    """Words of 13-point text at height y, each 30 points wide and 4 apart."""
    return [Word(t, x + 34 * i, y, x + 34 * i + 30, y + 13.3) for i, t in enumerate(texts)]


def test_a_label_stacked_in_a_narrow_box_joins_the_boxs_line():
    # A born-digital 483: "(b)" printed above "(4)" in a box too narrow for the label; the
    # halves stand above and below the middle of the line the box is on.
    words = (_row(200, "range", "from") + [Word("(b)", 168, 203.0, 175.3, 208.6), Word("(4)", 168, 210.2, 175.3, 215.8)]
             + _row(200, "%", "to", x=180) + _row(214, "each", "concentration"))
    texts = [line.text for line in group_lines(words)]
    assert texts == ["range from (b)(4) % to", "each concentration"]


def test_labels_printed_side_by_side_are_not_stacked():
    # "(b) (4)" on one row, and another box's "(b) (4)" on the row below: each pair stays its own
    words = ([Word("(b)", 100, 200, 107.3, 205.6), Word("(4)", 109, 200, 116.3, 205.6)]
             + [Word("(b)", 100, 207.2, 107.3, 212.8), Word("(4)", 109, 207.2, 116.3, 212.8)])
    assert [w.text for line in group_lines(words) for w in line.words] == ["(b)", "(4)", "(b)", "(4)"]
