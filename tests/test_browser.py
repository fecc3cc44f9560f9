"""End to end in a real browser: Debian's Chromium, driven by Playwright, against `fda483 serve` on
127.0.0.1, doing what a person investigating findings does, and asserting what they would see.
Screenshots of each step are saved to test-artifacts/ (git-ignored) for people to look at.

Playwright's own browser download is never used: it launches /usr/bin/chromium (`apt-get install
chromium`; .ci/run does). Without it the test is skipped locally and fails in CI.
"""
from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
# This machine's network is closed: without these Chromium stalls on its background fetches.
# The proxy is a closed local port: whatever a page asks of the web (map tiles, say) fails at once
# and nothing leaves the machine, while 127.0.0.1 is reached directly (Chromium never proxies
# loopback). Playwright's request routing would do it too, but a routed context shows PDFs as
# downloads instead of in Chromium's viewer.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--proxy-server=http://127.0.0.1:9"]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    p = context.new_page()
    yield p
    context.close()


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def one(db_path, sql, params=()):
    rows = all_rows(db_path, sql, params)
    return rows[0] if rows else None


def all_rows(db_path, sql, params=()):
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def search_from_home(page, base, words):
    from playwright.sync_api import expect

    page.goto(base + "/")
    expect(page.locator("h1")).to_have_text("FDA 483 findings")
    page.get_by_label("Search every observation").fill(words)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("h1")).to_have_text("Search observations")
    return page.locator("table.rows-and-columns tbody tr")


def test_search_open_an_observation_follow_its_facility_open_the_dashboard(page, site_server, site_db):
    from playwright.sync_api import expect

    page.goto(site_server + "/")
    expect(page.get_by_role("link", name="Findings dashboard")).to_be_visible()
    shot(page, "01-home")

    results = search_from_home(page, site_server, "media fill")
    expect(results).to_have_count(4)  # the four samples that discuss media fills
    expect(results.first.locator("td.col-snippet mark").first).to_have_text(re.compile(r"^(media|fill)$", re.I))
    shot(page, "02-search-media-fill")

    first = results.first
    firm = first.locator("td.col-firm_name").inner_text().strip()
    observation_id = int(first.locator("td.col-observation_id").inner_text())
    first.locator("td.col-observation_id a").click()
    citation, number, fei, page_start = one(
        site_db, "select o.citation, o.number, i.fei, o.page_start from observations o "
                 "join inspections i on i.id = o.inspection_id where o.id = ?", [observation_id])
    expect(page.locator("h1")).to_contain_text(f"Observation {number}")
    expect(page.locator("h1")).to_contain_text(firm)
    expect(page.locator(".kb-citation")).to_have_text(citation)
    expect(page.get_by_text("media fill").first).to_be_visible()
    expect(page.get_by_role("link", name=f"Open the PDF at page {page_start}")).to_be_visible()
    shot(page, "03-observation")

    page.locator("a.kb-facility").click()
    name, inspections = one(site_db, "select name, inspections from facilities where fei = ?", [fei])
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator(".kb-inspection")).to_have_count(inspections)
    expect(page.get_by_text("What followed:").first).to_be_visible()
    shot(page, "04-facility")

    # The dashboard, the way a person finds it: the menu, then the dashboard's name.
    page.locator("details.nav-menu summary").click()
    page.get_by_role("link", name="Dashboards").click()
    page.get_by_role("link", name="Findings dashboard").click()
    expect(page.locator("h1")).to_have_text("Findings dashboard")
    observations = one(site_db, "select count(*) from observations")[0]
    expect(page.locator("#chart-observations-count")).to_have_text(str(observations))
    # the charts are drawn (vega-embed puts a canvas or svg in each)
    for chart in ["category-by-year", "category-trend", "top-cfr", "by-system", "by-establishment-type", "by-country"]:
        expect(page.locator(f"#chart-{chart} canvas, #chart-{chart} svg").first).to_be_visible()
    shot(page, "05-dashboard")

    # Choosing a category narrows every chart to it: environmental monitoring, year by year.
    page.locator("select#category").select_option("environmental_monitoring")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"category=environmental_monitoring"))
    in_category = one(site_db, "select count(distinct observation_id) from observation_categories "
                               "where category = 'environmental_monitoring'")[0]
    expect(page.locator("#chart-observations-count")).to_have_text(str(in_category))
    expect(page.locator("#chart-category-trend canvas, #chart-category-trend svg").first).to_be_visible()
    shot(page, "06-dashboard-environmental-monitoring")


