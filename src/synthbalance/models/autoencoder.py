"""DeepSMOTE's encoder/decoder: images in [-1, 1] -> a latent code -> images.

The encoder is the GAN discriminator's convolutional trunk (without spectral norm) and a
linear map to the code; the decoder is the GAN's generator, the code in place of its noise:
one architecture family for the two generative strategies, so that they differ in how they
learn and sample, not in their networks' capacity.
"""

from __future__ import annotations

import torch
from torch import nn

from synthbalance.models.gan import Discriminator, Generator


class Autoencoder(nn.Module):
    """Images (N, C, size, size) in [-1, 1] -> codes (N, code) -> images in [-1, 1]."""

    def __init__(
        self, code: int, width: int, channels: int, image_size: int, class_names: list[str]
    ) -> None:
        super().__init__()
        self.config = {
            "code": code,
            "width": width,
            "channels": channels,
            "image_size": image_size,
            "class_names": list(class_names),
        }
        self.class_names = list(class_names)
        trunk = Discriminator(width, channels, image_size, spectral_norm=False).features
        side = image_size // 2 // 2
        self.encoder = nn.Sequential(trunk, nn.Linear(2 * width * side * side, code))
        self.decoder = Generator(code, width, channels, image_size)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        return self.encoder(images)

    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        return self.decoder(codes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(images))
