"""Sample Form FDA 483s for the demo and the tests: fictional firms, the project's own wording.

    python data/samples/generate.py [--out DIR]

Reads samples.yml beside this script and writes, for each sample, `<name>.pdf` laid out like the
real form and `<name>.json`, the document JSON of ../shared/document-json.md that an extractor
should read back from it. The JSON is computed from the same data and from where the layout put
each line (which page an observation starts and ends on), so PDF and answer cannot drift apart.

Output is byte-for-byte reproducible for a given reportlab, pypdfium2 and Pillow: reportlab runs
with invariant=1 (fixed dates and ids), and the one "scanned" page is rendered by pdfium and
degraded with a seeded random generator.
"""
from __future__ import annotations

import argparse
import io
import json
import random
import re
import string
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import yaml
from PIL import Image, ImageFilter
from reportlab import rl_config
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from classify.taxonomy import category_for_cfr

HERE = Path(__file__).resolve().parent
SAMPLES_YML = HERE / "samples.yml"

PAGE_W, PAGE_H = 612.0, 792.0
FRAME_L, FRAME_R, FRAME_TOP, FRAME_BOTTOM = 36.0, 576.0, 760.0, 40.0
HEADER_BOTTOM = 617.0
FOOTER_TOP = 114.0
BODY_L, BODY_R = 50.0, 562.0
BODY_TOP = HEADER_BOTTOM - 20.0  # first baseline, a line's gap below the boxes as on the form
BODY_BOTTOM = FOOTER_TOP + 10.0  # no baseline below this

BODY_FONT, BOLD_FONT, SIZE, LEADING = "Times-Roman", "Times-Bold", 11.0, 13.5
LABEL_FONT, LABEL_SIZE = "Helvetica", 5.0
TYPED_FONT, TYPED_SIZE = "Courier", 9.0
ITEM_INDENT, ITEM_HANG = 14.0, 18.0

NOTICE = (
    "This document lists observations made by the FDA representative(s) during the inspection of "
    "your facility. They are inspectional observations, and do not represent a final Agency "
    "determination regarding your compliance. If you have an objection regarding an observation, "
    "or have implemented, or plan to implement, corrective action in response to an observation, "
    "you may discuss the objection or action with the FDA representative(s) during the inspection "
    "or submit this information to FDA at the address above. If you have any questions, please "
    "contact FDA at the phone number and address above."
)
WE_OBSERVED = "DURING AN INSPECTION OF YOUR FIRM WE OBSERVED:"

# Our own wording, not the printed reverse of the federal form.
REVERSE_TITLE = "ABOUT THIS REPORT"
REVERSE_TEXT = [
    "Section 704(b) of the Federal Food, Drug, and Cosmetic Act asks the FDA employee who finishes "
    "an inspection of a factory, warehouse or other establishment to give its owner, operator or "
    "agent in charge, before leaving, a written report of the conditions or practices observed "
    "that in the employee's judgment may cause products there to be adulterated or injurious to "
    "health. The front of this form is that report.",
    "The observations are those of the employee(s) who sign it. They are not a final decision by "
    "the Agency on whether the establishment complies with the Act or with the regulations made "
    "under it, and the report does not list every condition that may need correction.",
    "A written response, sent to the district address on the front of this form, will be "
    "considered with the report of the inspection. FDA may release this report to the public "
    "after removing trade secrets and personal information, as the Freedom of Information Act "
    "and the Agency's disclosure regulations allow.",
]

# [b4], [b6], or with a box width in points: [b4:60]
REDACTION = re.compile(r"\[b([46])(?::(\d+))?\]")
REDACTION_LABEL_FONT, REDACTION_LABEL_SIZE = "Helvetica", 5.5
REDACTION_GREY = 0.78


def redaction_text(kind: str) -> str:
    """How a reader writes a redaction in the expected JSON."""
    return f"(b)({kind})"


