#!/usr/bin/python3
"""Xception (Chollet 2017, Figure 5) in PyTorch, written from the paper for minnow's parity tests.

torchvision has no Xception, so this is the reference that models/xception.cpp is compared with;
its state_dict() keys are minnow's parameter and buffer names. Conventions (the ones that give
Table 3's 22,855,952 parameters at 1000 classes): convolutions without bias, each convolution and
separable convolution followed by BatchNorm (gamma and beta counted, running statistics not), no
BatchNorm or non-linearity between a separable convolution's depthwise 3x3 and pointwise 1x1, no
optional fully-connected layers, one Linear 2048 -> classes with bias after a dropout (the paper's
0.5 for ImageNet). The two entry convolutions
are unpadded (Keras' "valid"); separable convolutions and max-pools pad 1.
small_input=True runs entry_flow.conv1 and entry_flow.block1 (its max-pool and shortcut) at stride 1.
"""
import torch
from torch import nn


class SeparableConv(nn.Module):
    """depthwise 3x3, pointwise 1x1, BatchNorm."""

    def __init__(self, cin, cout):
        super().__init__()
        self.depthwise = nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False)
        self.pointwise = nn.Conv2d(cin, cout, 1, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return self.bn(self.pointwise(self.depthwise(x)))


class Block(nn.Module):
    """[ReLU] sepconv (cin -> mid), then ReLU, sepconv for each further width, then a 3x3 max-pool at
    stride; plus a 1x1 conv + BN shortcut at stride when the shape changes, else the input."""

    def __init__(self, cin, widths, stride, relu_first):
        super().__init__()
        channels = [cin] + widths
        for i in range(len(widths)):
            if i > 0 or relu_first:
                setattr(self, f"relu{i + 1}", nn.ReLU())
            setattr(self, f"sepconv{i + 1}", SeparableConv(channels[i], channels[i + 1]))
        self.units = len(widths)
        self.pool = nn.MaxPool2d(3, stride, padding=1) if stride else None
        self.shortcut = None
        if stride or cin != widths[-1]:
            self.shortcut = nn.Sequential()
            self.shortcut.add_module("conv", nn.Conv2d(cin, widths[-1], 1, stride=stride or 1, bias=False))
            self.shortcut.add_module("bn", nn.BatchNorm2d(widths[-1]))

    def forward(self, x):
        y = x
        for i in range(1, self.units + 1):
            if hasattr(self, f"relu{i}"):
                y = getattr(self, f"relu{i}")(y)
            y = getattr(self, f"sepconv{i}")(y)
        if self.pool is not None:
            y = self.pool(y)
        return y + (self.shortcut(x) if self.shortcut is not None else x)


class EntryFlow(nn.Module):
    def __init__(self, in_channels, small_input):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 32, 3, stride=1 if small_input else 2, bias=False)
        self.bn1 = nn.BatchNorm2d(32)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(32, 64, 3, bias=False)
        self.bn2 = nn.BatchNorm2d(64)
        self.relu2 = nn.ReLU()
        self.block1 = Block(64, [128, 128], 1 if small_input else 2, relu_first=False)
        self.block2 = Block(128, [256, 256], 2, relu_first=True)
        self.block3 = Block(256, [728, 728], 2, relu_first=True)

    def forward(self, x):
        x = self.relu1(self.bn1(self.conv1(x)))
        x = self.relu2(self.bn2(self.conv2(x)))
        return self.block3(self.block2(self.block1(x)))


class ExitFlow(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block(728, [728, 1024], 2, relu_first=True)
        self.sepconv3 = SeparableConv(1024, 1536)
        self.relu3 = nn.ReLU()
        self.sepconv4 = SeparableConv(1536, 2048)
        self.relu4 = nn.ReLU()

    def forward(self, x):
        x = self.relu3(self.sepconv3(self.block(x)))
        return self.relu4(self.sepconv4(x))


class Xception(nn.Module):
    def __init__(self, num_classes=1000, in_channels=3, small_input=False, dropout=0.5):
        super().__init__()
        self.entry_flow = EntryFlow(in_channels, small_input)
        self.middle_flow = nn.Sequential(*[Block(728, [728, 728, 728], 0, relu_first=True) for _ in range(8)])
        self.exit_flow = ExitFlow()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(2048, num_classes)

    def forward(self, x):
        x = self.exit_flow(self.middle_flow(self.entry_flow(x)))
        return self.fc(self.dropout(torch.flatten(self.pool(x), 1)))


def xception(num_classes=1000, **kwargs):
    return Xception(num_classes=num_classes, **kwargs)
