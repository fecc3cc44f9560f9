"""Citation wording -> 21 CFR provision.

A Form 483 observation opens with a standard statement that negates a regulation:
"Procedures designed to prevent microbiological contamination of drug products purporting
to be sterile are not established, written and followed." is 21 CFR 211.113(b).
`match_citation` recovers the provision from that statement, through OCR noise, against the
library of wordings in `cfr_library.yml`; `explicit_cfr` reads a provision the text writes out.

    >>> match_citation("Laborato1y controls do not include the establishment of scientifically "
    ...                "sound and appropriate specifications").provision
    '211.160(b)'
    >>> explicit_cfr("... are not followed [21 CFR 211.100(b)].")
    '211.100(b)'

Scoring: the input and every wording are reduced to two sparse TF-IDF vectors, one of word
stems and one of character n-grams over an OCR-folded skeleton of the text, and compared by
cosine; the wording with the best mean cosine names the provision.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml
from rapidfuzz import process as fuzz_process
from rapidfuzz.distance import Levenshtein
from scipy import sparse

LIBRARY_PATH = Path(__file__).with_name("cfr_library.yml")

# A provision as FDA writes it: part.section then paragraphs, e.g. 211.42(c)(10)(iv), 820.100(a).
PROVISION_RE = re.compile(r"^\d{1,4}\.\d{1,4}(\((?:[a-z]{1,2}|\d{1,2}|[ivx]{1,5})\))*$")

# Calibrated on the gold answer files (tests/test_citations.py prints the figures): wrong
# provisions cluster below it, and a wrong provision is worse than none.
THRESHOLD = 0.45
# Two wordings this close in score are a tie, settled by `_settle_tie`.
TIE = 0.03
# A paragraph wins a tie with its own section only when the input holds this share of the
# paragraph wording's own words (those its section's wording lacks).
SUPPORT = 0.5
# Weight of the word-stem cosine against the character n-gram cosine.
WORD_WEIGHT = 0.5
CHAR_NGRAMS = (3, 4, 5)
MAX_DF = 0.2


@dataclass(frozen=True)
class Provision:
    provision: str
    title: str
    wordings: tuple[str, ...]
    citable: bool = True


@dataclass(frozen=True)
class CitationMatch:
    """The provision a citation names: `method` is "explicit" when the text writes it out
    (then `wording` is the citation as written), "wording" when it came from the library
    (then `wording` is the library wording that matched); `score` is 0..1."""

    provision: str
    score: float
    method: str
    wording: str


@lru_cache(maxsize=1)
def library() -> tuple[Provision, ...]:
    """Every provision of `cfr_library.yml`, in file order."""
    data = yaml.safe_load(LIBRARY_PATH.read_text(encoding="utf-8"))
    return tuple(
        Provision(
            provision=str(e["provision"]),
            title=e["title"],
            wordings=tuple(e.get("wordings") or ()),
            citable=e.get("citable", True),
        )
        for e in data
    )


# --- explicit citations -----------------------------------------------------------------------

# "21 CFR 211.192", "21 C.F.R. § 211.113(b)", "[21 CFR 211.42(c)(10)(iv)]", "§ 820.100(a)".
# OCR reads 1 as l or I and 0 as O inside numbers; the class admits them and `_digits` folds
# them back.
_NUM = r"[0-9lIoO]"
_EXPLICIT_RE = re.compile(
    r"(?:\b21\s*C\.?\s*F\.?\s*R\.?\s*(?:§+|sec(?:tion|\.)?|part)?|§+)\s*"
    rf"(?P<part>{_NUM}{{1,4}})\s*\.\s*(?P<section>{_NUM}{{1,4}})"
    r"(?P<paras>(?:\s*\(\s*(?:[a-z]{1,2}|\d{1,2}|[ivx]{1,5})\s*\))*)",
    re.IGNORECASE,
)


def _digits(s: str) -> str:
    return s.translate(str.maketrans("lIoO", "1100"))


def _explicit(text: str) -> tuple[str, str] | None:
    for m in _EXPLICIT_RE.finditer(text):
        paras = "".join(f"({p.lower()})" for p in re.findall(r"\(\s*([a-z0-9]+)\s*\)", m["paras"], re.I))
        provision = f"{int(_digits(m['part']))}.{int(_digits(m['section']))}{paras}"
        if PROVISION_RE.match(provision):
            return provision, m.group(0).strip()
    return None


def explicit_cfr(text: str | None) -> str | None:
    """The first 21 CFR provision the text writes out, as `211.113(b)` or `820.100(a)`.

    Needs the "21 CFR" or "§" that marks a citation, so that a bare number such as a
    procedure's "SOP 211.3" is not taken for one.

    >>> explicit_cfr("Failure to ... [21 C.F.R. § 211.42(c)(10)(iv)]")
    '211.42(c)(10)(iv)'
    >>> explicit_cfr("See SOP 211.3, version 2.") is None
    True
    """
    found = _explicit(text) if text else None
    return found[0] if found else None


# --- normalisation ----------------------------------------------------------------------------

# Function words, auxiliaries (tense and number: "is/are/were/has been"), negations and the
# forms FDA uses to negate ("failure to", "your firm failed to", "lacks"): they say nothing
# about which provision is cited.
_STOP = frozenset(
    """a an the of to in on for from by with at as or and nor but if so than that which who whom
    whose this these those such its it their there here be is are was were been being am has have
    had having do does did done not no none nor any all each every other another
    fail fails failed failing failure failures lack lacks lacked lacking
    your you yours firm firms firm's company facility we our us they them
    shall must should will would may might can could also only both either neither
    specifically observed observation following including include includes included""".split()
)

# Characters OCR confuses, folded to one stroke-like form so that "dmg" and "drug", "fnm" and
# "firm", "conta1nination" and "contamination" share a skeleton: r/l/i/1/j/! are one vertical
# stroke "i", n/u/h two ("ii"), m three; c/e one, o/0 one, d is "cl".
_SKELETON = str.maketrans(
    {
        "r": "i", "l": "i", "1": "i", "j": "i", "!": "i", "|": "i", "t": "t",
        "n": "ii", "u": "ii", "h": "ii", "m": "iii", "w": "vv",
        "e": "c", "0": "o", "5": "s", "d": "ci", "q": "g",
    }
)


def skeleton(text: str) -> str:
    """The OCR-folded letters of `text`, without spaces or punctuation.

    >>> skeleton("drug") == skeleton("dmg") and skeleton("firm") == skeleton("fnm")
    True
    """
    return re.sub(r"[^a-z0-9]", "", text.lower()).translate(_SKELETON)


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """A light suffix stripper: enough that "established", "establishment" and "establish",
    or "validated" and "validation", meet; applied alike to wordings and inputs."""
    for _ in range(2):
        for suf in ("ational", "ations", "ation", "ments", "ment", "ities", "ity", "ings", "ing",
                    "ated", "ates", "ate", "ied", "ies", "ed", "es", "ly", "e", "s"):
            if word.endswith(suf) and len(word) - len(suf) >= 3 and not (suf == "s" and word.endswith("ss")):
                word = word[: -len(suf)]
                break
        else:
            break
    return word


def _raw_tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    # The lead statement ends where the details begin.
    cut = re.search(r"\bspecifically\b", text)
    if cut:
        text = text[: cut.start()]
    text = re.sub(r"\[?\b21\s*c\.?f\.?r\.?[^\]]*\]?", " ", text)  # explicit cites carry no wording
    return re.findall(r"[a-z0-9|!]+", text.replace("'s", ""))


@dataclass
class _Index:
    provisions: list[str]  # per wording
    wordings: list[str]
    vocab: frozenset[str]  # words of the wordings
    by_skeleton: dict[str, str]  # skeleton -> the word of the wordings it folds
    skeletons: list[str]  # keys of by_skeleton, for fuzzy lookup
    word_vocab: dict[str, int]
    word_idf: np.ndarray
    char_vocab: dict[str, int]
    char_idf: np.ndarray
    word_t: sparse.csr_matrix  # features x wordings
    char_t: sparse.csr_matrix
    word_sets: list[frozenset[str]]  # stems of each wording
    parents: dict[str, str | None]  # provision -> nearest listed ancestor


def _repair(tokens: list[str], index: _Index) -> list[str]:
    """Tokens with OCR damage undone where the library knows the word: folded spellings
    ("dmg"), words broken in two ("conta1ninatio n") and words run together."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in index.vocab or tok in _STOP:
            out.append(tok)
            i += 1
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is not None and nxt not in _STOP:
            joined = _known(tok + nxt, fuzzy=False)
            if joined:
                out.append(joined)
                i += 2
                continue
        fixed = _known(tok, fuzzy=True)
        if fixed:
            out.append(fixed)
        else:
            out.extend(_split(tok, index) or [tok])
        i += 1
    return out


