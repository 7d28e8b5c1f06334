"""Unit tests for matref.engine.sampling: draws satisfy their assumptions, directions stay in the tangent space."""

from __future__ import annotations

import numpy as np
import pytest

from matref.engine.sampling import KAPPA, direction, draw, orthogonal, project, spectrum

SIZES = [1, 2, 3, 5, 8]
TOL = 1e-10
COND_LIMIT = KAPPA * (1 + 1e-9)


def draws(assume, sizes=SIZES, per_size=6, seed=0):
    rng = np.random.default_rng(seed)
    for n in sizes:
        for _ in range(per_size):
            yield draw(rng, (n, n), assume)


def is_symmetric(a):
    return np.allclose(a, a.T, rtol=0, atol=TOL)


def is_diagonal(a):
    return np.array_equal(a, np.diag(np.diag(a)))


def cond(a):
    return np.linalg.cond(a)


# -- building blocks ------------------------------------------------------------------------------
def test_spectrum_is_in_one_to_kappa():
    rng = np.random.default_rng(1)
    values = spectrum(rng, 500)
    assert values.min() >= 1 and values.max() <= KAPPA
    assert values.max() / values.min() > KAPPA / 2  # it does spread over the range


def test_signed_spectrum_has_both_signs_and_bounded_magnitude():
    values = spectrum(np.random.default_rng(2), 200, signed=True)
    assert (values < 0).any() and (values > 0).any()
    assert np.abs(values).min() >= 1 and np.abs(values).max() <= KAPPA


def test_spectrum_respects_kappa_argument():
    values = spectrum(np.random.default_rng(3), 200, kappa=2.0)
    assert values.min() >= 1 and values.max() <= 2.0


@pytest.mark.parametrize("n", [1, 2, 5])
def test_orthogonal_helper(n):
    q = orthogonal(np.random.default_rng(4), n)
    np.testing.assert_allclose(q.T @ q, np.eye(n), atol=TOL)


# -- each assumption's draws satisfy it -----------------------------------------------------------
def test_symmetric():
    for a in draws(["symmetric"]):
        assert is_symmetric(a)
        assert cond(a) <= COND_LIMIT


def test_symmetric_draws_are_indefinite_sometimes():
    eigs = np.concatenate([np.linalg.eigvalsh(a) for a in draws(["symmetric"], sizes=[4])])
    assert (eigs < 0).any() and (eigs > 0).any()


def test_spd_eigenvalues_in_one_to_kappa():
    for a in draws(["spd"]):
        assert is_symmetric(a)
        eig = np.linalg.eigvalsh(a)
        assert eig.min() >= 1 - 1e-9
        assert eig.max() <= KAPPA * (1 + 1e-9)


def test_orthogonal():
    for q in draws(["orthogonal"]):
        n = q.shape[0]
        np.testing.assert_allclose(q.T @ q, np.eye(n), atol=TOL)
        np.testing.assert_allclose(q @ q.T, np.eye(n), atol=TOL)


def test_orthogonal_symmetric_is_a_reflection():
    for q in draws(["orthogonal", "symmetric"]):
        assert is_symmetric(q)
        np.testing.assert_allclose(q @ q, np.eye(q.shape[0]), atol=1e-9)


def test_orthogonal_diagonal_is_signs():
    for q in draws(["orthogonal", "diagonal"]):
        assert is_diagonal(q)
        assert set(np.abs(np.diag(q))) == {1.0}


def test_diagonal():
    for a in draws(["diagonal"]):
        assert is_diagonal(a)
        assert cond(a) <= COND_LIMIT
        assert np.abs(np.diag(a)).min() >= 1


def test_diagonal_spd_has_positive_diagonal_in_range():
    for a in draws(["diagonal", "spd"]):
        assert is_diagonal(a)
        d = np.diag(a)
        assert d.min() >= 1 and d.max() <= KAPPA


