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


def date_upsampler(channels: int = 64) -> nn.Sequential:
    """The date head's frames: twice the number head's (the date row's digits are small), then a conv."""
    factor = FRAME_STRIDE // DATE_FRAME_STRIDE
    return nn.Sequential(
        nn.ConvTranspose1d(channels, channels, factor, stride=factor),
        nn.ReLU(inplace=True),
        nn.Conv1d(channels, channels, 3, padding=1),
        nn.ReLU(inplace=True),
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
        self.date_conv = date_upsampler()
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


class PlateTransformer(nn.Module):
    """A compact convolutional transformer (CCT-style) reader with the same inputs and outputs as PlateRecognizer.

    A small convolutional tokenizer turns the (N, 1, 48, 144) crop into a 6 x 36 grid of tokens; a
    transformer encoder with learned 2-D positions lets every token see the whole plate (both rows);
    the number and date heads then collapse the height exactly as PlateRecognizer's do (CTC over 36
    and 72 frames), so the server reads either export the same way.
    """

    def __init__(
        self, height: int = 48, width: int = 144, dim: int = 96, layers: int = 3, heads: int = 4,
        widths: tuple[int, ...] = (32, 48),
    ) -> None:
        super().__init__()
        a, b = widths
        self.tokenizer = nn.Sequential(
            conv_bn(1, a, stride=2),  # 24 x 72
            conv_bn(a, b),
            nn.MaxPool2d(2),  # 12 x 36
            conv_bn(b, dim),
            nn.MaxPool2d((2, 1)),  # 6 x 36
        )
        self.rows, self.cols = height // 8, width // FRAME_STRIDE
        self.position = nn.Parameter(torch.zeros(1, self.rows * self.cols, dim))
        nn.init.trunc_normal_(self.position, std=0.02)
        layer = nn.TransformerEncoderLayer(
            dim, heads, dim_feedforward=2 * dim, dropout=0.1, activation="gelu", batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)
        self.number_collapse = conv_bn(dim, 128, (self.rows, 1), padding=0)
        self.number_fc = nn.Linear(128, len(NUMBER_ALPHABET) + 1)
        self.date_collapse = conv_bn(dim, 64, (self.rows, 1), padding=0)
        self.date_conv = date_upsampler()
        self.date_fc = nn.Conv1d(64, len(DATE_ALPHABET) + 1, 1)

    def logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Raw per-frame scores: number (N, T, 37) and date (N, 2T, 11)."""
        grid = self.tokenizer(x)  # (N, D, R, C)
        n, d, r, c = grid.shape
        tokens = self.norm(self.encoder(grid.flatten(2).transpose(1, 2) + self.position))
        grid = tokens.transpose(1, 2).reshape(n, d, r, c)
        number = self.number_fc(self.number_collapse(grid).squeeze(2).permute(0, 2, 1))
        date = self.date_fc(self.date_conv(self.date_collapse(grid).squeeze(2))).permute(0, 2, 1)
        return number, date

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-frame probabilities (what the exported ONNX returns)."""
        number, date = self.logits(x)
        return number.softmax(-1), date.softmax(-1)


ARCHITECTURES: dict[str, type[nn.Module]] = {"crnn": PlateRecognizer, "cct": PlateTransformer}
