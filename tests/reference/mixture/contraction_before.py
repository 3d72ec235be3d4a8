"""Produced contraction_before.csv with the pre-engine contraction_study (commit 7f8dbd2)."""

import stattools as st

G0 = st.MixingMeasure([0.6, 0.4], [-2.0, 2.0], scale=1.0)
study = st.contraction_study(G0, [40, 80], reps=2, metrics=["w1", "w2", "orlicz"],
                             fit=dict(truncation=10, draws=40, tune=30), rng=3)  # fmt: skip
study.table.to_csv("contraction_before.csv", index=False)
