#!/usr/bin/python3
"""ZIP archives written by Python's zipfile module (an independent producer) for the C++ ZIP
reader's test: stored and deflated members (empty, binary, compressible, a UTF-8 name), an
archive comment, and an archive of 65537 members whose count needs the ZIP64 end records.
manifest.json lists each archive's members in order with the file holding their bytes.

    /usr/bin/python3 tests/python/make_zip_archives.py OUT_DIR
"""
import json
import os
import random
import sys
import zipfile


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "contents"), exist_ok=True)
    rng = random.Random(7)
    members = [
        ("arch/data.pkl", bytes(range(256)) * 4),
        ("arch/data/0", bytes(rng.getrandbits(8) for _ in range(50000))),
        ("arch/empty", b""),
        ("arch/\u00fcn\u00ef.txt", "gr\u00fc\u00dfe\n".encode() * 10),
        ("arch/zeros", bytes(1 << 20)),
        ("arch/version", b"3\n"),
    ]
    manifest = {}
    for archive, method in (("stored.zip", zipfile.ZIP_STORED), ("deflated.zip", zipfile.ZIP_DEFLATED)):
        entries = []
        with zipfile.ZipFile(os.path.join(out, archive), "w", compression=method) as z:
            for i, (name, data) in enumerate(members):
                z.writestr(name, data)
                path = os.path.join("contents", f"{archive}.{i}")
                with open(os.path.join(out, path), "wb") as f:
                    f.write(data)
                entries.append({"name": name, "file": path})
            if method == zipfile.ZIP_DEFLATED:
                z.comment = b"written by zipfile"
        manifest[archive] = entries
    with zipfile.ZipFile(os.path.join(out, "many.zip"), "w") as z:
        for i in range(65536):
            z.writestr(f"m/{i}", b"")
        z.writestr("m/last", b"the last member")
    manifest["many.zip"] = {"count": 65537, "last": "the last member"}
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f)


if __name__ == "__main__":
    main()
