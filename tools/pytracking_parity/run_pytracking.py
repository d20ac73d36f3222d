#!/usr/bin/python3
"""Reference traces from pytracking's own DiMP tracker: runs the tracker of a pytracking checkout
(fetched separately; see README.md) on the CPU with our weights (a checkpoint written by
write_pytracking_checkpoint.py) over real sequences, and records for every frame the box, the
score map's maximum, the localisation flag and the search region, plus reduced copies of the
first two frames' intermediate tensors (patches, backbone and classification features, filters,
IoU modulation and features, scores, proposals and refined boxes).

    run_pytracking.py --pytracking ~/src/pytracking --weights dimp18_parity.pth --arch dimp18 \\
        --data-dir ../shared/data --out traces/

Random draws (the first frame's random shifts and dropout, the IoU-Net's jittered proposals)
are off by default, so the trace is deterministic; `--draws on --seeds 1 2 3` runs pytracking's
defaults with each torch seed. Boxes are (x, y, w, h) in 0-based pixels: a frame's pixel (i, j)
covers [i, i+1) x [j, j+1) as in our conventions, and pytracking's numbers for the same pixels
are the same (its centre is x + (w-1)/2 on pixel centres). Initial boxes are read as our readers
read them (OTB 1-based rectangles minus one; VOT polygons as their enclosing box)."""
import argparse
import glob
import json
import math
import os
import re
import subprocess
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "python"))
import stand_ins  # noqa: E402

SHARED_SEQUENCES = ["otb/Crossing", "otb/Diving", "otb/Human3", "otb/MotorRolling", "vot/bag", "vot/ball1"]
FORMAT = "dimp-cpp pytracking trace 1"
SAMPLES = 1024  # elements kept of each intermediate tensor


# ----- sequences (read as data/sequence.cc and data/ground_truth.cc read them) -----

def numbers(line):
    return [float(v) for v in re.split(r"[,\s\t]+", line.strip()) if v]


def read_sequence(root, name):
    path = os.path.join(root, name)
    if name.startswith("otb/"):
        frames = glob.glob(os.path.join(path, "img", "*.jpg"))
        with open(os.path.join(path, "groundtruth_rect.txt")) as f:
            boxes = [[v[0] - 1, v[1] - 1, v[2], v[3]] for v in map(numbers, f) if v]
    elif name.startswith("vot/"):
        frames = glob.glob(os.path.join(path, "*.jpg"))
        boxes = []
        with open(os.path.join(path, "groundtruth.txt")) as f:
            for v in map(numbers, f):
                if len(v) == 4:
                    boxes.append(v)
                elif len(v) == 8:
                    xs, ys = v[0::2], v[1::2]
                    boxes.append([min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)])
    else:
        raise SystemExit(f"{name}: expected otb/<name> or vot/<name>")
    frames.sort(key=lambda p: int(os.path.splitext(os.path.basename(p))[0]))
    if not frames or len(boxes) < 1:
        raise SystemExit(f"{path}: no frames or no ground truth")
    return frames, boxes


def load_rgb(path):
    import cv2
    image = cv2.imread(path)
    if image is None:
        raise SystemExit(f"cannot read {path}")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


# ----- reduced tensors -----

def reduce_tensor(t):
    """Up to SAMPLES evenly strided elements of the flattened tensor, and its whole statistics."""
    import torch
    flat = t.detach().reshape(-1).to(torch.float64)
    n = flat.numel()
    stride = max(1, math.ceil(n / SAMPLES))
    sampled = flat[::stride].to(torch.float32).contiguous()
    stats = torch.tensor([n, flat.sum().item(), (flat * flat).sum().item(), flat.min().item(), flat.max().item()],
                         dtype=torch.float64)
    return sampled, stats, list(t.shape)


class Recorder:
    """Intermediate tensors of the frames being recorded, by name, and each frame's search region."""

    def __init__(self):
        self.active = False
        self.prefix = "init/"
        self.tensors = {}
        self.search = None  # the latest patch's region, [x0, y0, x1, y1]

    def __call__(self, name, value):
        if self.active:
            name = name.replace("{stage}", self.prefix)
            if name in self.tensors:
                raise RuntimeError(f"intermediate {name} recorded twice")
            self.tensors[name] = value.detach().clone()

    def write(self, path):
        import safetensors_io
        out, shapes = {}, {}
        for name, t in self.tensors.items():
            sampled, stats, shape = reduce_tensor(t)
            out[name] = sampled
            out[name + ".stats"] = stats
            shapes[name] = shape
        safetensors_io.write(path, out, {"shapes": json.dumps(shapes), "samples": str(SAMPLES)})


