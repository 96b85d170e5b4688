"""Screenshots of a report's leaderboard, a confusion matrix and an importance figure, as a reader sees them.

One command per run folder:

    python benchmarks/report_screens.py RUN_FOLDER PREFIX [--figure confusion] [--figure importance]

opens ``RUN_FOLDER/report.html`` in headless Chromium (Debian's ``/usr/bin/chromium``,
driven by playwright) in a 1280 x 900 window and writes ``PREFIX-leaderboard.png``:
the window's width from the top of the leaderboard section down (at most 900 px),
so a table wider than the window shows cut at its right edge, as it is on screen.
Each ``--figure`` also writes ``PREFIX-confusion.png`` (the first model's test
confusion matrix) or ``PREFIX-importance.png`` (its permutation importance figure).
It logs the page's scroll width against the window's, the measure of horizontal
scrolling. The PNGs are reduced to a 64-colour palette to stay small.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from PIL import Image

CHROMIUM = "/usr/bin/chromium"
WINDOW = {"width": 1280, "height": 900}
PALETTE_COLOURS = 64
FIGURES = {  # file suffix -> the element, as a playwright selector
    "confusion": "article h4:has-text('Test confusion matrix') + figure svg",
    "importance": "article figure:has(figcaption:has-text('Mean drop in')) svg",
}

logger = logging.getLogger("report_screens")


def _small(path):
    """Rewrite a screenshot with a palette: text and flat colours survive, the file shrinks."""
    with Image.open(path) as image:
        image.convert("RGB").quantize(PALETTE_COLOURS).save(path, optimize=True)


def shoot(run_folder, prefix, figures=()):
    """Write the PNGs of one report; return the page's scroll width in px."""
    from playwright.sync_api import sync_playwright

    report = (Path(run_folder) / "report.html").resolve()
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport=WINDOW, device_scale_factor=1)
        page.goto(report.as_uri())
        top = page.locator("#leaderboard").bounding_box()["y"]
        height = page.evaluate("document.documentElement.scrollHeight")
        clip = {"x": 0, "y": top, "width": WINDOW["width"], "height": min(WINDOW["height"], height - top)}
        page.screenshot(path=f"{prefix}-leaderboard.png", clip=clip, full_page=True)
        _small(f"{prefix}-leaderboard.png")
        for suffix in figures:
            page.locator(FIGURES[suffix]).first.screenshot(path=f"{prefix}-{suffix}.png")
            _small(f"{prefix}-{suffix}.png")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        browser.close()
    logger.info("%s: page %d px wide in a %d-px window", report, scroll_width, WINDOW["width"])
    return scroll_width


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_folder")
    parser.add_argument("prefix", help="path and name start of the PNG files")
    parser.add_argument("--figure", action="append", default=[], choices=list(FIGURES),
                        help="also this figure of the first model (repeatable)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    shoot(args.run_folder, args.prefix, figures=args.figure)
    return 0


if __name__ == "__main__":
    sys.exit(main())
