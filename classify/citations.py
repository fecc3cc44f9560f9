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

How: OCR damage is undone where the library knows the word (`_repair`); the input and every
wording become two TF-IDF vectors, of word stems and of character n-grams over an OCR-folded
`skeleton`; the mean of the two cosines is the score. A wording is a candidate when it scores
at least THRESHOLD and explains at least MIN_HELD of the input; among candidates, the one that
also holds most of the input's words wins; wordings of one section that tie are told apart
by the words each has alone, or else give way to their common ancestor (`_choose`).
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np
import yaml
from rapidfuzz import process as fuzz_process
from rapidfuzz.distance import Levenshtein

LIBRARY_PATH = Path(__file__).with_name("cfr_library.yml")

# A provision as FDA writes it: part.section then paragraphs, e.g. 211.42(c)(10)(iv), 820.100(a).
PROVISION_RE = re.compile(r"^\d{1,4}\.\d{1,4}(\((?:[a-z]{1,2}|\d{1,2}|[ivx]{1,5})\))*$")

# A wrong provision is worse than none. On the gold answer files (tests/test_citations.py
# prints the figures) correct matches score 0.49 and up, citations with no provision at most
# 0.30, bar one that is a 211.58 citation in all but name.
THRESHOLD = 0.36
# Two wordings this close in score are a tie, settled by `_choose`.
TIE = 0.03
# Weight of the word-stem cosine against the character n-gram cosine.
WORD_WEIGHT = 0.5
# Length of the character n-grams: 4 measured as accurate as 3, 4 and 5 together, at 60% of the time.
CHAR_N = 4
# 483s shorten the regulation's lists ("Deviations from written specifications are not
# justified"), and the cosine alone prefers a short wording of another provision to the long
# one that says it all. So among the wordings that pass THRESHOLD, the one chosen is ranked
# by the score blended with this weight of how much of the input's words the wording holds.
# It only reorders: alone it would let any fragment ride on a long wording that contains it.
COVERAGE = 0.3
# A citation restates its provision, so the wording must explain this share of the input
# (the mean over words and character n-grams; the latter is blind to OCR noise, which no
# wording explains). Else a sentence that mentions "the quality unit" in passing is
# "There is no quality control unit." Correct gold matches explain 0.49 and more.
MIN_HELD = 0.4
# Character n-grams in more than this share of the wordings are left out of both sides: they
# tell no provision from another, and their long postings were most of the work of every
# match. Words are all kept: "drug product" against "active ingredient" is a distinction.
CHAR_MAX_DF = 0.2


@dataclass(frozen=True)
class Provision:
    """One entry of the library: `citable` is False for the few provisions that a 483 does
    not cite by themselves (and that have no wordings)."""

    provision: str
    title: str
    wordings: tuple[str, ...]
    citable: bool = True


@dataclass(frozen=True)
class CitationMatch:
    """The provision a citation names: `method` is "explicit" when the text writes it out
    (then `wording` is the citation as written), "wording" when it came from the library
    (then `wording` is the library wording that matched; `provision` is an ancestor of its
    provision when tied paragraphs could not be told apart); `score` is 0..1."""

    provision: str
    score: float
    method: str
    wording: str


@lru_cache(maxsize=1)
def library() -> tuple[Provision, ...]:
    """Every provision of `cfr_library.yml`, in file order."""
    data = yaml.safe_load(LIBRARY_PATH.read_text(encoding="utf-8"))
    entries = []
    for e in data:
        wordings = tuple(e.get("wordings") or ())
        odd = [w for w in wordings if not isinstance(w, str)]
        if odd:  # a wording with ": " in it reads as a mapping
            raise ValueError(f"{LIBRARY_PATH.name}: {e['provision']}: a wording is not text: {odd[0]!r}")
        entries.append(Provision(str(e["provision"]), e["title"], wordings, e.get("citable", True)))
    return tuple(entries)


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
    """The first valid provision written out in `text`, and the citation as written."""
    if "21" not in text and "§" not in text:  # each match has one; the pattern, case-blind, is slow
        return None
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
    within during into upon onto
    whose this these those such its it their there here be is are was were been being am has have
    had having do does did done not no none without any all each every other another
    fail fails failed failing failure failures lack lacks lacked lacking
    your you yours firm firms company facility we our us they them
    shall must should will would may might can could also only both either neither
    specifically observed observation following including include includes included""".split()
)

# Characters OCR confuses, folded to one stroke-like form so that "dmg" and "drug", "fnm" and
# "firm", "conta1nination" and "contamination" share a skeleton: r/l/i/1/j/! are one vertical
# stroke "i", n/u/h two ("ii"), m three; c/e one, o/0 one, d is "cl".
_SKELETON = str.maketrans(
    {
        "r": "i", "l": "i", "1": "i", "j": "i", "!": "i", "|": "i",
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
    "validated" and "validation", or "approval" and "approved" meet; applied alike to
    wordings and inputs. Not "-ion": "production" must not become "product"."""
    for _ in range(2):
        for suf in ("ational", "ations", "ation", "ments", "ment", "ities", "ity", "ings", "ing",
                    "ated", "ates", "ate", "ied", "ies", "ed", "es", "ly", "al", "e", "s"):
            if word.endswith(suf) and len(word) - len(suf) >= 3 and not (suf == "s" and word.endswith("ss")):
                word = word[: -len(suf)]
                break
        else:
            break
    return word


