"""A model's encoding of a graph (node representations and attention), cached with safetensors."""

from __future__ import annotations

from pathlib import Path

from safetensors.torch import load_file, save_file
from torch import Tensor

from gnn.model import Attention


def write_encoding(path: Path, h: dict[str, Tensor], attention: Attention) -> None:
    """Save node representations and attention with safetensors (written to a temp file, then renamed)."""
    # clones: layers share their edge index tensors, and safetensors stores no shared memory
    tensors = {f"h/{t}": x.detach().cpu().clone() for t, x in h.items()}
    for (layer, et), (ei, alpha) in attention.items():
        key = f"att/{layer}/{'__'.join(et)}"
        tensors[f"{key}/index"], tensors[f"{key}/alpha"] = ei.cpu().clone(), alpha.detach().cpu().clone()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    save_file(tensors, str(tmp))
    tmp.replace(path)


def read_encoding(path: Path) -> tuple[dict[str, Tensor], Attention]:
    """Node representations and attention written by :func:`write_encoding`."""
    tensors = load_file(str(path))
    h = {k[2:]: v for k, v in tensors.items() if k.startswith("h/")}
    attention: Attention = {}
    for key in tensors:
        if key.startswith("att/") and key.endswith("/index"):
            _, layer, et = key[: -len("/index")].split("/", 2)
            src, rel, dst = et.split("__")
            attention[(int(layer), (src, rel, dst))] = (tensors[key], tensors[key[: -len("index")] + "alpha"])
    return h, attention
