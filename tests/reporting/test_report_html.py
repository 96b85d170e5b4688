import collections
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import numpy as np
import pytest

from pipeline.reporting import render_report, write_report

HOSTILE = "<script>alert(1)</script>"
BOLD = "<b>x</b>"
CSP = ('<meta http-equiv="Content-Security-Policy" '
       "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">")
SVG_NS = "{http://www.w3.org/2000/svg}"
ALL_SECTIONS = {"run", "dataset", "phases", "leaderboard", "models", "roc", "article",
                "training", "attention", "positional-encoding", "notes"}


class _Page(HTMLParser):
    """Every start tag with its attributes, and the text a reader would see."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _sections(html):
    return set(re.findall(r'<section id="([^"]+)"', html))


def _section(html, name):
    match = re.search(rf'<section id="{name}">(.*?)</section>', html, re.S)
    assert match, f"section {name!r} missing"
    return match.group(1)


def _svgs(html):
    return re.findall(r"<svg\b.*?</svg>", html, re.S)


@pytest.fixture(scope="module")
def full_html(binary_metrics, binary_extras):
    return render_report(binary_metrics, binary_extras)


@pytest.fixture(scope="module")
def article_html(article_metrics):
    return render_report(article_metrics)


@pytest.fixture(scope="module")
def multiclass_html(multiclass_metrics):
    return render_report(multiclass_metrics)


def test_page_is_self_contained_and_runs_nothing(full_html):
    page = _Page(full_html)
    tags = collections.Counter(tag for tag, _ in page.tags)
    assert full_html.count(CSP) == 1 and full_html.index(CSP) < full_html.index("<title>")
    assert not {"script", "link", "iframe", "object", "embed", "img", "base"} & set(tags)
    assert "<script" not in full_html.lower()
    for tag, attrs in page.tags:
        assert "src" not in attrs, tag
        assert not any(name.startswith("on") for name in attrs), tag  # no event handlers
        for name in ("href", "xlink:href"):
            if name in attrs:
                assert attrs[name].startswith(("#", "data:image/png;base64,")), attrs[name]
    assert not re.search(r"url\((?!#)", full_html)  # CSS/SVG urls point inside the page
    assert "@import" not in full_html


def test_hostile_names_show_as_text_everywhere(full_html, multiclass_html):
    for html in (full_html, multiclass_html):
        page = _Page(html)
        assert not {"script", "b"} & {tag for tag, _ in page.tags}
        assert HOSTILE not in html and BOLD not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        shown = "".join(page.text)
        assert HOSTILE in shown and BOLD in shown  # readers see the names, as text
        svg_texts = []
        for svg in _svgs(html):
            root = ET.fromstring(svg)  # well-formed: nothing unescaped inside
            assert not {"script", "b", "foreignObject"} & {
                e.tag.removeprefix(SVG_NS) for e in root.iter()}
            svg_texts += ["".join(e.itertext()) for e in root.iter(f"{SVG_NS}text")]
        assert any(BOLD in text for text in svg_texts)


def test_every_section_is_present_with_its_data(full_html):
    assert _sections(full_html) == ALL_SECTIONS - {"article"}  # protocol is strict


@pytest.mark.parametrize(
    "key, sections",
    [("run", {"run"}), ("dataset", {"dataset"}), ("phases", {"phases"}),
     ("models", {"leaderboard", "models", "roc"}), ("notes", {"notes"})],
)
def test_a_section_appears_only_with_its_metrics(binary_metrics, key, sections):
    assert _sections(render_report({})) == set()
    assert _sections(render_report({key: binary_metrics[key]})) == sections


@pytest.mark.parametrize(
    "key, sections",
    [("lda_projection", {"phases"}), ("histories", {"training"}),
     ("attention", {"attention"}), ("positional_encoding", {"positional-encoding"})],
)
def test_a_section_appears_only_with_its_extras(binary_extras, key, sections):
    html = render_report({}, {key: binary_extras[key]})
    assert _sections(html) == sections
    assert len(_svgs(html)) == 1


def test_figures_are_inline_svg_one_per_drawing(full_html, binary_metrics, binary_extras):
    n_models = len(binary_metrics["models"])
    expected = (1  # SMOTE before/after
                + 2 * n_models  # confusion matrices, validation and test
                + 1  # overlaid binary ROC curves
                + len(binary_extras))  # projection, training, attention, encoding
    assert len(_svgs(full_html)) == expected
    roc = _section(full_html, "roc")
    assert len(_svgs(roc)) == 1 and "chance" in roc
    for name in binary_metrics["models"]:
        assert name.replace("<", "&lt;").replace(">", "&gt;") in roc


def test_element_ids_are_unique(full_html):
    ids = re.findall(r'\sid="([^"]+)"', full_html)
    assert ids and len(ids) == len(set(ids))


def test_leaderboard_is_sorted_by_validation_auc_and_marks_the_best(full_html, binary_metrics):
    board = _section(full_html, "leaderboard").split("</table>")[0]  # the first table; the second repeats
    rows = re.findall(r"<tr( class=\"best\")?><td>(.*?)(?: <span|</td>)", board)
    models = binary_metrics["models"]
    expected = sorted(models, key=lambda m: -models[m]["validation"]["roc_auc"])
    escaped = [m.replace("<", "&lt;").replace(">", "&gt;") for m in expected]
    assert [name for _, name in rows] == escaped
    assert [bool(best) for best, _ in rows] == [m == binary_metrics["best_model"]
                                                for m in expected]
    assert board.count("badge") == 1


def test_model_sections_hold_matrices_and_rates(full_html, binary_metrics):
    models = _section(full_html, "models")
    for model in binary_metrics["models"].values():
        for split in ("validation", "test"):
            (tn, fp), (fn, tp) = model[split]["confusion_matrix"]
            assert re.search(rf'<td class="num">{tn}</td><td class="num">{fp}</td>', models)
            assert f"{model[split]['accuracy']:.4f}" in models
    assert models.count("True positive rate") == len(binary_metrics["models"])


def test_multiclass_shows_one_vs_rest_curves_per_model(multiclass_html, multiclass_metrics):
    roc = _section(multiclass_html, "roc")
    assert len(_svgs(roc)) == len(multiclass_metrics["models"])
    assert "one-vs-rest" in roc and "class &lt;b&gt;x&lt;/b&gt;" in roc
    models = _section(multiclass_html, "models")
    assert models.count("Class (one-vs-rest)") == 2 * len(multiclass_metrics["models"])


def test_article_section_only_under_the_article_protocol(full_html, article_html,
                                                          article_metrics):
    assert "article" not in _sections(full_html)
    section = _section(article_html, "article")
    assert "test labels shape" in section and "new data" in section
    for model in article_metrics["models"].values():
        strict, article = model["test"]["roc_auc"], model["test_article"]["roc_auc"]
        assert f"{strict:.4f}" in section and f"{article:.4f}" in section
        assert f"{article - strict:+.4f}" in section
    strict_only = {name: {"test": model["test"]}  # no test_article: nothing to compare
                   for name, model in article_metrics["models"].items()}
    html = render_report({"run": article_metrics["run"], "models": strict_only})
    assert "article" not in _sections(html)


def test_same_input_gives_identical_html(full_html, binary_metrics, binary_extras):
    assert render_report(binary_metrics, binary_extras) == full_html


def test_figures_drawn_by_two_processes_give_the_same_page(full_html, binary_metrics, binary_extras):
    assert render_report(binary_metrics, binary_extras, n_jobs=2) == full_html


def test_undefined_values_show_as_a_dash():
    trial = {"params": {"depth": None}, "validation_roc_auc": None, "fit_time_s": None}
    html = render_report({"models": {"m": {"search": [trial], "fit_time_s": None}}})
    assert "\u2014" in html and "None" not in html and "nan" not in html.lower()


def test_a_candidate_the_race_stopped_says_on_how_many_folds_it_was_scored():
    trials = [{"params": {"depth": 1}, "cv_mean": 0.61, "fold_scores": [0.6, 0.62], "stopped": True},
              {"params": {"depth": 3}, "cv_mean": 0.8, "fold_scores": [0.8] * 5}]
    html = render_report({"models": {"m": {"search": trials, "fit_time_s": None,
                                           "cv": {"metric": "average_precision"}}}})
    assert html.count("stopped after") == 1 and "(stopped after 2 folds)" in html
    assert "Cross-validated average_precision" in html and "Validation ROC AUC" not in html


def test_write_report_is_atomic_and_leaves_no_temp_file(tmp_path, binary_metrics):
    small = {"run": binary_metrics["run"], "notes": ["first"]}
    target = tmp_path / "run" / "report.html"
    assert write_report(target, small) == target
    assert target.read_text(encoding="utf-8") == render_report(small)
    small["notes"] = ["second"]
    write_report(str(target), small)  # replaces the earlier report in place
    assert "second" in target.read_text(encoding="utf-8")
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]


def test_failed_render_keeps_the_previous_report(tmp_path):
    target = tmp_path / "report.html"
    write_report(target, {"notes": ["kept"]})
    bad = {"attention": {"m": {"maps": np.ones((2, 3, 4)), "tokens": ["a"]}}}
    with pytest.raises(ValueError, match=r"extras\['attention'\]\['m'\]\['maps'\].*4 dimensions"):
        write_report(target, {}, bad)
    assert "kept" in target.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


@pytest.mark.parametrize(
    "extras, match",
    [
        ({"attention": {"m": {"maps": np.ones((1, 1, 3, 3)), "tokens": ["a", "b"]}}},
         "3, 3\\) but 2 tokens"),
        ({"lda_projection": {"values": np.ones((4, 1)), "labels": [0, 1]}},
         "4 rows of values but 2 labels"),
        ({"positional_encoding": np.ones(5)}, "positional_encoding.*2 dimensions"),
    ],
)
def test_malformed_extras_name_the_culprit(extras, match):
    with pytest.raises(ValueError, match=match):
        render_report({}, extras)


def test_metrics_must_be_a_mapping():
    with pytest.raises(TypeError, match="metrics must be a mapping.*list"):
        render_report([])