# 483s write the same thing several ways; each is rewritten to the regulation's words
# (applied to the wordings too). "quality unit" is the usage since 2006 for the "quality
# control unit" of 211.22. Each is (literals, pattern, words): the pattern, which opens on \b
# and so is tried at every position, runs only where one of its literals is in the text (as
# every match has one), which most citations are not.
_SYNONYMS = [
    (("q",), re.compile(r"\bquality (?:assurance |control )?unit\b|\bq\.?c\.?u\b|\bqu\b"), "quality control unit"),
    (("gmp",), re.compile(r"\bc ?gmps?\b"), "current good manufacturing practice"),
    (("capa",), re.compile(r"\bcapas?\b"), "corrective and preventive action"),
    (("oos",), re.compile(r"\boos\b"), "out of specification"),
    (("coa", "c of a"), re.compile(r"\bcoas?\b|\bc of a\b"), "certificate of analysis"),
    (("sop",), re.compile(r"\bsops?\b"), "standard operating procedure"),
    (("hepa",), re.compile(r"\bhepa\b"), "high efficiency particulate air"),
    (("hct",), re.compile(r"\bhct/?ps?\b"), "hctp"),
    (("contain",), re.compile(r"\bcontain(?:s|ed)?\b"), "include"),  # "do not contain" = "do not include"
]
# The lead statement ends where the details begin: "... followed. Specifically, ...", but
# not at "performed within specifically defined areas" (211.42(c)).
_DETAILS = re.compile(r"(?:^|[.:;]\s*)specifically\b")
_CITE = re.compile(r"\b21\s*c\.?\s*f\.?\s*r\.?\s*(?:part|§+|sec\w*\.?)?\s*[\d.]*(?:\s*\(\w+\))*")
_REDACTION = re.compile(r"\(\s*b\s*\)\s*\(\s*[46]\s*\)")  # (b)(4), (b)(6)
_WORD = re.compile(r"[a-z0-9|!]+")


def _raw_tokens(text: str) -> list[str]:
    """Lowercase words of the lead statement, with cites and redaction marks taken out and
    the usual abbreviations written out."""
    text = unicodedata.normalize("NFKC", text).lower()
    cut = _DETAILS.search(text) if "specifically" in text else None
    if cut:
        text = text[: cut.start()]
    if "21" in text:
        text = _CITE.sub(" ", text)
    if "(" in text:
        text = _REDACTION.sub(" ", text)
    for literals, pattern, words in _SYNONYMS:
        if any(lit in text for lit in literals):
            text = pattern.sub(words, text)
    return _WORD.findall(text.replace("'s", ""))


def _content(tokens: list[str]) -> list[str]:
    # Single letters are list markers ("a)") or fragments the repair could not place.
    return [t for t in tokens if t not in _STOP and len(t) > 1 and not t.isdigit()]


def _word_terms(tokens: list[str]) -> list[str]:
    """Word stems and stem bigrams of the content words."""
    stems = [_stem(t) for t in _content(tokens)]
    return stems + [f"{a} {b}" for a, b in zip(stems, stems[1:])]


def _char_terms(tokens: list[str]) -> list[str]:
    """Character n-grams of the content words' skeleton, run together so that broken and
    joined words give the same grams."""
    skel = skeleton("".join(_content(tokens)))
    return [skel[i : i + CHAR_N] for i in range(len(skel) - CHAR_N + 1)]