def redaction_label(kind: str) -> str:
    """How FDA prints it in the grey box (with a space, as on the published forms)."""
    return f"(b) ({kind})"


# --- words and lines --------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    text: str  # the text drawn; for a redaction, its kind "4" or "6"
    redaction: bool = False
    box: float = 0.0  # a redaction's box width


def parse_word(word: str) -> list[Part]:
    parts, pos = [], 0
    for m in REDACTION.finditer(word):
        if m.start() > pos:
            parts.append(Part(word[pos : m.start()]))
        label_w = stringWidth(redaction_label(m.group(1)), REDACTION_LABEL_FONT, REDACTION_LABEL_SIZE)
        parts.append(Part(m.group(1), True, max(float(m.group(2) or 0), label_w + 6)))
        pos = m.end()
    if pos < len(word):
        parts.append(Part(word[pos:]))
    return parts


def plain(markup: str) -> str:
    """Markup as a reader copies it: redactions written (b)(4), single spaces."""
    return " ".join(REDACTION.sub(lambda m: redaction_text(m.group(1)), markup).split())


def word_width(parts: list[Part], font: str, size: float) -> float:
    return sum(p.box if p.redaction else stringWidth(p.text, font, size) for p in parts)


@dataclass
class Line:
    words: list[list[Part]]
    x: float  # where the words start
    font: str = BODY_FONT
    size: float = SIZE
    hang: str | None = None  # an item label ("A.") set in the margin, ITEM_HANG left of x

    @property
    def text(self) -> str:
        """The line as a text layer reads our drawing of it (redaction labels with their space)."""
        words = [[Part(self.hang)]] + self.words if self.hang else self.words
        return " ".join("".join(redaction_label(p.text) if p.redaction else p.text for p in w) for w in words)


def wrap(markup: str, x: float, width: float, font: str = BODY_FONT, size: float = SIZE) -> list[Line]:
    space = stringWidth(" ", font, size)
    lines, current, used = [], [], 0.0
    for token in markup.split():
        parts = parse_word(token)
        w = word_width(parts, font, size)
        if current and used + space + w > width:
            lines.append(Line(current, x, font, size))
            current, used = [], 0.0
        used += (space if current else 0.0) + w
        current.append(parts)
    if current:
        lines.append(Line(current, x, font, size))
    return lines


def draw_line(c: Canvas, line: Line, y: float) -> None:
    """Draw text runs with their spaces as real characters, so a text layer reads words apart."""
    x, run, run_x = line.x, "", line.x

    def flush():
        nonlocal run
        if run:
            c.setFont(line.font, line.size)
            c.drawString(run_x, y, run)
            run = ""

    for i, word in enumerate(line.words):
        if i:
            if not run:
                run_x = x
            run += " "
            x += stringWidth(" ", line.font, line.size)
        for part in word:
            if part.redaction:
                flush()
                c.setFillGray(REDACTION_GREY)
                c.rect(x, y - 2.5, part.box, line.size + 0.5, stroke=0, fill=1)
                c.setFillGray(0)
                c.setFont(REDACTION_LABEL_FONT, REDACTION_LABEL_SIZE)
                c.drawCentredString(x + part.box / 2, y + 3, redaction_label(part.text))
                x += part.box
            else:
                if not run:
                    run_x = x
                run += part.text
                x += stringWidth(part.text, line.font, line.size)
    flush()


# --- the flow of the body: boxes placed top to bottom, page after page ---------------------------


@dataclass
class Box:
    height: float  # vertical space it takes, its baseline at the bottom
    line: Line | None = None
    rule: bool = False
    keep_with_next: bool = False
    break_before: bool = False
    obs: int | None = None
    role: str = ""  # notice, observed, system, heading, citation, body, repeat, reverse


@dataclass
class Placed:
    box: Box
    y: float  # baseline (for a rule, its height on the page)


