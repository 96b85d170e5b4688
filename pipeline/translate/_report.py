"""The self-contained HTML report of a translator run.

Jinja2 with autoescaping for every value; figures are inline SVG made by this
package (marked safe only there). A Content-Security-Policy meta tag forbids
scripts and any outside resource, so the page works offline and runs nothing.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import jinja2

from ._figures import attention_svg, length_histogram_svg, training_curves_svg

__all__ = ["render_report", "write_report"]

_TEMPLATES = Path(__file__).resolve().parent / "templates"
# Longer sentences make unreadable maps (and slow figures); an undertrained model
# can produce up to max_length subwords.
_MAX_MAP_TOKENS = 24


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,  # every value, whatever the template's file name
        undefined=jinja2.StrictUndefined,  # a missing metric is an error, not a blank
        trim_blocks=True,
        lstrip_blocks=True,
    )


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
        "curves": training_curves_svg(metrics["history"], metrics["best_epoch"]),
    }
    drawn = []
    n = _MAX_MAP_TOKENS
    for k, att in enumerate(attention):
        src, tgt = att["source_tokens"][:n], att["target_tokens"][:n]
        drawn.append({
            "source": att["source"],
            "target": att["target"],
            "truncated": max(len(att["source_tokens"]), len(att["target_tokens"])) > n,
            "encoder_self": attention_svg(att["encoder_self"][..., :n, :n], src, src, salt=f"enc{k}"),
            "decoder_self": attention_svg(att["decoder_self"][..., :n, :n], tgt, tgt, salt=f"dec{k}"),
            "cross": attention_svg(att["cross"][..., :n, :n], tgt, src, salt=f"cross{k}"),
        })
    template = _environment().get_template("report.html.j2")
    return template.render(
        m=metrics, examples=examples, attention=drawn, figures=figures, max_map_tokens=n
    )


def write_report(path, metrics, examples, attention, lengths) -> Path:
    """Render the report and write it to ``path`` atomically (temporary file, then rename)."""
    path = Path(path)
    html = render_report(metrics, examples, attention, lengths)
    handle, staging = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(html)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o666 & ~umask)  # mkstemp makes it private; a report is for sharing
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return path