@pytest.mark.parametrize("assume", [["positive"], ["positive", "symmetric"], ["positive", "diagonal"],
                                    ["positive", "invertible"], ["positive", "spd"]],
                         ids=lambda a: "+".join(a))
def test_positive_entries(assume):
    for a in draws(assume):
        if "diagonal" in assume:
            assert is_diagonal(a)
            assert np.diag(a).min() > 0
        else:
            assert a.min() > 0
        if "symmetric" in assume or "spd" in assume:
            assert is_symmetric(a)
        if "invertible" in assume or "spd" in assume:
            assert cond(a) <= COND_LIMIT
        if "spd" in assume:
            assert np.linalg.eigvalsh(a).min() > 0


def test_positive_rectangular():
    rng = np.random.default_rng(5)
    a = draw(rng, (3, 7), ["positive"])
    assert a.shape == (3, 7) and a.min() > 0


def test_positive_draws_respect_kappa():
    worst = max(cond(draw(np.random.default_rng(s), (6, 6), ["positive"])) for s in range(5))
    assert worst <= COND_LIMIT


@pytest.mark.parametrize("assume", [["invertible"], ["square"], []], ids=["invertible", "square", "none"])
def test_invertible_and_square_are_well_conditioned(assume):
    for a in draws(assume):
        assert cond(a) <= COND_LIMIT


@pytest.mark.parametrize("shape", [(1, 1), (1, 4), (4, 1), (3, 7), (7, 3), (5, 5)])
def test_general_matrices_are_full_rank_with_bounded_condition(shape):
    rng = np.random.default_rng(6)
    for _ in range(5):
        a = draw(rng, shape)
        assert a.shape == shape
        assert np.linalg.matrix_rank(a) == min(shape)
        assert cond(a) <= COND_LIMIT
        s = np.linalg.svd(a, compute_uv=False)
        assert s.min() >= 1 - 1e-9 and s.max() <= KAPPA * (1 + 1e-9)


def test_general_matrices_are_not_symmetric():
    assert not any(is_symmetric(a) for a in draws([], sizes=[3, 4]))


def test_posdef_is_positive_real_but_not_symmetric():
    for a in draws(["posdef"]):
        sym = (a + a.T) / 2
        assert np.linalg.eigvalsh(sym).min() >= 1 - 1e-9  # x^T A x >= |x|^2
        assert np.linalg.svd(a, compute_uv=False).min() >= 1 - 1e-9
        assert cond(a) <= 1.5 * KAPPA * (1 + 1e-9)  # ||S|| <= kappa, ||K|| = kappa / 2
        if a.shape[0] > 1:
            assert not is_symmetric(a)


def test_kappa_argument():
    rng = np.random.default_rng(7)
    for assume in (["spd"], ["invertible"], []):
        a = draw(rng, (5, 5), assume, kappa=2.0)
        assert cond(a) <= 2.0 * (1 + 1e-9)


@pytest.mark.parametrize("assume", [["square"], ["spd"], ["orthogonal"], ["diagonal"], ["invertible"]],
                         ids=lambda a: a[0])
def test_square_assumptions_reject_rectangular_shapes(assume):
    with pytest.raises(ValueError, match="cannot draw a square matrix of shape 2x3"):
        draw(np.random.default_rng(0), (2, 3), assume)


@pytest.mark.parametrize("assume", [[], ["spd"], ["orthogonal"], ["positive", "invertible"], ["diagonal"],
                                    ["posdef"], ["symmetric"]], ids=lambda a: "+".join(a) or "general")
def test_draws_are_deterministic_for_a_seed(assume):
    a = draw(np.random.default_rng(42), (4, 4), assume)
    b = draw(np.random.default_rng(42), (4, 4), assume)
    c = draw(np.random.default_rng(43), (4, 4), assume)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_draw_sequence_is_deterministic():
    def sequence(seed):
        rng = np.random.default_rng(seed)
        return [draw(rng, (3, 3), assume) for assume in ([], ["spd"], ["orthogonal"], ["positive"])]

    for a, b in zip(sequence(11), sequence(11)):
        np.testing.assert_array_equal(a, b)


