"""In a real browser, every model of a real run shows its importance and curve figures.

Reuses the hostile run and the Chromium set-up of test_browser.py.
"""

from pipeline.reporting import shown_models
from tests.reporting import test_browser as browser
from tests.reporting.test_browser import report  # noqa: F401  (the shared module fixture)

pytestmark = getattr(browser, "pytestmark", [])


def _figures_per_model(report_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(browser.CHROMIUM), headless=True,
                                              args=browser.CHROMIUM_ARGS)
        try:
            page = chromium.new_page()
            page.goto(report_path.resolve().as_uri(), wait_until="load")
            found = {}
            for article in page.locator("#models article").all():
                name = article.locator("h3").first.inner_text()
                curves = article.locator("figure.curve svg")
                importance = article.locator(".importance svg")
                found[name] = {
                    "curves": [curves.nth(i).is_visible() for i in range(curves.count())],
                    "curve_titles": article.locator("figure.curve").all_inner_texts(),
                    "importance": [importance.nth(i).is_visible() for i in range(importance.count())],
                    "importance_rows": article.locator(".importance tbody tr").count(),
                }
        finally:
            chromium.close()
    return found


def test_every_model_shows_importance_precision_recall_calibration_and_threshold(report):  # noqa: F811
    import json

    found = _figures_per_model(report)
    models = json.loads((report.parent / "metrics.json").read_text(encoding="utf-8"))["models"]
    models, _ = shown_models(models, None)  # an ensemble pruned to one member is that member
    assert len(found) == len(models) >= 2, found  # every model, the ensemble too when built
    for name, seen in found.items():
        assert seen["curves"] == [True, True, True], (name, seen)
        titles = " ".join(seen["curve_titles"])
        for word in ("precision-recall", "calibration", "threshold"):
            assert word in titles, (name, word)
        assert seen["importance"] == [True], (name, seen)
        assert seen["importance_rows"] == 3  # one per raw column of the hostile table
