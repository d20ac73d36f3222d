#!/usr/bin/python3
"""Where two traces of one sequence part: the first frame whose boxes overlap by IoU < 0.99,
the first frame whose flags differ, and the minimum and mean IoU (run_pytracking.py's JSON).

    compare_traces.py tests/data/pytracking/dimp18/otb_Crossing.json /tmp/perturbed/dimp18/otb_Crossing.json"""
import argparse
import json


def iou(a, b):
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    args = ap.parse_args()
    with open(args.a) as f:
        a = json.load(f)["frames"]
    with open(args.b) as f:
        b = json.load(f)["frames"]
    if len(a) != len(b):
        raise SystemExit(f"{len(a)} frames against {len(b)}")
    ious = [iou(x["box"], y["box"]) for x, y in zip(a[1:], b[1:])]
    apart = next((i + 1 for i, v in enumerate(ious) if v < 0.99), None)
    flags = next((i for i in range(1, len(a)) if a[i]["flag"] != b[i]["flag"]), None)
    print(f"{len(ious)} frames: first IoU < 0.99 at frame {apart}, first flag difference at frame {flags}, "
          f"IoU min {min(ious):.4f} mean {sum(ious) / len(ious):.4f}")


if __name__ == "__main__":
    main()
