"""A small DCGAN for images of a few dozen pixels a side, conditional or not.

Two stride-2 transposed convolutions take a (ceil(size/4))^2 seed up to the image; the
discriminator mirrors them. With ``num_classes`` > 0 the generator concatenates a class
embedding to the noise and the discriminator adds a projection term (Miyato & Koyama, 2018):
D(x, y) = head(phi(x)) + <embed(y), phi(x)>. With ``class_norm`` the generator's batch norms
are class-conditional too (de Vries et al., 2017; as in BigGAN): one normalisation over the
batch, every class's images, then a gain and bias of the image's class, so that the shapes
the majority classes teach are shared and only the scale and shift of each feature are a
class's own.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm as _spectral_norm

from synthbalance.models import layout


def _seed_size(image_size: int) -> int:
    return math.ceil(image_size / 4)


class ClassBatchNorm(nn.Module):
    """Batch norm without its own affine map, then the gain 1 + g[y] and bias b[y] of each
    image's class y (both embeddings start near 0: N(0, 0.02) from ``init_weights``)."""

    def __init__(self, channels: int, num_classes: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=False)
        self.gain = nn.Embedding(num_classes, channels)
        self.bias = nn.Embedding(num_classes, channels)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        gain, bias = self.gain(labels)[:, :, None, None], self.bias(labels)[:, :, None, None]
        return self.norm(x) * (1 + gain) + bias


class Generator(nn.Module):
    """Noise (N, z_dim) [+ labels (N,)] -> images (N, C, size, size) in [-1, 1]."""

    def __init__(
        self,
        z_dim: int,
        width: int,
        channels: int,
        image_size: int,
        num_classes: int = 0,
        class_norm: bool = False,
    ) -> None:
        super().__init__()
        self.z_dim, self.image_size = z_dim, image_size
        s = _seed_size(image_size)
        self.embed = nn.Embedding(num_classes, z_dim) if num_classes else None

        def norm(features: int) -> nn.Module:
            return ClassBatchNorm(features, num_classes) if class_norm else nn.BatchNorm2d(features)

        self.net = nn.Sequential(
            nn.Linear(z_dim * (2 if num_classes else 1), 2 * width * s * s, bias=False),
            nn.Unflatten(1, (2 * width, s, s)),  # (N, 2w, s, s)
            norm(2 * width),
            layout.ChannelsLastReLU(inplace=True),
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False),  # (N, w, 2s, 2s)
            norm(width),
            nn.ReLU(inplace=True),
            nn.ConvTranspose2d(width, channels, 4, 2, 1),  # (N, C, 4s, 4s)
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.embed is not None:
            z = torch.cat([z, self.embed(labels)], dim=1)
        images = z
        for layer in self.net:
            images = layer(images, labels) if isinstance(layer, ClassBatchNorm) else layer(images)
        crop = (images.shape[-1] - self.image_size) // 2  # 4s may exceed the size by up to 3
        return images[..., crop : crop + self.image_size, crop : crop + self.image_size]


class Discriminator(nn.Module):
    """Images (N, C, H, W) [+ labels (N,)] -> one real-vs-fake logit per image, (N,)."""

    def __init__(
        self,
        width: int,
        channels: int,
        image_size: int,
        num_classes: int = 0,
        spectral_norm: bool = True,
    ) -> None:
        super().__init__()
        sn = _spectral_norm if spectral_norm else (lambda module: module)
        side = image_size // 2 // 2
        features = 2 * width * side * side
        self.features = nn.Sequential(
            sn(nn.Conv2d(channels, width, 4, 2, 1)),  # (N, w, H/2, W/2)
            nn.LeakyReLU(0.2, inplace=True),
            sn(nn.Conv2d(width, 2 * width, 4, 2, 1)),  # (N, 2w, H/4, W/4)
            nn.LeakyReLU(0.2, inplace=True),
            layout.Flatten(),  # (N, features)
        )
        self.head = sn(nn.Linear(features, 1))
        self.embed = sn(nn.Embedding(num_classes, features)) if num_classes else None

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        h = self.features(images)
        logits = self.head(h).squeeze(1)
        if self.embed is not None:
            logits = logits + (self.embed(labels) * h).sum(dim=1)
        return logits


