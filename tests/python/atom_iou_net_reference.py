#!/usr/bin/python3
"""Independent reference for the IoU-Net of ATOM (Danelljan et al., CVPR 2019, Fig. 3 and its
description; the box estimator of DiMP, §3.5): written from that description in plain PyTorch
modules, with an exact precise-RoI-pooling (the integral of the bilinearly interpolated map
over each bin, divided by the bin's area) computed as a product of per-axis integrals of the
interpolation's hat kernel. Seeded weights with BatchNorm statistics away from identity, seeded
layer2/layer3 features of a reference and a test image, the reference box and test proposals.

Writes one safetensors file: the weights under their state-dict names, the inputs
(`in.*`), and the outputs: the modulation vectors, the test features, the predicted IoUs
and their gradient with respect to the proposals (autograd)."""
import argparse
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "python"))
import safetensors_io  # noqa: E402


def hat_integral(t):
    """Integral of max(0, 1 - |s|) from -inf to t."""
    t = t.clamp(-1, 1)
    return torch.where(t < 0, 0.5 * (t + 1) ** 2, 1 - 0.5 * (1 - t) ** 2)


def precise_roi_pool(feat, rois, out_h, out_w, scale):
    """feat (N, C, H, W); rois (R, 5) [image, x0, y0, x1, y1] in image pixels."""
    _, C, H, W = feat.shape
    out = []
    for r in rois:
        n = int(r[0].item())
        x0, y0, x1, y1 = r[1] * scale, r[2] * scale, r[3] * scale, r[4] * scale
        bw, bh = (x1 - x0).clamp(min=0) / out_w, (y1 - y0).clamp(min=0) / out_h
        cols = torch.arange(W, dtype=feat.dtype)
        rows = torch.arange(H, dtype=feat.dtype)
        pooled = feat.new_zeros(C, out_h, out_w)
        for i in range(out_h):
            ya, yb = y0 + i * bh, y0 + (i + 1) * bh
            wy = hat_integral(yb - rows) - hat_integral(ya - rows)  # (H,)
            for j in range(out_w):
                xa, xb = x0 + j * bw, x0 + (j + 1) * bw
                wx = hat_integral(xb - cols) - hat_integral(xa - cols)  # (W,)
                area = bw * bh
                if area > 0:
                    pooled[:, i, j] = torch.einsum("chw,h,w->c", feat[n], wy, wx) / area
        out.append(pooled)
    return torch.stack(out)


def conv_bn_relu(cin, cout, k, pad):
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=pad, bias=True), nn.BatchNorm2d(cout), nn.ReLU())


class LinearBlock(nn.Module):
    def __init__(self, cin, cout, size):
        super().__init__()
        self.linear = nn.Linear(cin * size * size, cout)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        y = self.bn(self.linear(x.reshape(x.shape[0], -1)).reshape(x.shape[0], -1, 1, 1))
        return torch.relu(y).reshape(x.shape[0], -1)


class IoUNet(nn.Module):
    """ATOM's IoU predictor: a reference branch turns the target's layer2/3 features into one
    modulation vector per layer; the test branch's features, scaled channel-wise by them, are
    pooled over each proposal (5x5 bins of layer2, 3x3 of layer3) and mapped to an IoU."""

    def __init__(self, c2, c3, d=256, inter=256):
        super().__init__()
        self.conv3_1r = conv_bn_relu(c2, 128, 3, 1)
        self.conv3_1t = conv_bn_relu(c2, 256, 3, 1)
        self.conv3_2t = conv_bn_relu(256, d, 3, 1)
        self.fc3_1r = conv_bn_relu(128, 256, 3, 0)
        self.conv4_1r = conv_bn_relu(c3, 256, 3, 1)
        self.conv4_1t = conv_bn_relu(c3, 256, 3, 1)
        self.conv4_2t = conv_bn_relu(256, d, 3, 1)
        self.fc34_3r = conv_bn_relu(512, d, 1, 0)
        self.fc34_4r = conv_bn_relu(512, d, 1, 0)
        self.fc3_rt = LinearBlock(d, inter, 5)
        self.fc4_rt = LinearBlock(d, inter, 3)
        self.iou_predictor = nn.Linear(2 * inter, 1)

    @staticmethod
    def rois(boxes):  # (B, P, 4) x, y, w, h -> (B*P, 5)
        B, P, _ = boxes.shape
        index = torch.arange(B, dtype=boxes.dtype).repeat_interleave(P).reshape(-1, 1)
        b = boxes.reshape(-1, 4)
        return torch.cat([index, b[:, :2], b[:, :2] + b[:, 2:]], dim=1)

    def modulation(self, l2, l3, box):
        rois = self.rois(box.reshape(-1, 1, 4))
        roi3 = precise_roi_pool(self.conv3_1r(l2), rois, 3, 3, 1 / 8)
        roi4 = precise_roi_pool(self.conv4_1r(l3), rois, 1, 1, 1 / 16)
        fc34 = torch.cat([self.fc3_1r(roi3), roi4], dim=1)
        return self.fc34_3r(fc34), self.fc34_4r(fc34)

    def features(self, l2, l3):
        return self.conv3_2t(self.conv3_1t(l2)), self.conv4_2t(self.conv4_1t(l3))

    def predict(self, mod, feat, proposals):
        B, P, _ = proposals.shape
        f3 = feat[0] * mod[0].reshape(B, -1, 1, 1)
        f4 = feat[1] * mod[1].reshape(B, -1, 1, 1)
        rois = self.rois(proposals)
        fc = torch.cat([self.fc3_rt(precise_roi_pool(f3, rois, 5, 5, 1 / 8)),
                        self.fc4_rt(precise_roi_pool(f4, rois, 3, 3, 1 / 16))], dim=1)
        return self.iou_predictor(fc).reshape(B, P)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_default_dtype(torch.float64)
    net = IoUNet(32, 48, d=40, inter=24)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.2)
                m.running_mean.normal_(0, 0.2)
                m.running_var.uniform_(0.5, 2.0)
    net.eval()
    ref2, ref3 = torch.randn(2, 32, 36, 36), torch.randn(2, 48, 18, 18)
    test2, test3 = torch.randn(2, 32, 36, 36), torch.randn(2, 48, 18, 18)
    ref_box = torch.tensor([[100.0, 90.0, 80.0, 60.0], [60.5, 120.25, 50.0, 90.0]])
    proposals = torch.tensor([[[95.0, 85.0, 90.0, 70.0], [120.3, 100.1, 40.2, 55.7], [-10.0, 250.0, 60.0, 70.0]],
                              [[60.0, 118.0, 52.0, 88.0], [10.5, 20.5, 200.0, 150.0], [140.0, 140.0, 1.0, 0.0]]])
    with torch.no_grad():
        mod = net.modulation(ref2, ref3, ref_box)
        feat = net.features(test2, test3)
    p = proposals.clone().requires_grad_()
    iou = net.predict(mod, feat, p)
    iou.sum().backward()
    tensors = {k: v for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")}
    tensors.update({"in.ref_layer2": ref2, "in.ref_layer3": ref3, "in.test_layer2": test2, "in.test_layer3": test3,
                    "in.ref_box": ref_box, "in.proposals": proposals,
                    "out.modulation2": mod[0], "out.modulation3": mod[1], "out.features2": feat[0],
                    "out.features3": feat[1], "out.iou": iou.detach(), "out.iou_grad": p.grad})
    safetensors_io.write(args.out, tensors)


if __name__ == "__main__":
    main()
