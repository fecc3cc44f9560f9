"""Small positioned pages for tests: text rows become words with boxes, as a PDF layer or OCR gives."""
from extract.layout import group_lines
from extract.records import SOURCE_TEXT, Page, Word

CHAR_W = 5.0
LINE_H = 8.0


def words_at(text: str, x: float, y: float, h: float = LINE_H) -> list[Word]:
    out = []
    for token in text.split(" "):
        if token:
            out.append(Word(token, x, y, x + CHAR_W * len(token), y + h))
        x += CHAR_W * (len(token) + 1)
    return out


def make_page(rows, number=1, width=612.0, height=792.0) -> Page:
    """rows: [(y, [(x, text), ...]), ...]; a plain string row is placed at x=72."""
    words = []
    for y, cells in rows:
        if isinstance(cells, str):
            cells = [(72, cells)]
        for x, text in cells:
            words.extend(words_at(text, x, y))
    return Page(number, width, height, group_lines(words), SOURCE_TEXT, 1.0)


def header_rows(firm="Acme Sterile LLC", street="12 Elm St", place="Springfield, IL 62701", etype="Outsourcing Facility",
                fei="3001234567", dates="1/5/2024-1/9/2024*", issued_to="TO: Pat Q. Doe, President"):
    return [
        (40, [(220, "DEPARTMENT OF HEALTH AND HUMAN SERVICES")]),
        (50, [(260, "FOOD AND DRUG ADMINISTRATION")]),
        (60, [(72, "DISTRICT ADDRESS AND PHONE NUMBER"), (380, "DATE(S) OF INSPECTION")]),
        (70, [(72, "100 Main St, Suite 5"), (380, dates)]),
        (80, [(72, "Anytown, TX 75001"), (380, "FEI NUMBER")]),
        (90, [(380, fei)]),
        (120, [(72, "NAME AND TITLE OF INDIVIDUAL TO WHOM REPORT ISSUED")]),
        (130, [(72, issued_to)]),
        (145, [(72, "FIRM NAME"), (325, "STREET ADDRESS")]),
        (155, [(72, firm), (325, street)]),
        (170, [(72, "CITY, STATE, ZIP CODE, COUNTRY"), (325, "TYPE ESTABLISHMENT INSPECTED")]),
        (180, [(72, place), (325, etype)]),
    ]


def footer_rows(names=("Jordan P. Avery, Investigator",), issued="1/9/2024", page=1, of=3):
    rows = [(700, [(72, "EMPLOYEE(S) SIGNATURE"), (480, "DATE ISSUED")])]
    y = 712
    for i, name in enumerate(names):
        cells = [(150, name)]
        if i == 0:
            cells = [(72, "SEE REVERSE"), (150, name), (480, issued)]
        rows.append((y, cells))
        y += 10
    rows.append((y + 4, [(72, "OF THIS PAGE")]))
    rows.append((760, [(72, f"FORM FDA 483 (09/08) PREVIOUS EDITION OBSOLETE INSPECTIONAL OBSERVATIONS PAGE {page} OF {of} PAGES")]))
    return rows