def paragraph(markup: str, x: float, width: float, obs=None, role="body", font=BODY_FONT,
              size=SIZE, leading=LEADING, hang: str | None = None) -> list[Box]:
    """A wrapped paragraph; with `hang`, an item label ("A.") set in the margin of its first line."""
    if hang is None:
        return [Box(leading, line, obs=obs, role=role) for line in wrap(markup, x, width, font, size)]
    lines = wrap(markup, x + ITEM_HANG, width - ITEM_HANG, font, size)
    lines[0].hang = hang
    return [Box(leading, line, obs=obs, role=role) for line in lines]


class LayoutError(ValueError):
    """The data asks for a layout the page cannot give; the message says what to change."""


def paginate(boxes: list[Box]) -> list[list[Placed]]:
    pages: list[list[Placed]] = [[]]
    y = BODY_TOP + LEADING  # the cursor: the previous baseline
    i = 0
    while i < len(boxes):
        box = boxes[i]
        at_top = not any(p.box.line or p.box.rule for p in pages[-1])
        if box.break_before and not at_top:
            if y - BODY_BOTTOM > 3 * LEADING:
                # A mark meant for the head of the next page, behind a half-empty page, no longer
                # looks like the form: the text before it must fill its page.
                raise LayoutError(f"break before {box.line.text!r} leaves {y - BODY_BOTTOM:.0f}pt empty")
            pages.append([])
            y, at_top = BODY_TOP + LEADING, True
        if at_top and box.line is None and not box.rule:
            i += 1  # no blank space at the head of a page
            continue
        group = [box]
        while group[-1].keep_with_next and i + len(group) < len(boxes):
            group.append(boxes[i + len(group)])
        need = sum(b.height for b in group)
        if y - need < BODY_BOTTOM and not at_top:
            pages.append([])
            y = BODY_TOP + LEADING
            continue
        y -= box.height
        pages[-1].append(Placed(box, y))
        i += 1
    return pages


# --- the sample as data --------------------------------------------------------------------------


@dataclass
class Observation:
    number: int
    citation: str
    cfr: str | None
    primary: str
    categories: list[str]
    blocks: list  # markup paragraphs and {"items": [...]} lists
    repeat: str | None = None  # "March 2019": the inspection it repeats
    repeat_on_next_page: bool = False
    heading: str | None = None  # a system heading printed above it

    @property
    def repeat_note(self) -> str | None:
        if not self.repeat:
            return None
        return f"This is a repeat observation from the {self.repeat} inspection."

    def paragraphs(self):
        """(markup, indent, item label or None) for each body paragraph, in reading order."""
        for block in self.blocks:
            if isinstance(block, str):
                yield block, 0.0, None
                continue
            for letter, item in zip(string.ascii_uppercase, block["items"]):
                paras = [item] if isinstance(item, str) else list(item)
                yield paras[0], ITEM_INDENT, f"{letter}."
                for p in paras[1:]:
                    yield p, ITEM_INDENT + ITEM_HANG, None

    def body_markup(self) -> list[str]:
        """The body's paragraphs as read, item labels included."""
        return [f"{label} {markup}" if label else markup for markup, _, label in self.paragraphs()]


@dataclass
class Sample:
    name: str
    fei: str
    firm_name: str
    street_address: str
    city: str
    state: str | None
    postal_code: str | None
    country: str
    city_line: str
    establishment_type: str
    inspection: list[list[date]]
    date_issued: date
    short_dates: bool  # 8/5/2024 rather than 08/05/2024
    issued_to: str
    issued_to_prefix: str
    district: list[str]
    investigators: list[dict]
    observations: list[Observation]
    scanned_page: int | None = None
    reverse: bool = False

    @property
    def source(self) -> str:
        return f"{self.name}.pdf"

    def fmt(self, d: date) -> str:
        return f"{d.month}/{d.day}/{d.year}" if self.short_dates else d.strftime("%m/%d/%Y")

    @property
    def inspection_printed(self) -> str:
        return ", ".join("-".join(self.fmt(d) for d in span) for span in self.inspection)


