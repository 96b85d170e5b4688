"""The report states what the phases really did: approximate neighbours, removed share, refitted steps."""

import copy

from pipeline.reporting import render_report


def test_approximate_neighbour_search_and_removed_share_are_stated(binary_metrics, binary_extras):
    metrics = copy.deepcopy(binary_metrics)
    metrics["phases"]["outliers"]["removed_fraction"] = 0.1234
    metrics["phases"]["balance"]["neighbour_search"] = {"method": "partitioned", "rows": 52304,
                                                        "recall": 0.26}
    html = render_report(metrics, binary_extras)
    assert "approximate (partitioned, 52,304 rows): recall of the true nearest neighbours 0.26" in html
    assert "12.3%" in html
    metrics["phases"]["balance"]["neighbour_search"] = {"method": "exact", "rows": 600, "recall": None}
    assert "<tr><th>Neighbour search</th><td>exact</td></tr>" in render_report(metrics, binary_extras)


def test_article_section_lists_each_models_refitted_steps(article_metrics, binary_extras):
    metrics = copy.deepcopy(article_metrics)
    first, second = list(metrics["models"])
    metrics["models"][first]["article_refitted"] = ["outliers (drop)", "balance (smote)", "reduce (lda)"]
    metrics["models"][second]["article_refitted"] = []
    html = render_report(metrics, binary_extras)
    assert "Refitted on the test split: outliers (drop), balance (smote), reduce (lda)." in html
    assert "Refitted on the test split: nothing (no outlier, balancing or reduction step)." in html
