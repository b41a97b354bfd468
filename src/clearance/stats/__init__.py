"""Honest statistics for evaluation results: intervals, paired and sequential tests, power,
multiplicity."""

from clearance.stats._agreement import KappaEstimate, kappa_estimate
from clearance.stats._bootstrap import bootstrap_interval
from clearance.stats._estimate import (
    Estimate,
    mean_estimate,
    proportion_estimate,
    wilson_interval,
)
from clearance.stats._multiplicity import benjamini_hochberg, holm
from clearance.stats._paired import (
    PairedResult,
    mcnemar_exact,
    paired_bootstrap,
    paired_permutation,
)
from clearance.stats._power import (
    minimum_detectable_effect,
    power_one_proportion,
    required_sample_size,
)
from clearance.stats._sequential import (
    SequentialLook,
    SpendingPlan,
    Worse,
    one_sided_fisher,
    one_sided_mcnemar,
    sequential_look,
)

__all__ = [
    "Estimate",
    "KappaEstimate",
    "PairedResult",
    "SequentialLook",
    "SpendingPlan",
    "Worse",
    "benjamini_hochberg",
    "bootstrap_interval",
    "holm",
    "kappa_estimate",
    "mcnemar_exact",
    "mean_estimate",
    "minimum_detectable_effect",
    "one_sided_fisher",
    "one_sided_mcnemar",
    "paired_bootstrap",
    "paired_permutation",
    "power_one_proportion",
    "proportion_estimate",
    "required_sample_size",
    "sequential_look",
    "wilson_interval",
]
