"""``TransformerSeq2Seq``: a scikit-learn style sentence translator.

The estimator learns two subword vocabularies, builds a :class:`Seq2SeqNet` and
trains it with the package's shared :class:`~pipeline.nn.Engine`
through a teacher-forcing ``step`` hook: the decoder reads ``<s> y1 .. yn`` and
is scored on predicting ``y1 .. yn </s>`` (targets offset by one position).
"""

from __future__ import annotations

import logging
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from .._sklearn import Interval, StrOptions, _fit_context
from ..nn import Engine, resolve_device, torch_threads
from ._batches import bucket_batches, teacher_forcing_step
from ._data import check_pairs, check_texts, grouped_split
from ._decoding import DECODINGS, decode_rows
from ._network import Seq2SeqNet
from ._vocab import BOS_ID, EOS_ID, PAD_ID, SubwordVocab

__all__ = ["TransformerSeq2Seq"]

logger = logging.getLogger(__name__)


class TransformerSeq2Seq(BaseEstimator):
    """Encoder-decoder Transformer that translates sentences.

    Learns subword (BPE) vocabularies for both sides from the training texts,
    then trains with teacher forcing, Adam, optional label smoothing, gradient
    clipping and early stopping on a validation split grouped by source
    sentence. ``predict`` decodes greedily or with beam search.

    Parameters
    ----------
    d_model : int, default=128
        Width of embeddings and attention.
    n_heads : int, default=4
        Attention heads; must divide ``d_model``.
    n_layers : int, default=2
        Layers in the encoder stack and in the decoder stack.
    dim_feedforward : int, default=512
        Hidden width of the position-wise feed-forward networks.
    dropout : float, default=0.1
        Dropout on embeddings, attention weights and sublayer outputs.
    max_epochs : int, default=20
        Passes over the training pairs (fewer with early stopping).
    batch_size : int, default=64
        Pairs per training batch.
    lr : float, default=1e-3
        Adam learning rate.
    grad_clip : float or None, default=1.0
        Gradient-norm clipping; None does not clip.
    label_smoothing : float, default=0.1
        Label smoothing of the cross-entropy loss (0 = none).
    early_stopping : bool, default=True
        Stop when the validation loss stops improving for ``patience`` epochs
        and keep the best epoch's weights.
    patience : int, default=3
        Epochs without improvement before early stopping.
    validation_fraction : float, default=0.1
        Fraction of distinct source sentences held out from ``fit``'s pairs for
        the validation loss; 0 disables validation (and early stopping).
    vocab_size : int, default=8000
        Largest vocabulary per language (special tokens included).
    decoding : {"greedy", "beam"}, default="greedy"
        How ``predict`` builds translations.
    beam_size : int, default=4
        Hypotheses kept per sentence by beam search.
    max_length : int, default=64
        Longest sentence in subword tokens: longer training pairs are skipped
        (with a warning) and decoding stops after this many tokens (or after
        twice the longest source of the batch plus 10, if fewer).
    device : str, default="auto"
        Torch device; "auto" is CUDA when available, else the CPU.
    n_threads : int or None, default=1
        Torch threads while training and decoding (None keeps torch's setting).
    random_state : int or None, default=None
        Seed of the validation split, weight initialisation, shuffling and dropout.
    verbose : bool, default=False
        Log each epoch and show a progress bar.

    Attributes
    ----------
    source_vocab_, target_vocab_ : SubwordVocab
        Learned vocabularies.
    module_ : Seq2SeqNet
        The trained network (on the CPU).
    history_ : list of dict
        Per epoch: ``epoch``, ``train_loss``, ``valid_loss`` (None without validation).
    best_epoch_ : int
        Epoch whose weights ``module_`` holds.
    n_train_pairs_, n_valid_pairs_, n_skipped_pairs_ : int
        Pairs trained on, held out for validation, and skipped for length.

    Examples
    --------
    >>> src = ["I am here.", "You are here.", "I am tired.", "You are tired."] * 5
    >>> tgt = ["Ich bin hier.", "Du bist hier.", "Ich bin müde.", "Du bist müde."] * 5
    >>> model = TransformerSeq2Seq(d_model=16, n_heads=2, n_layers=1, dim_feedforward=32,
    ...                            max_epochs=2, validation_fraction=0, early_stopping=False,
    ...                            random_state=0)
    >>> len(model.fit(src, tgt).predict(["I am here."]))
    1
    """

    _parameter_constraints: dict = {
        "d_model": [Interval(Integral, 2, None, closed="left")],
        "n_heads": [Interval(Integral, 1, None, closed="left")],
        "n_layers": [Interval(Integral, 1, None, closed="left")],
        "dim_feedforward": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "grad_clip": [Interval(Real, 0, None, closed="neither"), None],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "early_stopping": ["boolean"],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "vocab_size": [Interval(Integral, 8, None, closed="left")],
        "decoding": [StrOptions(set(DECODINGS))],
        "beam_size": [Interval(Integral, 1, None, closed="left")],
        "max_length": [Interval(Integral, 1, None, closed="left")],
        "device": [str],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": [Interval(Integral, 0, None, closed="left"), None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        d_model=128,
        n_heads=4,
        n_layers=2,
        dim_feedforward=512,
        dropout=0.1,
        *,
        max_epochs=20,
        batch_size=64,
        lr=1e-3,
        grad_clip=1.0,
        label_smoothing=0.1,
        early_stopping=True,
        patience=3,
        validation_fraction=0.1,
        vocab_size=8000,
        decoding="greedy",
        beam_size=4,
        max_length=64,
        device="auto",
        n_threads=1,
        random_state=None,
        verbose=False,
    ):
        self.d_model = d_model
        self.n_heads = n_heads
        self.n_layers = n_layers
        self.dim_feedforward = dim_feedforward
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.grad_clip = grad_clip
        self.label_smoothing = label_smoothing
        self.early_stopping = early_stopping
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.vocab_size = vocab_size
        self.decoding = decoding
        self.beam_size = beam_size
        self.max_length = max_length
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose

    # -- fitting -----------------------------------------------------------------
    def _check_settings(self) -> None:
        if self.d_model % self.n_heads != 0:
            raise ValueError(
                f"d_model={self.d_model} must be divisible by n_heads={self.n_heads}, because "
                "each head gets d_model // n_heads dimensions. Change one of them, for "
                "example d_model=128 with n_heads=4."
            )
        if self.early_stopping and self.validation_fraction == 0:
            raise ValueError(
                "early_stopping=True needs validation pairs, but validation_fraction=0. "
                "Set validation_fraction (for example 0.1) or early_stopping=False."
            )

    def _encode_pairs(self, sources, targets):
        """Id rows for the network: sources as is, targets wrapped in <s> ... </s>."""
        src = self.source_vocab_.encode_batch(sources)
        tgt = [[BOS_ID, *ids, EOS_ID] for ids in self.target_vocab_.encode_batch(targets)]
        return src, tgt

    def _split_validation(self, sources):
        n = len(sources)
        if self.validation_fraction == 0:
            return np.arange(n), np.array([], dtype=int)
        if len(set(map(str, sources))) < 2:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} needs at least 2 distinct "
                "source sentences. Pass more pairs or set validation_fraction=0 and "
                "early_stopping=False."
            )
        return grouped_split(sources, test_size=self.validation_fraction, random_state=self._seed)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, sources, targets):
        """Learn vocabularies and train the network on parallel sentences.

        Parameters
        ----------
        sources, targets : list of str, or list of list of str
            Parallel sentences (or token lists), one pair per position.

        Returns
        -------
        self : TransformerSeq2Seq
        """
        self._check_settings()
        sources, targets = check_pairs(sources, targets)
        self._seed = (
            int(np.random.randint(0, 2**31 - 1)) if self.random_state is None else int(self.random_state)
        )
        train_idx, valid_idx = self._split_validation(sources)
        train_src = [sources[i] for i in train_idx]
        train_tgt = [targets[i] for i in train_idx]
        self.source_vocab_ = SubwordVocab.learn(train_src, vocab_size=self.vocab_size)
        self.target_vocab_ = SubwordVocab.learn(train_tgt, vocab_size=self.vocab_size)

        train_ids = self._keep_short(*self._encode_pairs(train_src, train_tgt))
        valid_ids = self._encode_pairs([sources[i] for i in valid_idx], [targets[i] for i in valid_idx])
        valid_ids = self._keep_short(*valid_ids)
        self.n_skipped_pairs_ = len(train_idx) - len(train_ids[0])
        if self.n_skipped_pairs_:
            warnings.warn(
                f"{self.n_skipped_pairs_} training pair(s) exceed max_length={self.max_length} "
                "subword tokens and were skipped; raise max_length to keep them.",
                UserWarning,
                stacklevel=3,  # the caller of fit, through sklearn's _fit_context wrapper
            )
        if not train_ids[0]:
            raise ValueError(
                f"No training pair fits within max_length={self.max_length} tokens; raise max_length."
            )
        self.n_train_pairs_ = len(train_ids[0])
        self.n_valid_pairs_ = len(valid_ids[0])

        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self._seed)  # weight initialisation
            self.module_ = self._build_module()
        engine = Engine(
            self.module_,
            step=teacher_forcing_step(self.label_smoothing),
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=1,  # each engine row is already a batch of similar-length pairs
            grad_clip=self.grad_clip,
            early_stopping=bool(self.early_stopping and self.n_valid_pairs_),
            patience=self.patience,
            device=self.device,
            random_state=self._seed,
            n_threads=self.n_threads,
            verbose=self.verbose,
        )
        train = bucket_batches(*train_ids, self.batch_size, self._seed)
        valid = bucket_batches(*valid_ids, self.batch_size, self._seed) if self.n_valid_pairs_ else None
        history = engine.fit(train, valid)
        self.history_ = [
            {"epoch": h["epoch"], "train_loss": h["train_loss"], "valid_loss": h["valid_loss"]}
            for h in history
        ]
        self.best_epoch_ = engine.best_epoch_
        del self._seed
        return self

    def _keep_short(self, src, tgt):
        # targets carry <s> and </s>: max_length counts the subwords, not the markers
        limit = self.max_length
        keep = [i for i in range(len(src)) if len(src[i]) <= limit and len(tgt[i]) <= limit + 2]
        return [src[i] for i in keep], [tgt[i] for i in keep]

    def _build_module(self) -> Seq2SeqNet:
        return Seq2SeqNet(
            self.source_vocab_.size,
            self.target_vocab_.size,
            d_model=self.d_model,
            n_heads=self.n_heads,
            n_layers=self.n_layers,
            dim_feedforward=self.dim_feedforward,
            dropout=self.dropout,
            max_len=self.max_length + 2,
        )

    # -- prediction --------------------------------------------------------------
    def _source_ids(self, sources) -> list[list[int]]:
        return [ids[: self.max_length] for ids in self.source_vocab_.encode_batch(sources)]

    def predict_ids(self, sources, *, decoding=None, batch_size=None) -> list[list[int]]:
        """Target-vocabulary ids of each translation (no start/end ids)."""
        check_is_fitted(self, "module_")
        decoding = self.decoding if decoding is None else decoding
        rows = self._source_ids(check_texts(sources, "sources"))
        if batch_size is None:
            batch_size = 256 if decoding == "greedy" else max(1, 256 // self.beam_size)
        device = resolve_device(self.device)
        net = self.module_.eval()
        with torch_threads(self.n_threads):
            net.to(device)
            try:
                return decode_rows(net, rows, decoding=decoding, max_length=self.max_length,
                                   batch_size=batch_size, beam_size=self.beam_size, device=device)
            finally:
                net.to("cpu")

    def predict(self, sources, *, decoding=None):
        """Translate ``sources``.

        Parameters
        ----------
        sources : list of str, or list of list of str
            Sentences (or token lists, if the model was fitted on token lists).
        decoding : {"greedy", "beam"}, optional
            Overrides the ``decoding`` parameter for this call.

        Returns
        -------
        list of str (or list of list of str)
            One translation per source.
        """
        return [self.target_vocab_.decode(ids) for ids in self.predict_ids(sources, decoding=decoding)]

    # -- inspection --------------------------------------------------------------
    @torch.no_grad()
    def attention_maps(self, source, target=None) -> dict:
        """Attention weights of every layer and head for one sentence pair.

        Parameters
        ----------
        source : str or list of str
            One source sentence.
        target : str or list of str, optional
            Its translation; by default the model's own greedy translation.

        Returns
        -------
        dict
            ``encoder_self`` (n_layers, n_heads, S, S), ``decoder_self``
            (n_layers, n_heads, T, T; lower triangular, rows sum to 1), ``cross``
            (n_layers, n_heads, T, S), all float ndarrays; ``source_tokens`` (S
            subwords) and ``target_tokens`` (T: ``<s>`` then the target subwords,
            the decoder's inputs), and ``target`` (the translation used).
        """
        check_is_fitted(self, "module_")
        if target is None:
            target = self.predict([source], decoding="greedy")[0]
        src_ids = self._source_ids([source])[0]
        tgt_ids = [BOS_ID, *self.target_vocab_.encode(target)[: self.max_length]]
        net = self.module_.eval()
        with torch_threads(self.n_threads):
            src = torch.as_tensor([src_ids or [PAD_ID]], dtype=torch.long)
            tgt = torch.as_tensor([tgt_ids], dtype=torch.long)
            memory, enc_w = net.encode(src, need_weights=True)
            _, dec_w, cross_w = net.decode(tgt, memory, src, need_weights=True)

        def stack(ws):  # per-layer (1, H, Tq, Tk) -> (L, H, Tq, Tk)
            return torch.cat(ws).float().numpy()

        return {
            "encoder_self": stack(enc_w),
            "decoder_self": stack(dec_w),
            "cross": stack(cross_w),
            "source_tokens": self.source_vocab_.id_to_piece(src_ids),
            "target_tokens": ["<s>", *self.target_vocab_.id_to_piece(tgt_ids[1:])],
            "target": target,
        }
