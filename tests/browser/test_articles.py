"""The box's "Artiklar" section: the portal's newest articles, then those matching the free text, with a
topic filter; for the caseworker's key and for the public keyless embed alike; axe-clean."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, expect

from tests.browser.conftest import Demo, Portal, describe_violations

pytestmark = pytest.mark.browser


def articles(demo: Demo) -> Locator:
    return demo.page.get_by_role("region", name="Artiklar")


def titles(demo: Demo) -> Locator:
    return articles(demo).get_by_role("article").get_by_role("heading", level=3)


def test_newest_first_then_the_free_text_then_a_topic(demo: Demo) -> None:
    demo.open()
    section = articles(demo)
    expect(section.get_by_role("status")).to_have_text(re.compile(r"^\d+ artiklar, de senaste först$"))
    expect(titles(demo)).to_have_count(5)
    dates = section.locator("time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    assert dates == sorted(dates, reverse=True)

    section.get_by_role("button", name="Visa fler artiklar").click()
    expect(titles(demo)).to_have_count(10)
    expect(titles(demo).nth(5)).to_be_focused()

    demo.query.fill("fosterhem")
    demo.search_after(lambda: demo.query.press("Enter"))
    expect(section.get_by_role("status")).to_have_text(re.compile(r"^\d+ artiklar? om söktexten$"))
    first = titles(demo).first
    expect(first).to_have_text("Från fosterhem till familjehem – ett ord med historia")
    expect(first.locator("mark")).to_have_text(["fosterhem", "familjehem"])

    topics = section.get_by_role("group", name="Ämnen").get_by_role("checkbox")
    topic = topics.nth(1)
    label = topic.evaluate("el => el.labels[0].textContent")
    chosen = re.fullmatch(r"(.+) \((\d+)\)", label)
    assert chosen is not None, label
    name, count = chosen.groups()
    topic.check()
    expect(section.get_by_role("status")).to_have_text(re.compile(rf"^{count} artiklar? om söktexten$"))
    expect(section.locator(f"input[data-tag='{name}']")).to_be_focused()
    for tags in section.locator(".article-meta").all_inner_texts():
        assert name in tags
    violations = demo.axe_violations()
    assert not violations, describe_violations(violations)


def test_the_public_embed_reads_the_articles_too(demo: Demo, portal: Portal) -> None:
    portal.pages["/artiklar"] = f"""<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>Placeringar – nyheter</title><link rel="icon" href="data:,">
<script src="{demo.base_url}/embed/placeringssok.js" defer></script></head>
<body><main><h1>Nyheter och placeringar</h1><placeringssok-search></placeringssok-search></main></body></html>"""
    demo.page.goto(portal.origin + "/artiklar")
    demo.wait_for_results()
    expect(titles(demo)).to_have_count(5)
    posts = [r for r in demo.log.requests if r.url.endswith("/v1/articles/search") and r.method == "POST"]
    assert posts and all("x-api-key" not in r.headers for r in posts)
    assert demo.log.console_errors == [], demo.log.console_errors


def test_a_portal_can_leave_the_articles_out(demo: Demo, portal: Portal) -> None:
    portal.pages["/utan"] = f"""<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>Placeringar</title><link rel="icon" href="data:,">
<script src="{demo.base_url}/embed/placeringssok.js" defer></script></head>
<body><main><h1>Placeringar</h1><placeringssok-search articles="off"></placeringssok-search></main></body></html>"""
    demo.page.goto(portal.origin + "/utan")
    demo.wait_for_results()
    expect(articles(demo)).to_have_count(0)