def test_search_stopper_and_land_on_the_page_of_the_source_pdf(page, site_server, site_db):
    from playwright.sync_api import expect

    results = search_from_home(page, site_server, "stopper")
    # The 2019 Harbor observation 3 on stopper sterilization sits on page 2, the scanned page.
    observation_id, document_id, page_start = one(
        site_db, "select o.id, o.document_id, o.page_start from observations o join inspections i "
                 "on i.id = o.inspection_id where i.firm_name like 'Harbor%' and o.number = 3")
    assert page_start == 2
    row = results.filter(has=page.locator(f'td.col-observation_id a[href$="/observations/{observation_id}"]'))
    expect(row).to_have_count(1)
    expect(row.locator("td.col-snippet mark").first).to_have_text(re.compile("stopper", re.I))
    shot(page, "07-search-stopper")

    row.locator("td.col-page a").click()
    expect(page).to_have_url(re.compile(rf"/-/pdf/{document_id}#page=2$"))
    # Chromium's PDF viewer runs in its own extension frame; its page box says where it opened.
    viewer = next(f for f in _frames_within(page, 10) if f.url.startswith("chrome-extension://"))
    expect(viewer.locator("#pageSelector")).to_have_value("2")
    page.wait_for_timeout(500)  # let the page image paint before the screenshot
    page.screenshot(path=ARTIFACTS / "08-pdf-at-page-2.png")


def _frames_within(page, seconds):
    """The page's frames, once the PDF viewer's frame has appeared (or after `seconds`)."""
    for _ in range(int(seconds * 10)):
        if any(f.url.startswith("chrome-extension://") for f in page.frames):
            break
        page.wait_for_timeout(100)
    return page.frames


def test_aseptic_processing_at_contract_manufacturers_and_a_company_page(page, site_server, site_db):
    """From the home page, without SQL: every aseptic-processing observation at contract
    manufacturers, then the contract manufacturer's own page with its sites and its client."""
    from playwright.sync_api import expect

    page.goto(site_server + "/")
    page.get_by_role("link", name="Every aseptic-processing observation at contract manufacturers").click()
    expected = one(site_db, "select count(*) from cmo_observations where category = 'aseptic_processing'")[0]
    assert expected > 0, "the samples hold aseptic-processing observations at their CDMO"
    expect(page.locator("h3").first).to_contain_text(f"{expected} row")
    rows = page.locator("table.rows-and-columns tbody tr")
    expect(rows.first.locator("td.col-category")).to_contain_text("aseptic_processing")
    shot(page, "09-aseptic-at-cmos")

    page.goto(site_server + "/fda483/companies/northwind-sterile-solutions")
    expect(page.locator("h1")).to_have_text("Northwind Sterile Solutions")
    expect(page.get_by_text("Formerly Harbor Parenteral Services")).to_be_visible()
    expect(page.get_by_role("link", name="Aseptic processing and sterility assurance")).to_be_visible()
    expect(page.get_by_role("link", name="Calder Biologics")).to_be_visible()
    shot(page, "10-company")


@pytest.fixture(scope="module")
def reviewed_site(site_db, tmp_path_factory):
    """A copy of the site's database in which a reviewer has set one observation's categories
    with `fda483 review`, served by `fda483 serve`: (base URL, database, observation id)."""
    import shutil

    from click.testing import CliRunner

    from conftest import serve
    from kb.cli import cli

    tmp = tmp_path_factory.mktemp("reviewed-site")
    db_path = tmp / "fda483.db"
    shutil.copy(site_db, db_path)
    name, number, observation_id = one(
        db_path, "select d.file_name, o.number, o.id from observations o join documents d on d.id = o.document_id "
                 "where not exists (select 1 from observation_categories c where c.observation_id = o.id "
                 "and c.category = 'personnel') order by d.file_name, o.number")
    result = CliRunner().invoke(cli, ["review", name, str(number), "--categories", "personnel", "--by", "Dana Reviewer",
                                      "--note", "the operators were never trained", "--db", str(db_path),
                                      "--reviews", str(tmp / "reviews.csv")])
    assert result.exit_code == 0, result.output
    for base in serve(db_path):
        yield base, db_path, observation_id


