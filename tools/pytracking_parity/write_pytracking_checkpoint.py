#!/usr/bin/python3
"""Write our DiMP weights (safetensors) as a pytracking checkpoint (.pth), so that pytracking's
own tracker loads exactly the network ours runs: the state dict under 'net' in the order of
tools/pytracking_spec/<arch>.tsv (every name, shape and dtype checked against it), and a
'constructor' that pytracking's loader calls to build the network (the reference's DiMP-18 /
DiMP-50 training settings, which DiMPNetConfig mirrors).

    write_pytracking_checkpoint.py --arch dimp18 weights.safetensors dimp18_parity.pth

Only writes; nothing here reads a pickle."""
import argparse
import collections
import os
import sys
import types

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
import safetensors_io  # noqa: E402

# The reference's constructor arguments (ltr/train_settings/dimp/dimp{18,50}.py): they decide the
# modules pytracking builds; every learned value then comes from the state dict.
CONSTRUCTOR_KWDS = {
    "dimp18": dict(filter_size=4, backbone_pretrained=False, optim_iter=5, clf_feat_norm=True, final_conv=True,
                   optim_init_step=0.9, optim_init_reg=0.1, init_gauss_sigma=0.9, num_dist_bins=100,
                   bin_displacement=0.1, mask_init_factor=3.0, target_mask_act="sigmoid", score_act="relu"),
    "dimp50": dict(filter_size=4, backbone_pretrained=False, optim_iter=5, clf_feat_norm=True, clf_feat_blocks=0,
                   final_conv=True, out_feature_dim=512, optim_init_step=0.9, optim_init_reg=0.1,
                   init_gauss_sigma=0.9, num_dist_bins=100, bin_displacement=0.1, mask_init_factor=3.0,
                   target_mask_act="sigmoid", score_act="relu"),
}


class NetConstructor:
    """Pickled under pytracking's class name; its loader calls get() on the real class."""

    def __init__(self, fun_name, fun_module, args, kwds):
        self.fun_name, self.fun_module, self.args, self.kwds = fun_name, fun_module, args, kwds


NetConstructor.__module__ = "ltr.admin.model_constructor"
NetConstructor.__qualname__ = "NetConstructor"


def register_constructor_module():
    """The pickler looks the class up by its module name: register that name (in this process only)."""
    for name in ("ltr", "ltr.admin", "ltr.admin.model_constructor"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["ltr.admin.model_constructor"].NetConstructor = NetConstructor


def read_spec(arch):
    spec = []
    with open(os.path.join(HERE, "..", "pytracking_spec", arch + ".tsv")) as f:
        for line in f:
            name, shape, dtype = line.rstrip("\n").split("\t")
            spec.append((name, [int(x) for x in shape.strip("[]").split(",") if x.strip()], dtype))
    return spec


def pytracking_state_dict(tensors, arch):
    """The state dict in the spec's order; refuses any missing, extra or mis-shaped tensor."""
    spec = read_spec(arch)
    names = {name for name, _, _ in spec}
    problems = [f"missing {n}" for n, _, _ in spec if n not in tensors]
    problems += [f"unexpected {n}" for n in tensors if n not in names]
    state = collections.OrderedDict()
    for name, shape, dtype in spec:
        if name not in tensors:
            continue
        t = tensors[name]
        if list(t.shape) != shape or str(t.dtype).replace("torch.", "") != dtype:
            problems.append(f"{name}: {list(t.shape)} {t.dtype}, expected {shape} {dtype}")
        state[name] = t.contiguous()
    if problems:
        raise SystemExit(f"the weights do not fit pytracking's {arch} ({len(problems)} problems): " +
                         "; ".join(problems[:20]))
    return state


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--arch", required=True, choices=sorted(CONSTRUCTOR_KWDS))
    ap.add_argument("--force", action="store_true", help="replace an existing output")
    ap.add_argument("weights", help="our safetensors weights (dimp_weights init / dimp_train)")
    ap.add_argument("output", help="the pytracking checkpoint to write")
    args = ap.parse_args()
    if os.path.abspath(args.output) == os.path.abspath(args.weights):
        raise SystemExit("the output must not be the input")
    if os.path.exists(args.output) and not args.force:
        raise SystemExit(f"{args.output} exists (--force replaces it)")
    state = pytracking_state_dict(safetensors_io.read(args.weights), args.arch)
    ckpt = {"epoch": 0, "actor_type": "DiMPActor", "net_type": "DiMPnet", "net": state, "net_info": None,
            "constructor": NetConstructor(args.arch.replace("dimp", "dimpnet"), "ltr.models.tracking.dimpnet", (),
                                          dict(CONSTRUCTOR_KWDS[args.arch])),
            "optimizer": None, "stats": None, "settings": None}
    register_constructor_module()
    partial = args.output + ".partial"
    torch.save(ckpt, partial)
    os.replace(partial, args.output)
    print(f"wrote {args.output}: {len(state)} tensors ({args.arch})")


if __name__ == "__main__":
    main()
