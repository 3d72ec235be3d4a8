"""Fréchet regression on metric spaces, k-sample Fréchet ANOVA and tests for jumps at a cutoff.

Public functions: :func:`frechet_jump` (Van Dijcke 2025), :func:`frechet_regression`
(Petersen and Müller 2019, local and global) and :func:`frechet_anova` (Dubey and Müller
2019). Metric spaces share one small protocol (:class:`MetricSpace`): :class:`Euclidean`,
:class:`Wasserstein` (1-D distributions), :class:`SPD` (covariance matrices under five
metrics), :class:`Correlation`, :class:`Sphere` (and compositions via the square-root map)
and :class:`Laplacian` (networks), :class:`PowerCorrelation` (correlation matrices under the
power metric), :class:`DirectedLaplacian` (directed networks) and :class:`FisherRao`
(densities under the Fisher-Rao metric).
"""

from ._pav import weighted_pav
from .anova import FrechetAnovaResult, frechet_anova
from .bands import confidence_bands
from .bandwidth import cv_bandwidth
from .changepoint import FrechetChangePointResult, frechet_changepoint
from .correlation import PowerCorrelation
from .densities import DensityEstimate, create_density, density_to_qf, qf_to_density
from .fisher_rao import FisherRao
from .jump import frechet_jump
from .matrices import SPD, Correlation, Laplacian, nearest_correlation, psd_project
from .networks import DirectedLaplacian, project_directed_laplacian
from .regression import frechet_regression
from .results import FrechetJumpResult, FrechetRegressionResult
from .simulate import simulate_jump_design
from .spaces import Euclidean, MetricSpace, Sphere, Wasserstein

__all__ = [
    "frechet_jump",
    "frechet_regression",
    "frechet_anova",
    "frechet_changepoint",
    "create_density",
    "density_to_qf",
    "qf_to_density",
    "DensityEstimate",
    "cv_bandwidth",
    "confidence_bands",
    "MetricSpace",
    "Euclidean",
    "Wasserstein",
    "SPD",
    "Correlation",
    "Sphere",
    "Laplacian",
    "PowerCorrelation",
    "DirectedLaplacian",
    "project_directed_laplacian",
    "FisherRao",
    "psd_project",
    "nearest_correlation",
    "weighted_pav",
    "simulate_jump_design",
    "FrechetJumpResult",
    "FrechetRegressionResult",
    "FrechetAnovaResult",
    "FrechetChangePointResult",
]
