"""Category cues: a spaCy component that finds the words of each category's subject.

    >>> doc = cue_nlp()("The media fill was not investigated after a settle plate excursion.")
    >>> [(s.text, s.label_) for s in doc.spans[SPANS_KEY]]
    [('media fill', 'aseptic_processing'), ('investigated', 'investigations'), ('settle plate', 'environmental_monitoring'), ('excursion', 'environmental_monitoring')]
    >>> doc._.cue_counts["environmental_monitoring"]
    2

Each category of classify/taxonomy.yml has a function below that returns its phrases, with a
docstring that shows what they match. The phrases are matched on lower-cased tokens by one
PhraseMatcher built once. (ISO classes were token patterns for a Matcher at first; it took half
the time of the whole pipeline, and phrases say "ISO 5", "ISO-5" and "ISO5" as well, since
they are tokenised as the text is.) Where cues overlap the longest wins, so "cleaning
validation" is a cleaning cue and not a production one ("validation"), "label claim" is a
laboratory cue, not a labeling one, and "non-sterile" (a `no_cue` phrase) is no aseptic cue; a
phrase listed under two categories ("sporicidal") is a cue of both.

The cues are signals, not decisions: classify.model weighs them with the text, and a cue
counted in the lead statement (`cue_counts_in(doc, 0, end)`) is told from one in the details.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Span, SpanGroup

from .taxonomy import codes

SPANS_KEY = "category_cues"
NO_CUE = "no_cue"
FACTORY = "category_cues"


# --- the phrases, one function per category ---------------------------------------------------
#
# A cue says the subject is discussed, not merely that a thing is named: "vial" names what
# nearly every sterile observation is about, "stopper" and "crimp" say the container closure
# is. Words that every observation uses ("batch", "data", "records", "testing", "released")
# are left out, however often they occur beside a category.


def quality_unit() -> list[str]:
    """The quality unit, its authority, approvals and reviews.

    Matches "quality control unit", "QCU", "QA", "quality assurance", "annual product review",
    "QA approval", "batch release", "change control", "quality agreement", "oversight".
    """
    return [
        "quality unit", "quality control unit", "quality assurance unit", "quality assurance", "qcu", "qa",
        "qu", "qc unit", "qa unit", "quality department", "quality oversight", "oversight",
        "annual product review", "annual product reviews", "product quality review", "apr", "pqr",
        "batch release", "final release", "disposition", "approval", "qa approval", "qa review",
        "change control", "change controls", "quality agreement", "quality agreements",
        "responsibilities and procedures", "quality system", "quality management system",
        "review and approve", "reviewed and approved", "self-inspection", "internal audit", "internal audits",
        "contract manufacturer", "contract manufacturers",
    ]


def investigations() -> list[str]:
    """Investigations of discrepancies, deviations, OOS results and complaints; root cause, CAPA.

    Matches "investigation", "not investigated", "deviation", "out-of-specification", "OOS",
    "root cause", "CAPA", "corrective action", "complaint", "invalidated", "impact assessment".
    """
    return [
        "investigation", "investigations", "investigate", "investigated", "investigating",
        "deviation", "deviations", "discrepancy", "discrepancies", "unexplained discrepancy",
        "out of specification", "out-of-specification", "oos", "out of trend", "out-of-trend", "oot",
        "root cause", "root causes", "root cause analysis", "capa", "capas", "corrective action",
        "corrective actions", "preventive action", "preventive actions", "corrective and preventive action",
        "corrective and preventive actions", "complaint", "complaints", "invalidated", "invalidate",
        "invalidation", "nonconformance", "nonconformances", "non-conformance", "non-conformances",
        "impact assessment", "incident", "incidents", "failure investigation", "extended to other batches",
        "other batches", "assignable cause", "analyst error", "laboratory error", "retest", "retested",
        "retesting", "resample", "resampled",
    ]


def personnel() -> list[str]:
    """Training, qualification and hygiene of staff.

    Matches "training", "not trained", "retrained", "training records", "education",
    "qualified personnel", "competency", "proficiency", "illness", "consultants".
    """
    return [
        "training", "trained", "untrained", "retrained", "retraining", "train", "training records",
        "training program", "trainings", "education", "qualified personnel", "operator qualification",
        "analyst qualification", "competency", "competencies", "proficiency", "hygiene", "illness",
        "consultant", "consultants", "cgmp training", "gmp training", "on-the-job training", "job description",
        "job descriptions",
    ]


def facilities() -> list[str]:
    """Buildings and utilities: repair, design, HVAC and pressure, water, pests.

    Matches "state of repair", "peeling paint", "ceiling tiles", "HVAC", "pressure
    differential", "air handling unit", "water system", "pest", "roof", "porous".
    """
    return [
        "building", "buildings", "state of repair", "good state of repair", "disrepair", "peeling",
        "peeling paint", "chipped", "chipping", "cracked", "cracks", "rust", "rusted", "rusty",
        "ceiling", "ceilings", "ceiling tile", "ceiling tiles", "wall", "walls", "floor", "floors",
        "flooring", "gap", "gaps", "porous", "particle generating", "particle-generating", "hvac",
        "air handling", "air handling unit", "air handling units", "ahu", "ahus", "pressure differential",
        "pressure differentials", "differential pressure", "differential pressures", "pressure cascade",
        "positive pressure", "negative pressure", "room pressure", "room pressures", "magnehelic",
        "water system", "purified water system", "water for injection system", "plumbing", "drain", "drains",
        "sewage", "pest", "pests", "pest control", "insects", "insect", "rodent", "rodents", "construction",
        "renovation", "facility design", "design of the facility", "temperature and humidity", "humidity",
        "roof", "leaking roof", "insanitary", "insanitary conditions", "drywall",
    ]


def equipment() -> list[str]:
    """Equipment design, qualification, calibration and maintenance.

    Matches "equipment", "calibration", "not calibrated", "IQ/OQ/PQ", "performance
    qualification", "preventive maintenance", "equipment log", "tablet press", "alarm",
    "malfunction", "temperature mapping".
    """
    return [
        "equipment", "machine", "machines", "apparatus", "apparatuses", "calibration", "calibrations",
        "calibrated", "uncalibrated", "calibrate", "iq", "oq", "pq", "installation qualification",
        "operational qualification", "performance qualification", "equipment qualification", "requalification",
        "requalified", "maintenance", "preventive maintenance", "preventative maintenance", "repair", "repairs",
        "repaired", "equipment log", "equipment logs", "use log", "use logs", "logbook", "logbooks",
        "tablet press", "tablet presses", "blender", "blenders", "alarm", "alarms", "malfunction",
        "malfunctioning", "temperature mapping", "gauge", "gauges", "sensor", "sensors", "temperature probe",
        "data logger", "data loggers", "dissolution bath", "dissolution baths", "utensil", "utensils",
    ]


def cleaning() -> list[str]:
    """Cleaning and sanitizing of equipment and areas, residues, cleaning validation.

    Matches "cleaning", "not cleaned", "sanitized", "disinfectant", "sporicidal", "residue",
    "swab", "cleaning validation", "cross-contamination", "visibly dirty", "rinse".
    """
    return [
        "cleaning", "cleaned", "clean", "cleans", "uncleaned", "cleanliness", "sanitize", "sanitized",
        "sanitizing", "sanitization", "sanitizer", "sanitizers", "sanitation", "disinfectant", "disinfectants",
        "sporicidal", "sporicide", "sporicides", "residue", "residues", "swab", "swabs", "swabbing", "rinse",
        "rinses", "rinsing", "rinsed", "cleaning validation", "cleaning verification", "cleaning procedure",
        "cleaning procedures", "cleaning agent", "cleaning agents", "cleaning log", "cleaning logs",
        "cleaning record", "cleaning records", "cross-contamination", "cross contamination", "carryover",
        "carry-over", "dirty", "visibly dirty", "soiled", "wipe", "wiped", "wipes", "wiping", "detergent",
        "detergents", "mopped", "mop", "mops", "hazardous drug", "hazardous drugs", "deactivation",
    ]


def data_integrity() -> list[str]:
    """Computerized systems and records: audit trails, access, deletion, contemporaneity.

    Matches "audit trail", "user access", "administrator privileges", "password", "deleted",
    "backup", "not contemporaneous", "backdated", "trial injections", "raw data",
    "uncontrolled forms", "falsified", "source documentation".
    """
    return [
        "audit trail", "audit trails", "audit-trail", "user access", "access privileges", "access rights",
        "access control", "access controls", "administrator", "administrators", "administrator privileges",
        "admin", "privileges", "password", "passwords", "shared login", "shared logins", "user id", "user ids",
        "user account", "user accounts", "login", "logins", "deleted", "deletion", "deleting", "delete",
        "overwritten", "overwrite", "backup", "backups", "back up", "backed up", "contemporaneous",
        "contemporaneously", "backdated", "backdating", "pre-dated", "predated", "uncontrolled",
        "uncontrolled forms", "uncontrolled worksheets", "trial injection", "trial injections",
        "test injection", "test injections", "raw data", "original data", "original records",
        "electronic data", "electronic records", "electronic record", "computerized system",
        "computerized systems", "computer system", "computer systems", "computer", "computers", "software",
        "spreadsheet", "spreadsheets", "chromatography data system", "cds", "lims", "empower", "metadata",
        "falsified", "falsification", "fabricated", "data integrity", "true copy", "true copies",
        "not retained", "source documentation", "source documents", "source data", "scrap paper", "shredded",
        "discarded",
    ]


def materials() -> list[str]:
    """Components: sampling, identity testing, suppliers, certificates, quarantine.

    Matches "component", "raw material", "active pharmaceutical ingredient", "API",
    "excipient", "identity test", "certificate of analysis", "COA", "supplier", "vendor
    qualification", "quarantine".
    """
    return [
        "component", "components", "raw material", "raw materials", "active pharmaceutical ingredient",
        "active pharmaceutical ingredients", "api", "apis", "drug substance", "drug substances",
        "excipient", "excipients", "inactive ingredient", "identity test", "identity testing", "identity tests",
        "identification test", "certificate of analysis", "certificates of analysis", "coa", "coas",
        "c of a", "supplier", "suppliers", "vendor", "vendors", "manufacturer's certificate",
        "supplier qualification", "vendor qualification", "approved supplier", "approved suppliers",
        "quarantine", "quarantined", "lot of components", "sampling of components", "starting material",
        "starting materials", "water used", "water as an ingredient", "usp grade", "pharmaceutical grade",
        "chemical grade",
    ]


def container_closure() -> list[str]:
    """Containers and closures as a subject: stoppers, seals, crimping, integrity and leaks.

    Matches "container closure", "container closure integrity", "CCIT", "stopper", "crimp",
    "seal", "cap", "leak", "dye ingress", "cracked vials", "plunger", "tip cap".
    """
    return [
        "container closure", "container-closure", "container closure system", "container closure systems",
        "container closure integrity", "container-closure integrity", "cci", "ccit", "closure integrity",
        "closure", "closures", "stopper", "stoppers", "stoppered", "seal", "seals", "sealing",
        "crimp", "crimps", "crimped", "crimping", "cap", "caps", "capping", "leak", "leaks", "leaking", "leaker",
        "leakers", "leak test", "dye ingress", "cracked vial", "cracked vials", "plunger", "plungers", "tip cap",
        "tip caps", "ampule", "ampules", "ampoule", "ampoules", "primary packaging", "container defects",
    ]


def production() -> list[str]:
    """Production and process controls: batch and master records, validation, in-process, yields.

    Matches "batch record", "master production record", "process validation", "in-process",
    "yield", "time limit", "hold time", "manufacturing process", "compounding record",
    "visual inspection", "mix-up".
    """
    return [
        "batch record", "batch records", "batch production record", "batch production records",
        "batch production and control records", "master production record", "master production records",
        "master production and control records", "master batch record", "master batch records",
        "master formulation record", "master formulation records", "executed batch record",
        "executed batch records", "production record", "production records", "compounding record",
        "compounding records", "process validation", "unvalidated", "process performance qualification", "ppq",
        "in-process", "in process", "yield", "yields", "theoretical yield", "time limit", "time limits",
        "hold time", "hold times", "manufacturing process", "manufacturing processes", "process parameter",
        "process parameters", "critical process parameters", "reprocessing", "reprocessed", "rework",
        "reworked", "mix-up", "mix-ups", "mixup", "mixups", "blend uniformity", "content uniformity",
        "manufacturing instructions", "production and process controls", "written procedures for production",
        "scale-up", "variability", "visual inspection", "100% inspection", "fill weight", "fill weights",
        "fill volume", "line speed", "charge-in", "weighing",
    ]


def aseptic_processing() -> list[str]:
    """Aseptic processing and sterility assurance: classified areas, media fills, airflow, gowning,
    sterilization.

    Matches "aseptic", "ISO 5", "Grade A", "media fill", "smoke study", "unidirectional
    airflow", "first air", "laminar flow hood", "BSC", "gowning", "exposed skin",
    "sterilization", "autoclave", "depyrogenation", "sterile filtration", "interventions",
    "sporicidal", "cleanroom".
    """
    return [
        "aseptic", "aseptically", "aseptic processing", "aseptic technique", "aseptic manipulations",
        "aseptic manipulation", "aseptic operations", "aseptic area", "aseptic areas", "sterile",
        "sterility assurance", "purporting to be sterile", "critical area", "critical areas", "critical zone",
        "critical zones", "critical site", "critical sites", "classified area", "classified areas",
        "cleanroom", "cleanrooms", "clean room", "clean rooms", "buffer room", "buffer rooms", "ante room",
        "ante-room", "anteroom", "ante-area", "media fill", "media fills", "media-fill", "process simulation",
        "process simulations", "aseptic process simulation", "smoke study", "smoke studies",
        "airflow visualization", "airflow pattern", "airflow patterns", "air flow", "airflow", "unidirectional",
        "unidirectional airflow", "unidirectional flow", "laminar", "laminar flow", "laminar airflow",
        "laminar flow hood", "laminar airflow workbench", "lafh", "lafw", "bsc", "bscs",
        "biological safety cabinet", "biological safety cabinets", "hood", "hoods", "isolator", "isolators",
        "rabs", "first air", "gowning", "gown", "gowns", "gowned", "sterile gloves", "gloves", "glove",
        "sleeves", "exposed skin", "exposed hair", "goggles", "face mask", "hair cover", "sterilization",
        "sterilized", "sterilize", "sterilizing", "sterilizer", "autoclave", "autoclaves", "autoclaved",
        "depyrogenation", "depyrogenated", "depyrogenation tunnel", "dry heat", "sterile filtration",
        "sterilizing filter", "sterilizing filters", "sterilizing-grade", "filter integrity",
        "filter integrity test", "bubble point", "sporicidal", "sporicide", "intervention", "interventions",
        "hepa", "hepa filter", "hepa filters", "high efficiency particulate air", "terminal sterilization",
        "terminally sterilized", "sterile drug", "sterile drugs", "sterile products", "sterile injectable",
        "microbiological contamination", "sterile compounding", "line of sight", "dynamic conditions",
        "turbulence", "lower quality air", "disinfection", "disinfect", "disinfected", "disinfecting",
    ]


def environmental_monitoring() -> list[str]:
    """Environmental and personnel monitoring: viable and non-viable, plates, limits, excursions.

    Matches "environmental monitoring", "EM", "viable", "non-viable", "particle counts",
    "settle plate", "contact plate", "fingertip", "glove print", "personnel monitoring",
    "action limit", "excursion", "isolates", "CFU", "trend".
    """
    return [
        "environmental monitoring", "environmental monitoring program", "em", "em program", "viable",
        "non-viable", "nonviable", "total particulate", "particle count", "particle counts", "particle counter",
        "particulate monitoring", "air sampling", "air sample", "air samples", "active air", "active air sampling",
        "passive air", "settle plate", "settle plates", "contact plate", "contact plates", "rodac", "fingertip",
        "fingertips", "glove fingertip", "gloved fingertip", "glove print", "glove prints", "fingertip sampling",
        "personnel monitoring", "personnel sampling", "surface sampling", "surface monitoring", "surface sample",
        "surface samples", "action limit", "action limits", "alert limit", "alert limits", "action level",
        "action levels", "alert level", "alert levels", "excursion", "excursions", "isolate", "isolates",
        "cfu", "cfus", "colony forming units", "colony forming unit", "recovered", "recoveries", "mold", "molds",
        "mould", "microorganisms", "microorganism", "organisms", "identification", "identified to genus",
        "trend", "trends", "trending", "sampling locations", "sampling location", "sampling sites",
        "sampling frequency", "environmental samples", "em data", "em samples", "em excursion",
        "em excursions",
    ]


def microbiological_control() -> list[str]:
    """Objectionable microorganisms in non-sterile products: bioburden, microbial limits,
    preservative effectiveness.

    Matches "objectionable microorganisms", "bioburden", "microbial limits", "total aerobic
    microbial count", "TAMC", "yeast and mold", "Burkholderia cepacia", "preservative
    effectiveness".
    """
    return [
        "objectionable microorganisms", "objectionable microorganism", "objectionable organisms",
        "objectionable organism", "not required to be sterile", "bioburden", "bio-burden", "microbial limits",
        "microbial limit", "microbial limits test", "microbial enumeration", "total aerobic microbial count",
        "total aerobic count", "total aerobic", "tamc", "tymc", "total yeast and mold", "yeast and mold",
        "burkholderia", "burkholderia cepacia", "bcc", "pseudomonas", "pseudomonas aeruginosa", "e. coli",
        "salmonella", "staphylococcus aureus", "preservative", "preservatives", "preservative effectiveness",
        "antimicrobial effectiveness", "microbial quality", "water activity",
    ]


def laboratory_controls() -> list[str]:
    """Laboratory controls: specifications, test methods and their validation, release testing.

    Matches "laboratory", "test method", "method validation", "specification", "release
    testing", "sterility test", "endotoxin", "potency", "assay", "HPLC", "reference standard",
    "reserve samples", "sampling plan", "label claim", "system suitability", "analyst".
    """
    return [
        "laboratory", "laboratories", "lab", "labs", "qc laboratory", "quality control laboratory",
        "test method", "test methods", "analytical method", "analytical methods", "analytical procedure",
        "analytical procedures", "test procedure", "test procedures", "method validation", "method verification",
        "validated method", "validated methods", "method suitability", "specification", "release testing",
        "finished product testing", "sterility test", "sterility tests", "sterility testing", "endotoxin",
        "endotoxins", "bacterial endotoxin", "bet", "lal", "potency", "assay", "assays", "hplc", "gc",
        "chromatography", "chromatographic", "chromatogram", "chromatograms", "dissolution",
        "dissolution testing", "impurities", "impurity", "related substances", "degradation", "reference standard",
        "reference standards", "working standard", "internal standard", "reserve sample", "reserve samples",
        "retain samples", "sampling plan", "sampling plans", "label claim", "system suitability", "analyst",
        "analysts", "test results", "test result", "analytical", "bioanalytical", "calibration curve",
        "standard curve", "quality control samples", "contract laboratory", "third-party laboratory",
        "sample", "test",
    ]


def stability() -> list[str]:
    """Stability programs and expiration or beyond-use dating.

    Matches "stability", "stability program", "stability-indicating", "expiration date",
    "expiry", "beyond-use date", "shelf life", "time points".
    """
    return [
        "stability", "stability program", "stability testing", "stability study", "stability studies",
        "stability data", "stability samples", "stability protocol", "stability-indicating",
        "stability indicating", "expiration date", "expiration dates", "expiration dating", "expiry",
        "expiry date", "expiry dates", "beyond-use date", "beyond-use dates", "beyond use date",
        "beyond use dates", "beyond-use dating", "shelf life", "shelf-life", "accelerated", "long-term",
        "container orientation", "time points", "time point",
    ]


def packaging_labeling() -> list[str]:
    """Labels and packaging operations: issuance, reconciliation, line clearance, label content.

    Matches "label", "labeling", "labels", "line clearance", "reconciliation", "carton",
    "package insert", "tamper-evident", "mislabeled", "label printer".
    """
    return [
        "label", "labels", "labeling", "labelling", "labeled", "labelled", "mislabeled", "mislabelled",
        "label control", "label issuance", "labeling operations", "label printing", "label printer",
        "packaging operations", "packaging materials", "packaging line", "packaging lines", "line clearance",
        "line clearances", "reconciliation", "reconcile", "reconciled", "carton", "cartons", "package insert",
        "package inserts", "tamper-evident", "tamper evident", "overprinting", "labeling area", "label room",
        "label cage",
    ]


def warehousing_distribution() -> list[str]:
    """Storage and distribution of finished products, returns, and product tracing.

    Matches "warehouse", "distribution records", "shipping", "returned goods", "salvaged",
    "wholesale distributor", "transaction information", "DSCSA", "suspect product".
    """
    return [
        "warehouse", "warehouses", "warehousing", "distribution records", "distributor", "distributors",
        "wholesale", "wholesale distributor", "shipping", "shipment", "shipments", "returned goods",
        "returned drug products", "returned product", "salvaged", "salvage", "transaction information",
        "transaction history", "transaction statement", "trading partner", "trading partners", "dscsa",
        "suspect product", "illegitimate product", "product tracing", "product identifier", "saleable returns",
        "cold chain",
    ]


def other() -> list[str]:
    """Requirements outside Part 211: clinical and bioresearch studies, devices, reporting,
    503A/503B conditions, registration and listing.

    Matches "informed consent", "IRB", "study subjects", "case report forms", "adverse
    events", "field alert", "registration", "listing", "503B", "bulk drug substances",
    "FD&C Act", "section 582", "medical device".
    """
    return [
        "informed consent", "consent form", "consent forms", "irb", "institutional review board",
        "study subject", "study subjects", "clinical investigator", "clinical investigators",
        "clinical study", "clinical studies", "clinical trial", "case report form", "case report forms", "crf",
        "crfs", "sponsor", "bioequivalence", "adverse event", "adverse events", "adverse drug experience",
        "field alert", "field alert report", "field alert reports", "registration", "drug listing", "listing",
        "503a", "503b", "section 503a", "section 503b", "fd&c act", "section 582", "outsourcing facility",
        "outsourcing facilities", "bulks list", "bulk drug substance", "bulk drug substances", "medical device",
        "medical devices", "semi-annual report", "product report", "clinical need", "drug shortage",
        "drug shortage list", "patient-specific", "essentially a copy",
    ]


def no_cue() -> list[str]:
    """Phrases that hold a cue word but are no cue: matched, so that as the longest match they
    take the word, and then dropped.

    Matches "non-sterile", "nonsterile", "not sterile": their "sterile" is no aseptic cue.
    """
    return ["non-sterile", "nonsterile", "non sterile", "not sterile"]


def classified_air() -> list[str]:
    """ISO classes and grades as investigators and OCR write them (aseptic_processing).

    Matches "ISO 5", "ISO-5", "ISO5", "ISO class 7", "ISO 5/7" (its "ISO 5"), "Class 100",
    "Grade A". The hyphenated forms tokenise as the text does, so one phrase each suffices.
    """
    out = []
    for n in ("5", "6", "7", "8"):
        out += [f"iso {n}", f"iso-{n}", f"iso{n}", f"iso class {n}", f"iso-class {n}", f"class {n}"]
    return out + ["class 100", "class 10,000", "class 100,000", "grade a", "grade b", "grade c"]


PHRASES = {
    "quality_unit": quality_unit,
    "investigations": investigations,
    "personnel": personnel,
    "facilities": facilities,
    "equipment": equipment,
    "cleaning": cleaning,
    "data_integrity": data_integrity,
    "materials": materials,
    "container_closure": container_closure,
    "production": production,
    "aseptic_processing": lambda: aseptic_processing() + classified_air(),
    "environmental_monitoring": environmental_monitoring,
    "microbiological_control": microbiological_control,
    "laboratory_controls": laboratory_controls,
    "stability": stability,
    "packaging_labeling": packaging_labeling,
    "warehousing_distribution": warehousing_distribution,
    "other": other,
}


def cue_summary(found: dict[str, int] | None, limit: int = 8) -> str | None:
    """A category's cues in an observation for people to read: most frequent first (then in
    order of first mention), with their count where it is over one, at most `limit` of them.

    >>> cue_summary({"stoppers": 3, "crimped": 1, "seal": 2})
    'stoppers (3), seal (2), crimped'
    >>> cue_summary({"iso 5": 2, "hood": 1, "gown": 1}, limit=2)
    'iso 5 (2), hood and 1 more'
    >>> cue_summary({}) is None
    True
    """
    if not found:
        return None
    order = {phrase: i for i, phrase in enumerate(found)}
    ranked = sorted(found, key=lambda phrase: (-found[phrase], order[phrase]))
    shown = ", ".join(phrase if found[phrase] == 1 else f"{phrase} ({found[phrase]})" for phrase in ranked[:limit])
    return shown + (f" and {len(ranked) - limit} more" if len(ranked) > limit else "")


def cue_phrases(summary: str | None) -> list[str]:
    """The phrases of a `cue_summary`, without their counts (those it left out are not in it).

    >>> cue_phrases("stoppers (3), seal (2), crimped and 4 more")
    ['stoppers', 'seal', 'crimped']
    """
    if not summary:
        return []
    summary = re.sub(r" and \d+ more$", "", summary)
    return [re.sub(r" \(\d+\)$", "", phrase) for phrase in summary.split(", ")]


def _counts(doc: Doc) -> Counter:
    return Counter(span.label_ for span in doc.spans[SPANS_KEY])


if not Doc.has_extension("cue_counts"):
    Doc.set_extension("cue_counts", getter=_counts)


def cue_counts_in(doc: Doc, start_char: int, end_char: int) -> Counter:
    """Cue counts per category among the spans that lie within [start_char, end_char)."""
    return Counter(s.label_ for s in doc.spans[SPANS_KEY] if s.start_char >= start_char and s.end_char <= end_char)


@Language.factory(FACTORY)
class CategoryCues:
    """Finds every category's cues and writes them to `doc.spans["category_cues"]`, each span
    labelled with its category code; `doc._.cue_counts` counts them per category. `find`
    gives the same matches as (category, start token, end token) without making spans."""

    def __init__(self, nlp: Language, name: str = FACTORY):
        unknown = set(PHRASES) ^ set(codes())
        if unknown:
            raise ValueError(f"cue functions and taxonomy codes differ: {sorted(unknown)}")
        self.name = name
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        for code, phrases in PHRASES.items():
            self.phrases.add(code, list(nlp.tokenizer.pipe(phrases())))
        self.phrases.add(NO_CUE, list(nlp.tokenizer.pipe(no_cue())))
        self.labels = {nlp.vocab.strings[code]: code for code in PHRASES}

    def find(self, doc: Doc) -> list[tuple[str, int, int]]:
        """The cues of `doc` as (category, start, end) token offsets, in text order; where
        cues overlap the longest is kept (with every category it is listed under)."""
        return [(self.labels[label], start, end) for label, start, end in _longest(len(doc), self.phrases(doc))
                if label in self.labels]

    def __call__(self, doc: Doc) -> Doc:
        spans = [Span(doc, start, end, label=code) for code, start, end in self.find(doc)]
        doc.spans[SPANS_KEY] = SpanGroup(doc, name=SPANS_KEY, spans=spans)
        return doc


def _longest(n_tokens: int, matches: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """The matches that no longer match overlaps, in text order (a phrase listed under
    several categories keeps all of its labels)."""
    labels: dict[tuple[int, int], set[int]] = {}
    for label, start, end in matches:
        labels.setdefault((start, end), set()).add(label)
    covered = bytearray(n_tokens)
    taken = []
    for start, end in sorted(labels, key=lambda span: (span[0] - span[1], span[0])):  # longest first
        if covered.find(1, start, end) < 0:
            covered[start:end] = b"\x01" * (end - start)
            taken.append((start, end))
    return [(label, s, e) for s, e in sorted(taken) for label in sorted(labels[s, e])]


# The tokenizer of the cue pipeline: words split at spaces, at brackets, quotes and
# punctuation on either side, at a final "'s", and inside at hyphens, slashes, dashes and
# punctuation, so that "out-of-specification" and "ISO-5/7" meet their phrases (which are
# tokenised alike). English's exceptions and affix rules measured three times as slow, for
# nothing these phrases need.
_PREFIX = re.compile(r"""^[(\[{"'“‘«•·*+]""")
_SUFFIX = re.compile(r"""(?:'s|’s|[)\]}"'”’.,;:!?%*])$""")
_INFIX = re.compile(r"""[-/–—,;:()\[\]"“”+=]""")


def cue_tokenizer(nlp: Language) -> Tokenizer:
    """A plain tokenizer for `nlp`'s vocabulary (see above)."""
    return Tokenizer(nlp.vocab, prefix_search=_PREFIX.search, suffix_search=_SUFFIX.search,
                     infix_finditer=_INFIX.finditer)


@lru_cache(maxsize=1)
def cue_nlp() -> Language:
    """A blank English pipeline with the plain tokenizer and the category cue component,
    built once."""
    nlp = spacy.blank("en")
    nlp.tokenizer = cue_tokenizer(nlp)
    nlp.add_pipe(FACTORY)
    return nlp
