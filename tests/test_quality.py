from extract.quality import score_text

CLEAN = (
    "Procedures designed to prevent microbiological contamination of drug products purporting to be sterile "
    "are not established, written and followed. Specifically, your firm did not perform smoke studies under "
    "dynamic conditions in the ISO 5 area and the media fill did not simulate the interventions."
)
GARBLED = (
    "Procednres desiqned to prevemt rnicrobiolog1cal contarnination of dmg prodncts pmpo1ting to be sterlle "
    "are nol estab1ished, wrltten aud fo11owed. Speciflcally, yonr fnm dld nol perfonn srnoke stndies uuder "
    "dyuarnic coudltions iu the lSO 5 arca aud the rnedla fi11 dld not slmnlate the lnterventious."
)


LABELS = (
    "DEPARTMENT OF HEALTH AND HUMAN SERVICES FOOD AND DRUG ADMINISTRATION DATE(S) OF INSPECTION FEI NUMBER "
    "FIRM NAME STREET ADDRESS TYPE ESTABLISHMENT INSPECTED EMPLOYEE(S) SIGNATURE DATE ISSUED "
)


def test_clean_text_scores_above_garbled():
    assert score_text(CLEAN) > 0.75
    assert score_text(GARBLED) < 0.5
    assert score_text(LABELS + CLEAN) > 0.9  # a clean page of the form, labels and all


def test_almost_empty_page_scores_low():
    assert score_text("3016710931") < 0.2
    assert score_text("") == 0.0