@lru_cache(maxsize=65536)
def _known(tok: str, fuzzy: bool) -> str | None:
    """The library word an OCR-damaged token stands for, if there is exactly one."""
    index = _index()
    if tok in index.vocab:
        return tok
    skel = skeleton(tok)
    word = index.by_skeleton.get(skel)
    if word or not fuzzy or len(skel) < 5:
        return word
    # One or two more OCR slips than the folding covers: a near skeleton, and only one.
    best = fuzz_process.extract(skel, index.skeletons, scorer=Levenshtein.normalized_similarity,
                                limit=2, score_cutoff=0.8)
    if len(best) == 1 or (len(best) == 2 and best[0][1] - best[1][1] > 0.05):
        return index.by_skeleton[best[0][0]]
    return None


def _split(tok: str, index: _Index) -> list[str] | None:
    """A run-together token ("notestablished") as two known words, if it is one."""
    for k in range(2, len(tok) - 1):
        a, b = tok[:k], tok[k:]
        if (a in index.vocab or a in _STOP) and (b in index.vocab or b in _STOP):
            return [a, b]
    return None


def _word_terms(tokens: list[str]) -> list[str]:
    """Word stems and stem bigrams of the content words."""
    stems = [_stem(t) for t in tokens if t not in _STOP and not t.isdigit()]
    return stems + [f"{a} {b}" for a, b in zip(stems, stems[1:])]


