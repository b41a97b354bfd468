"""The benchmark catalogue: one module per benchmark (or family of formats), each tagged with
its domain, the team's starter items for every domain, and the suites that group them."""

from clearance.suites import (  # noqa: F401  (each module registers its benchmarks)
    autonomy,
    bbh,
    bbq,
    cybermetric,
    gsm8k,
    harmful,
    humaneval,
    knowledge,
    mc_formats,
    privacy,
    wmdp,
    xstest,
)
from clearance.suites._catalogue import (
    SUITES,
    Benchmark,
    NoDataError,
    Source,
    benchmarks,
    catalogue_identity,
    data_cache,
    get_benchmark,
    register,
    suite_plan,
)
from clearance.suites._fetch import FetchError, fetch, is_fetched, no_source_message

__all__ = [
    "SUITES",
    "Benchmark",
    "FetchError",
    "NoDataError",
    "Source",
    "benchmarks",
    "catalogue_identity",
    "data_cache",
    "fetch",
    "get_benchmark",
    "is_fetched",
    "no_source_message",
    "register",
    "suite_plan",
]
