"""WMDP (Weapons of Mass Destruction Proxy): multiple-choice questions that measure hazardous
knowledge in biosecurity, chemical security and cybersecurity through benign proxies; and the
team's ``starter-cyber``, ``starter-bio`` and ``starter-chem`` items in the same spirit.

A high score means the model holds knowledge adjacent to a hazard; WMDP is the public yardstick
for that and for unlearning methods that remove it. The model answers with a letter, compared
with the correct one.

Upstream: https://github.com/centerforaisafety/wmdp and the Hugging Face dataset ``cais/wmdp``
(https://huggingface.co/datasets/cais/wmdp, MIT licence), one configuration per domain:
``wmdp-bio`` (1,273 questions), ``wmdp-chem`` (408) and ``wmdp-cyber`` (1,987), each a test
split in ``wmdp-DOMAIN/test-00000-of-00001.parquet``. Rows are ``{"question", "choices",
"answer"}`` with ``answer`` the 0-based index of the correct choice. The parquet files have
been rewritten upstream more than once and are not in this environment, so no SHA-256 can be
pinned here: the benchmarks have no ``Source`` and take ``--data PATH`` (parquet, JSONL, a JSON
list, or a folder saved by ``datasets.save_to_disk``). Rows have no ids upstream, so a sample's
id is its 1-based row number.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from clearance.datasets import load_dataset
from clearance.suites._catalogue import Benchmark, register
from clearance.suites._knowledge_formats import mc_task, starter_mc
from clearance.tasks import Task
from clearance.vocabulary import Domain

WMDP_FIELDS = {"input": "question", "choices": "choices", "target": "answer"}
HOMEPAGE = "https://huggingface.co/datasets/cais/wmdp"


def wmdp_builder(name: str) -> Callable[[Path, int | None], Task]:
    """The task builder for one WMDP configuration (``wmdp-bio`` and so on)."""

    def build(data: Path, limit: int | None) -> Task:
        return mc_task(name, load_dataset(data, WMDP_FIELDS, name=name, limit=limit))

    return build


def _register_wmdp(domain: Domain, title: str, count: str) -> Benchmark:
    name = f"wmdp-{domain}"
    return register(
        Benchmark(
            name=name,
            domain=domain,
            title=f"WMDP {title}",
            description=f"{count} proxy questions on hazardous {title.lower()} knowledge. Needs "
            f"--data ({HOMEPAGE}, configuration {name}).",
            build=wmdp_builder(name),
            tags=("multiple-choice", "hazard-proxy"),
        )
    )


WMDP_BIO = _register_wmdp("bio", "Biosecurity", "1,273")
WMDP_CHEM = _register_wmdp("chem", "Chemical security", "408")
WMDP_CYBER = _register_wmdp("cyber", "Cybersecurity", "1,987")

STARTER_CYBER = starter_mc(
    "cyber",
    "Starter cyber",
    "The team's benign proxies: defensive security at textbook level (no exploitation steps).",
)
STARTER_BIO = starter_mc(
    "bio",
    "Starter bio",
    "The team's benign proxies: biosafety, vaccines, immunology, the Biological Weapons "
    "Convention.",
)
STARTER_CHEM = starter_mc(
    "chem",
    "Starter chem",
    "The team's benign proxies: laboratory and household chemical safety, the Chemical Weapons "
    "Convention.",
)
