"""Evidence for the MTM default c (issue 16 defect 1); results in README.md.

Posterior P(MTM count = 3) and its mode for several c, on data from weights .45/.35/.2 at
-3/0/3 with unit sds (locations in data-sd units, K = 30, 1 chain x 1000 draws, 500 tune).
"""

import sys

import numpy as np
import pandas as pd

import stattools as st
from stattools.mixture.measures import mtm_counts

G0 = st.MixingMeasure([0.45, 0.35, 0.2], [-3.0, 0.0, 3.0], scale=1.0)
seeds = [int(s) for s in sys.argv[1:]] or [1, 2, 3, 4, 5, 6]
for n in [1000, 10000]:
    for seed in seeds:
        y = G0.sample(n, rng=seed)
        fit = st.dpmm("y ~ 1", pd.DataFrame({"y": y}), truncation=30, chains=1, draws=1000,
                      tune=500, rng=seed, check=False)  # fmt: skip
        w, mu = fit._flat("weight"), fit._flat("loc") / y.std()
        row = []
        for c in [0.3, 0.4, 0.5, 0.6, 1.0]:
            k = mtm_counts(w, mu, n=n, c=c, rng=0)
            row.append(f"c={c}: P3={np.mean(k == 3):.2f} mode={np.bincount(k).argmax()}")
        print(n, seed, "; ".join(row), flush=True)
