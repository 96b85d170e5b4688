"""The ``run`` command's flags, generated from the fields of :class:`~pipeline.flow.config.RunConfig`.

Each config key becomes ``--key-name`` with the field's help, choices, type and
default, so the command line and the config schema cannot drift apart; any key
can also be given as ``--set key=value`` (the value read as YAML, so
``--set "model_params={lstm: {max_epochs: 5}}"`` works).
"""

from __future__ import annotations

import argparse
import dataclasses

import yaml

from ..errors import ConfigError

__all__ = ["add_config_flags", "config_overrides"]

def _flag_type(types):
    """How argparse reads the flag: YAML for a mapping; a number checked by argparse, so
    that "--seed x" is a usage error (exit 2); else text, which the config reads (also
    for a key taking a number or text, such as a probability or "auto")."""
    if dict in types:
        return _yaml_flag
    if str in types:
        return str
    return next((t for t in (float, int) if t in types), str)  # float reads "3" too


def _read_yaml(text):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ValueError(f"{text!r} is not valid YAML: {str(err).splitlines()[0]}") from None


def _yaml_flag(text):
    try:
        return _read_yaml(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _help(spec, types):
    meta = spec.metadata
    default = spec.default_factory() if spec.default_factory is not dataclasses.MISSING else spec.default
    text = meta.get("help") or f"the config key {spec.name}"
    if meta.get("choices") and list in types:
        text += f" Choices: {', '.join(meta['choices'])}."
    if isinstance(default, list):
        default = ",".join(default) or None
    if default is not None and default != {}:
        text += f" (default: {default})"
    return text.replace("%", "%%")


def add_config_flags(parser, schema=None):
    """Add one flag per field of ``schema`` (default :class:`RunConfig`), and ``--set key=value``.

    A boolean key ``k`` becomes ``--k`` / ``--no-k``; a number, ``--k N`` checked by
    argparse; a key with choices, ``--k {a,b}``; a mapping, ``--k`` with a YAML value.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser()
    >>> add_config_flags(parser)
    >>> args = parser.parse_args(["--kind", "sequence", "--test-size", "0.3", "--set", "channels=2"])
    >>> sorted(config_overrides(args).items())[:3]
    [('backend', None), ('balance', None), ('categorical', None)]
    >>> values = config_overrides(args)
    >>> values["kind"], values["test_size"], values["channels"]
    ('sequence', 0.3, 2)
    """
    from .config import RunConfig, field_types

    schema = RunConfig if schema is None else schema
    types = field_types(schema)
    for spec in dataclasses.fields(schema):
        meta = spec.metadata
        options = {"dest": spec.name, "help": _help(spec, types[spec.name]), "default": None}
        kind = _flag_type(types[spec.name])
        if bool in types[spec.name]:
            options["action"] = argparse.BooleanOptionalAction
        elif list not in types[spec.name] and meta.get("choices"):
            options["choices"] = list(meta["choices"])
        else:
            options["metavar"] = meta.get("metavar") or spec.name.upper()
            options["type"] = kind
        parser.add_argument("--" + spec.name.replace("_", "-"), **options)
    parser.add_argument(
        "--set", dest="set_values", action="append", default=[], metavar="KEY=VALUE",
        help="Set any config key (value read as YAML); repeatable; named flags win.",
    )


def config_overrides(args, schema=None):
    """Return ``{key: value}`` from parsed flags: ``--set`` pairs first, named flags over them.

    A ``--set`` value is read as YAML, except for keys that take text, which keep
    it as written (so ``--set target=yes`` names the column ``yes``).
    """
    from .config import RunConfig, field_types

    schema = RunConfig if schema is None else schema
    types, values = field_types(schema), {}
    for item in getattr(args, "set_values", None) or []:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ConfigError(f"--set expects KEY=VALUE, got {item!r}; e.g. --set z_threshold=2.5.")
        if not text.strip():
            values[name] = None
        elif str in types.get(name, ()):
            values[name] = text
        else:
            try:
                values[name] = _read_yaml(text)
            except ValueError as err:
                raise ConfigError(f"--set {name}: {err}") from None
    for spec in dataclasses.fields(schema):
        flag = getattr(args, spec.name, None)
        if flag is not None or spec.name not in values:
            values[spec.name] = flag
    return values