def wrap(owner, attr, after):
    """Replace owner.attr by a function calling the original, then after(args, result)."""
    original = getattr(owner, attr)

    def wrapper(*args, **kwargs):
        result = original(*args, **kwargs)
        after(args, result)
        return result
    setattr(owner, attr, wrapper)


def instrument_shared(dimp_module, net, current):
    """Hooks on what every run shares (the tracker module's samplers, the network), once;
    they record into current['rec']."""
    rec = lambda name, value: current["rec"](name, value)  # noqa: E731

    def init_patches(args, result):
        rec("init/patches", result)

    def track_patches(args, result):
        patches, coords = result
        rec("track/patch", patches)
        c = coords[0].tolist()  # pytracking's [y0, x0, y1, x1] of the (first) scale
        current["rec"].search = [c[1], c[0], c[3], c[2]]
    wrap(dimp_module, "sample_patch_transformed", init_patches)
    wrap(dimp_module, "sample_patch_multiscale", track_patches)
    wrap(net, "extract_backbone", lambda a, r: (rec("{stage}layer2", r["layer2"]), rec("{stage}layer3", r["layer3"])))
    clf = net.net.classifier
    wrap(clf.filter_initializer, "forward", lambda a, r: rec("init/filter0", r))

    def get_filter(args, result):
        rec("init/clf_features", args[0])
        rec("init/boxes", args[1])
        rec("init/filter", result[0])
    wrap(clf, "get_filter", get_filter)


def instrument_tracker(tracker, rec):
    """Hooks on one tracker instance."""
    wrap(tracker, "get_classification_features",
         lambda a, r: rec("track/clf_features", r) if rec.prefix == "track/" else None)
    wrap(tracker, "classify_target", lambda a, r: rec("track/scores", r))
    wrap(tracker, "get_iou_features", lambda a, r: (rec("track/iou_features2", r[0]), rec("track/iou_features3", r[1])))

    def optimize_boxes(args, result):
        rec("track/proposals", args[1])
        rec("track/refined_boxes", result[0])
        rec("track/refined_iou", result[1])
    wrap(tracker, "optimize_boxes", optimize_boxes)


def weights_crc32(state_dict):
    """CRC-32 of every tensor's name and little-endian bytes, in name order (as the parity tests compute it)."""
    import torch
    crc = 0
    for name in sorted(state_dict):
        t = state_dict[name].detach().cpu().contiguous()
        crc = zlib.crc32(name.encode(), crc)
        if t.numel():
            crc = zlib.crc32(t.reshape(-1).view(torch.uint8).numpy().tobytes(), crc)
    return crc


