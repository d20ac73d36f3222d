#!/usr/bin/python3
"""Writes the seed corpus of the checkpoint fuzz target (dimp/weights/fuzz/checkpoint_fuzz.cc)
into dimp/weights/fuzz/corpus/checkpoint/, each file under 8 KiB. torch_checkpoint_test reads the
valid ones (their values are fixed here and checked there) for its truncation and byte-flip
tests, so they are committed; rerun this only to change them (then update that test).

    /usr/bin/python3 dimp/weights/fuzz/make_corpus.py
"""
import collections
import io
import os
import pickle
import sys
import types
import zipfile

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "checkpoint")


def tiny_net():
    """Conv2d(1, 2, 3) + BatchNorm2d(2) names, and a bool buffer: values fixed by arange."""
    sd = collections.OrderedDict()
    sd["conv.weight"] = torch.arange(18, dtype=torch.float32).view(2, 1, 3, 3) / 4
    sd["conv.bias"] = torch.tensor([0.5, -0.5])
    sd["bn.weight"] = torch.tensor([1.0, 2.0])
    sd["bn.bias"] = torch.tensor([-1.0, 1.0])
    sd["bn.running_mean"] = torch.tensor([0.25, 0.75])
    sd["bn.running_var"] = torch.tensor([4.0, 9.0])
    sd["bn.num_batches_tracked"] = torch.tensor(3, dtype=torch.int64)
    sd["mask"] = torch.tensor([True, False, True])
    return sd


def pytracking_class():
    mod = types.ModuleType("ltr.admin.model_constructor")

    class NetConstructor:
        def __init__(self, fun_name):
            self.fun_name, self.args, self.kwds = fun_name, (), {}

    NetConstructor.__module__ = mod.__name__
    NetConstructor.__qualname__ = "NetConstructor"
    mod.NetConstructor = NetConstructor
    sys.modules.update({"ltr": types.ModuleType("ltr"), "ltr.admin": types.ModuleType("ltr.admin"), mod.__name__: mod})
    return NetConstructor


def save(obj, name, **kw):
    path = os.path.join(OUT, name)
    torch.save(obj, path, **kw)
    return path


def main():
    os.makedirs(OUT, exist_ok=True)
    NetConstructor = pytracking_class()
    ckpt = {"epoch": 12, "net_type": "TinyNet", "actor_type": "TinyActor", "net": tiny_net(),
            "constructor": NetConstructor("tinynet"), "stats": {"loss": [0.5]}}
    save(ckpt, "valid_zip.pth")
    save(ckpt, "valid_legacy.pth", _use_new_zipfile_serialization=False)
    base = torch.arange(12, dtype=torch.int16).view(3, 4)
    views = collections.OrderedDict(base=base, t=base.t(), row=base[1], col=base[:, 2], e=base[2:2], s=torch.tensor(7))
    save(views, "views_legacy.pth", _use_new_zipfile_serialization=False)
    save(views, "views_zip_p4.pth", pickle_protocol=4)
    # A truncated archive and a raw pickle that would run a program (the reader refuses both).
    data = open(os.path.join(OUT, "valid_zip.pth"), "rb").read()
    open(os.path.join(OUT, "truncated_zip.pth"), "wb").write(data[: len(data) // 2])
    open(os.path.join(OUT, "hostile_os_system.pkl"), "wb").write(b"cos\nsystem\n(S'true'\ntR.")
    # A protocol 0 pickle of assorted values (text opcodes: INT, LONG, FLOAT, STRING, UNICODE, PUT/GET).
    open(os.path.join(OUT, "assorted_p0.pkl"), "wb").write(
        pickle.dumps({"a": [1, 2 ** 70, 1.5, "t\u00e9xt", b"by", (None, True)], "s": {3}}, protocol=0))
    # A zip checkpoint whose data.pkl was written by hand: an unknown global beside 'net'.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", b"\x80\x02}(X\x03\x00\x00\x00netccollections\nOrderedDict\n)RX\x05\x00\x00\x00extracunknown\nthing\n)Ru.")
        z.writestr("archive/version", b"3\n")
    open(os.path.join(OUT, "unknown_global_zip.pth"), "wb").write(buf.getvalue())
    for name in sorted(os.listdir(OUT)):
        size = os.path.getsize(os.path.join(OUT, name))
        assert size < 8192, (name, size)
        print(f"{name}: {size} bytes")


if __name__ == "__main__":
    main()
