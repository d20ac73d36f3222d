"""An independent reference of the VOT short-term measures (data/vot.h), in numpy, written from
the legacy VOT toolkit's definitions: overlaps by rasterising both regions (supersampled, inside
the image), accuracy with the burn-in after each initialisation, failures, and the EAO from the
toolkit's fragments. Reads ground truths and stored runs, writes "accuracy failures eao".

    vot_reference.py OUT BURNIN SKIP LOW HIGH  GT1 RUN1 W1 H1  [GT2 RUN2 W2 H2 ...]
"""
import sys

import numpy as np

SAMPLES = 4  # per pixel, each way


def read_lines(path):
    out = []
    for line in open(path):
        line = line.strip()
        if line:
            out.append([float(t) for t in line.split(",")])
    return out


def raster(region, width, height):
    ys, xs = np.mgrid[0:height * SAMPLES, 0:width * SAMPLES]
    px, py = (xs + 0.5) / SAMPLES, (ys + 0.5) / SAMPLES
    if len(region) == 4:
        x, y, w, h = region
        return (px >= x) & (px < x + w) & (py >= y) & (py < y + h)
    pts = np.array(region).reshape(-1, 2)
    inside = np.zeros(px.shape, bool)
    for i in range(len(pts)):  # even-odd crossings of a ray to the right
        (x1, y1), (x2, y2) = pts[i], pts[(i + 1) % len(pts)]
        if y1 == y2:
            continue
        crosses = (y1 > py) != (y2 > py)
        inside ^= crosses & (px < x1 + (py - y1) * (x2 - x1) / (y2 - y1))
    return inside


def overlap(a, b, width, height):
    ma, mb = raster(a, width, height), raster(b, width, height)
    union = np.count_nonzero(ma | mb)
    return np.count_nonzero(ma & mb) / union if union else 0.0


def main(argv):
    out, burnin, skip, low, high = argv[1], int(argv[2]), int(argv[3]), int(argv[4]), int(argv[5])
    runs = []
    for k in range(6, len(argv), 4):
        truth, run = read_lines(argv[k]), read_lines(argv[k + 1])
        width, height = int(argv[k + 2]), int(argv[k + 3])
        ov = np.array([np.nan if len(r) == 1 else overlap(g, r, width, height) for g, r in zip(truth, run)])
        failures = [i for i, r in enumerate(run) if r == [2.0]]
        acc = ov.copy()
        for i, r in enumerate(run):
            if r == [1.0]:
                acc[i:i + burnin] = np.nan
        runs.append((ov, failures, acc))
    accuracy = np.nanmean(np.concatenate([r[2] for r in runs]))
    failures = sum(len(r[1]) for r in runs)
    longest = max(len(r[0]) for r in runs)
    rows = []
    for ov, fails, _ in runs:
        n = len(ov)
        starts = [0] + [f + skip for f in fails if f + skip < n] if fails else [0]
        for a, b in zip(starts, starts[1:]):  # ends in a failure: zero afterwards
            row = np.zeros(longest)
            seg = np.nan_to_num(ov[a:b + 1])
            row[:len(seg)] = seg
            rows.append(row)
        row = np.full(longest, np.nan)  # runs to the end: unknown afterwards
        seg = ov[starts[-1]:]
        row[:len(seg)] = np.nan_to_num(seg) if fails else seg
        rows.append(row)
    rows = np.array(rows)
    phi = np.zeros(longest)
    phi[0] = 1.0
    for length in range(2, longest + 1):
        usable = ~np.isnan(rows[:, length - 1])
        if usable.any():
            phi[length - 1] = rows[usable, 1:length].mean(axis=1).mean()
    eao = phi[low - 1:min(high, longest)].mean()
    with open(out, "w") as f:
        f.write(f"{accuracy:.9f} {failures} {eao:.9f}\n")


if __name__ == "__main__":
    main(sys.argv)
