import pytest
import torch

from synthbalance.models.diffaugment import diff_augment
from synthbalance.models.gan import Discriminator, Generator, ImageGenerator, bake


@pytest.mark.parametrize("size", [8, 28, 30, 32])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("num_classes", [0, 4])
def test_generator_and_discriminator_shapes(size, channels, num_classes):
    labels = torch.tensor([0, 1, 3]) if num_classes else None
    images = Generator(16, 8, channels, size, num_classes)(torch.randn(3, 16), labels)
    assert images.shape == (3, channels, size, size)
    assert images.min() >= -1 and images.max() <= 1
    assert Discriminator(8, channels, size, num_classes)(images, labels).shape == (3,)


@pytest.mark.parametrize("architecture", ["dcgan", "conditional"])
def test_image_generator_routes_labels(architecture):
    bundle = ImageGenerator(architecture, [1, 2], ["a", "b", "c"], 8, 4, 4, 1, 28).eval()
    labels = torch.tensor([2, 1, 2, 1])
    images = bundle(torch.randn(4, 8), labels)
    assert images.shape == (4, 1, 28, 28)
    assert bundle.critic(images, labels).shape == (4,)


def test_a_dcgan_bundle_refuses_a_class_it_has_no_net_for():
    bundle = ImageGenerator("dcgan", [1], ["a", "b"], 8, 4, 4, 1, 8)
    with pytest.raises(ValueError, match="no network for class 0"):
        bundle(torch.randn(2, 8), torch.tensor([0, 0]))


def test_baked_spectral_norm_scores_like_the_original():
    torch.manual_seed(0)
    with_sn = Discriminator(8, 1, 28, spectral_norm=True)
    with_sn(torch.randn(4, 1, 28, 28))  # a training-mode call runs the power iteration
    with_sn.eval()
    plain = Discriminator(8, 1, 28, spectral_norm=False).eval()
    plain.load_state_dict(bake(with_sn))
    x = torch.randn(5, 1, 28, 28)
    assert torch.allclose(with_sn(x), plain(x), atol=1e-5)


def test_diff_augment_keeps_shape_is_seeded_and_differentiable():
    x = (torch.rand(6, 3, 16, 16) * 2 - 1).requires_grad_()
    policy = ["color", "translation", "cutout"]
    a = diff_augment(x, policy, torch.Generator().manual_seed(1))
    b = diff_augment(x, policy, torch.Generator().manual_seed(1))
    assert a.shape == x.shape and torch.equal(a, b)
    a.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_colour_leaves_grey_images_alone():
    x = torch.rand(4, 1, 8, 8)
    assert torch.equal(diff_augment(x, ["color"], torch.Generator().manual_seed(0)), x)
