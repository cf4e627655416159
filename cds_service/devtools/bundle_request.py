"""Turning a FHIR Bundle into a hook request, for developers testing with synthetic data.

    request = hook_request_from_bundle(bundle, descriptor, patient_id=None)

Each prefetch template of the service is answered from the Bundle the way a FHIR
server would answer it: a read returns the resource, a search returns a searchset
of that type for the patient, narrowed by `code` when the template names codes.
Synthea-style `urn:uuid:` references are understood.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cds_service.protocol.models import ServiceDescriptor
from cds_service.protocol.prefetch import render_template


class BundleError(ValueError):
    """The Bundle cannot be turned into a hook request (no or several patients…)."""


def _resources(bundle: dict[str, Any]) -> list[tuple[str | None, dict[str, Any]]]:
    return [
        (entry.get("fullUrl"), entry["resource"])
        for entry in bundle.get("entry") or []
        if isinstance(entry, dict) and isinstance(entry.get("resource"), dict)
    ]


def _pick_patient(
    resources: list[tuple[str | None, dict[str, Any]]], patient_id: str | None
) -> tuple[str | None, dict[str, Any]]:
    patients = [(url, res) for url, res in resources if res.get("resourceType") == "Patient"]
    if patient_id is not None:
        patients = [(url, res) for url, res in patients if res.get("id") == patient_id]
        if not patients:
            raise BundleError(f"the Bundle has no Patient with id {patient_id!r}")
    if not patients:
        raise BundleError("the Bundle has no Patient resource")
    if len(patients) > 1:
        raise BundleError("the Bundle has several patients; choose one with --patient")
    return patients[0]


def _references_patient(resource: dict[str, Any], references: set[str]) -> bool:
    for field in ("subject", "patient"):
        ref = resource.get(field)
        if isinstance(ref, dict) and ref.get("reference") in references:
            return True
    return False


def _codes_of(resource: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for field in ("code", "medicationCodeableConcept", "type"):
        concepts = resource.get(field)
        for concept in concepts if isinstance(concepts, list) else [concepts]:
            if not isinstance(concept, dict):
                continue
            for coding in concept.get("coding") or []:
                if isinstance(coding, dict) and isinstance(coding.get("code"), str):
                    found.add(coding["code"])
                    found.add(f"{coding.get('system', '')}|{coding['code']}")
    return found


def _answer(
    query: str,
    resources: list[tuple[str | None, dict[str, Any]]],
    patient: dict[str, Any],
    references: set[str],
) -> dict[str, Any] | None:
    parts = urlsplit(query)
    resource_type, _, read_id = parts.path.partition("/")
    if read_id:
        if resource_type == "Patient" and read_id == patient.get("id"):
            return patient
        for _url, res in resources:
            if res.get("resourceType") == resource_type and res.get("id") == read_id:
                return res
        return None
    params = parse_qs(parts.query)
    wanted_codes = {code for value in params.get("code", []) for code in value.split(",")}
    matches = [
        res
        for _url, res in resources
        if res.get("resourceType") == resource_type
        and _references_patient(res, references)
        and (not wanted_codes or _codes_of(res) & wanted_codes)
    ]
    searchset: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(matches),
    }
    if matches:
        searchset["entry"] = [{"resource": res} for res in matches]
    return searchset


def hook_request_from_bundle(
    bundle: dict[str, Any],
    descriptor: ServiceDescriptor,
    *,
    patient_id: str | None = None,
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A complete hook request whose prefetch answers every template from `bundle`."""
    if bundle.get("resourceType") != "Bundle":
        raise BundleError("not a FHIR Bundle")
    resources = _resources(bundle)
    full_url, patient = _pick_patient(resources, patient_id)
    pid = str(patient.get("id") or (full_url or "").removeprefix("urn:uuid:"))
    references = {f"Patient/{pid}"} | ({full_url} if full_url else set())
    hook_context: dict[str, Any] = {"patientId": pid, "userId": "Practitioner/developer"}
    hook_context.update(context or {})
    prefetch: dict[str, Any] = {}
    for key, template in (descriptor.prefetch or {}).items():
        query = render_template(template, hook_context)
        if query is not None:
            prefetch[key] = _answer(query, resources, patient, references)
    return {
        "hook": descriptor.hook,
        "hookInstance": str(uuid.uuid4()),
        "context": hook_context,
        "prefetch": prefetch,
    }
