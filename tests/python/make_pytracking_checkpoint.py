#!/usr/bin/python3
"""Build a checkpoint with pytracking's exact structure for the converter tests: every tensor of
the DiMP-18/50 (PrDiMP-18/50, SuperDiMP) state dict (tools/pytracking_spec/<arch>.tsv) filled with seeded random values,
under 'net', beside objects of pytracking classes (which the converter must not need), saved in
PyTorch's legacy or zip format. Also writes, per tensor, checksums computed from the original
values (shape, sum, sum of squares, first and last element) as JSON."""
import argparse
import json
import os
import sys
import types

import torch


def make_fake_ltr():
    # Classes under pytracking's module names, so the pickle references them.
    ltr = types.ModuleType("ltr")
    admin = types.ModuleType("ltr.admin")
    mc = types.ModuleType("ltr.admin.model_constructor")

    class NetConstructor:
        def __init__(self, fun_name, fun_module, args, kwds):
            self.fun_name, self.fun_module, self.args, self.kwds = fun_name, fun_module, args, kwds

    NetConstructor.__module__ = "ltr.admin.model_constructor"
    NetConstructor.__qualname__ = "NetConstructor"
    mc.NetConstructor = NetConstructor
    sys.modules.update({"ltr": ltr, "ltr.admin": admin, "ltr.admin.model_constructor": mc})
    return NetConstructor


# arch: (its layout in the spec folder, the constructor pytracking's checkpoint names).
ARCHS = {"dimp18": ("dimp18", "dimpnet18"), "dimp50": ("dimp50", "dimpnet50"),
         "prdimp18": ("prdimp18", "klcedimpnet18"), "prdimp50": ("prdimp50", "klcedimpnet50"),
         "superdimp": ("dimp50", "dimpnet50")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", required=True, choices=sorted(ARCHS))
    ap.add_argument("--spec-dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--checksums", required=True)
    ap.add_argument("--legacy", action="store_true", help="PyTorch's pre-1.6 serialisation")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    state = {}
    layout, constructor = ARCHS[args.arch]
    with open(os.path.join(args.spec_dir, layout + ".tsv")) as f:
        for line in f:
            name, shape, dtype = line.rstrip("\n").split("\t")
            dims = [int(x) for x in shape.strip("[]").split(",") if x.strip()]
            if dtype == "int64":
                state[name] = torch.randint(0, 1000, dims, dtype=torch.int64)
            else:
                state[name] = torch.randn(dims, dtype=torch.float32)
    NetConstructor = make_fake_ltr()
    ckpt = {"epoch": 50, "actor_type": "DiMPActor", "net_type": "DiMPnet", "net": state, "net_info": None,
            "constructor": NetConstructor(constructor, "ltr.models.tracking.dimpnet", (), {}),
            "optimizer": {"state": {}, "param_groups": []}, "stats": None, "settings": None}
    torch.save(ckpt, args.out, _use_new_zipfile_serialization=not args.legacy)
    sums = {k: {"shape": list(v.shape), "sum": float(v.double().sum()), "sumsq": float((v.double() ** 2).sum()),
                "first": float(v.flatten()[0]), "last": float(v.flatten()[-1])} for k, v in state.items()}
    with open(args.checksums, "w") as f:
        json.dump(sums, f)


if __name__ == "__main__":
    main()
