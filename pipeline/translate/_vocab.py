"""Subword vocabularies learned from training texts with the ``tokenizers`` package.

One :class:`SubwordVocab` per language. Texts are split into BPE subwords whose
boundaries keep the leading space (``Metaspace``), so decoding restores the original
spacing exactly; lists of tokens (already tokenised input) get a word-level
vocabulary instead and decode back to lists of tokens.
"""

from __future__ import annotations

import json

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

__all__ = ["SubwordVocab", "PAD_ID", "UNK_ID", "BOS_ID", "EOS_ID", "SPECIAL_TOKENS"]

# Fixed ids: the model relies on padding being 0 and on the start/end ids
# being the same in every vocabulary, so they are the first tokens trained.
SPECIAL_TOKENS = ("<pad>", "<unk>", "<s>", "</s>")
PAD_ID, UNK_ID, BOS_ID, EOS_ID = range(4)


class SubwordVocab:
    """Map texts (or token lists) to integer ids and back.

    Parameters
    ----------
    tokenizer : tokenizers.Tokenizer
        A trained tokenizer whose first four ids are :data:`SPECIAL_TOKENS`.
    pretokenized : bool, default=False
        True when the vocabulary was learned from lists of tokens; then
        :meth:`decode` returns lists of tokens instead of text.

    Examples
    --------
    >>> vocab = SubwordVocab.learn(["ich bin hier", "du bist hier"], vocab_size=40)
    >>> ids = vocab.encode("ich bin hier")
    >>> vocab.decode(ids)
    'ich bin hier'
    >>> SubwordVocab.from_json(vocab.to_json()).encode("ich bin hier") == ids
    True
    """

    def __init__(self, tokenizer: Tokenizer, *, pretokenized: bool = False):
        self.tokenizer = tokenizer
        self.pretokenized = pretokenized

    @classmethod
    def learn(cls, texts, *, vocab_size: int = 8000, min_frequency: int = 1) -> SubwordVocab:
        """Learn a vocabulary from ``texts`` (strings, or lists of token strings).

        Strings get a byte-pair-encoding (BPE) vocabulary of at most ``vocab_size``
        entries; lists of tokens get one entry per distinct token (``vocab_size``
        still caps it, rarest tokens dropped to ``<unk>``).
        """
        texts = list(texts)
        pretokenized = bool(texts) and not isinstance(texts[0], str)
        if pretokenized:
            tokenizer = Tokenizer(models.WordLevel(unk_token="<unk>"))
            tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
            trainer = trainers.WordLevelTrainer(
                vocab_size=vocab_size,
                min_frequency=min_frequency,
                special_tokens=list(SPECIAL_TOKENS),
                show_progress=False,
            )
            # Token lists are joined with spaces only to feed the trainer; the
            # tokens themselves are validated to hold no whitespace.
            tokenizer.train_from_iterator((" ".join(_tokens(t)) for t in texts), trainer)
        else:
            tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
            tokenizer.normalizer = normalizers.NFC()
            tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
            tokenizer.decoder = decoders.Metaspace()
            trainer = trainers.BpeTrainer(
                vocab_size=vocab_size,
                min_frequency=min_frequency,
                special_tokens=list(SPECIAL_TOKENS),
                show_progress=False,
            )
            tokenizer.train_from_iterator(texts, trainer)
        for expected_id, token in enumerate(SPECIAL_TOKENS):
            if tokenizer.token_to_id(token) != expected_id:  # pragma: no cover - library change
                raise RuntimeError(f"special token {token!r} did not get id {expected_id}")
        return cls(tokenizer, pretokenized=pretokenized)

    @property
    def size(self) -> int:
        """Number of entries, special tokens included."""
        return self.tokenizer.get_vocab_size()

    def encode(self, text) -> list[int]:
        """Ids of ``text`` (a string, or a list of tokens), without start/end ids."""
        if self.pretokenized:
            return self.tokenizer.encode(_tokens(text), is_pretokenized=True).ids
        return self.tokenizer.encode(text).ids

    def encode_batch(self, texts) -> list[list[int]]:
        """Ids of every text, without start/end ids."""
        if self.pretokenized:
            batch = [_tokens(t) for t in texts]
            return [e.ids for e in self.tokenizer.encode_batch(batch, is_pretokenized=True)]
        return [e.ids for e in self.tokenizer.encode_batch(list(texts))]

    def pieces(self, text) -> list[str]:
        """The subword strings of ``text``, as the model sees them."""
        ids = self.encode(text)
        return [self.tokenizer.id_to_token(i) for i in ids]

    def id_to_piece(self, ids) -> list[str]:
        """The subword string of each id."""
        return [self.tokenizer.id_to_token(int(i)) for i in ids]

    def decode(self, ids):
        """Text (or token list) for ``ids``; padding, start and end ids are dropped.

        Unknown pieces stay visible as ``<unk>``.
        """
        ids = [int(i) for i in ids if int(i) >= len(SPECIAL_TOKENS) or int(i) == UNK_ID]
        if self.pretokenized:
            return [self.tokenizer.id_to_token(i) for i in ids]
        return self.tokenizer.decode(ids, skip_special_tokens=False)

    def to_json(self) -> str:
        """The vocabulary as one JSON string (tokenizer definition included)."""
        return json.dumps(
            {"pretokenized": self.pretokenized, "tokenizer": self.tokenizer.to_str()}
        )

    @classmethod
    def from_json(cls, text: str) -> SubwordVocab:
        """Inverse of :meth:`to_json`."""
        data = json.loads(text)
        return cls(Tokenizer.from_str(data["tokenizer"]), pretokenized=data["pretokenized"])


def _tokens(tokens) -> list[str]:
    tokens = [str(t) for t in tokens]
    for token in tokens:
        if not token or any(ch.isspace() for ch in token):
            raise ValueError(
                f"Token {token!r} is empty or holds whitespace; tokens given as lists "
                "must be single words. Pass whole sentences as strings instead."
            )
    return tokens
