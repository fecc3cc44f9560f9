"""Splitting a 483's pages into its numbered observations.

Each page's body is what lies between the repeated header boxes and the signature box. Bodies
are read in order and cut at the numbered headings ("OBSERVATION 3" and its OCR variants); old
and BIMO forms number their findings as a list ("1. The firm did not ..."). A heading is only
accepted in sequence, at the start of a line, so "see Observation 2" in a text never splits it.
Where OCR lost a label row of a page's header, the values below it open the body; lines there
that repeat a header line of any page are dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from .labels import FOOTER_KEYS, HEADER_KEYS, find_labels, fold, is_notice
from .records import Observation, Page
from .text import count_redactions, join_lines, normalise_redactions, strip_edges

# "OBSERVATION 1", "OBSERVATION #1", "OBS ERVATION 1", "0BSERVATlON l", "Observation No. 1:"
# OBSERVATION as OCR spells it
_WORD = r"[O0Q][BD8]\s?S\s?[EF]\s?R\s?V\s?[AÀ]\s?T\s?[I1l|!]\s?[O0Q]\s?[NM]"
_HEADING = re.compile(
    r"^\W{0,3}(?P<word>" + _WORD + r"S?)\s*"
    r"(?:N[O0]\.?\s*|#\s*|:\s*|[^\w\s|!]{1,2}\s+)?(?P<num>[0-9IlOo|!]{1,3})(?![A-Za-z0-9])\s*[:.\-)]?\s*(?P<rest>.*)$",
    re.I,
)
# Findings numbered as a list, on forms without headings: "1. The firm did not ..."
_LIST_ITEM = re.compile(r"^\W{0,2}(?P<num>\d{1,2})\s*[.)]\s+(?P<rest>[A-Z].*)$")
# The first of them as OCR misreads it on a poor scan: "41.", "l.", "I." (a stroke read in
# before the 1, or the 1 read as a letter).
_LIST_FIRST_MISREAD = re.compile(r"^\W{0,2}(?:\d?1|[lI|!])\s*[.)]\s+(?P<rest>[A-Z].*)$")
# Any other number read as two letters or a mark ("eS The firm did not ..."); not a letter and a
# stop or bracket, which open a finding's lettered items.
_LIST_GARBLED = re.compile(r"^\W{0,2}(?:[^\W\d_]{2}|[^\w\s])\s+(?P<rest>[A-Z][a-z]+\s.{30,})$")
# Text ahead of a list that opens at "2." is taken for finding 1 when it has this many characters.
_LIST_FIRST_MIN = 40
_REPEAT = re.compile(
    r"\b(?:this\s+is\s+a\s+)?repeat(?:ed)?\s+(?:observation|finding|citation)s?\b"
    r"|\brepeat\s+from\s+(?:the\s+)?(?:previous|prior|\d{4})"
    # a word between that OCR broke ("a repeat ob: ervation from the'previous FDA 483")
    r"|\brepeat(?:ed)?\s+[^.]{0,25}?\bfrom\s+the\W*(?:previous|prior|last)\W+(?:FDA|483|inspection)\b",
    re.I,
)
# The sentence-opening "Specifically": capital S, since citations themselves may say "within
# specifically defined areas" (211.42(c)).
_SPECIFICALLY = re.compile(r"\b[S5](?i:p[ea]c[il1!|]f[il1!|]c[ae][l1I|]{1,2}y)\b\s*[,:;.]?")
# What OCR makes of it on a poor scan ("Spscifically", "Specitia ly,", "Speersally,"): a word
# of S, p and up to twelve letters more, perhaps split once, ending in "y", read as
# "specifically" by its letters (_specifically).
_SPECIFICALLY_GARBLED = re.compile(r"\b[S5]p[a-z1!|]{2,10}(?: [a-z1!|]{1,6})?y\b(?P<comma>\s*,)?")
# How alike the letters must be (rapidfuzz ratio, 0-1): alone, or as the first word of a sentence
# followed by a comma; the English words among them are what they say.
_SPECIFICALLY_RATIO = 0.8
_SPECIFICALLY_OPENER_RATIO = 0.6
_SPECIFICALLY_LOOKALIKES = frozenset({"specially", "specificity"})
_SYSTEM_HEADING = re.compile(
    r"^(?:[A-Z,&/ ]+\s)?(?:SYSTEMS?|LABORATORY\s+CONTROLS?|PRODUCTION|MATERIALS|QUALITY|"
    r"FACILITIES\s+AND\s+EQUIPMENT|PACKAGING\s+AND\s+LABEL+ING)$"
)
_DATES_LIST = re.compile(r"^\W*\*?\s*DATES?\s+OF\s+INSPECTIONS?\b", re.I)
_DAY = re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}\s*\(\s*[A-Za-z]{2,5}\.?\s*\)")
_ESIGN = re.compile(r"\bSigned\s*(?:By|in\s+By)\b|\bDate\s+Signed\b|\bDigitally\s+signed\b", re.I)
_BIMO_INTRO = re.compile(r"^\s*The\s+following\s+(?:objectionable\s+)?(?:findings?|conditions?|observations?)\b.*\bobserved\b", re.I)
_REVERSE = re.compile(
    r"observations\s+of\s+objectionable\s+conditions|front\s+of\s+this\s+form\s+are\s+reported|"
    r"section\s+704\s*\(b\)\s+of\s+the\s+federal\s+food",
    re.I,
)
_FURNITURE = re.compile(
    r"^\W{0,3}(?:AMENDMENT\s+\d+|Add\s+Continuation\s+(?:\(b\)\s*\(\d\)\s+)?Page\W{0,3}|"
    r"Industry\s+Information:.*|DURING\s+AN\s+INSPECTION\s+OF\s+YOUR\s+FIRM.*)$",
    re.I,
)

# What OCR reads from specks and strokes: at most two marks, none of them a word or a number.
_SPECK = re.compile(r"^\W{0,2}[^\W\d]?\W{0,2}$")
# A line of one short word right under a heading is specks, not the start of the citation.
_SPECK_LINE_MAX = 6
# Marks read between a heading's number and the citation, a stray digit among them.
_LEADING_SPECKS = re.compile(r"^(?:[^\w\s]{1,3}\s*)+(?:\d(?:\s+|$))?(?=[A-Z][a-z]|$)")

_NUM_FIX = str.maketrans({"I": "1", "l": "1", "|": "1", "!": "1", "O": "0", "o": "0"})
# A heading alone on its line whose number OCR misread beyond repair ("OBSERVATION $" for 9,
# "OBSERVATION a", "OBSERVATION - &"): the splitter numbers it as the one expected next.
_HEADING_GARBLED = re.compile(
    r"^\W{0,3}(?P<word>" + _WORD + r")\s+"
    r"(?:N[O0]\.?\s*|#\s*)?(?:[0-9$§&%SBZG?]{1,2}|[^\w\s]{1,2}(?:\s+[^\w\s]{1,2})?|[^\W\d])\W{0,2}$"
)

# The same with words after it that OCR read in from the right of the heading's line
# ("OBSERVATION a): ; purporting to be sterile."): a letter or mark for the number, then the
# stop or bracket a number takes.
_HEADING_GARBLED_WORDS = re.compile(
    r"^\W{0,3}(?P<word>" + _WORD + r")\s+(?:[^\W\d]|[$§&%?])[.:;)]+\s*(?P<rest>.*)$"
)

# A heading whose number OCR glued to the word and read as a letter ("OBSERVATIONS On he",
# "OBSERVATIONS Mes. sae" for OBSERVATION 3), specks at most after it. The same letters could
# start a sentence, so it is taken only to fill a gap: where the next heading read has the
# number after the one expected.
_HEADING_GLUED = re.compile(
    r"^\W{0,3}(?P<word>" + _WORD + r")[S5$§&B]\W{0,2}(?:\s+\S{1,4}){0,3}\s*$"
)
# What `_heading` returns for such a line: no number, and no text of its own.
_GAP_ONLY = (None, None)


@dataclass
class BodyLine:
    page: int
    text: str
    x0: float
    width: float  # of the page, to tell indented lines


@dataclass
class _Draft:
    number: int
    page_start: int
    lines: list[BodyLine] = field(default_factory=list)
    heading: str | None = None


def is_reverse_page(page: Page) -> bool:
    """The form's back (Section 704(b) notice), which holds no observations."""
    text = page.text
    if not _REVERSE.search(text):
        return False
    return len(find_labels(page.lines[:25], ("firm", "street", "dates", "type"))) < 2