def checkout_commit(checkout):
    try:
        return subprocess.run(["git", "-C", checkout, "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def parse_value(text):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pytracking", required=True, help="a pytracking checkout (visionml/pytracking)")
    ap.add_argument("--weights", required=True, help="checkpoint from write_pytracking_checkpoint.py")
    ap.add_argument("--arch", required=True, choices=["dimp18", "dimp50"], help="pytracking's parameter file")
    ap.add_argument("--data-dir", default=os.environ.get("DIMP_DATA_DIR", ""),
                    help="folder holding otb/ and vot/ (default: $DIMP_DATA_DIR)")
    ap.add_argument("--sequences", nargs="+", default=SHARED_SEQUENCES)
    ap.add_argument("--out", required=True, help="output folder (traces go to OUT/<arch>/)")
    ap.add_argument("--draws", choices=["off", "on"], default="off",
                    help="off: no random shifts, dropout or jittered proposals (deterministic); on: pytracking's")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1], help="torch seeds, one run each")
    ap.add_argument("--intermediates", type=int, default=None,
                    help="frames whose intermediates are recorded (default 2 with draws off, 0 with draws on)")
    ap.add_argument("--frames", type=int, default=0, help="track only this many frames (0: all)")
    ap.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE", help="more parameter overrides")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--perturb", type=float, default=0.0,
                    help="multiply every weight by 1 + PERTURB * N(0, 1) (generator seed 123): a control run "
                         "showing how far float-level differences carry")
    args = ap.parse_args()

    checkout = stand_ins.install(args.pytracking)
    if not args.data_dir or not os.path.isdir(args.data_dir):
        raise SystemExit("--data-dir (or DIMP_DATA_DIR) must name the folder holding otb/ and vot/")
    if not os.path.isfile(args.weights):
        raise SystemExit(f"no weights file {args.weights}")
    import importlib
    import torch
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    dimp_module = importlib.import_module("pytracking.tracker.dimp.dimp")
    parameters = importlib.import_module("pytracking.parameter.dimp." + args.arch)
    from pytracking.features.net_wrappers import NetWithBackbone

    overrides = {"use_gpu": False}
    if args.draws == "off":
        overrides.update(random_shift_factor=0, num_init_random_boxes=0)
    for item in args.set:
        name, eq, value = item.partition("=")
        if not eq:
            raise SystemExit(f"--set {item}: expected NAME=VALUE")
        overrides[name] = parse_value(value)
    intermediates = args.intermediates if args.intermediates is not None else (2 if args.draws == "off" else 0)

    net = NetWithBackbone(net_path=os.path.abspath(args.weights), use_gpu=False)
    net.initialize()
    if args.perturb > 0:
        generator = torch.Generator().manual_seed(123)
        with torch.no_grad():
            for p in net.net.parameters():
                p.mul_(1 + args.perturb * torch.randn(p.shape, generator=generator))
    crc = weights_crc32(net.net.state_dict())
    current = {"rec": Recorder()}
    instrument_shared(dimp_module, net, current)
    out_dir = os.path.join(args.out, args.arch)
    os.makedirs(out_dir, exist_ok=True)
    for name in args.sequences:
        frames, boxes = read_sequence(args.data_dir, name)
        if args.frames > 0:
            frames = frames[:args.frames]
        for seed in args.seeds:
            torch.manual_seed(seed)
            params = parameters.parameters()
            params.net = net
            for key, value in overrides.items():
                setattr(params, key, value)
            if args.draws == "off":
                num, _ = params.augmentation["dropout"]
                params.augmentation = dict(params.augmentation, dropout=(num, 0.0))  # copies, none dropped
            tracker = dimp_module.DiMP(params)
            tracker.features_initialized = True  # the network above is already loaded
            rec = Recorder()
            current["rec"] = rec
            instrument_tracker(tracker, rec)
            init_box = [float(v) for v in boxes[0]]
            rec.active = intermediates >= 1
            t0 = time.time()
            tracker.initialize(load_rgb(frames[0]), {"init_bbox": init_box})
            rec("init/iou_modulation2", tracker.iou_modulation[0])
            rec("init/iou_modulation3", tracker.iou_modulation[1])
            records = [{"box": init_box, "flag": "init", "score": None, "search": None}]
            rec.prefix = "track/"
            for i, path in enumerate(frames[1:], start=2):
                rec.active = i <= intermediates
                box = tracker.track(load_rgb(path))["target_bbox"]
                records.append({"box": [float(v) for v in box], "flag": tracker.debug_info["flag"],
                                "score": float(tracker.debug_info["max_score"]), "search": rec.search})
            seconds = time.time() - t0
            stem = name.replace("/", "_") + ("" if args.draws == "off" else f"_seed{seed}")
            trace = {"format": FORMAT, "tracker": "pytracking DiMP", "pytracking_commit": checkout_commit(checkout),
                     "torch": torch.__version__, "arch": args.arch, "weights_crc32": crc,
                     "weights": os.path.basename(args.weights), "perturb": args.perturb, "sequence": name,
                     "draws": args.draws, "seed": seed,
                     "overrides": {k: v for k, v in overrides.items()},
                     "dropout": list(params.augmentation["dropout"]), "frames": records}
            with open(os.path.join(out_dir, stem + ".json"), "w") as f:
                json.dump(trace, f, indent=None, separators=(",", ":"))
                f.write("\n")
            if rec.tensors:
                rec.write(os.path.join(out_dir, stem + ".intermediates.safetensors"))
            flags = {}
            for r in records[1:]:
                flags[r["flag"]] = flags.get(r["flag"], 0) + 1
            print(f"{args.arch} {name} seed {seed}: {len(records)} frames in {seconds:.1f} s, flags {flags}", flush=True)


if __name__ == "__main__":
    main()
