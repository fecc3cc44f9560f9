"""Offline geography: country codes and city coordinates."""
from __future__ import annotations

import math
import sqlite3

import pytest

from kb import geo
from kb.geo import country_code, locate, us_state_code
from shared_paths import gold_files, project_registry


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lat1, lon1), (lat2, lon2) = (map(math.radians, p) for p in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(h))


@pytest.mark.parametrize("printed, code", [
    ("USA", "US"), ("United States", "US"), ("U.S.A.", "US"), ("us", "US"), ("USA ", "US"),
    ("India", "IN"), ("IND", "IN"), ("France", "FR"), ("FR", "FR"), ("fr", "FR"),
    ("United Kingdom", "GB"), ("UK", "GB"), ("Korea, Republic of", "KR"), ("South Korea", "KR"),
    ("Czech Republic", "CZ"), ("Türkiye", "TR"), ("Netherlands", "NL"), ("Viet Nam", "VN"),
    ("Virgin Islands", "VI"), ("British Virgin Islands", "VG"),
])
def test_country_code(printed, code):
    assert country_code(printed) == code


@pytest.mark.parametrize("printed", [None, "", "-", "Atlantis", "XX"])
def test_country_code_unknown(printed):
    assert country_code(printed) is None


def test_us_state_code():
    assert us_state_code("tx") == us_state_code("Texas") == "TX"
    assert us_state_code("Ontario") is None
    # as forms and listings print them: a code with its period, DC, the territories
    assert us_state_code("TX.") == "TX"
    assert us_state_code("District of Columbia") == "DC"
    assert us_state_code("pr") == us_state_code("Puerto Rico") == "PR"


def test_a_territory_locates_in_the_territory_not_at_a_namesake_state_side():
    # San Juan, PR on a form whose country reads US: Puerto Rico's capital, not San Juan, Texas
    lat, lon = locate("San Juan", "PR", "US")
    assert 17.5 < lat < 18.6 and -67.5 < lon < -65.2
    assert locate("Houston", "TX.", "US") == locate("Houston", "Texas", "US")


def test_every_gold_address_locates():
    golds = gold_files()
    located = {g["source"]: locate(g["city"], g["state"], g["country"]) for g in golds}
    missing = [name for name, point in located.items() if point is None]
    print(f"geocoded {len(golds) - len(missing)}/{len(golds)} gold addresses; missing: {missing}")
    assert not missing
    assert km(located["Eagle_Analytical.pdf"], (29.76, -95.37)) < 5  # Houston
    assert km(located["Fareva_Amboise.pdf"], (47.44, 0.99)) < 5  # Pocé-sur-Cisse


def test_state_picks_the_right_namesake():
    cleveland_ms, cleveland_oh = locate("Cleveland", "MS", "US"), locate("Cleveland", "OH", "US")
    assert km(cleveland_ms, (33.74, -90.72)) < 10 and km(cleveland_oh, (41.50, -81.69)) < 10
    assert km(locate("Rochester", "Michigan", "USA"), (42.68, -83.13)) < 10
    assert km(locate("Woodbine", "IA", "US"), (41.74, -95.70)) < 10
    # A state that has no such city gives no answer rather than a namesake elsewhere.
    assert locate("Woodbine", "AZ", "US") is None


def test_saint_abbreviations_and_accents():
    assert locate("St. Louis", "MO", "US") == locate("Saint Louis", "Missouri", "United States")
    assert locate("Ste. Genevieve", "MO", "US") == locate("Sainte Genevieve", "MO", "US") is not None
    assert locate("Ft. Lauderdale", "FL", "US") == locate("Fort Lauderdale", "FL", "US")
    assert locate("Pocé-sur-Cisse", None, "France") == locate("Poce Sur Cisse", "Indre Et Loire", "FR")


def test_indian_states_and_french_departements():
    hyderabad = locate("Hyderabad", "Telangana", "India")
    assert km(hyderabad, (17.38, 78.46)) < 10
    # Hyderabad in Sindh, Pakistan, is another city: the country keeps them apart.
    assert km(locate("Hyderabad", None, "PK"), hyderabad) > 500
    assert km(locate("Srikakulam", "Andhra Pradesh", "IN"), (18.30, 83.90)) < 10
    assert locate("Srikakulam", "Gujarat", "IN") is None
    # Départements are read through their region (cities500 knows no finer division):
    # Loiret shares Indre-et-Loire's region, Gironde does not.
    assert locate("Poce Sur Cisse", "Loiret", "FR") == locate("Poce Sur Cisse", "Indre Et Loire", "FR")
    assert locate("Poce Sur Cisse", "Gironde", "FR") is None
    assert locate("Tours", "Indre-et-Loire", "FR") is not None


def test_unknown_places():
    assert locate(None, None, None) is None
    assert locate("Nowhereville Xyz", "TX", "US") is None


def test_registry_facilities_locate():
    facilities = [f for _, f in project_registry().facilities() if f.city]
    missing = [f.name for f in facilities if locate(f.city, f.state, f.country) is None]
    print(f"geocoded {len(facilities) - len(missing)}/{len(facilities)} registry facilities with a city")
    assert not missing


@pytest.fixture
def fresh_index():
    """The city index made again for the test, and again after it for the other tests."""
    geo._city_index.cache_clear()
    yield
    geo._city_index.cache_clear()


def test_the_city_index_is_made_once_into_the_cache_and_read_back(tmp_path, monkeypatch, fresh_index):
    monkeypatch.setenv("FDA483_CACHE", str(tmp_path))
    woodbine = locate("Woodbine", "IA", "US")
    assert km(woodbine, (41.74, -95.70)) < 10
    made = geo.index_path(tmp_path)
    stamp = made.stat().st_mtime_ns
    # a later run reads the file: the cities are not loaded again, nor the file made again
    geo._city_index.cache_clear()
    monkeypatch.setattr(geo, "_city_entries", lambda: pytest.fail("the cities were loaded again"))
    assert locate("Woodbine", "IA", "US") == woodbine
    assert locate("St. Louis", "MO", "US") == locate("Saint Louis", "Missouri", "United States") is not None
    assert made.stat().st_mtime_ns == stamp
    assert not list((tmp_path / "places").glob("*.tmp"))


def test_a_damaged_or_stale_city_index_is_made_again(tmp_path, monkeypatch, fresh_index):
    monkeypatch.setenv("FDA483_CACHE", str(tmp_path))
    path = geo.index_path(tmp_path)
    path.parent.mkdir()
    path.write_bytes(b"not a database, the end of a killed write")
    assert km(locate("Woodbine", "IA", "US"), (41.74, -95.70)) < 10
    assert isinstance(geo._city_index(), geo._FileIndex)
    # a file some other version of the rules made
    with sqlite3.connect(path) as conn:
        conn.execute("update meta set locator = 'older'")
    conn.close()
    geo._city_index.cache_clear()
    assert km(locate("Woodbine", "IA", "US"), (41.74, -95.70)) < 10
    assert sqlite3.connect(path).execute("select locator from meta").fetchone() == (geo.LOCATOR,)


def test_without_a_cache_directory_the_city_index_is_kept_in_memory(monkeypatch, fresh_index):
    monkeypatch.setenv("FDA483_CACHE", "")
    assert km(locate("Woodbine", "IA", "US"), (41.74, -95.70)) < 10
    assert isinstance(geo._city_index(), geo._MemoryIndex)
