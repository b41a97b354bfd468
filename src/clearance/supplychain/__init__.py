"""The AI supply chain (NSM 3.2(b)(ii), 3.2(c), 3.3(f)(iii)): a CycloneDX 1.6 bill of materials
for each model (:func:`build_bom`), signed weights through OpenSSF model-signing, custody of
weights held as critical technical artifacts, and the register of critical nodes."""

from clearance.supplychain._bom import ModelBom, build_bom, resolve_model, validate_bom
from clearance.supplychain._errors import SupplyChainError

__all__ = [
    "ModelBom",
    "SupplyChainError",
    "build_bom",
    "resolve_model",
    "validate_bom",
]
