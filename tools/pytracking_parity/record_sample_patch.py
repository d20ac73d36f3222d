#!/usr/bin/python3
"""Reference cases of pytracking's sample_patch (pytracking/features/preprocessing.py, run from a
checkout) for CropRule::kPytracking: a coordinate image (channel 0 holds each pixel's column,
channel 1 its row) cropped at seeded positions (inside, across and beyond the borders, negative
ones included), sizes (with and without pre-downsampling) and border modes (replicate,
constant, inside, inside_major), resized to 12 x 12 (cases pytracking itself cannot crop, wholly
beyond the image, left out). Writes every case's input, patch (channels 0
and 1) and reported coordinates as JSON (tests/data/pytracking/sample_patch.json).

    record_sample_patch.py --pytracking ~/src/pytracking --out tests/data/pytracking/sample_patch.json"""
import argparse
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import stand_ins  # noqa: E402

OUT = 12


def cases(rng):
    """(H, W, pos_y, pos_x, size, mode, max_scale_change), positions in pytracking's pixel-centre
    coordinates; every number is exact in float32."""
    out = []
    for mode in ("replicate", "constant", "inside", "inside_major"):
        for k in range(12):
            h, w = rng.choice([(40, 56), (64, 48), (33, 90)])
            size = rng.choice([6, 7.5, 11, 12, 13.25, 24, 25.5, 31, 47.75, 60, 77, 101.5])
            if k < 4:  # inside the image
                py, px = rng.uniform(size / 2, h - size / 2), rng.uniform(size / 2, w - size / 2)
            else:      # across or beyond a border, negative positions included
                py, px = rng.uniform(-size, h + size), rng.uniform(-size, w + size)
            py, px = round(py * 4) / 4, round(px * 4) / 4
            msc = rng.choice([None, 1.5]) if mode.startswith("inside") else None
            out.append((h, w, py, px, size, mode, msc))
    # Halves and whole numbers where trunc and floor part, and even sizes with half-pixel ends.
    for py, px, size in ((-3.75, -0.5, 12), (-0.25, 10.0, 13), (20.5, -7.0, 24), (5.0, 5.0, 288 / 24), (-16.0, 3.5, 26)):
        out.append((40, 56, py, px, size, "replicate", None))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pytracking", required=True, help="a pytracking checkout")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    stand_ins.install(args.pytracking)
    import torch
    from pytracking.features.preprocessing import sample_patch
    records, skipped = [], 0
    for h, w, py, px, size, mode, msc in cases(random.Random(args.seed)):
        xs = torch.arange(w, dtype=torch.float32).view(1, w).expand(h, w)
        ys = torch.arange(h, dtype=torch.float32).view(h, 1).expand(h, w)
        im = torch.stack([xs, ys, torch.zeros(h, w)]).unsqueeze(0).contiguous()
        try:
            patch, coord = sample_patch(im, torch.Tensor([py, px]), torch.Tensor([size, size]),
                                        torch.Tensor([OUT, OUT]), mode=mode, max_scale_change=msc)
        except (RuntimeError, IndexError):  # F.pad refuses a crop that lies wholly beyond the image
            skipped += 1
            continue
        records.append({"height": h, "width": w, "pos": [py, px], "size": size, "mode": mode, "max_scale_change": msc,
                        "coord": [float(v) for v in coord.view(-1)],
                        "patch": [round(float(v), 4) for v in patch[0, :2].reshape(-1)]})
    with open(args.out, "w") as f:
        json.dump({"format": "pytracking sample_patch cases 1", "output": OUT, "cases": records}, f,
                  separators=(",", ":"))
        f.write("\n")
    print(f"wrote {args.out}: {len(records)} cases ({skipped} that pytracking cannot crop left out)")


if __name__ == "__main__":
    main()