# The furthest a line of a header value stands below the line above it, as a share of the page's height.
_VALUE_LINE_STEP = 0.0175


def _marks_only(text: str) -> bool:
    """A line of marks alone (".", "- '"): specks on a scan, not text."""
    return not any(c.isalnum() for c in text)


def _left_top(line) -> float:
    """The top of a line's leftmost word: on a page scanned askew, lines that start at the same
    margin keep their spacing there, while a long line's top is that of its highest end (the
    step between lines is taken as the smaller of the two, for lines that start apart)."""
    return min(line.words, key=lambda w: w.x0).top


def _header_end(page: Page) -> tuple[int, bool]:
    """(index of the first line below the header boxes, whether their lower rows were read)."""
    lines = page.lines
    top_labels = find_labels(lines, HEADER_KEYS, y_max=page.height * 0.5)
    header_rows = [lab for k, lab in top_labels.items() if k in ("city", "type", "firm", "street", "issued_to")]
    if not header_rows:
        return 0, False
    last_row = max(lab.line_index for lab in header_rows)
    start = last_row + 1
    # the values of the last row: lines close below it
    labels = prev = lines[last_row]
    while start < len(lines) and start <= last_row + 3:
        line = lines[start]
        if _marks_only(line.text):  # a speck on a scan
            start += 1
            continue
        gap = line.top - prev.bottom
        h = line.bottom - line.top
        # The first line under the labels holds their values. A value's second line follows its
        # first as closely as the form's small type is set (about 0.014 of the page); the body's
        # first line stands further off (0.021 and more), though its line box, taller than the
        # type, may leave a gap of less than a line.
        step = 0.0 if prev is labels else min(_left_top(line) - _left_top(prev), line.top - prev.top)
        if gap > max(6.0, 0.9 * h) or step > _VALUE_LINE_STEP * page.height or _HEADING.match(line.text):
            break
        prev = line
        start += 1
    return start, True