# A skeleton's letters are these (see `skeleton`), so its n-grams are numbers in base 36, and
# the n-grams of a document's citations are looked up all at once (`_char_vectors`).
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_SYMBOL = np.zeros(128, dtype=np.int64)
_SYMBOL[[ord(c) for c in _ALPHABET]] = np.arange(len(_ALPHABET))


def _gram_numbers(skel: str) -> np.ndarray:
    """The number of each CHAR_N-gram of a skeleton (the n-grams `_char_terms` lists)."""
    digits = _SYMBOL[np.frombuffer(skel.encode("ascii"), dtype=np.uint8)]
    numbers = digits[: len(digits) - CHAR_N + 1].copy()
    for k in range(1, CHAR_N):
        numbers = numbers * len(_ALPHABET) + digits[k : len(digits) - CHAR_N + 1 + k]
    return numbers


def _char_vectors(token_lists: list[list[str]], index: "_Index") -> list[tuple[np.ndarray, np.ndarray]]:
    """`index.chars.vector(_char_terms(tokens))` for each token list, the same arrays: the
    n-grams are found by number among the space's, for all the lists in one pass."""
    space, known, ids = index.chars, index.gram_numbers, index.gram_ids
    skeletons = [skeleton("".join(_content(tokens))) for tokens in token_lists]
    numbers = [_gram_numbers(skel) if len(skel) >= CHAR_N else np.zeros(0, dtype=np.int64) for skel in skeletons]
    query = np.repeat(np.arange(len(numbers)), [len(n) for n in numbers])
    numbers = np.concatenate(numbers)
    at = np.minimum(np.searchsorted(known, numbers), len(known) - 1)
    hit = known[at] == numbers  # n-grams of the space (unseen and common ones are passed over)
    keys, tf = np.unique(query[hit] * len(space.idf) + ids[at[hit]], return_counts=True)
    bounds = np.searchsorted(keys // len(space.idf), np.arange(len(token_lists) + 1))
    return [space.weigh(keys[a:b] % len(space.idf), tf[a:b]) for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist())]


_UNSEEN, _COMMON = -1, -2


