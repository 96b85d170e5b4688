"""The self-contained HTML report of a translator run.

Rendered by the package's Jinja environment (autoescaping every value) and
written by its atomic writer (:mod:`pipeline.reporting`); figures are inline SVG
marked safe only here. A Content-Security-Policy meta tag forbids scripts and
any outside resource, so the page works offline and runs nothing.
"""

from __future__ import annotations

from ..reporting import attention_figure, template_environment, training_curves_figure, write_text_atomic
from ._figures import length_histogram_svg, token_label

__all__ = ["render_report", "write_report"]

# Longer sentences make unreadable maps (and slow figures); an undertrained model
# can produce up to max_length subwords.
_MAX_MAP_TOKENS = 24
# The three attention kinds: which tokens are the queries and which the keys.
_MAPS = (("encoder_self", "source_tokens", "source_tokens"),
         ("decoder_self", "target_tokens", "target_tokens"),
         ("cross", "target_tokens", "source_tokens"))


def _attention_panels(k, att, n):
    drawn = {
        "source": att["source"],
        "target": att["target"],
        "truncated": max(len(att["source_tokens"]), len(att["target_tokens"])) > n,
    }
    for name, queries, keys in _MAPS:
        drawn[name] = attention_figure(
            att[name][..., :n, :n], [token_label(t) for t in att[queries][:n]],
            key_tokens=[token_label(t) for t in att[keys][:n]], salt=f"{name}{k}",
        )
    return drawn


def render_report(metrics: dict, examples: list[dict], attention: list[dict], lengths: dict) -> str:
    """Return the report page as a string.

    Parameters
    ----------
    metrics : dict
        The run's ``metrics.json`` content.
    examples : list of dict
        ``source``, ``references`` (list), ``greedy``, ``beam`` per example.
    attention : list of dict
        :meth:`TransformerSeq2Seq.attention_maps` results, each with ``source``.
    lengths : dict
        ``source`` and ``target``: subword lengths of the training sentences.
    """
    figures = {
        "lengths": length_histogram_svg(lengths["source"], lengths["target"]),
        "curves": training_curves_figure(metrics["history"], metrics["best_epoch"], salt="curves"),
    }
    drawn = [_attention_panels(k, att, _MAX_MAP_TOKENS) for k, att in enumerate(attention)]
    template = template_environment("pipeline.translate").get_template("report.html.j2")
    return template.render(
        m=metrics, examples=examples, attention=drawn, figures=figures, max_map_tokens=_MAX_MAP_TOKENS
    )


def write_report(path, metrics, examples, attention, lengths):
    """Render the report and write it to ``path`` atomically; return the path."""
    return write_text_atomic(path, render_report(metrics, examples, attention, lengths))