def init_weights(module: nn.Module) -> None:
    """DCGAN's initialisation: N(0, 0.02) for convolutions and linear maps, N(1, 0.02) for BN."""
    if isinstance(module, nn.Conv2d | nn.ConvTranspose2d | nn.Linear | nn.Embedding):
        weight = getattr(module, "parametrizations", None)
        target = weight.weight.original if weight is not None else module.weight
        nn.init.normal_(target, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d) and module.affine:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class ImageGenerator(nn.Module):
    """The trained generator as one artifact that samples labelled images.

    ``dcgan``: one unconditional Generator per class in ``classes``. ``conditional``: one
    class-conditional Generator over all ``class_names``. The discriminators travel with it
    (``critics``), so that samples can be scored by the critic that trained them.
    """

    def __init__(
        self,
        architecture: str,
        classes: list[int],
        class_names: list[str],
        z_dim: int,
        generator_width: int,
        discriminator_width: int,
        channels: int,
        image_size: int,
        class_norm: bool = False,
    ) -> None:
        super().__init__()
        self.config = {
            "architecture": architecture,
            "classes": list(classes),
            "class_names": list(class_names),
            "z_dim": z_dim,
            "generator_width": generator_width,
            "discriminator_width": discriminator_width,
            "channels": channels,
            "image_size": image_size,
            "class_norm": class_norm,
        }
        self.architecture, self.classes, self.class_names = architecture, classes, class_names
        self.z_dim, self.channels, self.image_size = z_dim, channels, image_size
        conditional = architecture == "conditional"
        keys = ["all"] if conditional else [str(label) for label in classes]
        num_classes = len(class_names) if conditional else 0
        self.nets = nn.ModuleDict(
            {
                k: Generator(
                    z_dim,
                    generator_width,
                    channels,
                    image_size,
                    num_classes,
                    class_norm and conditional,
                )
                for k in keys
            }
        )
        # Plain critics: training folds spectral norm into their weights (``bake``), so that
        # the saved state dict is plain weights that this constructor loads.
        self.critics = nn.ModuleDict(
            {
                k: Discriminator(discriminator_width, channels, image_size, num_classes, False)
                for k in keys
            }
        )

    def _route(self, labels: torch.Tensor):
        """(key, mask or None, labels for the net) for each net that the labels need."""
        if self.architecture == "conditional":
            return [("all", None, labels)]
        return [(str(int(c)), labels == c, None) for c in labels.unique()]

    def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Noise (N, z_dim), labels (N,) -> images (N, C, H, W) in [-1, 1]."""
        routes = self._route(labels)
        for key, _, _ in routes:
            if key not in self.nets:
                raise ValueError(f"this generator has no network for class {key}")
        if len(routes) == 1:  # one net for the whole batch: no scatter
            key, _, net_labels = routes[0]
            return self.nets[key](z, net_labels)
        out = z.new_empty(len(z), self.channels, self.image_size, self.image_size)
        for key, mask, _ in routes:
            out[mask] = self.nets[key](z[mask], None)
        return out

    def critic(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """The discriminators' logits for images (N, C, H, W) in [-1, 1] of classes ``labels``."""
        routes = self._route(labels)
        if len(routes) == 1:
            key, _, net_labels = routes[0]
            return self.critics[key](images, net_labels)
        out = images.new_empty(len(images))
        for key, mask, _ in routes:
            out[mask] = self.critics[key](images[mask], None)
        return out


def bake(discriminator: Discriminator) -> dict[str, torch.Tensor]:
    """The discriminator's state with spectral norm folded into plain weights."""
    training = discriminator.training
    discriminator.eval()  # in eval mode, reading a weight runs no power iteration
    state = {k: v for k, v in discriminator.state_dict().items() if ".parametrizations." not in k}
    with torch.no_grad():
        for name, module in discriminator.named_modules():
            if parametrize.is_parametrized(module):
                for weight in module.parametrizations:
                    state[f"{name}.{weight}"] = getattr(module, weight).detach().clone()
    discriminator.train(training)
    return state
