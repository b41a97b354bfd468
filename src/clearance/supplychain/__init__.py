"""The AI supply chain (NSM 3.2(b)(ii), 3.2(c), 3.3(f)(iii)): a CycloneDX 1.6 bill of materials
for each model (:func:`build_bom`), signed weights through OpenSSF model-signing
(:func:`sign_weights`, :func:`verify_weights`, and :func:`verify_before_evaluation` for
``eval run``), custody of weights held as critical technical artifacts, and the register of
critical nodes."""

from clearance.supplychain._bom import ModelBom, build_bom, resolve_model, validate_bom
from clearance.supplychain._errors import SupplyChainError
from clearance.supplychain._signing import (
    SignatureMismatchError,
    Trust,
    sign_weights,
    verify_before_evaluation,
    verify_weights,
)

__all__ = [
    "ModelBom",
    "SignatureMismatchError",
    "SupplyChainError",
    "Trust",
    "build_bom",
    "resolve_model",
    "sign_weights",
    "validate_bom",
    "verify_before_evaluation",
    "verify_weights",
]
