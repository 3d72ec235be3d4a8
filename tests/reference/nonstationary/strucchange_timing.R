# Timing of strucchange breakpoints at n = 10^4 (recorded in benchmarks/RESULTS.md).
# Rscript tests/reference/nonstationary/strucchange_timing.R
suppressMessages(library(strucchange))
set.seed(1); yy <- rnorm(10000) + rep(c(0, 1, 0.5, -0.5, 0.8), each = 2000)
tm <- system.time(bp <- breakpoints(yy ~ 1, h = 0.15, breaks = 5))
cat(sprintf("TIMING strucchange %s (%s) breakpoints n=1e4 h=0.15 breaks=5: %.2f s elapsed\n",
            packageVersion("strucchange"), R.version.string, tm[["elapsed"]]))
print(bp$breakpoints)