def load_samples(path: Path = SAMPLES_YML) -> list[Sample]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [_sample(s) for s in data["samples"]]


def _sample(s: dict) -> Sample:
    observations = []
    for n, o in enumerate(s["observations"], start=1):
        cfr = o.get("cfr")
        primary = category_for_cfr(cfr) if cfr else o["primary"]
        if cfr and o.get("primary") and o["primary"] != primary:
            raise ValueError(f"{s['name']} obs {n}: primary {o['primary']} but {cfr} gives {primary}")
        categories = [primary] + [c for c in o.get("also", []) if c != primary]
        observations.append(
            Observation(
                number=n,
                citation=" ".join(o["citation"].split()),
                cfr=cfr,
                primary=primary,
                categories=categories,
                blocks=o["body"],
                repeat=o.get("repeat"),
                repeat_on_next_page=bool(o.get("repeat_on_next_page")),
                heading=o.get("heading"),
            )
        )
    parts = {k: s.get(k) for k in ("city", "state", "postal_code")}
    return Sample(
        name=s["name"],
        fei=str(s["fei"]),
        firm_name=s["firm_name"],
        street_address=s["street_address"],
        city=s["city"],
        state=s.get("state"),
        postal_code=s.get("postal_code"),
        country=s["country"],
        city_line=s.get("city_line", "{city}, {state} {postal_code}").format(**parts),
        establishment_type=s["establishment_type"],
        inspection=[[date.fromisoformat(str(d)) for d in span] for span in s["inspection"]],
        date_issued=date.fromisoformat(str(s["date_issued"])),
        short_dates=bool(s.get("short_dates")),
        issued_to=s["issued_to"],
        issued_to_prefix=s.get("issued_to_prefix", ""),
        district=s["district"],
        investigators=s["investigators"],
        observations=observations,
        scanned_page=s.get("scanned_page"),
        reverse=bool(s.get("reverse")),
    )


# --- layout ----------------------------------------------------------------------------------


def body_boxes(sample: Sample) -> list[Box]:
    width = BODY_R - BODY_L
    boxes = paragraph(NOTICE, BODY_L - 4, width + 8, role="notice", size=10, leading=12)
    boxes += [Box(8), Box(0, rule=True, role="notice"), Box(4)]
    boxes += paragraph(WE_OBSERVED, BODY_L - 4, width, role="observed", font=BOLD_FONT)
    for obs in sample.observations:
        n = obs.number
        head = [Box(10), Box(8, rule=True, obs=n)]
        if obs.heading:
            head += paragraph(obs.heading, BODY_L, width, n, "system", BOLD_FONT)
            head += [Box(4)]
        head += paragraph(f"OBSERVATION {n}", BODY_L, width, n, "heading", BOLD_FONT, 11, 14)
        for b in head:
            b.keep_with_next = True
        citation = paragraph(obs.citation, BODY_L, width, n, "citation")
        citation[0].keep_with_next = True  # the heading never ends a page alone
        boxes += head + citation
        for markup, indent, label in obs.paragraphs():
            boxes.append(Box(6, obs=n))
            boxes += paragraph(markup, BODY_L + indent, width - indent, n, "body", hang=label)
        if obs.repeat_note:
            boxes.append(Box(6, obs=n))
            note = paragraph(obs.repeat_note, BODY_L, width, n, "repeat", BOLD_FONT)
            note[0].break_before = obs.repeat_on_next_page
            boxes += note
    return boxes


def reverse_boxes() -> list[Box]:
    width = BODY_R - BODY_L - 40
    boxes = paragraph(REVERSE_TITLE, BODY_L + 20, width, role="reverse", font=BOLD_FONT, size=11)
    for text in REVERSE_TEXT:
        boxes += [Box(8)] + paragraph(text, BODY_L + 20, width, role="reverse")
    return boxes


