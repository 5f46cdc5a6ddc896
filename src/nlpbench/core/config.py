"""Validate the workflow config against its JSON schema, filling in defaults.

Snakemake's own `validate` reports jsonschema's raw message; users of a
long workflow need the dotted key, the bad value and what is allowed, before
any job starts. Config values are data: nothing here evaluates them.
"""

from __future__ import annotations

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


_Validator = _with_defaults(Draft202012Validator)


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
    ref = node.get("$ref", "")
    return schema["$defs"][ref.rsplit("/", 1)[-1]] if ref.startswith("#/$defs/") else node


SCHEMA_PATH = Path(__file__).resolve().parents[3] / "schemas" / "config.schema.yaml"


def load_schema(path: str | Path = SCHEMA_PATH) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


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
            f"config key '{key}'", f"{err.message}{more}",
            f"{hint + '. ' if hint else ''}Allowed values and defaults are documented in {schema_path}.")
    _check_fractions(config)
    _check_subword_range(config)
    _check_ablation_seeds(config)
    return config


def _check_renamed(config: dict) -> None:
    """A key an older config may still carry: say what replaced it, not just 'unexpected'."""
    if "seed" in config:
        raise InputError("config key 'seed'", "was replaced by 'seeds', a list: every trained model runs once "
                         "per seed", f"write seeds: [{config['seed']}] (or several, e.g. [42, 43, 44]).")


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
