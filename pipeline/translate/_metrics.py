"""Translation scores: corpus BLEU (sacrebleu) and the exact-match rate."""

from __future__ import annotations

import sacrebleu

__all__ = ["corpus_bleu", "exact_match", "group_references"]


def group_references(sources, targets):
    """Collect every reference translation of each distinct source sentence.

    Returns
    -------
    unique_sources : list of str
        Distinct sources, in order of first appearance.
    references : list of list of str
        For each of them, all its targets.

    Examples
    --------
    >>> group_references(["Hi.", "Go.", "Hi."], ["Hallo!", "Geh.", "Grüß Gott!"])
    (['Hi.', 'Go.'], [['Hallo!', 'Grüß Gott!'], ['Geh.']])
    """
    grouped: dict[str, list[str]] = {}
    for source, target in zip(sources, targets, strict=True):
        grouped.setdefault(source, []).append(target)
    return list(grouped), list(grouped.values())


def corpus_bleu(hypotheses, references) -> float:
    """Corpus BLEU (0-100) of ``hypotheses`` against one or several references each.

    Parameters
    ----------
    hypotheses : list of str
        One system output per sentence.
    references : list of str or list of list of str
        The reference of each sentence, or all its references (any number each).

    Examples
    --------
    >>> round(corpus_bleu(["das ist ein Haus"], ["das ist ein Haus"]), 6)
    100.0
    >>> round(corpus_bleu(["das ist ein Haus"], [["das Haus", "das ist ein Haus"]]), 6)
    100.0
    """
    hypotheses = [str(h) for h in hypotheses]
    refs = [[r] if isinstance(r, str) else list(r) for r in references]
    if len(refs) != len(hypotheses):
        raise ValueError(
            f"{len(hypotheses)} hypotheses but {len(refs)} references; give one entry "
            "(a string or a list of strings) per hypothesis."
        )
    if not hypotheses:
        raise ValueError("No hypotheses to score; pass at least one sentence.")
    width = max(len(r) for r in refs)
    # sacrebleu wants one stream per reference slot; None marks "no reference here".
    streams = [[r[k] if k < len(r) else None for r in refs] for k in range(width)]
    return float(sacrebleu.corpus_bleu(hypotheses, streams).score)


def exact_match(hypotheses, references) -> float:
    """Fraction of hypotheses equal (after trimming whitespace) to one of their references.

    Examples
    --------
    >>> exact_match(["Geh.", "Hallo"], [["Geh!", "Geh."], "Hallo!"])
    0.5
    """
    hits = 0
    n = 0
    for hyp, ref in zip(hypotheses, references, strict=True):
        options = [ref] if isinstance(ref, str) else list(ref)
        hits += str(hyp).strip() in {str(o).strip() for o in options}
        n += 1
    if n == 0:
        raise ValueError("No hypotheses to score; pass at least one sentence.")
    return hits / n
