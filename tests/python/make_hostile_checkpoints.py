#!/usr/bin/python3
"""Hostile checkpoints for the C++ reader's test (dimp/weights/hostile_checkpoint_test.cc): each
would run a payload creating OUT_DIR/markers/<name> when unpickled by torch.load or pickle.load.
Payloads: os.system, subprocess.call / Popen, builtins.eval / exec, Python 2's __builtin__.eval,
os.system reached through an attribute path of protocol 4 (torch.serialization + "os.system"),
and cProfile.run (a global that runs code but that the reader does not know: it stays inert).
Placements: the value of 'net', nested in a placeholder's state (pytracking's NetConstructor),
among other entries beside a valid 'net', a raw pickle; in the zip and the legacy format.

    /usr/bin/python3 tests/python/make_hostile_checkpoints.py OUT_DIR [--self-check]

--self-check loads every file with torch.load / pickle.load here (running the payloads: each
only creates its marker file), checks that every marker appeared, and removes them: the test
inputs are live, not duds. The valid 'net' is {'w': arange(6).view(2, 3) float, 'b': [1.5, -2.5]}.
"""
import argparse
import builtins
import collections
import cProfile
import os
import pickle
import shlex
import subprocess
import sys
import time
import types
import zipfile

import torch


class Payload:
    """Pickles as a call of fn(*args): what torch.load would run."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


def net_constructor_class():
    mod = types.ModuleType("ltr.admin.model_constructor")

    class NetConstructor:
        def __init__(self, fun_name, kwds):
            self.fun_name, self.fun_module, self.args, self.kwds = fun_name, "ltr.models.tracking.dimpnet", (), kwds

    NetConstructor.__module__ = mod.__name__
    NetConstructor.__qualname__ = "NetConstructor"
    mod.NetConstructor = NetConstructor
    sys.modules.update({"ltr": types.ModuleType("ltr"), "ltr.admin": types.ModuleType("ltr.admin"), mod.__name__: mod})
    return NetConstructor


def valid_net():
    return collections.OrderedDict(w=torch.arange(6, dtype=torch.float32).view(2, 3), b=torch.tensor([1.5, -2.5]))


def zip_with_pickle(path, data):
    """A torch.save-style archive whose data.pkl is given bytes."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", data)
        z.writestr("archive/version", b"3\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--self-check", action="store_true")
    args = ap.parse_args()
    markers = os.path.join(args.out, "markers")
    os.makedirs(markers, exist_ok=True)
    NetConstructor = net_constructor_class()

    def marker(name):
        return os.path.join(markers, name)

    def touch_cmd(name):
        return "touch " + shlex.quote(marker(name))

    def touch_code(name):
        return f"open({marker(name)!r}, 'w').close()"

    def pytracking(net, **extra):
        ckpt = {"epoch": 3, "net_type": "DiMPnet", "actor_type": "DiMPActor", "net": net,
                "constructor": NetConstructor("dimpnet18", {}), "stats": None}
        ckpt.update(extra)
        return ckpt

    files = {}  # name -> how to load it in the self-check ("torch" or "pickle")

    def save(name, obj, legacy):
        torch.save(obj, os.path.join(args.out, name), _use_new_zipfile_serialization=not legacy)
        files[name] = "torch"

    # The payload as the value of 'net' (pickled as posix.system: os.system's module on Linux).
    save("zip_os_system_net.pth", pytracking(Payload(os.system, touch_cmd("zip_os_system_net.pth"))), False)
    save("legacy_os_system_net.pth", pytracking(Payload(os.system, touch_cmd("legacy_os_system_net.pth"))), True)
    # Nested in a placeholder's state.
    save("zip_subprocess_call_in_state.pth",
         pytracking(valid_net(), constructor=NetConstructor(
             "dimpnet18", {"hook": Payload(subprocess.call, ["touch", marker("zip_subprocess_call_in_state.pth")])})), False)
    save("legacy_exec_in_state.pth",
         pytracking(valid_net(), constructor=NetConstructor(
             "dimpnet18", {"hook": Payload(builtins.exec, touch_code("legacy_exec_in_state.pth"))})), True)
    # Among other entries beside a valid 'net'.
    save("legacy_subprocess_popen_beside_net.pth",
         pytracking(valid_net(), stats=Payload(subprocess.Popen, ["touch", marker("legacy_subprocess_popen_beside_net.pth")])), True)
    save("zip_eval_beside_net.pth",
         pytracking(valid_net(), settings=Payload(builtins.eval, touch_code("zip_eval_beside_net.pth"))), False)
    # A global that runs code but is not in the refused list: the reader leaves it inert.
    for name, legacy in (("zip_cprofile_beside_net.pth", False), ("legacy_cprofile_beside_net.pth", True)):
        save(name, pytracking(valid_net(), stats=Payload(cProfile.run, touch_code(name), os.devnull)), legacy)
    net = valid_net()
    net["hook"] = Payload(cProfile.run, touch_code("zip_cprofile_in_net.pth"), os.devnull)
    save("zip_cprofile_in_net.pth", pytracking(net), False)
    # Raw pickles written by hand: protocol 0 os.system, Python 2's __builtin__.eval.
    with open(os.path.join(args.out, "raw_os_system.pkl"), "wb") as f:
        f.write(b"cos\nsystem\n(S" + repr(touch_cmd("raw_os_system.pkl")).encode() + b"\ntR.")
    files["raw_os_system.pkl"] = "pickle"
    with open(os.path.join(args.out, "raw_builtin_eval_p2.pkl"), "wb") as f:
        f.write(b"\x80\x02c__builtin__\neval\nX" + len(touch_code("raw_builtin_eval_p2.pkl")).to_bytes(4, "little") +
                touch_code("raw_builtin_eval_p2.pkl").encode() + b"\x85R.")
    files["raw_builtin_eval_p2.pkl"] = "pickle"
    # Protocol 4 resolves dotted names attribute by attribute: torch.serialization's "os.system".
    cmd = touch_cmd("zip_attribute_path.pth").encode()
    data = (b"\x80\x04\x8c\x13torch.serialization\x8c\x09os.system\x93X" + len(cmd).to_bytes(4, "little") + cmd + b"\x85R.")
    zip_with_pickle(os.path.join(args.out, "zip_attribute_path.pth"), data)
    files["zip_attribute_path.pth"] = "torch"

    if args.self_check:
        for name, how in files.items():
            path = os.path.join(args.out, name)
            if how == "torch":
                torch.load(path)
            else:
                with open(path, "rb") as f:
                    pickle.load(f)
            deadline = time.time() + 10  # Popen runs touch in the background
            while not os.path.exists(marker(name)) and time.time() < deadline:
                time.sleep(0.01)
            if not os.path.exists(marker(name)):
                sys.exit(f"self-check: loading {name} did not run its payload")
            os.remove(marker(name))
        if os.listdir(markers):
            sys.exit(f"self-check: unexpected files in {markers}: {os.listdir(markers)}")
    print(f"wrote {len(files)} hostile checkpoints to {args.out}" + (" (payloads checked live)" if args.self_check else ""))


if __name__ == "__main__":
    main()
