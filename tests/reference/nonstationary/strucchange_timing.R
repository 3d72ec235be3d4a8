# Timing of strucchange breakpoints (recorded in benchmarks/RESULTS.md).
# Rscript tests/reference/nonstationary/strucchange_timing.R [n]   (default n = 10000)
# The design is five equal segments with means 0, 1, 0.5, -0.5, 0.8 and N(0,1) noise.
suppressMessages(library(strucchange))
args <- commandArgs(trailingOnly = TRUE)
n <- if (length(args) >= 1) as.integer(args[1]) else 10000L
set.seed(1); yy <- rnorm(n) + rep(c(0, 1, 0.5, -0.5, 0.8), each = n / 5)
tm <- system.time(bp <- breakpoints(yy ~ 1, h = 0.15, breaks = 5))
cat(sprintf("TIMING strucchange %s (%s) breakpoints n=%d h=0.15 breaks=5: %.2f s elapsed, %.2f s user\n",
            packageVersion("strucchange"), R.version.string, n, tm[["elapsed"]], tm[["user.self"]]))
print(bp$breakpoints)