# -- directions -----------------------------------------------------------------------------------
def _direction_cases():
    rng = np.random.default_rng(8)
    return {
        "general": (draw(rng, (3, 4)), []),
        "symmetric": (draw(rng, (4, 4), ["symmetric"]), ["symmetric"]),
        "spd": (draw(rng, (4, 4), ["spd"]), ["spd"]),
        "diagonal": (draw(rng, (4, 4), ["diagonal"]), ["diagonal"]),
        "orthogonal": (draw(rng, (4, 4), ["orthogonal"]), ["orthogonal"]),
        "positive": (draw(rng, (3, 3), ["positive"]), ["positive"]),
        "vector": (draw(rng, (5, 1)), []),
    }


@pytest.mark.parametrize("case", list(_direction_cases()))
def test_direction_is_unit_and_in_the_tangent_space(case):
    point, assume = _direction_cases()[case]
    rng = np.random.default_rng(9)
    for _ in range(5):
        v = direction(rng, point, assume)
        assert v.shape == point.shape
        assert np.linalg.norm(v) == pytest.approx(1.0, rel=1e-12)
        if case in ("symmetric", "spd"):
            assert is_symmetric(v) and not is_diagonal(v)
        if case == "diagonal":
            assert is_diagonal(v)
        if case == "orthogonal":
            s = point.T @ v
            np.testing.assert_allclose(s, -s.T, atol=1e-12)
            assert np.abs(s).max() > 1e-3
            # moving along v keeps Q orthogonal to first order
            eps = 1e-6
            q = point + eps * v
            assert np.linalg.norm(q.T @ q - np.eye(4)) < 1e-10
        if case == "positive":
            assert not is_symmetric(v)  # no structure: any direction


def test_direction_of_a_one_by_one_orthogonal_is_zero():
    v = direction(np.random.default_rng(0), np.array([[1.0]]), ["orthogonal"])
    np.testing.assert_array_equal(v, [[0.0]])


def test_direction_is_deterministic_and_varies():
    point = draw(np.random.default_rng(0), (3, 3), ["spd"])
    a = direction(np.random.default_rng(5), point, ["spd"])
    b = direction(np.random.default_rng(5), point, ["spd"])
    c = direction(np.random.default_rng(6), point, ["spd"])
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_direction_of_symmetric_orthogonal_stays_symmetric():
    rng = np.random.default_rng(10)
    q = draw(rng, (4, 4), ["orthogonal", "symmetric"])
    v = direction(rng, q, ["orthogonal", "symmetric"])
    assert is_symmetric(v)


# -- projection -----------------------------------------------------------------------------------
def test_project():
    g = np.arange(9.0).reshape(3, 3)
    np.testing.assert_array_equal(project(g, ["symmetric"]), (g + g.T) / 2)
    np.testing.assert_array_equal(project(g, ["spd"]), (g + g.T) / 2)
    np.testing.assert_array_equal(project(g, ["diagonal"]), np.diag([0.0, 4.0, 8.0]))
    np.testing.assert_array_equal(project(g, ["diagonal", "symmetric"]), np.diag([0.0, 4.0, 8.0]))
    np.testing.assert_array_equal(project(g, []), g)
    np.testing.assert_array_equal(project(g, ["positive"]), g)


def test_project_is_an_orthogonal_projection():
    rng = np.random.default_rng(12)
    g = rng.standard_normal((4, 4))
    for assume in (["symmetric"], ["diagonal"]):
        p = project(g, assume)
        np.testing.assert_allclose(project(p, assume), p)  # idempotent
        v = direction(rng, draw(rng, (4, 4), assume), assume)  # any tangent direction
        assert np.sum((g - p) * v) == pytest.approx(0.0, abs=1e-12)  # residual is orthogonal to it
