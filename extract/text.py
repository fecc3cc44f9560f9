"""Text clean-up shared by the header and observation parsers: joining lines, redactions, OCR junk."""
from __future__ import annotations

import re

# FOIA exemption marks as FDA prints them over redacted text: "(b) (4)", "(b)(6)", "(b)(7)(C)".
# OCR and doubled text layers write them "(b) < 4 l", "{b)(4)", "(6) (4)", "((bb))( 4(4))".
_REDACTION = re.compile(
    r"""\(\(bb\)\)\s*\(\s*[467]\s*\(\s*([467])\s*\)\s*\)   # doubled layer: ((bb))( 4(4))
      | [\(\[\{|]{1,2}\s*(?:bb|b|6|h|Bb|B|1b|0|®|o|D|1D|15|l5|[Il1]:>?|(?<=\()(?=\)))\s*[\)\]\}|]{1,2}\s*
        ['"~_]?\s*   # (b), OCR's (B) (0) (®) (o) (D) (1D) (15) (I:>) ()
        (?:[\(\[\{<]{1,2}\s*(44|66|77|4|6|7)\s*[\)\]\}>l|'"~]{0,2}    # (4), <4l, ((44))
          |(44|66|77|4|6|7)\s*[\)\]\}>l|]{1,2})                     # 4)
        (?:\s*[\(\[\{]\s*(?:CC|C)\s*[\)\]\}])?                         # (C)
    """,
    re.X,
)


def _redaction_token(m: re.Match) -> str:
    digits = m.group(1) or m.group(2) or m.group(3)
    token = f"(b)({digits[0]})"
    if digits[0] == "7" and "C" in m.group(0).split(digits, 1)[-1]:
        token += "(C)"
    return f" {token} "


# A box's label split in two around another mark at the same spot: some text layers print the
# label of a small box as "(b)" over "(6)" on top of a mark "(b)(4)" of their own, and the words
# read "(b) (b)(4) (6)". The label is what the page shows.
_SPLIT_LABEL = re.compile(r"\(b\)\s*\(b\)\(\d\)(?:\(C\))?\s*\(([467])\)")
# What is left of a label beside its box's mark: "(b) (b)(4)" where the label's "(b)" stood
# outside the box, "(b)(4) (4)" where its "(4)" did. A "(b)" after the end of a sentence or a
# colon is an item of a list and stays.
_LABEL_HEAD = re.compile(r"(?<![.;:])(?<![.;:] )\(b\) ?(?=\(b\)\(\d\))")
_LABEL_TAIL = re.compile(r"(\(b\)\((\d)\)(?:\(C\))?) \(\2\)")


def normalise_redactions(text: str) -> str:
    """Write every exemption mark as FDA's canonical "(b)(4)" / "(b)(6)" / "(b)(7)(C)"."""
    out = _REDACTION.sub(_redaction_token, text)
    if out == text:
        return text
    out = _SPLIT_LABEL.sub(lambda m: f" (b)({m.group(1)}){'(C)' if m.group(1) == '7' else ''} ", out)
    out = _LABEL_TAIL.sub(r" \1 ", _LABEL_HEAD.sub(" ", re.sub(r"  +", " ", out)))
    # The token is spaced on both sides; close the gap before punctuation the form printed after it.
    return re.sub(r" +([,.;:)\]])", r"\1", re.sub(r"  +", " ", out)).strip()


REDACTION_TOKEN = re.compile(r"\(b\)\((\d)\)(?:\(C\))?")


def count_redactions(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for m in REDACTION_TOKEN.finditer(text):
        counts[m.group(0)] = counts.get(m.group(0), 0) + 1
    return counts


# Box borders and scanner specks that OCR reads as characters at the edge of a line.
_EDGE_JUNK = re.compile(r"^(?:[|!\[\]{}¦_~•·]+\s+|[|!]\s*)+|(?:\s+[|!\[\]{}¦_~•·]+|\s*[|!])+$")


def strip_edges(line: str) -> str:
    return _EDGE_JUNK.sub("", line).strip()


_SOFT_HYPHEN = "\u00ad"


def join_lines(lines: list[str]) -> str:
    """Join printed lines into running text, mending words hyphenated across a line break.

    "contam-" + "ination" -> "contamination"; "HOU-" + "OPS-017" keeps its hyphen.
    """
    out = ""
    for raw in lines:
        line = " ".join(raw.replace(_SOFT_HYPHEN, "-").split())
        if not line:
            continue
        if not out:
            out = line
        elif re.search(r"[a-z]-$", out) and line[:1].islower():
            out = out[:-1] + line
        elif out.endswith("-") or out.endswith("/"):
            out += line
        else:
            out += " " + line
    return out


def squash_spaces(text: str) -> str:
    return " ".join(text.split())
