"""Validate the workflow config against its JSON schema, filling in defaults.

Snakemake's own `validate` reports jsonschema's raw message; users of a
long workflow need the dotted key, the bad value and what is allowed, before
any job starts. Config values are data: nothing here evaluates them.
"""

from __future__ import annotations

import copy
import functools
import math
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator, validators

from nlpbench.core.errors import InputError


def _with_defaults(base):
    """A validator class that fills `default`s into the instance as it validates."""
    check_properties = base.VALIDATORS["properties"]

    def properties(validator, props, instance, schema):
        if isinstance(instance, dict):
            for key, sub in props.items():
                if "default" in sub:
                    instance.setdefault(key, _copy(sub["default"]))
        yield from check_properties(validator, props, instance, schema)

    return validators.extend(base, {"properties": properties})


def _copy(value):
    return yaml.safe_load(yaml.safe_dump(value))  # deep copy of plain data


def _is_integer(_checker, value) -> bool:
    """An int, not a bool, and not 2.0: JSON Schema counts 2.0 as an integer, but int('2.0') fails in the job."""
    return isinstance(value, int) and not isinstance(value, bool)


StrictValidator = validators.extend(
    Draft202012Validator, type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer))
_Validator = _with_defaults(StrictValidator)


def like_an_integer(value) -> str:
    """'an integer, like 2' for 2.0 (the nearest integers for 2.5), to show what to write instead."""
    try:
        low = math.floor(float(value))
    except (TypeError, ValueError, OverflowError):
        return "an integer, like 2"
    return f"an integer, like {low}" if float(value) == low else f"an integer, like {low} or {low + 1}"


def error_message(err) -> str:
    """jsonschema's message, but a number with a decimal point where an integer belongs says what to write."""
    kinds = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
    if err.validator == "type" and "integer" in kinds and "number" not in kinds and isinstance(err.instance, float):
        return f"{err.instance!r} is not {like_an_integer(err.instance)}"
    return err.message


def dotted(path) -> str:
    """('textgen', 'archs', 0) -> 'textgen.archs[0]'."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "<top level>"


def describe(schema: dict, path) -> str:
    """The description of the key at `path`, following `$ref`s into `$defs`."""
    node, found = schema, ""
    for part in path:
        node = _resolve(schema, node)
        node = node.get("items", {}) if isinstance(part, int) else node.get("properties", {}).get(part, {})
        found = node.get("description", found) if isinstance(node, dict) else found
    return found.strip().split("\n")[0]


def _resolve(schema: dict, node: dict) -> dict:
    return resolve(node, schema["$defs"])


def resolve(node: dict, defs: dict) -> dict:
    """A schema node with its `$ref` into `$defs` merged in (the node's own keys win)."""
    ref = node.get("$ref", "")
    if not ref.startswith("#/$defs/"):
        return node
    base = resolve(defs[ref.rsplit("/", 1)[-1]], defs)
    return {**base, **{k: v for k, v in node.items() if k != "$ref"}}


SCHEMA_PATH = Path(__file__).resolve().parents[3] / "schemas" / "config.schema.yaml"


def load_schema(path: str | Path = SCHEMA_PATH) -> dict:
    """The config schema, a fresh copy. Every Snakefile parse reads it (inside every cluster job too),
    so it is parsed once per process, by libyaml where PyYAML has it (10x the pure-Python parser)."""
    return copy.deepcopy(_parse_schema(str(Path(path).resolve())))


@functools.cache
def _parse_schema(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def allowed(name: str, schema: dict | None = None) -> list[str]:
    """The names the schema allows for `name` (a `$defs` enum such as 'recurrent_cell'), written once."""
    return list((schema or load_schema())["$defs"][name]["enum"])


def validate_config(config: dict, schema: dict, schema_path: str = "schemas/config.schema.yaml") -> dict:
    """Fill defaults into `config` in place and check it; raise InputError naming the key."""
    _check_renamed(config)
    errors = sorted(_Validator(schema).iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        err = errors[0]
        key = dotted(err.absolute_path)
        hint = describe(schema, err.absolute_path) or err.schema.get("description", "")
        more = f" ({len(errors) - 1} more problem(s) after this one)" if len(errors) > 1 else ""
        raise InputError(
            f"config key '{key}'", f"{error_message(err)}{more}",
            f"{hint + '. ' if hint else ''}Allowed values and defaults are documented in {schema_path}.")
    _check_inputs(config)
    _check_fractions(config)
    _check_subword_range(config)
    _check_cutoffs(config)
    _check_ablation_seeds(config)
    return config


def _check_renamed(config: dict) -> None:
    """A key an older config may still carry: say what replaced it, not just 'unexpected'."""
    if "seed" in config:
        raise InputError("config key 'seed'", "was replaced by 'seeds', a list: every trained model runs once "
                         "per seed", f"write seeds: [{config['seed']}] (or several, e.g. [42, 43, 44]).")


# The study's inputs: the user's own files, so the schema gives them no default.
_INPUTS = {
    "data.lyrics": "the raw lyrics file (songs between <|startsong|> and <|endsong|>)",
    "data.reviews": "the reviews CSV (a text column and a label column)",
    "llm.base_model": "a local directory with the causal LM and its tokenizer, or set llm.enabled: false",
    "encoder.base_model": "a local directory with the encoder and its tokenizer (or minilm), or set "
                          "encoder.enabled: false",
}


def _check_inputs(config: dict) -> None:
    """Each input is set, and each enabled arm names its base model."""
    for key, what in _INPUTS.items():
        section, name = key.split(".")
        part = config.get(section, {})
        if not isinstance(part, dict) or name in part:
            continue  # the schema checks types
        if section in ("llm", "encoder") and part.get("enabled", True) is False:
            continue
        raise InputError(f"config key '{key}'", "is not set", f"set it in config.yaml (or your --configfile) "
                         f"to {what}.")


def _check_cutoffs(config: dict) -> None:
    cutoffs = config.get("textgen", {}).get("model", {}).get("adaptive_cutoffs", [])
    if cutoffs != sorted(cutoffs):
        raise InputError("config key 'textgen.model.adaptive_cutoffs'", f"{cutoffs} does not increase",
                         f"list the boundaries in increasing order, e.g. {sorted(cutoffs)}.")


def _check_ablation_seeds(config: dict) -> None:
    n, seeds = config.get("ablation_seeds", 1), config.get("seeds", [])
    if n > len(seeds):
        raise InputError("config key 'ablation_seeds'", f"asks for {n} seeds but 'seeds' lists {len(seeds)}",
                         f"set ablation_seeds to at most {len(seeds)}, or add seeds.")


def _check_fractions(config: dict) -> None:
    """Split fractions must leave a training set: a rule JSON schema cannot say."""
    for part in ("lyrics", "reviews"):
        split = config.get(part, {}).get("split", {})
        total = split.get("val", 0) + split.get("test", 0)
        if total >= 0.9:
            raise InputError(f"config keys '{part}.split.val' + '{part}.split.test'",
                             f"sum to {total:g}, leaving {1 - total:.0%} for training",
                             "keep val + test below 0.9 (0.1 + 0.1 is usual).")


def _check_subword_range(config: dict) -> None:
    low, high = config.get("classify", {}).get("tokenizer", {}).get("subword_n", [1, 1])
    if low > high:
        raise InputError("config key 'classify.tokenizer.subword_n'", f"[{low}, {high}] is not [shortest, longest]",
                         f"give the shorter n-gram length first, e.g. [{high}, {low}].")
