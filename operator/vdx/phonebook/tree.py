"""The phone book from a loaded GitOps tree: the models turned into the bodies `build` reads."""

from __future__ import annotations

from typing import Any

from vdx.api.device import Device
from vdx.api.loader import Tree
from vdx.api.platform import PexipPlatform
from vdx.api.resource import Resource
from vdx.api.room import MeetingRoom
from vdx.api.tenant import Tenant
from vdx.phonebook.book import PhoneBook, build


def _bodies(tree: Tree, kind: type[Resource]) -> list[dict[str, Any]]:
    # by_alias: the camelCase field names of the API, as the operator's watch delivers them.
    return [resource.model_dump(by_alias=True, mode="json") for resource in tree.of_kind(kind)]


def from_tree(tree: Tree) -> PhoneBook:
    return build(
        _bodies(tree, Tenant), _bodies(tree, MeetingRoom), _bodies(tree, Device), _bodies(tree, PexipPlatform)
    )