@dataclass
class Built:
    sample: Sample
    pages: list[list[Placed]]  # the form's pages, then the reverse side if any
    form_pages: int
    pdf: bytes = b""
    expected: dict = field(default_factory=dict)

    def page_lines(self, number: int) -> list[str]:
        """The body text of a 1-based page, line by line (what OCR of that page should read)."""
        return [p.box.line.text for p in self.pages[number - 1] if p.box.line]


def layout(sample: Sample) -> Built:
    pages = paginate(body_boxes(sample))
    form_pages = len(pages)
    if sample.reverse:
        y, back = 700.0, []
        for box in reverse_boxes():
            y -= box.height
            back.append(Placed(box, y))
        pages.append(back)
    return Built(sample, pages, form_pages)


# --- drawing -----------------------------------------------------------------------------------


def label(c: Canvas, x: float, y: float, text: str) -> None:
    c.setFont(LABEL_FONT, LABEL_SIZE)
    c.drawString(x, y, text)


def typed(c: Canvas, x: float, y: float, text: str, font=TYPED_FONT, size=TYPED_SIZE) -> None:
    c.setFont(font, size)
    c.drawString(x, y, text)


def fit_lines(text: str, width: float, font: str, size: float) -> list[str]:
    return [line.text for line in wrap(text, 0, width, font, size)]


def draw_header(c: Canvas, s: Sample) -> None:
    mid, split = 372.0, 330.0
    c.setFont("Times-Bold", 8.5)
    c.drawCentredString(PAGE_W / 2, 751, "DEPARTMENT OF HEALTH AND HUMAN SERVICES")
    c.setFont("Times-Roman", 7.5)
    c.drawCentredString(PAGE_W / 2, 743, "FOOD AND DRUG ADMINISTRATION")
    c.setLineWidth(0.6)
    for y in (739, 691, 669, 641):
        c.line(FRAME_L, y, FRAME_R, y)
    c.line(mid, 715, FRAME_R, 715)
    c.line(mid, 739, mid, 691)
    c.line(split, 669, split, HEADER_BOTTOM)
    label(c, 40, 734, "DISTRICT ADDRESS AND PHONE NUMBER")
    for i, text in enumerate(s.district[:4]):
        typed(c, 40, 725 - 9.5 * i, text)
    label(c, mid + 4, 734, "DATE(S) OF INSPECTION")
    typed(c, mid + 4, 722, s.inspection_printed)
    label(c, mid + 4, 710, "FEI NUMBER")
    typed(c, mid + 4, 698, s.fei)
    label(c, 40, 686, "NAME AND TITLE OF INDIVIDUAL TO WHOM REPORT ISSUED")
    typed(c, 40, 674, s.issued_to_prefix + s.issued_to, "Times-Roman", 10.5)
    label(c, 40, 664, "FIRM NAME")
    typed(c, 40, 652, s.firm_name, "Times-Roman", 10.5)
    label(c, split + 4, 664, "STREET ADDRESS")
    for i, text in enumerate(fit_lines(s.street_address, FRAME_R - split - 10, "Times-Roman", 10.5)[:2]):
        typed(c, split + 4, 652 - 11 * i, text, "Times-Roman", 10.5)
    label(c, 40, 636, "CITY, STATE, ZIP CODE, COUNTRY")
    typed(c, 40, 624, s.city_line, "Times-Roman", 10.5)
    label(c, split + 4, 636, "TYPE ESTABLISHMENT INSPECTED")
    typed(c, split + 4, 624, s.establishment_type, "Times-Roman", 10.5)
    c.setLineWidth(1.2)
    c.line(FRAME_L, HEADER_BOTTOM, FRAME_R, HEADER_BOTTOM)


