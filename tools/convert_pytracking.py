#!/usr/bin/python3
"""Convert a trained pytracking checkpoint (e.g. dimp50.pth) to dimp-cpp's safetensors weights.

    /usr/bin/python3 tools/convert_pytracking.py dimp50.pth dimp50.safetensors --arch dimp50

pytracking checkpoints are pickles holding, besides the weights (under 'net'), objects of
pytracking's own classes (the network constructor, settings, statistics). They load here
without pytracking installed: unknown classes become inert placeholders, and only the
tensors of 'net' are kept. Both PyTorch serialisation formats (legacy and zip) are read.
With --arch, the tensors are checked against the DiMP-18/50 layouts in tools/pytracking_spec/.
"""
import argparse
import os
import sys
import types

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "python"))
import safetensors_io  # noqa: E402


class _Placeholder:
    """Stands in for any class the checkpoint names but this process cannot import."""

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        self.__dict__["_state"] = state


class _StubModule(types.ModuleType):
    """A module whose every attribute is a placeholder class (or a further stub module)."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        cls = type(name, (_Placeholder,), {"__module__": self.__name__})
        setattr(self, name, cls)
        return cls


def _torch_load_tolerant(path):
    """torch.load, registering a stub for each module the pickle names that cannot be imported
    (pytracking's own packages), until the load succeeds."""
    added = []
    try:
        for _ in range(64):
            try:
                return torch.load(path, map_location="cpu")
            except ModuleNotFoundError as e:
                missing = e.name
                if not missing or missing in sys.modules:
                    raise
                parts = missing.split(".")
                for i in range(1, len(parts) + 1):
                    name = ".".join(parts[:i])
                    if name not in sys.modules:
                        sys.modules[name] = _StubModule(name)
                        added.append(name)
        raise SystemExit(f"{path}: too many unknown modules")
    finally:
        for name in added:
            sys.modules.pop(name, None)


def load_state_dict(path):
    ckpt = _torch_load_tolerant(path)
    state = ckpt["net"] if isinstance(ckpt, dict) and "net" in ckpt else ckpt
    if not isinstance(state, dict):
        raise SystemExit(f"{path}: no state dict found (expected a dict with a 'net' entry)")
    bad = [k for k, v in state.items() if not torch.is_tensor(v)]
    if bad:
        raise SystemExit(f"{path}: entries that are not tensors: {', '.join(bad[:5])}")
    info = {}
    if isinstance(ckpt, dict):
        for key in ("epoch", "net_type", "actor_type"):
            if key in ckpt and isinstance(ckpt[key], (int, str)):
                info[key] = ckpt[key]
    return state, info


def read_spec(arch):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pytracking_spec", arch + ".tsv")
    spec = {}
    with open(path) as f:
        for line in f:
            name, shape, dtype = line.rstrip("\n").split("\t")
            spec[name] = ([int(x) for x in shape.strip("[]").split(",") if x.strip()], dtype)
    return spec


def check(state, arch):
    spec = read_spec(arch)
    optional = lambda k: k.endswith("num_batches_tracked")  # noqa: E731
    missing = [k for k in spec if k not in state and not optional(k)]
    unexpected = [k for k in state if k not in spec and not optional(k)]
    mismatched = [f"{k}: {list(state[k].shape)} vs {spec[k][0]}" for k in state
                  if k in spec and list(state[k].shape) != spec[k][0]]
    problems = [("missing", missing), ("unexpected", unexpected), ("mis-shaped", mismatched)]
    if any(v for _, v in problems):
        lines = [f"{len(v)} {what}: " + ", ".join(v[:10]) for what, v in problems if v]
        raise SystemExit(f"checkpoint does not match the {arch} layout:\n  " + "\n  ".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", help="pytracking .pth file")
    ap.add_argument("output", help="safetensors file to write")
    ap.add_argument("--arch", choices=["dimp18", "dimp50"], help="check the tensors against this layout")
    args = ap.parse_args()
    state, info = load_state_dict(args.checkpoint)
    if args.arch:
        check(state, args.arch)
    meta = {"source": os.path.basename(args.checkpoint), "format": "pytracking-state-dict"}
    if args.arch:
        meta["arch"] = args.arch
    meta.update({k: str(v) for k, v in info.items()})
    safetensors_io.write(args.output, state, meta)
    params = sum(v.numel() for k, v in state.items() if v.is_floating_point())
    print(f"wrote {args.output}: {len(state)} tensors, {params} floating-point values")


if __name__ == "__main__":
    main()
