"""Where the official Constant Contact v3 specification comes from, parsed once per session.

The spec is never copied into the repository. It is found, in order:

1. the file named by the environment variable ``LISTBRIDGE_CC_SPEC``;
2. ``<repo root>/../shared/specs/constant-contact-v3.swagger.yaml``;
3. a copy downloaded once from Constant Contact's developer portal into
   ``~/.cache/listbridge/`` (a fallback for machines without the shared folder).

``conformant_spec()`` is the spec with exactly the defects of the fact sheet's §12
made tolerable; every change is listed in ``TOLERANCES`` with its § reference.
"""

from __future__ import annotations

import copy
import functools
import os
from pathlib import Path
from typing import Any

import httpx
import yaml

SPEC_ENV = "LISTBRIDGE_CC_SPEC"
SPEC_NAME = "constant-contact-v3.swagger.yaml"
# The schema the developer portal's "V3 API Schema" page links to (AppConnect V3, Swagger 2.0).
SPEC_URL = os.environ.get(
    "LISTBRIDGE_CC_SPEC_URL",
    "https://developer.constantcontact.com/api_reference/bundledWithSamples.yaml",
)
REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = Path.home() / ".cache" / "listbridge"

Spec = dict[str, Any]


class SpecNotFoundError(RuntimeError):
    """No copy of the official spec could be found or fetched."""


def locate_spec() -> Path:
    """The path of the official spec, downloading it only when no local copy exists."""
    named = os.environ.get(SPEC_ENV)
    if named:
        path = Path(named)
        if not path.is_file():
            raise SpecNotFoundError(f"{SPEC_ENV}={named} does not name a file")
        return path
    shared = REPO_ROOT.parent / "shared" / "specs" / SPEC_NAME
    if shared.is_file():
        return shared
    return _download_spec(CACHE_DIR / SPEC_NAME)


def _download_spec(target: Path) -> Path:
    if target.is_file():
        return target
    try:
        response = httpx.get(SPEC_URL, follow_redirects=True, timeout=60)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise SpecNotFoundError(f"set {SPEC_ENV}; downloading {SPEC_URL} failed: {exc}") from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(response.content)
    partial.replace(target)  # atomic, so a half download is never taken for the spec
    return target


@functools.cache
def load_spec() -> Spec:
    """The official spec as parsed YAML (cached: parsing 17k lines once is enough)."""
    with locate_spec().open(encoding="utf-8") as handle:
        spec = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(spec, dict) or spec.get("swagger") != "2.0":
        raise SpecNotFoundError(f"{locate_spec()} is not a Swagger 2.0 document")
    return spec


# §12 of the fact sheet, item by item: what the harness does about each defect.
TOLERANCES = {
    "12.1": "maxItems: 0 on list_ids/contact_ids/tag_ids/custom_field_ids is dropped",
    "12.2": "string-typed count limits: `maximum` on a string never constrains in JSON Schema",
    "12.3": "contact_lists limit 1000 vs 500: schema kept; the emulator may refuse 501-1000",
    "12.4": "email 80 vs 50, custom fields 25 vs 50: each schema is applied as written",
    "12.5": "JsonImportContact gets `home_country` beside the literal `home country`",
    "12.6": "readOnly is an annotation, never enforced on requests",
    "12.7": "birthday_day 1-12 and new_subscriber(s) exist in descriptions/params only",
    "12.8": "the export results href example is not validated (examples never are)",
    "12.9": "tracking_activities_type naming is description text only",
    "12.10": "url_id: rows are validated as strings, the query param as an integer",
    "12.11": "contacts_count semantics are not a schema matter",
    "12.12": "unreferenced error schemas are applied to 4xx bodies (see conformance.py)",
}

_ZERO_MAX_ITEMS: dict[str, list[tuple[str, ...]]] = {
    "ListActivityRemoveContacts": [
        ("source", "list_ids"),
        ("source", "contact_ids"),
        ("source", "tag_ids"),
        ("list_ids",),
    ],
    "ListActivityAddContacts": [("source", "tag_ids")],
    "CustomFieldId100": [("custom_field_ids",)],
}


@functools.cache
def conformant_spec() -> Spec:
    """The spec with the §12 tolerances applied; the harness and schemathesis both use it."""
    spec = copy.deepcopy(load_spec())
    definitions = spec["definitions"]
    for name, paths in _ZERO_MAX_ITEMS.items():  # §12.1
        for path in paths:
            _drop_zero_max_items(definitions[name], path)
    _alias_home_country(definitions["JsonImportContact"])  # §12.5
    return spec


def _drop_zero_max_items(schema: Spec, path: tuple[str, ...]) -> None:
    node = schema
    for key in path:
        node = node["properties"][key]
    if node.get("maxItems") == 0:
        del node["maxItems"]


def _alias_home_country(schema: Spec) -> None:
    properties = schema.get("properties", {})
    if "home country" in properties:
        properties.setdefault("home_country", copy.deepcopy(properties["home country"]))