def draw_footer(c: Canvas, s: Sample, page: int, of: int) -> None:
    sign_l, date_l, bottom = 130.0, 470.0, 58.0
    c.setLineWidth(1.2)
    c.line(FRAME_L, FOOTER_TOP, FRAME_R, FOOTER_TOP)
    c.setLineWidth(0.6)
    c.line(FRAME_L, bottom, FRAME_R, bottom)
    c.line(sign_l, FOOTER_TOP, sign_l, bottom)
    c.line(date_l, FOOTER_TOP, date_l, bottom)
    c.setFont("Helvetica-Bold", 9)
    for i, text in enumerate(("SEE", "REVERSE OF", "THIS PAGE")):
        c.drawString(44, 95 - 11 * i, text)
    label(c, sign_l + 4, 108, "EMPLOYEE(S) SIGNATURE")
    signers = [f"{inv['name']}, {inv['title']}" for inv in s.investigators]
    for i, text in enumerate(signers):
        col, row = divmod(i, 4)
        typed(c, sign_l + 8 + 170 * col, 97 - 10.5 * row, text, size=8 if len(signers) > 4 else TYPED_SIZE)
    label(c, date_l + 4, 108, "DATE ISSUED")
    typed(c, date_l + 8, 95, s.fmt(s.date_issued))
    c.setFont("Times-Bold", 6.5)
    c.drawString(40, 46, "FORM FDA 483 (09/08)")
    c.setFont("Times-Roman", 6)
    c.drawString(150, 46, "PREVIOUS EDITION OBSOLETE")
    c.setFont("Times-Bold", 8)
    c.drawCentredString(340, 46, "INSPECTIONAL OBSERVATIONS")
    c.setFont("Times-Roman", 6.5)
    c.drawRightString(572, 46, f"PAGE {page} OF {of} PAGES")


def draw_frame(c: Canvas) -> None:
    c.setLineWidth(1.5)
    c.rect(FRAME_L, FRAME_BOTTOM, FRAME_R - FRAME_L, FRAME_TOP - FRAME_BOTTOM, stroke=1, fill=0)


def draw_body(c: Canvas, placed: list[Placed]) -> None:
    for p in placed:
        if p.box.rule:
            c.setLineWidth(0.8)
            c.line(FRAME_L, p.y + 4, FRAME_R, p.y + 4)
        elif p.box.line:
            line = p.box.line
            if line.hang:
                c.setFont(line.font, line.size)
                c.drawString(line.x - ITEM_HANG, p.y, line.hang + " ")
            draw_line(c, line, p.y)


def render(built: Built, scans: dict[int, bytes] | None = None) -> bytes:
    """The PDF; pages in `scans` (1-based) are drawn as that image alone, with no text layer."""
    # ASCII85 would wrap every stream, and the scanned JPEG, in a quarter more bytes.
    saved, rl_config.useA85 = rl_config.useA85, 0
    try:
        return _render(built, scans)
    finally:
        rl_config.useA85 = saved


def _render(built: Built, scans: dict[int, bytes] | None) -> bytes:
    s = built.sample
    out = io.BytesIO()
    c = Canvas(out, pagesize=(PAGE_W, PAGE_H), invariant=1, pageCompression=1)
    c.setTitle(f"{s.firm_name} | {s.fmt(s.date_issued)} | 483 (fictional sample)")
    c.setAuthor("fda483 sample generator")
    c.setSubject("Fictional Form FDA 483 for demos and tests")
    c.setCreator("fda483 data/samples/generate.py")
    for number, placed in enumerate(built.pages, start=1):
        if scans and number in scans:
            c.drawImage(ImageReader(io.BytesIO(scans[number])), 0, 0, PAGE_W, PAGE_H)
        elif number <= built.form_pages:
            draw_frame(c)
            draw_header(c, s)
            draw_footer(c, s, number, built.form_pages)
            draw_body(c, placed)
        else:
            c.setFont("Times-Bold", 6.5)
            c.drawString(40, 46, "FORM FDA 483 (09/08)")
            draw_body(c, placed)
        c.showPage()
    c.save()
    return out.getvalue()