def test_a_reviewer_finds_the_reviewed_observations_and_reads_what_the_classifier_had_said(page, reviewed_site):
    from playwright.sync_api import expect

    base, db_path, observation_id = reviewed_site
    page.goto(base + "/fda483/reviewed_observations")
    expect(page.locator("h1")).to_have_text("Reviewed observations")
    rows = page.locator("table.rows-and-columns tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td.col-reviewed_by")).to_have_text("Dana Reviewer")
    expect(rows.first.locator("td.col-categories")).to_contain_text("personnel")
    shot(page, "10-reviewed-observations")

    rows.first.locator("td.col-observation_id a").click()
    expect(page.locator("h1")).to_contain_text("Observation")
    review = page.locator(".kb-review")
    expect(review).to_contain_text("Categories reviewed by Dana Reviewer")
    expect(review).to_contain_text("the operators were never trained")
    model = one(db_path, "select model_categories from observations where id = ?", [observation_id])[0]
    said = [one(db_path, "select name from categories where code = ?", [code])[0]
            for code in re.findall(r'"([a-z_]+)"', model)]
    expect(review).to_contain_text("The classifier had said " + ", ".join(said))
    personnel = one(db_path, "select name from categories where code = 'personnel'")[0]
    expect(page.locator(".kb-chips")).to_contain_text(personnel)
    shot(page, "11-reviewed-observation")


def test_a_reviewer_opens_the_review_queue_and_sees_what_the_classifier_was_unsure_of(page, reviewed_site):
    from playwright.sync_api import expect

    base, db_path, reviewed_id = reviewed_site
    page.goto(base + "/fda483/review_queue")
    expect(page.locator("h1")).to_have_text("Categories to review first")
    rows = page.locator("table.rows-and-columns tbody tr")
    expected = one(db_path, "select count(distinct u.observation_id) from uncertain_categories u join observations o "
                            "on o.id = u.observation_id where o.reviewed_by is null")[0]
    assert expected > 0
    expect(rows).to_have_count(expected)
    assert str(reviewed_id) not in page.locator("td.col-observation_id").all_inner_texts()
    first = rows.first.locator("td.col-uncertain").inner_text()
    assert " [cues: " in first
    first_id = int(rows.first.locator("td.col-observation_id").inner_text())
    shot(page, "12-review-queue")

    rows.first.locator("td.col-observation_id a").click()
    unsure = page.locator(".kb-uncertain")
    expect(unsure).to_contain_text("The classifier was unsure of")
    code, score = re.match(r"([a-z_]+) (\d\.\d\d)", first).groups()
    name = one(db_path, "select name from categories where code = ?", [code])[0]
    expect(unsure).to_contain_text(f"{name} ({score}")
    expect(unsure.locator("code")).to_contain_text("fda483 review ")
    expect(unsure).to_contain_text("cues: ")
    # beside the categories, the cue words found for each
    cues = page.locator(".kb-cues")
    expect(cues).to_contain_text("Category cues found in the text")
    for name, found in all_rows(db_path, "select c.name, coalesce(oc.cues, 'none') from observation_categories oc "
                                        "join categories c on c.code = oc.category where oc.observation_id = ?",
                               [first_id]):
        expect(cues).to_contain_text(f"{name}: {found}")
    # and marks them in the text, each titled with its category
    marks = page.locator(".kb-text mark.kb-cue")
    assert marks.count() > 0
    names = {name for name, _ in all_rows(db_path, "select c.name, oc.cues from observation_categories oc join categories c "
                                                   "on c.code = oc.category where oc.observation_id = ?", [first_id])}
    assert all(set(t.split(", ")) & names for t in (marks.nth(i).get_attribute("title") for i in range(marks.count())))
    shot(page, "13-uncertain-observation")


def test_how_far_to_trust_a_category_on_the_categories_table_and_on_hover(page, site_server, site_db):
    """A person reading a category the classifier gave can see how well it finds that category:
    the categories table lists the cross-validated figures, and the chip says them on hover."""
    from playwright.sync_api import expect

    page.goto(site_server + "/fda483/classifier_by_category")
    expect(page.locator("h1")).to_have_text("How far to trust each category")
    rows = page.locator("table.rows-and-columns tbody tr")
    expect(rows).to_have_count(one(site_db, "select count(*) from categories")[0])
    weakest = one(site_db, "select name, classifier_f1 from categories where classifier_f1 is not null "
                           "order by classifier_f1, code limit 1")
    expect(rows.first.locator("td.col-name")).to_have_text(weakest[0])
    expect(rows.first.locator("td.col-f1")).to_have_text(str(weakest[1]))
    shot(page, "14-categories-trust")

    observation_id, name, precision = one(site_db, """
        select oc.observation_id, c.name, c.classifier_precision from observation_categories oc
        join categories c on c.code = oc.category where oc.method = 'model' order by oc.observation_id limit 1""")
    page.goto(f"{site_server}/fda483/observations/{observation_id}")
    chip = page.locator(".kb-chips a.kb-chip-model", has_text=name)
    chip.hover()
    expect(chip).to_have_attribute("title", re.compile(
        rf"Given by the classifier, whose calls of {re.escape(name)} were right {100 * precision:.0f}% of the time"))
