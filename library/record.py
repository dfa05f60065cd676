"""Record: a class of named fields, like a dataclass, but cheap to define.

A record's fields are its annotations, in order (a base record's first); a class
attribute is a field's default. Records compare equal when they are of one class with
equal fields, and print as ``Feed(id=1, url='…', …)``. Fields are given by name or, in
order, by position. A default of ``Factory(list)`` gives each record a list of its own.
``class Rule(Record, frozen=True)`` makes records that refuse changes and can be hashed
(a set's members, a dictionary's keys).

Why not dataclasses: dataclasses generates and compiles each class's methods from source
(~4 M instructions a class), and importing it brings inspect, ast, dis and tokenize where
nothing else needs them; that was a fifth of all `podterm feeds` executed, a tenth of a
refresh where nothing changed, and ~45 classes of the TUI's start.
"""

from __future__ import annotations

from typing import Callable


class Factory:
    """A field's default that is made anew for each record: ``items: list = Factory(list)``."""

    def __init__(self, make: Callable[[], object]) -> None:
        self.make = make


class Record:
    _fields: tuple[str, ...] = ()
    _defaults: dict[str, object] = {}
    _factories: dict[str, Callable[[], object]] = {}

    def __init_subclass__(cls, frozen: bool = False, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        fields: dict[str, None] = {}
        defaults: dict[str, object] = {}
        for klass in reversed(cls.__mro__):  # a base's fields first, as dataclasses does
            if klass is Record or not issubclass(klass, Record):
                continue
            for name in klass.__dict__.get("__annotations__", {}):
                fields[name] = None
                if name in klass.__dict__:
                    defaults[name] = klass.__dict__[name]
        cls._factories = {name: default.make for name, default in defaults.items()
                          if isinstance(default, Factory)}
        for name in cls._factories:
            del defaults[name]
        cls._fields, cls._defaults = tuple(fields), defaults
        if frozen:
            cls.__setattr__ = cls.__delattr__ = _refuse_change  # type: ignore[method-assign]
            cls.__hash__ = _hash_of_fields  # type: ignore[method-assign]

    def __init__(self, *args: object, **values: object) -> None:
        given = dict(zip(self._fields, args))
        twice = [name for name in values if name in given]
        given.update(values)
        unknown = [name for name in values if name not in self._fields]
        missing = [name for name in self._fields if name not in given
                   and name not in self._defaults and name not in self._factories]
        if len(args) > len(self._fields) or twice or unknown or missing:
            problems = [f"{what}: {', '.join(names)}" for what, names in (
                ("given twice", twice), ("unknown", unknown), ("missing", missing)) if names]
            raise TypeError(f"{type(self).__name__}() takes {len(self._fields)} fields"
                            + "".join(f"; {problem}" for problem in problems))
        self.__dict__.update(self._defaults)
        for name, make in self._factories.items():
            if name not in given:
                self.__dict__[name] = make()
        self.__dict__.update(given)

    @classmethod
    def from_values(cls, values: dict[str, object]) -> "Record":
        """A record of ``values``, whose names the caller took from ``_fields`` (a row's
        columns): the checks of ``__init__`` skipped, for lists of thousands."""
        record = object.__new__(cls)
        record.__dict__.update(cls._defaults)
        for name, make in cls._factories.items():
            record.__dict__[name] = make()
        record.__dict__.update(values)
        return record

    def as_dict(self) -> dict[str, object]:
        """The fields and their values, in order."""
        return {name: self.__dict__[name] for name in self._fields}

    def replace(self, **changes: object) -> "Record":
        """A copy with ``changes``."""
        return type(self)(**{**self.__dict__, **changes})

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  # equal records may change

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({shown})"


def _refuse_change(record: Record, name: str, *value: object) -> None:
    raise AttributeError(f"cannot change {name!r} of a {type(record).__name__}: "
                         "its records are frozen")


def _hash_of_fields(record: Record) -> int:
    return hash(tuple(record.__dict__[name] for name in record._fields))
