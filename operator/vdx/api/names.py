"""The names and name rules every layer shares: `vdx check`, admission, the operator and `vdx plan`.

Each rule here exists once because each was once written three times and the copies drifted: the
operator and `vdx plan` took `*.vdx.rm.dk` to cover `vdx.rm.dk` and `a.b.vdx.rm.dk`, while
`vdx check` rightly refused both, so a Domain that no browser or SIP client accepts became Ready.
Pure: no I/O, nothing above `vdx.api` imported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# Annotations the operator reads or writes on resources.
ADOPT_ANNOTATION = "vdx.medcom.dk/adopt"
UPLOAD_PENDING_ANNOTATION = "vdx.medcom.dk/upload-pending"


def certificate_covers(name: str, fqdn: str) -> bool:
    """Does a certificate name (`spec.dnsNames` or a SAN) cover `fqdn`?

    RFC 6125 §6.4.3 as browsers and SIP clients apply it: a wildcard stands for exactly one whole,
    non-empty label, so `*.vdx.rm.dk` covers `join.vdx.rm.dk`, not `vdx.rm.dk` and not
    `a.b.vdx.rm.dk`. Names compare case-insensitively, as DNS does.
    """
    name, fqdn = name.lower().rstrip("."), fqdn.lower().rstrip(".")
    if name == fqdn:  # a name covers itself, a wildcard too (`spec.dnsNames` against the SANs)
        return True
    if not name.startswith("*."):
        return False
    label, dot, rest = fqdn.partition(".")
    return bool(label) and bool(dot) and label != "*" and rest == name[2:]


def certificate_not_covering(certificate: str, dns_names: Sequence[str], fqdn: str) -> tuple[str, str] | None:
    """(message, fix) when no name of the certificate covers `fqdn`; None when one does.

    `certificate` is how people know it (`TlsCertificate ns/name`); `vdx check` shows message and fix
    apart, the operator's condition and `vdx plan` join them, so all three say the same thing.
    """
    if any(certificate_covers(name, fqdn) for name in dns_names):
        return None
    return (
        f"{certificate} does not cover {fqdn} (its dnsNames: {', '.join(dns_names) or 'none'})",
        f"add {fqdn} to the certificate's dnsNames, or reference a certificate that covers it",
    )


def within_domain(name: str, domain: str) -> bool:
    """Is a DNS name the domain itself or below it? A wildcard `*.d` counts as below `d`.

    This is about whose a name is (a tenant's domains), not about what a certificate covers.
    """
    name, domain = name.lower(), domain.lower()
    bare = name[2:] if name.startswith("*.") else name
    return bare == domain or bare.endswith("." + domain)


def within_domains(name: str, domains: Iterable[str]) -> bool:
    return any(within_domain(name, domain) for domain in domains)


def in_domains(domain: str, domains: Iterable[str]) -> bool:
    """Is `domain` one of `domains` or a subdomain of one (where an alias may be dialled)?

    Inputs are lower-case already (`alias_domain` lowers, the models' patterns refuse capitals);
    this runs for every room on every resync pass, so it does no more than compare.
    """
    return any(domain == d or domain.endswith("." + d) for d in domains)


def alias_domain(alias: str) -> str | None:
    """The domain an alias is dialled in: `meet.kbh@vdx.regionh.dk` -> `vdx.regionh.dk`."""
    text = alias.strip().lower()
    for prefix in ("sip:", "sips:", "h323:"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    if "@" not in text:
        return None
    domain = text.rsplit("@", 1)[1].split(";", 1)[0].split(":", 1)[0]
    return domain or None
