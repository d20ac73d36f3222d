#!/usr/bin/python3
"""Independent reference for the ResNet backbones: torchvision's ResNet-18/50 with seeded
weights and realistic BatchNorm statistics, run in eval mode on a seeded 288x288 input.
Writes one safetensors file with the weights (torchvision's names), the input, and the
outputs of conv1 (after ReLU), layer1 .. layer4."""
import argparse
import os
import sys

import torch
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "python"))
import safetensors_io  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--depth", type=int, choices=[18, 50], required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    net = torchvision.models.resnet18() if args.depth == 18 else torchvision.models.resnet50()
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.1)
        net.train()
        for _ in range(3):  # running statistics from data, as a trained network has
            net(torch.randn(4, 3, 128, 128))
        net.eval()
        x = torch.randn(1, 3, 288, 288)
        outputs = {}
        y = net.relu(net.bn1(net.conv1(x)))
        outputs["conv1"] = y
        y = net.maxpool(y)
        for name in ["layer1", "layer2", "layer3", "layer4"]:
            y = getattr(net, name)(y)
            outputs[name] = y
    tensors = dict(net.state_dict())
    tensors["input"] = x
    tensors.update({"out." + k: v for k, v in outputs.items()})
    safetensors_io.write(args.out, tensors)


if __name__ == "__main__":
    main()
