"""Random crops of the training series (data augmentation for the token models).

With a few dozen training series, the step budget makes hundreds of passes over the
same series, and a recurrent or attention network with tens of thousands of weights
learns each of them by heart, position by position. Showing it, in every training
batch, each series cut to a random 90 to 100 percent of its steps at a random offset
(window cropping: Le Guennec et al., 2016; among the safest augmentations in the
survey of Iwana and Uchida, 2021) teaches it that a class does not change when a
series starts a little earlier or later. The crop keeps the time scale: stretching
it back to the full length (window slicing) changes the rhythm, which is what tells
the classes of some sets apart (ACSF1's appliances), and lost accuracy there when
it was tried.

Only training batches are cropped: the :class:`~pipeline.nn.Engine` applies the crop
before each training step, never to validation rows or at prediction. A crop draws
from a generator of its own, so a fixed seed gives the same crops and leaves the
shuffling and dropout of the run as they were.
"""

from __future__ import annotations

import torch

__all__ = ["AUGMENTS", "CROP_SHARE", "MAX_AUGMENTED_ROWS", "RandomCrop", "resolve_augment"]

#: ``augment``: "crop" crops every training batch, "none" trains on the series as
#: given, "auto" crops small training sets (see :data:`MAX_AUGMENTED_ROWS`).
AUGMENTS = ("auto", "crop", "none")
#: Largest share of a series' steps a crop leaves out.
CROP_SHARE = 0.1
#: ``augment="auto"`` crops training sets of at most this many series: small sets are
#: where a fixed step budget repeats every series hundreds of times, and the gains of
#: augmentation shrink as the training set grows (Iwana and Uchida, 2021).
MAX_AUGMENTED_ROWS = 1000


def resolve_augment(augment: str, input_kind: str, n_rows: int) -> str:
    """The augmentation a fit uses, "crop" or "none", for ``n_rows`` training rows.

    Tables are never cropped: their features are not steps in time.

    Examples
    --------
    >>> resolve_augment("auto", "sequence", 36), resolve_augment("auto", "sequence", 10**5)
    ('crop', 'none')
    >>> resolve_augment("crop", "table", 36), resolve_augment("crop", "sequence", 10**5)
    ('none', 'crop')
    """
    if input_kind != "sequence" or augment == "none":
        return "none"
    if augment == "auto" and n_rows > MAX_AUGMENTED_ROWS:
        return "none"
    return "crop"


class RandomCrop:
    """``crop(batch, generator) -> batch``: cut every series of a training batch at random.

    The batch is ``(x, target)`` for series of one length, or ``(x, lengths, target)``
    for padded series of several. Series of one length are all cut to one random
    length (so the batch stays a block), each at its own offset; padded series each
    get their own length and offset, start at step 0 and stay zero after their new
    length. Each keeps between 1 - ``share`` and all of its steps.

    Parameters
    ----------
    share : float, default=CROP_SHARE
        Largest share of a series' steps left out.

    Examples
    --------
    >>> x, y = torch.arange(20.0).reshape(1, 20, 1), torch.zeros(1)
    >>> out, target = RandomCrop(0.5)((x, y), torch.Generator().manual_seed(0))
    >>> 10 <= out.shape[1] <= 20, target is y
    (True, True)
    >>> step = out[0, 1:, 0] - out[0, :-1, 0]
    >>> bool((step == 1).all())  # consecutive steps of the series, no stretching
    True
    """

    def __init__(self, share: float = CROP_SHARE):
        self.share = share

    def __call__(self, batch, generator: torch.Generator):
        x, *rest = batch
        if len(rest) == 2:
            return self._padded(x, *rest, generator)
        n, steps, channels = x.shape
        keep = steps - int(self.share * float(torch.rand(1, generator=generator)) * steps)
        start = _offsets(torch.full((n,), steps - keep), generator)
        index = (start[:, None] + torch.arange(keep)[None, :]).to(x.device)
        return (torch.gather(x, 1, index[:, :, None].expand(n, keep, channels)), *rest)

    def _padded(self, x, lengths, target, generator):
        n, steps, channels = x.shape
        lengths = lengths.cpu()
        keep = (lengths - (self.share * torch.rand(n, generator=generator) * lengths).long()).clamp(min=1)
        start = _offsets(lengths - keep, generator)
        index = (start[:, None] + torch.arange(steps)[None, :]).clamp(max=steps - 1)
        out = torch.gather(x, 1, index.to(x.device)[:, :, None].expand(n, steps, channels))
        real = (torch.arange(steps)[None, :] < keep[:, None]).to(x.device, x.dtype)
        return out * real[:, :, None], keep.to(x.device), target


def _offsets(room, generator):
    """A uniform integer offset in [0, room] per series."""
    return (torch.rand(len(room), generator=generator) * (room + 1)).long().clamp(max=room)
