"""The AI supply chain (NSM 3.2(b)(ii), 3.2(c), 3.3(f)(iii)): a CycloneDX 1.6 bill of materials
for each model (:func:`build_bom`), signed weights through OpenSSF model-signing
(:func:`sign_weights`, :func:`verify_weights`, and :func:`verify_before_evaluation` for
``eval run``), custody of weights held as critical technical artifacts, and the register of
critical nodes."""

from clearance.supplychain._bom import ModelBom, build_bom, resolve_model, validate_bom
from clearance.supplychain._custody import (
    CUSTODY_KINDS,
    ArtifactCustody,
    CustodyKind,
    CustodyMismatchError,
    custody_of,
    record_custody,
    record_evaluation_custody,
    register_artifact,
)
from clearance.supplychain._errors import SupplyChainError
from clearance.supplychain._nodes import (
    NODE_KINDS,
    Avenue,
    NodeKind,
    add_node,
    node_reviews_due,
    review_node,
    seed_nodes_from_bom,
    visible_nodes,
)
from clearance.supplychain._signing import (
    SignatureMismatchError,
    Trust,
    sign_weights,
    verify_before_evaluation,
    verify_weights,
)

__all__ = [
    "CUSTODY_KINDS",
    "NODE_KINDS",
    "ArtifactCustody",
    "Avenue",
    "CustodyKind",
    "CustodyMismatchError",
    "ModelBom",
    "NodeKind",
    "SignatureMismatchError",
    "SupplyChainError",
    "Trust",
    "add_node",
    "build_bom",
    "custody_of",
    "node_reviews_due",
    "record_custody",
    "record_evaluation_custody",
    "register_artifact",
    "resolve_model",
    "review_node",
    "seed_nodes_from_bom",
    "sign_weights",
    "validate_bom",
    "verify_before_evaluation",
    "verify_weights",
    "visible_nodes",
]
