"""The twin's encoder views: the tilt and the permutation probability of lib/train/augment.ts."""
import math

import pytest
import torch

from flowfm_torch.views import resolve_augment, view_matrices


def windows(n=2000):
    g = torch.Generator().manual_seed(1)
    x = 0.1 * torch.randn(n, 300, 3, generator=g) + torch.tensor([0.2, -0.9, 0.3])
    return x


def gravity(x):
    v = x.mean(dim=1)
    return v / v.norm(dim=1, keepdim=True)


def test_a_tilt_about_gravity_moves_the_gravity_direction_by_at_most_the_tilt():
    x = windows()
    m = view_matrices(torch.Generator().manual_seed(0), x,
                      {"rotationAxis": "gravity", "maxRotationDeg": 180, "maxTiltDeg": 15, "scale": 0})
    g = gravity(x)
    moved = torch.bmm(m, g.unsqueeze(2)).squeeze(2)
    angle = torch.rad2deg(torch.acos((moved * g).sum(dim=1).clamp(-1, 1)))
    assert angle.max() <= 15 + 1e-3
    assert 6 < angle.mean() < 9  # uniform in [-15, 15] degrees: mean |angle| 7.5
    still = view_matrices(torch.Generator().manual_seed(0), x, {"rotationAxis": "gravity", "maxRotationDeg": 180, "scale": 0})
    kept = torch.bmm(still, g.unsqueeze(2)).squeeze(2)
    assert torch.allclose(kept, g, atol=1e-5)  # without the tilt, gravity stays where it was


def test_axes_are_permuted_at_the_stated_rate():
    m = view_matrices(torch.Generator().manual_seed(0), windows(),
                      {"permuteAxes": True, "permuteProbability": 0.3, "maxRotationDeg": 0, "scale": 0})
    identity = ((m - torch.eye(3)).abs().amax(dim=(1, 2)) < 1e-6).float().mean().item()
    expected = 0.7 + 0.3 / 48  # kept, or permuted and flipped into the identity (1 of 6 x 8)
    assert abs(identity - expected) < 4 * math.sqrt(expected * (1 - expected) / 2000)


def test_an_unknown_view_option_is_named():
    with pytest.raises(ValueError, match="maxTilt"):
        resolve_augment({"maxTilt": 10}, {})
