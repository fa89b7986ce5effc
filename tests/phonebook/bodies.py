"""Small resource bodies for the phone book tests, shaped as the API server returns them."""

from __future__ import annotations

from typing import Any


def tenant(
    name: str, display: str, namespace: str, *, shared: bool | None = None, platform: str = "prod"
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "organisationKind": "Region",
        "displayName": display,
        "namespace": namespace,
        "platformRef": {"name": platform},
        "domains": [f"vdx.{name}.dk"],
    }
    if shared is not None:
        spec["phoneBook"] = {"visibleToOtherTenants": shared}
    return {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": name},
        "spec": spec,
    }


def room(
    namespace: str, name: str, display: str, *aliases: str, listed: bool | None = None
) -> dict[str, Any]:
    spec: dict[str, Any] = {"displayName": display, "aliases": [{"alias": a} for a in aliases]}
    if listed is not None:
        spec["listedInPhoneBook"] = listed
    return {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "MeetingRoom",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def device(
    namespace: str, name: str, display: str, alias: str, *, listed: bool | None = None
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "displayName": display,
        "alias": alias,
        "credentialsSecretRef": {"name": f"{name}-credentials"},
    }
    if listed is not None:
        spec["listedInPhoneBook"] = listed
    return {
        "apiVersion": "vdx.medcom.dk/v1alpha1",
        "kind": "Device",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }
