"""Stand-ins that let pytracking's own DiMP tracker run on a CPU with Debian's torch, from a
checkout the user fetched (nothing of pytracking lives here):

- PrRoIPool2D: precise RoI pooling (Jiang et al., 2018) in plain PyTorch, for the CUDA extension
  pytracking builds from its PreciseRoIPooling submodule. Each bin's value is the exact integral
  of the bilinearly interpolated feature map (values at integer coordinates, zero outside the
  map) over the bin, divided by the bin's area (0 for an empty bin), computed in closed form as a
  product of per-axis integrals of the interpolation's hat kernel; autograd gives the gradients
  with respect to features and boxes (the IoU-Net's box refinement needs the latter).
- matplotlib: imported by pytracking's plotting helpers, which the tracker calls only when
  debugging; timm: imported by a transformer backbone DiMP does not build. Any use raises.
- the local settings modules (`ltr.admin.local`, `pytracking.evaluation.local`), which a
  checkout holds only once its user has set paths up (its loader imports the first; pytracking
  would otherwise write a template into the checkout); every path is empty.
- package shells for `pytracking` and `pytracking.evaluation`: their __init__ files import the
  evaluation and visualisation machinery (datasets, visdom, plots) the tracker does not need;
  the shells expose the same library names (TensorList, dcf, ...) from the checkout's own files.

    import stand_ins
    stand_ins.install("/path/to/pytracking")     # before importing anything of pytracking
"""
import importlib
import os
import sys
import types

import torch
from torch import nn


def hat_integral(t):
    """Integral of the hat kernel max(0, 1 - |s|) from -inf to t."""
    t = t.clamp(-1, 1)
    return torch.where(t < 0, 0.5 * (t + 1) ** 2, 1 - 0.5 * (1 - t) ** 2)


def bin_weights(start, bin_size, bins, length):
    """(R, bins, length): integral of each grid point's hat over each bin [start + i*size, start + (i+1)*size]."""
    i = torch.arange(bins, dtype=start.dtype, device=start.device)
    lo = start[:, None] + i[None, :] * bin_size[:, None]
    hi = lo + bin_size[:, None]
    grid = torch.arange(length, dtype=start.dtype, device=start.device)
    return hat_integral(hi[..., None] - grid) - hat_integral(lo[..., None] - grid)


def precise_roi_pool(features, rois, pooled_height, pooled_width, spatial_scale):
    """features (N, C, H, W); rois (R, 5) [image index, x0, y0, x1, y1] in input pixels -> (R, C, ph, pw)."""
    _, _, height, width = features.shape
    x0, y0 = rois[:, 1] * spatial_scale, rois[:, 2] * spatial_scale
    x1, y1 = rois[:, 3] * spatial_scale, rois[:, 4] * spatial_scale
    bin_w = (x1 - x0).clamp(min=0) / pooled_width
    bin_h = (y1 - y0).clamp(min=0) / pooled_height
    wx = bin_weights(x0, bin_w, pooled_width, width)    # (R, pw, W)
    wy = bin_weights(y0, bin_h, pooled_height, height)  # (R, ph, H)
    per_roi = features[rois[:, 0].long()]               # (R, C, H, W)
    integral = torch.einsum("rchw,rih,rjw->rcij", per_roi, wy, wx)
    area = bin_w * bin_h
    nonempty = area > 0
    safe_area = torch.where(nonempty, area, torch.ones_like(area))
    return integral / safe_area[:, None, None, None] * nonempty[:, None, None, None].to(integral.dtype)


class PrRoIPool2D(nn.Module):
    """The interface of PreciseRoIPooling's pytorch/prroi_pool.PrRoIPool2D."""

    def __init__(self, pooled_height, pooled_width, spatial_scale):
        super().__init__()
        self.pooled_height = int(pooled_height)
        self.pooled_width = int(pooled_width)
        self.spatial_scale = float(spatial_scale)

    def forward(self, features, rois):
        return precise_roi_pool(features, rois, self.pooled_height, self.pooled_width, self.spatial_scale)


class _Unavailable(types.ModuleType):
    """A module whose every attribute is a function that refuses to run."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)

        def refuse(*args, **kwargs):
            raise RuntimeError(f"{self.__name__}.{name}: not available in the parity harness (plotting is off)")
        return refuse


class _EmptySettings:
    """Every path a settings attribute asks for is empty."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return ""


def _module(name, path=None):
    m = types.ModuleType(name)
    if path is not None:
        m.__path__ = [path]
    sys.modules[name] = m
    return m


def install(checkout):
    """Register the stand-ins, then the checkout's packages; returns the checkout's absolute path."""
    checkout = os.path.abspath(checkout)
    tracker = os.path.join(checkout, "pytracking", "tracker", "dimp", "dimp.py")
    if not os.path.isfile(tracker):
        raise SystemExit(f"{checkout} is not a pytracking checkout (no pytracking/tracker/dimp/dimp.py)")
    if checkout not in sys.path:
        sys.path.insert(0, checkout)
    for parent, children in (("matplotlib", ("pyplot", "patches")), ("timm", ("models",)), ("timm.models", ("layers",))):
        sys.modules.setdefault(parent, _Unavailable(parent))
        for child in children:
            module = sys.modules.setdefault(parent + "." + child, _Unavailable(parent + "." + child))
            setattr(sys.modules[parent], child, module)
    prroi = "ltr.external.PreciseRoIPooling"
    _module(prroi, os.path.join(checkout, "ltr", "external", "PreciseRoIPooling"))
    _module(prroi + ".pytorch", os.path.join(checkout, "ltr", "external", "PreciseRoIPooling", "pytorch"))
    _module(prroi + ".pytorch.prroi_pool").PrRoIPool2D = PrRoIPool2D
    for name in ("ltr.admin.local", "pytracking.evaluation.local"):
        _module(name).EnvironmentSettings = _EmptySettings
    # pytracking's package, without its __init__ (which starts the evaluation machinery).
    pkg = _module("pytracking", os.path.join(checkout, "pytracking"))
    _module("pytracking.evaluation", os.path.join(checkout, "pytracking", "evaluation"))
    libs = importlib.import_module("pytracking.libs")
    pkg.libs, pkg.TensorList, pkg.TensorDict = libs, libs.TensorList, libs.TensorDict
    for name in ("complex", "fourier", "dcf", "operation", "optimization"):
        setattr(pkg, name, importlib.import_module("pytracking.libs." + name))
    return checkout
