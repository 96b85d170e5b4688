"""The machinery every part of the run record shares: typed fields read as a mapping too.

A part is a dataclass whose fields are the keys of one JSON object of
``metrics.json``. It keeps which keys the object held, so that a file read and
written again is the same file, and keys it does not know (written by a later
version, or by an evaluation module that grew a figure) are kept in ``extra``
rather than dropped. It reads like the dictionary it replaces
(``part["key"]``, ``part.get("key")``, ``"key" in part``), so code written
against the parsed JSON keeps working while attribute access is the way to
read it.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from typing import ClassVar

from ..errors import DataError

__all__ = ["Part", "items", "optional", "part", "parts"]

# The bookkeeping fields of every part, which are not keys of its JSON object.
_BOOKKEEPING = ("extra", "_present")
# Field metadata that makes a field hold parts: one, an object of them by name, an array of them.
_TYPED = frozenset({"part", "parts", "items"})


def part(cls, *, optional=False):
    """A field holding one nested part (a JSON object), None when the file has none.

    ``optional`` fields are left out of the JSON when None, as the run writes
    them only when they apply (the article protocol's scores, the ensemble's
    members).
    """
    return dataclasses.field(default=None, metadata={"part": cls, "optional": optional})


def parts(cls, *, optional=False):
    """A field holding a JSON object of parts by name (every model, every model's reduction)."""
    return dataclasses.field(default=None, metadata={"parts": cls, "optional": optional})


def items(cls):
    """A field holding a JSON array of parts (a model's search trials)."""
    return dataclasses.field(default=None, metadata={"items": cls})


def optional():
    """A plain field left out of the JSON when None (written only when it applies)."""
    return dataclasses.field(default=None, metadata={"optional": True})


@dataclasses.dataclass(eq=False, repr=False)  # equal when their JSON is: see __eq__
class Part(Mapping):
    """Base of the record's parts: ``from_dict`` / ``to_dict`` and read access by key.

    Attributes
    ----------
    extra : dict
        The keys of the JSON object that are not fields of the part, kept as they were read.

    Examples
    --------
    >>> from pipeline.record import Threshold
    >>> threshold = Threshold.from_dict({"value": 0.3, "note": "from a later version"})
    >>> threshold.value, threshold["value"], threshold.note, "source" in threshold
    (0.3, 0.3, 'from a later version', False)
    >>> threshold.to_dict()  # what was read, as it was read
    {'value': 0.3, 'note': 'from a later version'}
    >>> threshold
    Threshold(value=0.3, note='from a later version')
    """

    # Parts of the entries in ``extra``, for parts whose keys are open (the phases).
    EXTRA_PART: ClassVar[type | None] = None
    # Whether ``extra`` comes before the fields in the JSON object (as the phases are written).
    EXTRA_FIRST: ClassVar[bool] = False

    extra: dict = dataclasses.field(default_factory=dict, kw_only=True)
    # The fields the JSON object held; None when it held every one (or the part was built in code).
    _present: frozenset | None = dataclasses.field(default=None, kw_only=True, repr=False)

    def __post_init__(self):
        # a part built in code may be given plain JSON for its nested parts (a module's result)
        for field in self._fields():
            value = getattr(self, field.name)
            if value is not None and _TYPED.intersection(field.metadata):
                object.__setattr__(self, field.name, _field_value(field, value, field.name))

    @classmethod
    def _fields(cls):
        return _fields_of(cls)

    def __setattr__(self, name, value):
        present = self.__dict__.get("_present")
        if present is not None and name not in _BOOKKEEPING:
            # a field set after reading is a key of the JSON from now on
            object.__setattr__(self, "_present", present | {name})
        object.__setattr__(self, name, value)

    def __eq__(self, other):
        # Two parts are equal when they write the same JSON, and a part equals the parsed
        # JSON it reads as (``record.selection == json.load(f)["selection"]``).
        if not isinstance(other, Mapping) or (isinstance(other, Part) and type(other) is not type(self)):
            return NotImplemented
        return self.to_dict() == _plain(other)

    __hash__ = None  # mutable, as the dict it replaces

    def __repr__(self):
        # the keys the JSON holds, as the part reads them: no bookkeeping, no absent fields
        return f"{type(self).__name__}({', '.join(f'{key}={self[key]!r}' for key in self._keys())})"

    def __getattr__(self, name):
        # the keys a part does not type (a phase by name, a detail of a phase) read as attributes too
        extra = self.__dict__.get("extra") or {}
        if name in extra:
            return extra[name]
        raise AttributeError(f"{type(self).__name__} has no field or key {name!r}")

    def _written(self, field):
        value = getattr(self, field.name)
        if value is None and field.metadata.get("optional"):
            return False
        return self._present is None or field.name in self._present

    def _keys(self):
        own = [f.name for f in self._fields() if self._written(f)]
        return [*self.extra, *own] if self.EXTRA_FIRST else [*own, *self.extra]

    def __getitem__(self, key):
        if key in self.extra:
            return self.extra[key]
        field = _field_names(type(self)).get(key)
        if field is not None and self._written(field):
            return getattr(self, key)
        raise KeyError(key)

    def __iter__(self):
        return iter(self._keys())

    def __len__(self):
        return len(self._keys())

    @classmethod
    def from_dict(cls, data, *, where=None):
        """The part of a parsed JSON object (None stays None; a part is returned as it is).

        Parameters
        ----------
        data : mapping or None
        where : str, optional
            Where the object sits in the record (``models.rf.test``), for messages.

        Raises
        ------
        DataError
            When ``data`` is not a JSON object.
        """
        if data is None or isinstance(data, cls):
            return data
        if not isinstance(data, Mapping):
            raise DataError(
                f"{where or cls.__name__} must be a JSON object, but the record holds "
                f"{type(data).__name__} {data!r:.80}. "
                "Rerun the run to write the record again."
            )
        fields = _field_names(cls)
        values, extra = {}, {}
        for key, value in data.items():
            field, inside = fields.get(key), f"{where}.{key}" if where else str(key)
            if field is None:
                extra[key] = _typed(cls.EXTRA_PART, value, inside)
            else:
                values[key] = _field_value(field, value, inside)
        made = cls(**values, extra=extra)
        # an optional field left out is None, as in a part built in code
        if any(name not in values and not f.metadata.get("optional") for name, f in fields.items()):
            object.__setattr__(made, "_present", frozenset(values))
        return made

    def to_dict(self):
        """The part as a JSON-ready dict, keys in the order the run writes them."""
        own = {f.name: _plain(getattr(self, f.name), "items" in f.metadata)
               for f in self._fields() if self._written(f)}
        extra = {key: _plain(value) for key, value in self.extra.items()}
        return {**extra, **own} if self.EXTRA_FIRST else {**own, **extra}


@functools.cache
def _fields_of(cls):
    """The fields of a part class that are keys of its JSON object, in order."""
    return tuple(f for f in dataclasses.fields(cls) if f.name not in _BOOKKEEPING)


@functools.cache
def _field_names(cls):
    return {f.name: f for f in _fields_of(cls)}


def _typed(cls, value, where):
    """``value`` as a part of ``cls`` when it is an object, as it is otherwise (open keys)."""
    return cls.from_dict(value, where=where) if cls is not None and isinstance(value, Mapping) else value


def _field_value(field, value, where):
    if "part" in field.metadata:
        return field.metadata["part"].from_dict(value, where=where)
    if "parts" in field.metadata and value is not None:
        if not isinstance(value, Mapping):
            raise DataError(
                f"{where} must be a JSON object of named entries, but the record holds "
                f"{type(value).__name__}. Rerun the run to write the record again."
            )
        return {name: field.metadata["parts"].from_dict(entry, where=f"{where}.{name}")
                for name, entry in value.items()}
    if "items" in field.metadata and value is not None:
        if not isinstance(value, list):
            raise DataError(
                f"{where} must be a JSON array, but the record holds {type(value).__name__}. "
                "Rerun the run to write the record again."
            )
        return [field.metadata["items"].from_dict(entry, where=f"{where}[{i}]")
                for i, entry in enumerate(value)]
    return value


def _plain(value, array_of_parts=False):
    if array_of_parts and value is not None:  # other arrays hold numbers and text: kept as they are
        return [_plain(item) for item in value]
    if isinstance(value, Part):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value
