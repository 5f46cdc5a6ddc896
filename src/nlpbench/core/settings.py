"""Script flags made from the config schema: each setting's type, range, default and help live there, once.

A script declares the config keys it takes (a `Settings`). From that one
declaration come its argparse flags (name, type, range check, default, help),
the command line its rule passes (rules/common.smk) and the values that define
the run (its checkpoint fingerprint). Adding a key to the schema adds the flag
everywhere; changing a default is a change to the schema alone.

    TRAIN_TEXTGEN.add_to(ap)                  # in the script
    TRAIN_TEXTGEN.flags(config, seq_len=64)   # in the rule
    TRAIN_TEXTGEN.values(args)                # in the run fingerprint
"""

from __future__ import annotations

import argparse
import math
import shlex
from dataclasses import dataclass, field
from functools import cache

from nlpbench.core.config import StrictValidator, error_message, like_an_integer, load_schema, resolve

_PARSE = {"integer": int, "number": float, "string": str}
_A = {"integer": "an integer", "number": "a number", "string": "a string"}


@dataclass(frozen=True)
class Setting:
    """One config key as a flag: `textgen.train.lr` -> `--lr` (dest `lr`)."""

    key: str
    dest: str
    node: dict  # the key's schema, `$ref` resolved

    @property
    def flag(self) -> str:
        return "--" + self.dest.replace("_", "-")

    @property
    def default(self):
        return self.node.get("default")

    def argparse_kwargs(self, defs: dict) -> dict:
        node, kinds = self.node, _kinds(self.node)
        help_text = f"{node.get('description', '')} (config key {self.key}; default: {_show(self.default)})"
        kw = {"dest": self.dest, "default": self.default, "help": help_text.replace("%", "%%")}
        if "boolean" in kinds:
            return {**kw, "action": argparse.BooleanOptionalAction}
        if "array" in kinds:
            items = resolve(node.get("items", {}), defs)
            fixed = node.get("minItems") == node.get("maxItems") and "minItems" in node
            nargs = node["minItems"] if fixed else ("+" if node.get("minItems", 0) >= 1 else "*")
            return {**kw, "nargs": nargs, "type": _checked(items, defs, self.flag), **_choices(items)}
        return {**kw, "type": _checked(node, defs, self.flag), **_choices(node)}


@dataclass(frozen=True)
class Settings:
    """The config keys a script takes as flags. A key naming an object takes each of its leaves.

    `prefix` names flags of a key after a prefix: {"llm.lora": "lora_"} makes `llm.lora.r` `--lora-r`.
    """

    keys: tuple[str, ...]
    prefix: dict[str, str] = field(default_factory=dict)

    def settings(self, schema: dict | None = None) -> list[Setting]:
        schema = schema or _schema()
        out = []
        for key in self.keys:
            out += _leaves(key, _node_at(schema, key), self.prefix.get(key, ""), schema["$defs"])
        return out

    def add_to(self, ap: argparse.ArgumentParser, schema: dict | None = None) -> None:
        schema = schema or _schema()
        for s in self.settings(schema):
            ap.add_argument(s.flag, **s.argparse_kwargs(schema["$defs"]))

    def values(self, args: argparse.Namespace) -> dict:
        """The parsed value of every setting, by dest: what defines the run."""
        return {s.dest: getattr(args, s.dest) for s in self.settings()}

    def flags(self, config: dict, **override) -> str:
        """The command line of these settings from a validated config; `override` by dest (a wildcard's value)."""
        options = {s.dest: _get(config, s.key) for s in self.settings()}
        unknown = set(override) - set(options)
        if unknown:
            raise KeyError(f"no setting named {sorted(unknown)} in {self.keys}")
        return cli_args({**options, **override})


def cli_args(options: dict) -> str:
    """{'embed_dim': 256, 'tie_weights': False, 'seq_lens': [1, 2]}
    -> '--embed-dim 256 --no-tie-weights --seq-lens 1 2'.

    Booleans take argparse's BooleanOptionalAction form; None is left out
    (the flag's own default, also None, applies); every value is shell-quoted.
    """
    parts = []
    for key, value in options.items():
        flag = key.replace("_", "-")
        if isinstance(value, bool):
            parts.append(f"--{flag}" if value else f"--no-{flag}")
        elif isinstance(value, (list, tuple)):
            if value:
                parts.append(f"--{flag} " + " ".join(shlex.quote(str(v)) for v in value))
        elif value is not None:
            parts.append(f"--{flag} {shlex.quote(str(value))}")
    return " ".join(parts)


