"""stattools.mixture: Dirichlet-process Gaussian mixtures, mixing-measure distances and
posterior contraction studies (spec: ``dpmm.md``).

Public names: :func:`dpmm`, :class:`MixingMeasure`, :func:`wasserstein`,
:func:`orlicz_wasserstein`, :func:`merge_truncate_merge`, :func:`contraction_study` and the
result classes :class:`DPMMResult`, :class:`ContractionStudyResult`.
"""

from .contraction import ContractionStudyResult, contraction_study
from .distances import orlicz_wasserstein, wasserstein
from .dpmm import dpmm
from .measures import MixingMeasure, merge_truncate_merge
from .results import DPMMResult

__all__ = [
    "dpmm",
    "MixingMeasure",
    "wasserstein",
    "orlicz_wasserstein",
    "merge_truncate_merge",
    "contraction_study",
    "DPMMResult",
    "ContractionStudyResult",
]