def _char_terms(tokens: list[str]) -> list[str]:
    """Character n-grams of the content words' skeleton, run together so that broken and
    joined words give the same grams."""
    skel = skeleton("".join(t for t in tokens if t not in _STOP))
    return [skel[i : i + n] for n in CHAR_NGRAMS for i in range(len(skel) - n + 1)]


def _vector(terms: list[str], vocab: dict[str, int], idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Feature ids and L2-normalised sublinear TF-IDF weights of the terms in `vocab`."""
    ids = np.fromiter((vocab.get(t, -1) for t in terms), dtype=np.int64, count=len(terms))
    idx, counts = np.unique(ids[ids >= 0], return_counts=True)
    if not len(idx):
        return idx, np.zeros(0)
    w = (1.0 + np.log(counts)) * idf[idx]
    return idx, w / np.linalg.norm(w)


def _fit(term_lists: list[list[str]]) -> tuple[dict[str, int], np.ndarray, sparse.csr_matrix]:
    """Vocabulary, IDF and the features x wordings matrix of L2-normalised TF-IDF weights.

    Features in more than MAX_DF of the wordings are left out: they tell no provision from
    another, and their long rows would be most of the work of every match."""
    df: Counter = Counter()
    for terms in term_lists:
        df.update(set(terms))
    n = len(term_lists)
    vocab = {f: j for j, f in enumerate(f for f in df if df[f] <= MAX_DF * n)}
    idf = np.ones(len(vocab))
    for f, j in vocab.items():
        idf[j] = math.log((1 + n) / (1 + df[f])) + 1.0
    rows, cols, vals = [], [], []
    for i, terms in enumerate(term_lists):
        idx, w = _vector(terms, vocab, idf)
        rows.extend(idx.tolist())
        cols.extend([i] * len(idx))
        vals.extend(w.tolist())
    matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(len(vocab), n))
    return vocab, idf, matrix


def _section(provision: str) -> str:
    return provision.split("(", 1)[0]


@lru_cache(maxsize=1)
def _index() -> _Index:
    provisions, wordings = [], []
    for p in library():
        for w in p.wordings:
            provisions.append(p.provision)
            wordings.append(w)
    token_lists = [_raw_tokens(w) for w in wordings]
    vocab = frozenset(t for toks in token_lists for t in toks if t not in _STOP)
    by_skeleton: dict[str, str] = {}
    for word in sorted(vocab, key=len):
        by_skeleton.setdefault(skeleton(word), word)
    word_terms = [_word_terms(t) for t in token_lists]
    word_vocab, word_idf, word_t = _fit(word_terms)
    char_vocab, char_idf, char_t = _fit([_char_terms(t) for t in token_lists])
    listed = {p.provision for p in library()}
    parents: dict[str, str | None] = {}
    for p in listed:
        parent = p
        parents[p] = None
        while "(" in parent:
            parent = parent[: parent.rindex("(")]
            if parent in listed:
                parents[p] = parent
                break
    return _Index(
        provisions=provisions,
        wordings=wordings,
        vocab=vocab,
        by_skeleton=by_skeleton,
        skeletons=list(by_skeleton),
        word_vocab=word_vocab,
        word_idf=word_idf,
        char_vocab=char_vocab,
        char_idf=char_idf,
        word_t=word_t,
        char_t=char_t,
        word_sets=[frozenset(k for k in terms if " " not in k) for terms in word_terms],
        parents=parents,
    )


def _scores(tokens: list[str], index: _Index) -> tuple[np.ndarray, frozenset[str]]:
    word_terms = _word_terms(tokens)
    total = np.zeros(len(index.wordings))
    for terms, vocab, idf, matrix, weight in (
        (word_terms, index.word_vocab, index.word_idf, index.word_t, WORD_WEIGHT),
        (_char_terms(tokens), index.char_vocab, index.char_idf, index.char_t, 1.0 - WORD_WEIGHT),
    ):
        idx, w = _vector(terms, vocab, idf)
        if len(idx):
            total += weight * _dot(matrix, idx, w)
    return total, frozenset(k for k in word_terms if " " not in k)


def _dot(matrix: sparse.csr_matrix, idx: np.ndarray, w: np.ndarray) -> np.ndarray:
    """`w @ matrix[idx]` without scipy's fancy-indexing overhead, which costs more than the
    arithmetic for one short query."""
    starts, ends = matrix.indptr[idx], matrix.indptr[idx + 1]
    lengths = ends - starts
    offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    return np.bincount(
        matrix.indices[offsets], weights=matrix.data[offsets] * np.repeat(w, lengths), minlength=matrix.shape[1]
    )


def _is_ancestor(a: str, b: str) -> bool:
    return b.startswith(a + "(")


def _settle_tie(best: int, scores: np.ndarray, stems: frozenset[str], index: _Index) -> int:
    """Between a section's wording and its paragraph's wording that score alike, the
    paragraph only if the input holds the paragraph wording's own words."""
    top = scores[best]
    near = [int(i) for i in np.flatnonzero(scores >= top - TIE)]
    provision = index.provisions[best]
    kin = [i for i in near if _is_ancestor(index.provisions[i], provision) or _is_ancestor(provision, index.provisions[i])]
    if not kin:
        return best
    # Deepest first: each paragraph must earn its place over the shallower wordings in the tie.
    family = sorted([best] + kin, key=lambda i: (-index.provisions[i].count("("), -scores[i]))
    for i in family:
        shallower = [j for j in family if _is_ancestor(index.provisions[j], index.provisions[i])]
        if not shallower:
            return i
        own = index.word_sets[i] - frozenset().union(*(index.word_sets[j] for j in shallower))
        if not own or len(own & stems) / len(own) >= SUPPORT:
            return i
    return best


def match_citation(text: str | None) -> CitationMatch | None:
    """The 21 CFR provision an observation's citation wording comes from, or None.

    A provision written out in the text ("[21 CFR 211.192]") is taken as it stands
    (method "explicit", score 1.0); otherwise the wording is matched against the library
    (method "wording"), and None is returned when the best match scores below THRESHOLD.

    >>> m = match_citation("Procedures designed to prevent microbiological conta1ninatio n of dmg "
    ...                    "products pmpo1ting to be sterile are not [established] [written] [followed].")
    >>> (m.provision, m.method)
    ('211.113(b)', 'wording')
    >>> match_citation("The firm's address is 100 Main Street.") is None
    True
    """
    if not text or not text.strip():
        return None
    explicit = _explicit(text)
    if explicit:
        return CitationMatch(explicit[0], 1.0, "explicit", explicit[1])
    index = _index()
    tokens = _repair(_raw_tokens(text), index)
    if not tokens:
        return None
    scores, stems = _scores(tokens, index)
    best = int(np.argmax(scores))
    if scores[best] < THRESHOLD:
        return None
    chosen = _settle_tie(best, scores, stems, index)
    return CitationMatch(index.provisions[chosen], round(float(scores[chosen]), 4), "wording", index.wordings[chosen])