class _Space:
    """One TF-IDF feature space over the library's wordings, searched by cosine.

    Sublinear TF, smoothed IDF and L2 norms as scikit-learn's TfidfVectorizer has them, with
    two differences: with `penalise_unseen`, a word the wordings lack still counts in the
    query's norm (at the IDF of an unseen term), so text the library cannot explain lowers
    the score instead of vanishing from it (not for character n-grams, where unseen grams
    are mostly OCR noise); and the postings are plain arrays, because for one short query
    scikit-learn's transform and scipy's indexing cost more than the arithmetic.
    """

    def __init__(self, term_lists: list[list[str]], penalise_unseen: bool, max_df: float = 1.0):
        self.penalise_unseen = penalise_unseen
        df: Counter = Counter()
        for terms in term_lists:
            df.update(set(terms))
        n = len(term_lists)
        self.size = n
        common = {t for t, k in df.items() if k > max_df * n}
        kept = [t for t in df if t not in common]
        # Term -> feature id; the common terms map to _COMMON, to be passed over.
        self.ids = {t: j for j, t in enumerate(kept)} | dict.fromkeys(common, _COMMON)
        self.idf = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in kept])
        self.unseen_idf = math.log(1 + n) + 1.0
        postings: list[list[tuple[int, float]]] = [[] for _ in kept]
        for i, terms in enumerate(term_lists):
            for j, w in zip(*self.vector(terms)):
                postings[j].append((i, w))
        self.indptr = np.cumsum([0] + [len(p) for p in postings])
        self.wording = np.array([i for p in postings for i, _ in p], dtype=np.int64)
        self.weight = np.array([w for p in postings for _, w in p])

    def vector(self, terms: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Ids and normalised weights of the known terms among `terms`."""
        known: dict[int, int] = {}
        unseen = 0.0
        for t, n in Counter(terms).items():
            j = self.ids.get(t, _UNSEEN)
            if j >= 0:
                known[j] = n
            elif j == _UNSEEN and self.penalise_unseen and " " not in t:  # unseen words, not pairs
                unseen += (1.0 + math.log(n)) ** 2
        idx = np.array(sorted(known), dtype=np.int64)
        return self.weigh(idx, np.array([known[j] for j in idx.tolist()], dtype=np.int64), unseen)

    def weigh(self, idx: np.ndarray, tf: np.ndarray, unseen: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """`idx` and the normalised weights of those terms, counted `tf` times; `unseen` is the
        sum of (1 + log n)^2 over the unseen words, counted in the norm with penalise_unseen."""
        w = (1.0 + np.log(tf)) * self.idf[idx]
        norm2 = float(w @ w)
        if self.penalise_unseen:
            norm2 += unseen * self.unseen_idf**2
        return idx, w / math.sqrt(norm2) if norm2 else w

    def scores(self, vectors: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
        """For each of the queries' `vector`s, the cosine with every wording and the share of
        the query's weight each wording holds: two (queries x wordings) arrays. The queries
        of a document are scored together: for one, numpy's calls cost more than their work."""
        q = len(vectors)
        idx = np.concatenate([v[0] for v in vectors])
        w = np.concatenate([v[1] for v in vectors])
        starts, lengths = self.indptr[idx], self.indptr[idx + 1] - self.indptr[idx]
        at = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        w = np.repeat(w, lengths)
        query = np.repeat(np.arange(q), [len(v[0]) for v in vectors])
        # each query's wordings in a block of its own: the sums run in the same order as alone
        wording = self.wording[at] + np.repeat(query, lengths) * self.size
        cosine = np.bincount(wording, weights=self.weight[at] * w, minlength=q * self.size)
        held = np.bincount(wording, weights=w * w, minlength=q * self.size)
        return cosine.reshape(q, self.size), held.reshape(q, self.size)


@dataclass
class _Index:
    provisions: list[str]  # per wording
    wordings: list[str]
    vocab: frozenset[str]  # words of the wordings
    by_skeleton: dict[str, str]  # skeleton -> the word (of the wordings, or a stop word) it folds
    skeletons: list[str]  # the keys of by_skeleton, for fuzzy search
    words: _Space
    chars: _Space
    stems: list[frozenset[str]]  # word stems of each wording
    section: np.ndarray  # per wording, a number for its section ("211.42" of "211.42(c)(10)")
    gram_numbers: np.ndarray  # the `_gram_numbers` of the char space's n-grams, sorted
    gram_ids: np.ndarray  # and their feature ids


@lru_cache(maxsize=1)
def _index() -> _Index:
    provisions, wordings = [], []
    for p in library():
        for w in p.wordings:
            provisions.append(p.provision)
            wordings.append(w)
    token_lists = [_raw_tokens(w) for w in wordings]
    vocab = frozenset(t for toks in token_lists for t in toks if t not in _STOP)
    # Where words fold alike ("not", "hot" and OCR's "riot"), the one the wordings use most.
    # Stop words too: else "riot" and "arid" would be repaired to "hot" and "valid".
    frequency = Counter(t for toks in token_lists for t in toks)
    by_skeleton: dict[str, str] = {}
    for word in sorted(vocab | _STOP, key=lambda w: (-frequency[w], len(w), w)):
        by_skeleton.setdefault(skeleton(word), word)
    word_terms = [_word_terms(t) for t in token_lists]
    chars = _Space([_char_terms(t) for t in token_lists], penalise_unseen=False, max_df=CHAR_MAX_DF)
    grams = [(gram, j) for gram, j in chars.ids.items() if j >= 0]
    gram_numbers = np.array([int(_gram_numbers(gram)[0]) for gram, _ in grams], dtype=np.int64)
    gram_ids = np.array([j for _, j in grams], dtype=np.int64)
    order = np.argsort(gram_numbers)
    return _Index(
        provisions=provisions,
        wordings=wordings,
        vocab=vocab,
        by_skeleton=by_skeleton,
        skeletons=list(by_skeleton),
        words=_Space(word_terms, penalise_unseen=True),
        chars=chars,
        stems=[frozenset(k for k in terms if " " not in k) for terms in word_terms],
        section=np.unique([_paragraphs(p)[0] for p in provisions], return_inverse=True)[1],
        gram_numbers=gram_numbers[order],
        gram_ids=gram_ids[order],
    )


def _repair(tokens: list[str], index: _Index) -> list[str]:
    """Tokens with OCR damage undone where the library knows the word: folded spellings
    ("dmg"), words broken in two ("conta1ninatio n", "follow-up") and words run together."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if nxt and tok + nxt in index.vocab:
            out.append(tok + nxt)
            i += 2
            continue
        if tok in index.vocab or tok in _STOP:
            out.append(tok)
            i += 1
            continue
        joined = _known(tok + nxt, fuzzy=False) if nxt and nxt not in _STOP else None
        if joined:
            out.append(joined)
            i += 2
            continue
        fixed = _known(tok, fuzzy=True)
        out.extend([fixed] if fixed else _split(tok, index) or [tok])
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
    # One or two more OCR slips than the folding covers: the near skeletons, told apart by
    # the letters themselves, since folding makes unrelated short words look alike.
    near = fuzz_process.extract(skel, index.skeletons, scorer=Levenshtein.normalized_similarity,
                                limit=5, score_cutoff=0.8)
    ranked = sorted((Levenshtein.normalized_similarity(tok, index.by_skeleton[k]), index.by_skeleton[k]) for k, _, _ in near)
    if ranked and ranked[-1][0] >= 0.6 and (len(ranked) == 1 or ranked[-1][0] - ranked[-2][0] >= 0.1):
        return ranked[-1][1]
    return None


def _split(tok: str, index: _Index) -> list[str] | None:
    """A run-together token ("notestablished") as two known words, if it is one."""
    for k in range(2, len(tok) - 1):
        a, b = tok[:k], tok[k:]
        if (a in index.vocab or a in _STOP) and (b in index.vocab or b in _STOP):
            return [a, b]
    return None


def _paragraphs(provision: str) -> list[str]:
    """'211.42(c)(10)' -> ['211.42', '(c)', '(10)']"""
    return re.findall(r"^[^(]+|\([^)]*\)", provision)


def _common_ancestor(provisions: list[str]) -> str:
    parts = [_paragraphs(p) for p in provisions]
    common = []
    for level in zip(*parts):
        if len(set(level)) > 1:
            break
        common.append(level[0])
    return "".join(common)


def _choose(best: int, rank: np.ndarray, stems: frozenset[str], index: _Index) -> tuple[str, int]:
    """The provision the input supports, and the wording that shows it.

    Wordings of one section that tie (within TIE) are told apart by their own words, those
    the others in the tie lack: the input supports the best-ranked one whose own words it
    has. If it has none, it supports only what they share, their common ancestor:
    "Separate or defined areas to prevent contamination or mixups are deficient" is
    211.42(c), not whichever of (c)(1) to (c)(9) says the least; and a paragraph beats its
    tied section only with some of its own words.
    """
    tied = np.flatnonzero((rank >= rank[best] - TIE) & (index.section == index.section[best])).tolist()
    if len({index.provisions[i] for i in tied}) == 1:
        return index.provisions[best], best
    supported = [
        i for i in tied
        if index.stems[i].difference(*(index.stems[j] for j in tied if index.provisions[j] != index.provisions[i])) & stems
    ]
    if supported:
        chosen = max(supported, key=lambda i: rank[i])
        return index.provisions[chosen], chosen
    return _common_ancestor([index.provisions[i] for i in tied]), best


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
    return match_citations([text])[0]


def match_citations(texts: Sequence[str | None]) -> list[CitationMatch | None]:
    """`match_citation` of each text; the texts of a document are matched together, which
    gives the same matches in less time than one by one."""
    out: list[CitationMatch | None] = [None] * len(texts)
    todo = []
    for i, text in enumerate(texts):
        if not text or not text.strip():
            continue
        explicit = _explicit(text)
        if explicit:
            out[i] = CitationMatch(explicit[0], 1.0, "explicit", explicit[1])
        else:
            todo.append(i)
    if not todo:
        return out
    index = _index()
    tokens = [_repair(_raw_tokens(texts[i]), index) for i in todo]
    word_terms = [_word_terms(t) for t in tokens]
    word_cosine, word_held = index.words.scores([index.words.vector(terms) for terms in word_terms])
    char_cosine, char_held = index.chars.scores(_char_vectors(tokens, index))
    scores = WORD_WEIGHT * word_cosine + (1.0 - WORD_WEIGHT) * char_cosine
    passing = (scores >= THRESHOLD) & ((word_held + char_held) / 2 >= MIN_HELD)
    rank = np.where(passing, (1.0 - COVERAGE) * scores + COVERAGE * word_held, -1.0)
    for row, i in enumerate(todo):
        if not passing[row].any():
            continue
        stems = frozenset(t for t in word_terms[row] if " " not in t)
        provision, chosen = _choose(int(np.argmax(rank[row])), rank[row], stems, index)
        out[i] = CitationMatch(provision, round(float(scores[row, chosen]), 4), "wording", index.wordings[chosen])
    return out
