"""Offline geography: country codes and city coordinates."""
from __future__ import annotations

import math

import pytest

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
