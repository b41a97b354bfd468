"""One entry point for every report kind, as the CLI and the web app ask for them."""

from __future__ import annotations

from clearance.access import Principal
from clearance.reports._annual import build_annual_report
from clearance.reports._cover import CoverDetails
from clearance.reports._document import REPORT_KINDS, Report, ReportKind
from clearance.reports._errors import ReportError
from clearance.reports._governance import build_inventory_report, build_waiver_report
from clearance.reports._model_report import build_model_report
from clearance.reports._supply_chain import build_supply_chain_report
from clearance.store import Store


def build_report(
    store: Store,
    kind: ReportKind,
    *,
    model: str | None = None,
    principal: Principal,
    details: CoverDetails | None = None,
) -> Report:
    """The report of ``kind``; ``model`` (a spec or models.id) is required for ``model``;
    ``details`` give the cover's agency, office, reporting period and author."""
    if kind == "model":
        if not model:
            raise ReportError(
                "the model report needs a model: give its spec, e.g. "
                "`clearance report model --model gguf/smollm2-135m`"
            )
        return build_model_report(store, model, principal=principal, details=details)
    if model:
        raise ReportError(f"--model applies to the model report only, not the {kind} report")
    if kind == "annual":
        return build_annual_report(store, principal=principal, details=details)
    if kind == "inventory":
        return build_inventory_report(store, principal=principal, details=details)
    if kind == "waivers":
        return build_waiver_report(store, principal=principal, details=details)
    if kind == "supply-chain":
        return build_supply_chain_report(store, principal=principal, details=details)
    raise ReportError(f"unknown report {kind!r}; choose one of: {', '.join(REPORT_KINDS)}")
