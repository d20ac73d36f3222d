#!/usr/bin/python3
"""Pickles of one reference object at every protocol (0-5), written by Python's own pickler,
for the C++ pickle reader's test (dimp/weights/pickle_reader_test.cc checks the tree it reads
from each against the same expectation). Protocols 0-2 spell bytes, sets and bytearrays as
calls (_codecs.encode, builtins.set, builtins.bytearray, copyreg._reconstructor), 3-5 as opcodes.

    /usr/bin/python3 tests/python/make_pickles.py OUT_DIR    # writes p0.pkl .. p5.pkl
"""
import collections
import os
import pickle
import sys
import types


def reference():
    mod = types.ModuleType("ltr.admin.settings")

    class Settings:
        pass

    Settings.__module__ = mod.__name__
    Settings.__qualname__ = "Settings"
    mod.Settings = Settings
    sys.modules.update({"ltr": types.ModuleType("ltr"), "ltr.admin": types.ModuleType("ltr.admin"), mod.__name__: mod})
    settings = Settings()
    settings.lr = 0.25
    settings.name = "dimp"
    shared = [7, 8]
    cycle = []
    cycle.append(cycle)
    return collections.OrderedDict([
        ("int", 5), ("neg", -70000), ("i32", 2 ** 31 - 1), ("i64", -2 ** 63), ("big", 2 ** 70), ("negbig", -2 ** 70 - 1),
        ("float", 1.5), ("tiny", -2.5e-300), ("true", True), ("false", False), ("none", None),
        ("text", "h\u00e9llo \u20ac \U0001f600 \\u \n'\""), ("bytes", b"\x00\x01\xff'\n"),
        ("tuple", (1, "a", None)), ("empty_tuple", ()), ("list", [1.0, [2, [3]]]), ("set", {4}),
        ("frozenset", frozenset({5})), ("bytearray", bytearray(b"ab\xff")),
        ("shared", [shared, shared]), ("cycle", cycle), ("settings", settings),
        ("od", collections.OrderedDict(a=1)),
    ])


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    obj = reference()
    for proto in range(6):
        with open(os.path.join(out, f"p{proto}.pkl"), "wb") as f:
            pickle.dump(obj, f, protocol=proto)


if __name__ == "__main__":
    main()
