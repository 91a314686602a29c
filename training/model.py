"""The plate recognizer network: a small CNN, a BiLSTM number head and a conv date head, both CTC."""

from __future__ import annotations

import torch
from torch import nn

NUMBER_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DATE_ALPHABET = "0123456789"
FRAME_STRIDE = 4  # input pixels per number frame (width 144 -> 36 frames)
DATE_FRAME_STRIDE = 2  # the date row's digits are small: twice as many frames (72)


def conv_bn(cin: int, cout: int, kernel: int | tuple[int, int] = 3, stride: int = 1, padding: int = 1) -> nn.Sequential:
    """Conv (no bias), batch norm, ReLU."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, stride, padding, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


class PlateRecognizer(nn.Module):
    """Input (N, 1, 48, 144); outputs per-frame softmax (N, 36, 37) for the number and (N, 72, 11) for the date.

    Both heads see the whole height: each learns which row it reads (number on top, date below).
    """

    def __init__(self, height: int = 48, hidden: int = 112, widths: tuple[int, ...] = (32, 48, 80, 112)) -> None:
        super().__init__()
        a, b, c, d = widths
        self.backbone = nn.Sequential(
            conv_bn(1, a, stride=2),  # 24 x 72
            conv_bn(a, b),
            nn.MaxPool2d(2),  # 12 x 36
            conv_bn(b, c),
            conv_bn(c, c),
            nn.MaxPool2d((2, 1)),  # 6 x 36
            conv_bn(c, d),
            conv_bn(d, d),
            nn.Dropout2d(0.1),
        )
        rows = height // 8
        self.number_collapse = conv_bn(d, 128, (rows, 1), padding=0)
        self.number_rnn = nn.LSTM(128, hidden, bidirectional=True, batch_first=True)
        self.number_fc = nn.Linear(2 * hidden, len(NUMBER_ALPHABET) + 1)
        self.date_collapse = conv_bn(d, 64, (rows, 1), padding=0)
        self.date_conv = nn.Sequential(
            nn.ConvTranspose1d(64, 64, FRAME_STRIDE // DATE_FRAME_STRIDE, stride=FRAME_STRIDE // DATE_FRAME_STRIDE),
            nn.ReLU(inplace=True),
            nn.Conv1d(64, 64, 3, padding=1),
            nn.ReLU(inplace=True),
        )
        self.date_fc = nn.Conv1d(64, len(DATE_ALPHABET) + 1, 1)

    frozen_norms = False  # set by training.warm_start: batch-norm statistics stay as loaded

    def train(self, mode: bool = True) -> PlateRecognizer:
        """nn.Module.train, keeping the batch norms in eval mode when their statistics are frozen."""
        super().train(mode)
        if self.frozen_norms:
            for module in self.modules():
                if isinstance(module, nn.BatchNorm2d):
                    module.eval()
        return self

    def logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Raw per-frame scores: number (N, T, 37) and date (N, 2T, 11)."""
        features = self.backbone(x)
        number = self.number_collapse(features).squeeze(2).permute(0, 2, 1)
        number, _ = self.number_rnn(number)
        number = self.number_fc(number)
        date = self.date_fc(self.date_conv(self.date_collapse(features).squeeze(2))).permute(0, 2, 1)
        return number, date

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-frame probabilities (what the exported ONNX returns)."""
        number, date = self.logits(x)
        return number.softmax(-1), date.softmax(-1)