_BANNER = ("FOOD AND DRUG ADMINISTRATION", "DEPARTMENT OF HEALTH AND HUMAN SERVICES")


def _has_banner(page: Page) -> bool:
    """The form's banner, DEPARTMENT OF HEALTH AND HUMAN SERVICES / FOOD AND DRUG
    ADMINISTRATION, read at the top of the page (either line: OCR may garble the other)."""
    return any(fuzz.partial_ratio(words, line.text.upper(), score_cutoff=80)
               for line in page.lines if line.top < page.height * 0.15 for words in _BANNER)


# The footer's labels that mark its top: "FORM FDA 483 ... PAGE x OF y" is printed below the box.
_FOOTER_TOP_KEYS = tuple(k for k in FOOTER_KEYS if k != "form")
# A line of body text may end this close above the footer box on another page (a share of the
# page's height): an unread page's footer is taken to begin this much above the others'.
_FOOTER_SLACK = 0.004


def _footer_labels(page: Page) -> dict:
    return find_labels(page.lines, FOOTER_KEYS, y_min=page.height * 0.45)


def footer_top(pages: list[Page], footers: list[dict]) -> float | None:
    """Where the signature box begins on the pages whose footer labels (`footers`, each page's
    `_footer_labels`) were read, as a share of the page's height; the median, so that one label
    read in the text is outvoted. None where no page's were read."""
    tops = sorted(min(lab.top for k, lab in labels.items() if k in _FOOTER_TOP_KEYS) / page.height
                  for page, labels in zip(pages, footers)
                  if page.height and any(k in labels for k in _FOOTER_TOP_KEYS))
    return tops[len(tops) // 2] if tops else None


def header_and_body(page: Page, header_end: tuple[int, bool], header_bottom: float | None,
                    footer_share: float | None, bottom_labels: dict) -> tuple[list[str], list[BodyLine]]:
    """The texts of a form page's header lines, and its body: the lines between its header
    boxes and its signature box. header_end: the page's `_header_end`; header_bottom: where
    the header boxes end on the other pages of the 483, for a page whose lower header rows OCR
    could not read; footer_share: where the signature box begins on the other pages
    (`footer_top`), for a page whose signature box OCR could not read; bottom_labels: the
    page's `_footer_labels`."""
    lines = page.lines
    start, read = header_end
    if not read and header_bottom is not None and _has_banner(page):
        # The form's header printed here, its labels lost to OCR: it ends where it does on the
        # other pages.
        while start < len(lines) and lines[start].top < header_bottom:
            start += 1
    # page 1: the notice paragraph and "DURING AN INSPECTION OF YOUR FIRM WE OBSERVED:"
    for i in range(start, min(len(lines), start + 12)):
        if is_notice(lines[i].text, last=True):
            start = i + 1
    while start < len(lines) and is_notice(lines[start].text):
        start += 1
    end = len(lines)
    # Words of a footer label that OCR joined to the last line of text ("was not dated. ; DATE ISSUED").
    label_words = {id(w) for lab in bottom_labels.values() for w in lab.words}
    box_top = min((lab.top for lab in bottom_labels.values()), default=None)
    if footer_share is not None and not any(k in bottom_labels for k in _FOOTER_TOP_KEYS):
        # The signature box's labels lost to OCR (on a scan its names and signatures would
        # open the next observation): it begins where it does on the other pages.
        guess = (footer_share - _FOOTER_SLACK) * page.height
        box_top = guess if box_top is None else min(box_top, guess)
    if box_top is not None:
        for i in range(start, len(lines)):
            if (lines[i].top + lines[i].bottom) / 2 >= box_top - 1:
                end = i
                break
    out = []
    for line in lines[start:end]:
        words = [w.text for w in line.words if id(w) not in label_words]
        text = strip_edges(_LABEL_LEFTOVER.sub("", " ".join(words)) if len(words) < len(line.words) else line.text)
        if _marks_only(text) or _FURNITURE.match(text):
            continue
        out.append(BodyLine(page.number, text, line.x0, page.width))
    return [strip_edges(line.text) for line in lines[:start]], out


# A header line must be this long to be matched in another page's body (short ones, "FEI
# NUMBER" or a date, could match text), and this alike (rapidfuzz ratio) to be the same line.
_HEADER_LINE_MIN = 16
_HEADER_LINE_SCORE = 85
# Leftovers of a footer label cut out of a line of text: the separators OCR put before it.
_LABEL_LEFTOVER = re.compile(r"(?:\s+[;:,|'_.]+)+\s*$")
# A page's header can lose a label row to OCR ("CITY, STATE, ZIP CODE" read into the values
# below it); its value lines then open the body. At most this many are looked for.
_REPEATED_HEADER_MAX = 4


def _drop_repeated_header(body: list[BodyLine], header_lines: list[str]) -> list[BodyLine]:
    """The body without its first lines where they repeat a line of the header boxes (of this
    page or another): the firm's name and address, printed again on every page."""
    drop = 0
    while drop < min(len(body), _REPEATED_HEADER_MAX):
        text = body[drop].text
        if len(text) < _HEADER_LINE_MIN or not any(
                fuzz.ratio(text, h, score_cutoff=_HEADER_LINE_SCORE) for h in header_lines):
            break
        drop += 1
    return body[drop:]


def is_dates_list(text: str) -> bool:
    """The "*DATES OF INSPECTION" list, or a line of it: "8/18/2025(Mon), 8/19/2025(Tue), ..."."""
    return bool(_DATES_LIST.match(text)) or len(_DAY.findall(text)) >= 2


def _drop_dates_list(lines: list[BodyLine]) -> list[BodyLine]:
    """Cut at the list of inspection days: the form prints it after the last observation, and
    what follows it (e-signature stamps, a page of signatures) is no observation's text."""
    out = []
    for bl in lines:
        if is_dates_list(bl.text):
            break
        if _ESIGN.search(bl.text):
            continue
        out.append(bl)
    return out


def _capitals(word: str) -> bool:
    """Headings print OBSERVATION in capitals; "Observation 2." starting a line is a cross-reference."""
    letters = [c for c in word if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= 0.7 * len(letters)


def _heading(text: str) -> tuple[int | None, str | None] | None:
    """(number, text after it) of a heading line, None when the line is none; the number is
    None when OCR garbled it, and the text None (`_GAP_ONLY`) when the line is a heading only
    if a number is missing where it stands."""
    m = _HEADING.match(text)
    if m and not _capitals(m.group("word")):
        return None
    if not m:
        # "OBSERV ATION" split oddly, or letters misread beyond the regex: fuzzy on the first word(s)
        words = text.split()
        if len(words) >= 2 and len(words) <= 40:
            for n in (1, 2):
                head = fold("".join(words[:n]))
                if (len(head) >= 9 and fuzz.ratio(head, fold("OBSERVATION")) >= 82 and len(words) > n
                        and _capitals("".join(words[:n]))):
                    num = words[n].strip("#:.-)").translate(_NUM_FIX)
                    if num.isdigit():
                        return int(num), " ".join(words[n + 1 :])
        garbled = _HEADING_GARBLED.match(text.strip())
        if garbled and _capitals(garbled.group("word")):
            return None, ""
        garbled = _HEADING_GARBLED_WORDS.match(text.strip())
        if garbled and _capitals(garbled.group("word")):
            return None, garbled.group("rest")
        glued = _HEADING_GLUED.match(text.strip())
        if glued and _capitals(glued.group("word")):
            return _GAP_ONLY
        return None
    num = m.group("num").translate(_NUM_FIX)
    rest = m.group("rest")
    if _SPECK.match(rest):  # "OBSERVATION | o": a speck or a stroke after the number, no words
        rest = ""
    rest = _LEADING_SPECKS.sub("", rest)  # "OBSERVATION 4 ; : 3 There is a failure"
    return (int(num) if num.isdigit() else None), rest


def _is_system_heading(text: str) -> bool:
    letters = re.sub(r"[^A-Za-z]", "", text)
    if not letters or letters.upper() != letters or len(text.split()) > 8:
        return False
    return bool(_SYSTEM_HEADING.match(" ".join(re.sub(r"[^A-Z,&/ ]", " ", text).split())))


def split(pages: list[Page]) -> list[Observation]:
    """The numbered observations of a 483, in order, each over the pages it spans."""
    # Where the header boxes end, on the pages where their rows were read: the same on every page.
    form_pages = [page for page in pages if page.lines and not is_reverse_page(page)]
    ends = [_header_end(page) for page in form_pages]
    bottoms = sorted(page.lines[start - 1].bottom for page, (start, read) in zip(form_pages, ends) if read)
    header_bottom = bottoms[len(bottoms) // 2] if bottoms else None
    footers = [_footer_labels(page) for page in form_pages]
    footer_share = footer_top(form_pages, footers)
    bodies = [header_and_body(page, end, header_bottom, footer_share, labels)
              for page, end, labels in zip(form_pages, ends, footers)]
    header_lines = [t for header, _ in bodies for t in header if len(t) >= _HEADER_LINE_MIN]
    lines: list[BodyLine] = []
    for _, body in bodies:
        lines.extend(_drop_repeated_header(body, header_lines))
    lines = _drop_dates_list(lines)
    drafts = _split_headings(lines)
    if not drafts:
        drafts = _split_list(lines)
    return [_finish(d) for d in drafts]


def _split_headings(lines: list[BodyLine]) -> list[_Draft]:
    drafts: list[_Draft] = []
    pending_heading = None
    heads = [_heading(bl.text) for bl in lines]
    for i, bl in enumerate(lines):
        h = heads[i]
        expected = drafts[-1].number + 1 if drafts else 1
        if h is _GAP_ONLY:
            later = next((n for head in heads[i + 1:] if head and (n := head[0]) is not None), None)
            h = (expected, "") if drafts and later == expected + 1 else None
        if h is not None:
            num, rest = h
            if num is None or (drafts and num < expected) or num > expected + 3:
                # A number out of sequence is OCR's misreading ("OBSERVATION 3" for 9) when the
                # heading stands alone on its line; with words after it, a cross-reference; the
                # number of the observation under way, its heading printed again.
                misread = (num is None or num > expected + 3
                           or (not rest.strip() and num != expected - 1))
                num = expected if misread else None
            if num is not None:
                d = _Draft(num, bl.page, heading=pending_heading)
                pending_heading = None
                if rest.strip():
                    d.lines.append(BodyLine(bl.page, rest.strip(), bl.x0, bl.width))
                drafts.append(d)
                continue
        if drafts and _is_system_heading(bl.text):
            pending_heading = bl.text
            continue
        if drafts:
            if pending_heading:  # a capitalised line that was not followed by a heading after all
                drafts[-1].lines.append(BodyLine(bl.page, pending_heading, bl.x0, bl.width))
                pending_heading = None
            if not drafts[-1].lines and len(bl.text) <= _SPECK_LINE_MAX and " " not in bl.text.strip():
                continue  # specks read beside the heading ("c", ":", "aioah"): the citation is a sentence
            drafts[-1].lines.append(bl)
        elif _is_system_heading(bl.text):
            pending_heading = bl.text
    return drafts


def _split_list(lines: list[BodyLine]) -> list[_Draft]:
    """Findings numbered "1.", "2.", ... at the left margin (BIMO and old forms).

    On a poor scan OCR may misread a number: "41." or "l." for the first, a smudge for any
    other. A first finding so misread still opens the list, and when a number is unread the
    list goes on at the next one it can read, so that later findings keep their numbers; the
    unread one is split from the finding before it where one line there opens with marks for
    a number (`_split_garbled_item`), and stays within it otherwise. A list whose "1." is
    unread altogether opens at "2.", with the text before it as finding 1."""
    numbered = {i: m for i, bl in enumerate(lines) if (m := _LIST_ITEM.match(bl.text))}
    if not numbered:
        return []
    margin = min(lines[i].x0 for i in numbered)

    def at_margin(bl: BodyLine) -> bool:
        return bl.x0 <= margin + bl.width * 0.03

    items = {i: (int(m.group("num")), m.group("rest")) for i, m in numbered.items() if at_margin(lines[i])}
    if not any(n == 1 for n, _ in items.values()):
        # the misread first number is found ahead of the second or third
        first = min((i for i, (n, _) in items.items() if n in (2, 3)), default=len(lines))
        for i, bl in enumerate(lines[:first]):
            m = _LIST_FIRST_MISREAD.match(bl.text)
            if m and at_margin(bl):
                items[i] = (1, m.group("rest"))
                break
    order = sorted(items)
    next_number = {i: items[j][0] for i, j in zip(order, order[1:])}
    drafts: list[_Draft] = []
    before: list[BodyLine] = []  # body text ahead of the first finding
    for i, bl in enumerate(lines):
        expected = drafts[-1].number + 1 if drafts else 1
        if i in items:
            num, rest = items[i]
            # one number unread: take this one if the list goes on from it
            skipped = num == expected + 1 and next_number.get(i, num + 1) == num + 1
            if num == expected or skipped:
                if num == 2 and not drafts and sum(len(b.text) for b in before) >= _LIST_FIRST_MIN:
                    drafts.append(_Draft(1, before[0].page, list(before)))
                elif skipped and drafts:
                    _split_garbled_item(drafts, at_margin)
                drafts.append(_Draft(num, bl.page, [BodyLine(bl.page, rest, bl.x0, bl.width)]))
                continue
        if _BIMO_INTRO.match(bl.text):
            before = []
            continue
        if drafts:
            drafts[-1].lines.append(bl)
        else:
            before.append(bl)
    return drafts


def _split_garbled_item(drafts: list[_Draft], at_margin) -> None:
    """The finding whose number was unread, found within the last one: the one line after its
    first that opens at the margin with marks for a number ("eS The firm did not ...")."""
    last = drafts[-1]
    found = [(k, m) for k, bl in enumerate(last.lines[1:], 1)
             if at_margin(bl) and (m := _LIST_GARBLED.match(bl.text))]
    if len(found) != 1:
        return  # none, or no telling which
    k, m = found[0]
    bl = last.lines[k]
    drafts.append(_Draft(last.number + 1, bl.page, [BodyLine(bl.page, m.group("rest"), bl.x0, bl.width)]
                         + last.lines[k + 1:]))
    del last.lines[k:]


def _finish(d: _Draft) -> Observation:
    kept = [bl for bl in d.lines if not _BIMO_INTRO.match(bl.text)]
    text = normalise_redactions(join_lines([bl.text for bl in kept]))
    m = _REPEAT.search(text)
    repeat_note = _sentence_at(text, m.start()) if m else None
    if repeat_note:
        # A mark after the observation's text annotates the whole of it: keep it out of the text.
        # One inside the text (on an item of a list) stays where it is printed.
        at = text.rfind(repeat_note)
        if at >= 0 and not text[at + len(repeat_note):].strip(" .()*"):
            text = text[:at].rstrip(" (*")
    page_end = kept[-1].page if kept else d.page_start
    citation = _citation(text)
    return Observation(
        number=d.number,
        page_start=d.page_start,
        page_end=max(page_end, d.page_start),
        text=text,
        citation=citation,
        repeat=repeat_note is not None,
        repeat_note=repeat_note,
        redactions=count_redactions(text),
        heading=d.heading,
    )


def _sentence_at(text: str, pos: int) -> str:
    start = max(text.rfind(".", 0, pos), text.rfind("(", 0, pos) - 1, -1) + 1
    end = text.find(".", pos)
    end = len(text) if end < 0 else end + 1
    return text[start:end].strip(" ()")


def _specifically(text: str) -> int | None:
    """Where the details' opening "Specifically" starts, as printed or as OCR garbled it.

    >>> _specifically("Procedures are not followed. Specitia ly, the SOP was not followed.")
    29
    >>> _specifically("Procedures are not followed. Speersally, A. The SOP was not followed.")
    29
    >>> _specifically("Procedures are not followed. Specially trained staff, e.g.") is None
    True
    """
    m = _SPECIFICALLY.search(text)
    best = m.start() if m else None
    for g in _SPECIFICALLY_GARBLED.finditer(text, 0, len(text) if best is None else best):
        letters = re.sub(r"[^a-z]", "", g.group().lower())
        if letters in _SPECIFICALLY_LOOKALIKES:
            continue
        ratio = fuzz.ratio(letters, "specifically") / 100
        opener = g.group("comma") and re.search(r"[.:;]\s*$", text[: g.start()])
        if ratio >= _SPECIFICALLY_RATIO or (opener and ratio >= _SPECIFICALLY_OPENER_RATIO):
            return g.start()
    return best


def _citation(text: str) -> str | None:
    """The lead statement: the text before "Specifically", or the first sentence when none."""
    at = _specifically(text[:1200])
    if at is not None and at > 15:
        return text[:at].strip(" ,;:")
    first = re.match(r"^(.{20,600}?[.;:])(?:\s+[A-Z(]|\s*$)", text)
    if first:
        return first.group(1).strip()
    return None
