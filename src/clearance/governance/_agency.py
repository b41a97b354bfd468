"""An agency's own categories: the prohibited, high-impact and federal-personnel-impacting
categories its Department Head adds to the Framework's lists, in a rules file layered over the
Framework's; adopting it is a ledgered write, and from then on it is the rules in force.

The Framework requires the added categories on "unclassified public lists" which "may have
classified annexes": :func:`agency_category_list` renders the public list, and the annex, marked,
for a reader cleared for it.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from clearance.access import (
    UNCLASSIFIED_MARKING,
    Action,
    Marking,
    Principal,
    join_markings,
    require,
)
from clearance.governance._context import require_chief_ai_officer
from clearance.governance._errors import GovernanceError
from clearance.governance._evidence import store_document
from clearance.governance._rules import LoadedRules, Rule, default_rules, layer_agency_rules
from clearance.store import DocumentRecord, Store

AGENCY_RULES_MEDIA_TYPE = "application/vnd.clearance.agency-rules+yaml"


@lru_cache(maxsize=8)
def _layered(content: bytes, source: str) -> LoadedRules:
    return layer_agency_rules(content, source)


def adopted_rules_document(store: Store) -> DocumentRecord | None:
    """The agency rules file adopted last, if any."""
    found = store.governance.documents(AGENCY_RULES_MEDIA_TYPE)
    return found[0] if found else None


def rules_in_force(store: Store) -> LoadedRules:
    """The Framework's rules with the agency's adopted categories over them, or the Framework's
    alone when the agency adopted none."""
    document = adopted_rules_document(store)
    if document is None:
        return default_rules()
    content = store.governance.document_content(document.id)
    return _layered(content, f"<agency rules {document.filename} {document.sha256[:12]}>")


def _annex_marking(rules: LoadedRules) -> Marking:
    return join_markings(Marking.parse(r.annex) for r in rules.rules.rules if r.annex is not None)


def adopt_agency_rules(
    store: Store,
    path: str | Path,
    *,
    principal: Principal,
    now: datetime | None = None,
) -> DocumentRecord:
    """Make an agency rules file the rules in force. The chief AI officer adopts it for the
    Department Head; the file is checked, stored whole and ledgered, marked as high as its
    annex. Use cases classified before are flagged for re-classification (the rules' digest
    changed); none is reclassified silently."""
    path = Path(path).expanduser()
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise GovernanceError(f"cannot read agency rules {path}: {exc.strerror}") from exc
    layered = layer_agency_rules(content, str(path))
    marking = _annex_marking(layered)
    require_chief_ai_officer(
        principal, Action.USECASE_OVERRIDE_CLASSIFICATION, marking, "adopting agency rules"
    )
    return store_document(
        store,
        filename=path.name,
        content=content,
        media_type=AGENCY_RULES_MEDIA_TYPE,
        description=f"agency rules {layered.rules.name} {layered.rules.version}",
        marking=marking,
        action="rules.adopt",
        principal=principal,
        now=now,
    )


def _listed(rule: Rule) -> list[str]:
    lines = [f"- **{rule.id}** ({rule.risk_class.replace('_', '-')}): {rule.title}"]
    lines.append(f"  - {rule.citation}: “{rule.quote}”")
    return lines


def agency_category_list(rules: LoadedRules, *, annex: bool = False, reader: Principal) -> str:
    """The categories the agency added, as Markdown: the unclassified public list, or with
    ``annex`` the classified annex under its marking (for a reader cleared for it)."""
    added = [r for r in rules.rules.rules if r.agency is not None]
    if not annex:
        public = [r for r in added if r.annex is None]
        lines = [
            "UNCLASSIFIED",
            "",
            f"# Categories added to the Framework's lists ({rules.rules.version})",
            "",
        ]
        for rule in public:
            lines += _listed(rule)
        held = len(added) - len(public)
        if held:
            lines += [
                "",
                f"{held} further categor{'y is' if held == 1 else 'ies are'} listed in "
                "a classified annex provided to the APNSA.",
            ]
        return "\n".join([*lines, "", "UNCLASSIFIED"]) + "\n"
    annexed = [r for r in added if r.annex is not None]
    marking = _annex_marking(rules) if annexed else UNCLASSIFIED_MARKING
    require(reader, Action.USECASE_READ, marking)
    banner = marking.banner()
    lines = [banner, "", f"# Classified annex: categories added ({rules.rules.version})", ""]
    for rule in annexed:
        lines += [f"({Marking.parse(rule.annex or '').banner()})", *_listed(rule)]
    return "\n".join([*lines, "", banner]) + "\n"
