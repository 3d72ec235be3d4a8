"""stattools.mixture: Dirichlet-process Gaussian mixtures, mixing-measure distances and
posterior contraction studies (spec: ``dpmm.md``).

Public names: :func:`dpmm`, :class:`MixingMeasure`, :func:`wasserstein`,
:func:`orlicz_wasserstein`, :func:`merge_truncate_merge`, :func:`contraction_study`,
:func:`partition_estimate` and the result classes :class:`DPMMResult`,
:class:`ContractionStudyResult` (plus the plain :class:`PartitionEstimate`).
"""

from .contraction import ContractionStudyResult, contraction_study
from .distances import orlicz_wasserstein, wasserstein
from .dpmm import dpmm
from .measures import MixingMeasure, merge_truncate_merge
from .partition import PartitionEstimate, partition_estimate
from .results import DPMMResult

__all__ = [
    "dpmm",
    "MixingMeasure",
    "wasserstein",
    "orlicz_wasserstein",
    "merge_truncate_merge",
    "contraction_study",
    "partition_estimate",
    "PartitionEstimate",
    "DPMMResult",
    "ContractionStudyResult",
]