SCAN_DPI = 200
SCAN_SEED = 483


def scan(pdf: bytes, number: int, seed: int = SCAN_SEED) -> bytes:
    """One page as a photocopier would return it: greyscale, slightly turned, specked; a JPEG."""
    doc = pdfium.PdfDocument(pdf)
    try:
        image = doc[number - 1].render(scale=SCAN_DPI / 72, grayscale=True).to_pil().convert("L")
    finally:
        doc.close()
    rng = random.Random(seed)
    image = image.point(lambda v: 28 + v * 210 // 255)  # toner is not black, paper not white
    image = image.rotate(0.45, resample=Image.BICUBIC, fillcolor=238)
    pixels = image.load()
    w, h = image.size
    for _ in range(1500):
        x, y = rng.randrange(w), rng.randrange(h)
        pixels[x, y] = rng.randrange(40, 200)
    image = image.filter(ImageFilter.GaussianBlur(0.4))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=45, optimize=True, dpi=(SCAN_DPI, SCAN_DPI))
    return out.getvalue()


def build(sample: Sample) -> Built:
    built = layout(sample)
    pdf = render(built)
    if sample.scanned_page:
        pdf = render(built, {sample.scanned_page: scan(pdf, sample.scanned_page)})
    built.pdf = pdf
    built.expected = expected_json(built)
    return built


# --- the expected answer -------------------------------------------------------------------------

FIRST_WORDS = LAST_WORDS = 12


def expected_json(built: Built) -> dict:
    s = built.sample
    where: dict[int, list[int]] = {}
    for number, placed in enumerate(built.pages, start=1):
        for p in placed:
            if p.box.obs and p.box.line and p.box.role in ("citation", "body", "repeat"):
                where.setdefault(p.box.obs, []).append(number)
    observations = []
    for o in s.observations:
        body = plain(" ".join(o.body_markup()))
        words = body.split()
        counts: dict[str, int] = {}
        for markup in o.body_markup() + [o.citation]:
            for m in REDACTION.finditer(markup):
                key = redaction_text(m.group(1))
                counts[key] = counts.get(key, 0) + 1
        observations.append(
            {
                "number": o.number,
                "page_start": min(where[o.number]),
                "page_end": max(where[o.number]),
                "repeat": o.repeat is not None,
                "citation": plain(o.citation),
                "cfr": o.cfr,
                "primary_category": o.primary,
                "categories": o.categories,
                "first_words": " ".join(words[:FIRST_WORDS]),
                "last_words": " ".join(words[-LAST_WORDS:]),
                "text": f"{plain(o.citation)} {body}",
                "repeat_note": o.repeat_note,
                "redactions": dict(sorted(counts.items())),
                "heading": o.heading,
            }
        )
    return {
        "source": s.source,
        "pages": len(built.pages),
        "fei": s.fei,
        "firm_name": s.firm_name,
        "street_address": s.street_address,
        "city": s.city,
        "state": s.state,
        "postal_code": s.postal_code,
        "country": s.country,
        "establishment_type": s.establishment_type,
        "inspection_start": s.inspection[0][0].isoformat(),
        "inspection_end": s.inspection[-1][-1].isoformat(),
        "date_issued": s.date_issued.isoformat(),
        "issued_to": s.issued_to,
        "investigators": [inv["name"] for inv in s.investigators],
        "observations": observations,
    }


def write(built: Built, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / built.sample.source).write_bytes(built.pdf)
    text = json.dumps(built.expected, indent=2, ensure_ascii=False) + "\n"
    (out / f"{built.sample.name}.json").write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="directory to write into (default: beside this script)")
    args = parser.parse_args(argv)
    for sample in load_samples():
        built = build(sample)
        write(built, args.out)
        print(f"{built.sample.source}: {len(built.pages)} pages, {len(sample.observations)} observations, "
              f"{len(built.pdf) // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
