import pytest

from extract.address import Place, country_code, parse_place


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Houston, TX 77054-2520", Place("Houston", "TX", "77054-2520", "US")),
        ("Houston, TX 77054 -2520", Place("Houston", "TX", "77054-2520", "US")),
        ("Bloomington, IN 47403 USA", Place("Bloomington", "IN", "47403", "US")),
        ("Windsor, CT 06095-1024", Place("Windsor", "CT", "06095-1024", "US")),
        ("Nagpur, Maharashtra, 441108 India", Place("Nagpur", "Maharashtra", "441108", "IN")),
        ("Ahmedabad, Gujarat, 382210, India", Place("Ahmedabad", "Gujarat", "382210", "IN")),
        ("Srikakulam, Andhra Pradesh, India 532409", Place("Srikakulam", "Andhra Pradesh", "532409", "IN")),
        ("Poce Sur Cisse, Indre Et Loire, 37530 France", Place("Poce Sur Cisse", "Indre Et Loire", "37530", "FR")),
        ("Leiden, Zuid-Holland, 2333 CH, Netherlands", Place("Leiden", "Zuid-Holland", "2333 CH", "NL")),
        ("Toronto, Ontario M5V 3L9, Canada", Place("Toronto", "Ontario", "M5V 3L9", "CA")),
        ("Berlin, 10115, Germany", Place("Berlin", None, "10115", "DE")),
    ],
)
def test_parse_place(text, expected):
    assert parse_place(text) == expected


def test_state_codes_are_not_read_as_countries():
    # MS is Montserrat's ISO code, and IN India's: here they are US states
    assert parse_place("Cleveland, MS 38732-2106").country == "US"
    assert parse_place("Indianapolis, IN 46278").country == "US"


@pytest.mark.parametrize("text,code", [("USA", "US"), ("United States", "US"), ("India", "IN"), ("FR", "FR"),
                                        ("Netherlands", "NL"), ("Korea, Republic of", "KR"), ("nowhere", None)])
def test_country_code(text, code):
    assert country_code(text) == code


@pytest.mark.parametrize("text,expected", [
    # OCR split the PIN code at a gap between its digits: one number again, the state left whole
    ("Ahmedabad, Gujarat, 3822 10, India", Place("Ahmedabad", "Gujarat", "382210", "IN")),
    ("Srikakulam, Andhra Pradesh, 532 409, India", Place("Srikakulam", "Andhra Pradesh", "532409", "IN")),
    # postal codes printed with a space stay so, and are not read as a code and a state
    ("Stockholm, 113 51, Sweden", Place("Stockholm", None, "113 51", "SE")),
    ("Praha 4, 140 00, Czech Republic", Place("Praha 4", None, "140 00", "CZ")),
])
def test_postal_codes_with_a_gap(text, expected):
    assert parse_place(text) == expected
