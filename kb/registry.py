"""The curated company registry, `data/companies.yml`: companies, their facilities, names and
contract-manufacturing relationships, as reviewed by people.

`load_registry(path)` reads and validates it. Every problem is a `RegistryError` that names the
file, the line and the entry, so a reviewer can find it:

    data/companies.yml:41: companies[3] (id 'simtra'): unknown kind 'cmo' (expected one of ...)

The build reads this file and never rewrites it; persistence (`save_*`) lives elsewhere.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kb.geo import is_country_code
from kb.names import name_variants, normalize

REGISTRY_PATH = Path(__file__).resolve().parents[1] / "data" / "companies.yml"

# How the trade press classes contract providers (sponsor = owns the products it has made).
KINDS = (
    "sponsor",
    "cmo_only",
    "cmo_hybrid_branded",
    "cmo_hybrid_generics",
    "cdmo",
    "cro",
    "contract_testing_lab",
    "distributor",
    "compounding_pharmacy",
    "outsourcing_facility_503b",
)
# The kinds that make products for others; a company of another kind counts as a contract
# manufacturer where a relationship names it as one.
CMO_KINDS = ("cmo_only", "cmo_hybrid_branded", "cmo_hybrid_generics", "cdmo")
SUPPLIES = (
    "cell_banks",
    "api",
    "drug_product",
    "finished_drug_product",
    "fill_finish",
    "packaging_labeling",
)
# Open-ended in principle; listed so that a typo is caught rather than becoming a new type.
PRODUCT_TYPES = (
    "parenterals_aseptic_fill",
    "parenterals_lyophilised",
    "parenterals_terminally_sterilised",
    "sterile_powders",
    "sterile_creams",
    "tablets",
    "capsules",
    "caplets",
    "sachets",
    "cell_and_gene_therapies",
    "biologics_drug_substance",
    "small_molecule_api",
    "vaccines",
    "monoclonal_antibodies",
    "oral_solid_dose",
    "ophthalmics",
    "homeopathics",
    "compounded_sterile_preparations",
    "compounded_non_sterile_preparations",
    "radiopharmaceuticals",
    "analytical_testing",
    "bioequivalence_studies",
)
FICTIONAL_PUBLICATION = "fictional sample data"

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_YEAR = re.compile(r"^\d{4}$")


class RegistryError(ValueError):
    """A problem in the registry file, with the file, line and entry it concerns."""


@dataclass(frozen=True)
class FormerName:
    name: str
    year: int | None  # the year the company stopped using it; None when not known


@dataclass(frozen=True)
class Facility:
    fei: str | None  # FDA Establishment Identifier, digits as text; None where not public
    name: str
    city: str | None
    country: str  # ISO 3166-1 alpha-2
    state: str | None = None


@dataclass(frozen=True)
class Source:
    publication: str
    date: str | None = None
    title: str | None = None
    url: str | None = None
    fact: str | None = None  # what it supports, when a company lists several sources


@dataclass(frozen=True)
class Company:
    id: str
    name: str
    kind: str
    country: str
    former_names: tuple[FormerName, ...] = ()
    aliases: tuple[str, ...] = ()
    name_stems: tuple[str, ...] = ()  # any firm name starting with one of these is this company
    parent: str | None = None
    supplies: tuple[str, ...] = ()
    product_types: tuple[str, ...] = ()
    facilities: tuple[Facility, ...] = ()
    sources: tuple[Source, ...] = ()
    fictional: bool = False
    note: str | None = None

    def all_names(self) -> tuple[str, ...]:
        """Every name the company is or was known by: name, aliases, former names."""
        return (self.name, *self.aliases, *(f.name for f in self.former_names))


@dataclass(frozen=True)
class Relationship:
    """`client` has `contract_manufacturer` make `what` for `products` (a cmo_relationships row)."""

    client: str
    contract_manufacturer: str
    what: str
    products: tuple[str, ...] = ()
    since: str | None = None  # "2017" or "2020-06-25"; None when not known
    source: Source | None = None
    note: str | None = None
    fictional: bool = False


@dataclass
class Registry:
    path: Path
    companies: dict[str, Company]
    relationships: tuple[Relationship, ...]
    # Lookups built once at load time: normalised name -> company id, stem -> id, FEI -> id.
    name_index: dict[str, str] = field(default_factory=dict, repr=False)
    stem_index: dict[str, str] = field(default_factory=dict, repr=False)
    fei_index: dict[str, str] = field(default_factory=dict, repr=False)

    def facilities(self) -> list[tuple[str, Facility]]:
        """(company id, facility) for every facility of every company."""
        return [(c.id, f) for c in self.companies.values() for f in c.facilities]


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML loader that records the line of every mapping, for error messages."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _Checker:
    """Reads one entry's fields, raising RegistryError that says where."""

    def __init__(self, path: Path, where: str, entry: dict):
        self.path, self.where, self.entry = path, where, entry

    def fail(self, message: str, line: int | None = None) -> RegistryError:
        line = line or self.entry.get("__line__")
        at = f"{self.path}:{line}" if line else str(self.path)
        return RegistryError(f"{at}: {self.where}: {message}")

    def text(self, key: str, required: bool = False) -> str | None:
        value = self.entry.get(key)
        if value is None or value == "":
            if required:
                raise self.fail(f"missing {key!r}")
            return None
        if not isinstance(value, str):
            raise self.fail(f"{key!r} must be text, got {value!r}")
        return value.strip()

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.entry.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(f"{key!r} must be a list of text")
        return tuple(v.strip() for v in value)

    def choices(self, key: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
        values = self.texts(key)
        for v in values:
            if v not in allowed:
                raise self.fail(f"unknown {key} value {v!r} (expected one of: {', '.join(allowed)})")
        return values

    def country(self, value: Any, what: str = "country") -> str:
        if not is_country_code(value):
            raise self.fail(f"bad {what} {value!r}: expected an ISO 3166-1 alpha-2 code such as 'US'")
        return value

    def since(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, int) and _YEAR.match(str(value)):
            return str(value)
        if isinstance(value, dt.date):  # YAML reads 2020-06-25 as a date
            return value.isoformat()
        if isinstance(value, str) and (_YEAR.match(value) or _is_iso_date(value)):
            return value
        raise self.fail(f"'since' must be a year or an ISO date, got {value!r}")


def _is_iso_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _source(check: _Checker, value: Any, what: str) -> Source:
    if not isinstance(value, dict):
        raise check.fail(f"{what} must be a mapping with at least 'publication'")
    date = value.get("date")
    if isinstance(date, dt.date):  # YAML reads 2017-11-03 as a date, 2024 as an int
        value = {**value, "date": date.isoformat()}
    elif isinstance(date, int):
        value = {**value, "date": str(date)}
    sub = _Checker(check.path, check.where + f" {what}", value)
    return Source(
        publication=sub.text("publication", required=True),
        date=sub.text("date"),
        title=sub.text("title"),
        url=sub.text("url"),
        fact=sub.text("fact"),
    )


def _fei(check: _Checker, value: Any) -> str | None:
    if value is None:
        return None
    # An unquoted FEI reads as an int in YAML, and a long one could lose nothing but still
    # breaks "FEIs are text"; insist on quotes so the file says what it means.
    if not isinstance(value, str) or not value.isdigit():
        raise check.fail(f"FEI {value!r} must be a quoted string of digits")
    return value


def _company(path: Path, index: int, entry: Any) -> Company:
    if not isinstance(entry, dict):
        raise RegistryError(f"{path}: companies[{index}]: expected a mapping, got {entry!r}")
    cid = entry.get("id")
    check = _Checker(path, f"companies[{index}] (id {cid!r})", entry)
    if not isinstance(cid, str) or not _ID.match(cid):
        raise check.fail("'id' must be a slug of lower-case letters, digits and hyphens")
    kind = check.text("kind", required=True)
    if kind not in KINDS:
        raise check.fail(f"unknown kind {kind!r} (expected one of: {', '.join(KINDS)})")
    former = []
    for f in entry.get("former_names") or []:
        fcheck = _Checker(path, check.where + " former_names", f if isinstance(f, dict) else {})
        year = f.get("year") if isinstance(f, dict) else None
        if year is not None and not (isinstance(year, int) and _YEAR.match(str(year))):
            raise fcheck.fail(f"'year' must be a four-digit year, got {year!r}")
        former.append(FormerName(fcheck.text("name", required=True), year))
    facilities = []
    for f in entry.get("facilities") or []:
        if not isinstance(f, dict):
            raise check.fail(f"facility must be a mapping, got {f!r}")
        fcheck = _Checker(path, check.where + " facility", f)
        facilities.append(Facility(
            fei=_fei(fcheck, f.get("fei")),
            name=fcheck.text("name", required=True),
            city=fcheck.text("city"),
            country=fcheck.country(f.get("country"), "facility country"),
            state=fcheck.text("state"),
        ))
    fictional = entry.get("fictional", False)
    if not isinstance(fictional, bool):
        raise check.fail(f"'fictional' must be true or false, got {fictional!r}")
    return Company(
        id=cid,
        name=check.text("name", required=True),
        kind=kind,
        country=check.country(entry.get("country")),
        former_names=tuple(former),
        aliases=check.texts("aliases"),
        name_stems=check.texts("name_stems"),
        parent=check.text("parent"),
        supplies=check.choices("supplies", SUPPLIES),
        product_types=check.choices("product_types", PRODUCT_TYPES),
        facilities=tuple(facilities),
        sources=tuple(_source(check, s, "source") for s in entry.get("sources") or []),
        fictional=fictional,
        note=check.text("note"),
    )


def _relationship(path: Path, index: int, entry: Any, companies: dict[str, Company]) -> Relationship:
    if not isinstance(entry, dict):
        raise RegistryError(f"{path}: relationships[{index}]: expected a mapping, got {entry!r}")
    check = _Checker(path, f"relationships[{index}] ({entry.get('client')} -> "
                           f"{entry.get('contract_manufacturer')})", entry)
    client = check.text("client", required=True)
    cmo = check.text("contract_manufacturer", required=True)
    for role, cid in (("client", client), ("contract_manufacturer", cmo)):
        if cid not in companies:
            raise check.fail(f"unknown company id {cid!r} in {role!r}")
    if client == cmo:
        raise check.fail("a company cannot be its own contract manufacturer")
    what = check.text("what", required=True)
    if what not in SUPPLIES:
        raise check.fail(f"unknown 'what' {what!r} (expected one of: {', '.join(SUPPLIES)})")
    note = check.text("note")
    source = None if entry.get("source") is None else _source(check, entry["source"], "source")
    fictional = companies[client].fictional or companies[cmo].fictional
    if companies[client].fictional != companies[cmo].fictional:
        raise check.fail("a relationship joins a fictional and a real company")
    if fictional and (source is None or source.publication != FICTIONAL_PUBLICATION):
        raise check.fail(f"a fictional relationship's source must be {{publication: {FICTIONAL_PUBLICATION!r}}}")
    if not fictional and source is None and not note:
        raise check.fail("a relationship without a source needs a 'note' saying it is unverified")
    if not fictional and source is not None and source.publication == FICTIONAL_PUBLICATION:
        raise check.fail("a real relationship cannot cite fictional sample data")
    return Relationship(
        client=client,
        contract_manufacturer=cmo,
        what=what,
        products=check.texts("products"),
        since=check.since(entry.get("since")),
        source=source,
        note=note,
        fictional=fictional,
    )


def _build_indexes(path: Path, registry: Registry, lines: dict[str, int]) -> None:
    def claim(index: dict[str, str], key: str, cid: str, what: str) -> None:
        other = index.setdefault(key, cid)
        if other != cid:
            raise RegistryError(f"{path}:{lines[cid]}: company {cid!r}: {what} {key!r} "
                                f"is already company {other!r}'s")

    for c in registry.companies.values():
        for name in c.all_names():
            for v in name_variants(name):
                if v.role != "parent":
                    claim(registry.name_index, v.text, c.id, "name")
        for stem in c.name_stems:
            claim(registry.stem_index, normalize(stem), c.id, "name stem")
        for f in c.facilities:
            if f.fei:
                claim(registry.fei_index, f.fei, c.id, "FEI")
    # Longest stem first, so that a firm takes the most specific stem it starts with.
    registry.stem_index = dict(sorted(registry.stem_index.items(), key=lambda kv: -len(kv[0])))


def load_registry(path: str | Path = REGISTRY_PATH) -> Registry:
    """Read and validate the registry YAML at `path` (default: the project's data/companies.yml).

    Raises RegistryError naming the file, line and entry for: a malformed entry, duplicate ids,
    an unknown kind, supplies or product type, a bad country code, an FEI that is not a quoted
    string of digits, an unknown company id in a parent or relationship, or a name, stem or FEI
    claimed by two companies.
    """
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except (OSError, yaml.YAMLError) as e:
        raise RegistryError(f"{path}: cannot read registry: {e}") from e
    if not isinstance(data, dict) or not isinstance(data.get("companies"), list):
        raise RegistryError(f"{path}: expected a mapping with a 'companies' list")
    companies: dict[str, Company] = {}
    lines: dict[str, int] = {}
    for i, entry in enumerate(data["companies"]):
        company = _company(path, i, entry)
        if company.id in companies:
            raise RegistryError(f"{path}:{entry.get('__line__')}: companies[{i}]: duplicate id "
                                f"{company.id!r} (first at line {lines[company.id]})")
        companies[company.id] = company
        lines[company.id] = entry.get("__line__")
    for cid, c in companies.items():
        if c.parent is not None and c.parent not in companies:
            raise RegistryError(f"{path}:{lines[cid]}: company {cid!r}: unknown parent {c.parent!r}")
        seen, p = {cid}, c.parent
        while p is not None:
            if p in seen:
                raise RegistryError(f"{path}:{lines[cid]}: company {cid!r}: parent cycle through {p!r}")
            seen.add(p)
            p = companies[p].parent
    relationships = tuple(
        _relationship(path, i, r, companies) for i, r in enumerate(data.get("relationships") or [])
    )
    registry = Registry(path, companies, relationships)
    _build_indexes(path, registry, lines)
    return registry
