#!/usr/bin/python3
"""Small valid checkpoints for the C++ checkpoint reader, written by torch.save (an independent
producer): every dtype; views sharing one storage (transposed, sliced with an offset, strided,
expanded with stride 0, 0-dim and empty); nn.Parameter; pytracking's layout ('net' beside
objects of pytracking classes) and a bare state dict; in both of PyTorch's formats (legacy and
zip) and at pickle protocols 2 and 4. Beside each, <name>.expected.safetensors holds every
tensor as a contiguous copy, written by tools/python/safetensors_io.py.

    /usr/bin/python3 tests/python/make_test_checkpoints.py OUT_DIR
"""
import collections
import os
import sys
import types

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "python"))
import safetensors_io  # noqa: E402


def fake_pytracking_class():
    """A class under pytracking's module name, so the pickle references it (as real checkpoints do)."""
    mod = types.ModuleType("ltr.admin.model_constructor")

    class NetConstructor:
        def __init__(self, fun_name, fun_module, args, kwds):
            self.fun_name, self.fun_module, self.args, self.kwds = fun_name, fun_module, args, kwds

    NetConstructor.__module__ = mod.__name__
    NetConstructor.__qualname__ = "NetConstructor"
    mod.NetConstructor = NetConstructor
    sys.modules.update({"ltr": types.ModuleType("ltr"), "ltr.admin": types.ModuleType("ltr.admin"), mod.__name__: mod})
    return NetConstructor


def every_dtype():
    g = torch.Generator().manual_seed(5)
    sd = collections.OrderedDict()
    sd["f32"] = torch.randn(3, 4, generator=g)
    sd["f64"] = torch.randn(5, generator=g, dtype=torch.float64)
    sd["f16"] = torch.randn(2, 3, generator=g).half()
    sd["bf16"] = torch.randn(7, generator=g).bfloat16()
    sd["i64"] = torch.randint(-2**40, 2**40, (4,), generator=g, dtype=torch.int64)
    sd["i32"] = torch.randint(-2**30, 2**30, (2, 2), generator=g, dtype=torch.int32)
    sd["i16"] = torch.randint(-2**15, 2**15, (3,), generator=g, dtype=torch.int16)
    sd["i8"] = torch.randint(-128, 128, (6,), generator=g, dtype=torch.int8)
    sd["u8"] = torch.randint(0, 256, (2, 3), generator=g, dtype=torch.uint8)
    sd["bool"] = torch.randint(0, 2, (5,), generator=g).bool()
    return sd


def views():
    base = torch.arange(60, dtype=torch.float32).view(6, 10)
    sd = collections.OrderedDict()
    sd["base"] = base
    sd["transposed"] = base.t()
    sd["rows_offset"] = base[2:4]
    sd["column"] = base[:, 3]
    sd["strided"] = base[1:5:2, ::3]
    sd["element_0dim"] = base[2, 7]
    sd["empty_slice"] = base[3:3]
    sd["expanded"] = torch.arange(3, dtype=torch.float64).expand(4, 3)
    sd["scalar"] = torch.tensor(3.5)
    sd["empty"] = torch.zeros(0, 4, dtype=torch.int32)
    sd["parameter"] = torch.nn.Parameter(torch.linspace(-1, 1, 6).view(3, 2))
    sd["frozen_parameter"] = torch.nn.Parameter(torch.ones(2, dtype=torch.float64), requires_grad=False)
    sd["num_batches_tracked"] = torch.tensor(12, dtype=torch.int64)
    return sd


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    NetConstructor = fake_pytracking_class()
    cases = {"dtypes": every_dtype(), "views": views()}
    for case, sd in cases.items():
        safetensors_io.write(os.path.join(out, case + ".expected.safetensors"),
                             collections.OrderedDict((k, v.detach().contiguous().clone()) for k, v in sd.items()))
        pytracking = {"epoch": 7, "actor_type": "DiMPActor", "net_type": "DiMPnet", "net": sd, "net_info": None,
                      "constructor": NetConstructor("dimpnet18", "ltr.models.tracking.dimpnet", (), {"filter_size": 4}),
                      "optimizer": {"state": {}, "param_groups": [{"lr": 0.001, "params": [0, 1]}]},
                      "stats": {"loss": [1.5, 0.25]}, "settings": None}
        for fmt, legacy in (("zip", False), ("legacy", True)):
            for proto in (2, 4):
                torch.save(pytracking, os.path.join(out, f"{case}_{fmt}_p{proto}.pth"),
                           _use_new_zipfile_serialization=not legacy, pickle_protocol=proto)
            torch.save(sd, os.path.join(out, f"{case}_{fmt}_bare.pth"), _use_new_zipfile_serialization=not legacy)


if __name__ == "__main__":
    main()