def default(key: str, schema: dict | None = None):
    """The schema's default of a dotted key."""
    return _node_at(schema or _schema(), key).get("default")


# What each script takes from the config. The seed of a trained model comes from its path instead.
RUN = Settings(("device", "precision", "tensorboard"))
DEVICE = Settings(("device",))
CLEAN_LYRICS = Settings(("lyrics.lowercase", "lyrics.min_chars"))
SPLIT_LYRICS = Settings(("lyrics.split", "lyrics.near_duplicate_jaccard"))
SPLIT_REVIEWS = Settings(("reviews.split", "reviews.lowercase", "reviews.strip_accents",
                          "data.text_column", "data.label_column"))
TRAIN_TEXTGEN = Settings(("textgen.model", "textgen.train", "textgen.word_min_freq"))
FINETUNE_LLM = Settings(("llm.quantization", "llm.lora", "llm.train"), prefix={"llm.lora": "lora_"})
SAMPLE = Settings(("textgen.sample",))
DECODING_GRID = Settings(("textgen.ablations.decoding",), prefix={"textgen.ablations.decoding": "grid_"})
TRAIN_CLASSIFIER = Settings(("classify.tokenizer", "classify.model", "classify.train"))
FINETUNE_ENCODER = Settings(("encoder.train",))
BASELINES = Settings(("baselines",))


def seed_type():
    """The argparse type of a --seed flag that is no config key (a run's seed{N}): the schema's seed range."""
    defs = _schema()["$defs"]
    return _checked(defs["seed"], defs, "--seed")


@cache
def _schema() -> dict:
    return load_schema()


def _node_at(schema: dict, key: str) -> dict:
    node = schema
    for part in key.split("."):
        props = resolve(node, schema["$defs"]).get("properties", {})
        if part not in props:
            raise KeyError(f"config key {key!r} is not in the schema")
        node = props[part]
    return resolve(node, schema["$defs"])


def _leaves(key: str, node: dict, prefix: str, defs: dict) -> list[Setting]:
    if "properties" not in node:
        return [Setting(key, prefix + key.rsplit(".", 1)[-1], node)]
    out = []
    for name, sub in node["properties"].items():
        out += _leaves(f"{key}.{name}", resolve(sub, defs), prefix, defs)
    return out


def _get(config: dict, key: str):
    for part in key.split("."):
        config = config[part]
    return config


def _kinds(node: dict) -> set[str]:
    kind = node.get("type", "string")
    return set(kind) if isinstance(kind, list) else {kind}


def _choices(node: dict) -> dict:
    return {"choices": node["enum"]} if "enum" in node else {}


def _checked(node: dict, defs: dict, flag: str):
    """An argparse type that parses by the schema's type and checks the schema's range."""
    kinds = _kinds(node) - {"null"}
    parse = _PARSE[next(iter(kinds))] if len(kinds) == 1 and not node.get("enum") else str
    validator = StrictValidator({**{k: v for k, v in node.items() if k != "default"}, "$defs": defs})

    def check(text: str):
        try:
            value = parse(text)
        except ValueError:
            kind = next(iter(kinds))
            raise argparse.ArgumentTypeError(f"{text!r} is not "
                                             f"{like_an_integer(text) if kind == 'integer' else _A[kind]}") from None
        if isinstance(value, float) and not math.isfinite(value):  # NaN passes every range comparison
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        error = next(iter(validator.iter_errors(value)), None)
        if error is not None:
            raise argparse.ArgumentTypeError(f"{text}: {error_message(error)}")
        return value

    check.__name__ = flag  # argparse names the type in some messages
    return check


def _show(value) -> str:
    if isinstance(value, list):
        return " ".join(map(str, value)) or "none"
    return str(value)
