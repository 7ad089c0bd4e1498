"""docs/backup-format.schema.json as validators: the backup object (the schema's root), its
manifest and a checkpoint's header line (`#/$defs/manifest`, `#/$defs/checkpoint`)."""

from __future__ import annotations

import json
import pathlib

from jsonschema import Draft202012Validator

SCHEMA_PATH = pathlib.Path(__file__).resolve().parents[2] / "docs" / "backup-format.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text())


def validator(definition: str | None = None) -> Draft202012Validator:
    """The root schema, or one of its `$defs` with the others still reachable."""
    return Draft202012Validator(SCHEMA if definition is None else {**SCHEMA, "$ref": f"#/$defs/{definition}"})


BACKUP = validator()
MANIFEST = validator("manifest")
CHECKPOINT = validator("checkpoint")


def problems(schema: Draft202012Validator, document) -> list[str]:
    """Each violation as `path: message`, so a failure says where the document is wrong."""
    return [f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message[:200]}"
            for error in sorted(schema.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))]

