# Reference for stattools.conformal.online.BOA: the R package opera's BOA (pure-R code path,
# use_cpp = FALSE, loss.gradient = TRUE, pinball loss, uniform prior w0 = 1/K as mixture()
# sets it). opera is not installable here (rAmCharts etc. missing), so its two source files
# are sourced from the CRAN mirror: github.com/cran/opera (commit in opera_boa.json).
# Usage: Rscript opera_boa.R <path to the opera sources> <output json> <opera git commit>
args <- commandArgs(trailingOnly = TRUE)
src <- args[1]
source(file.path(src, "R", "BOA.R"))
source(file.path(src, "R", "loss.R"))
set.seed(20261206)
T <- 300; K <- 4
y <- c(rnorm(150, 0, 0.5), rnorm(150, 0, 1.5))
# experts: quantile-like bounds of different widths plus noise, one constant expert
experts <- cbind(-0.5 + 0.1 * rnorm(T), -1 + 0.1 * rnorm(T), -2 + 0.2 * rnorm(T), rep(-3, T))
out <- list(y = y, experts = experts, opera_version = read.dcf(file.path(src, "DESCRIPTION"))[, "Version"],
            r_version = R.version.string, opera_commit = args[3])
for (tau in c(0.05, 0.95)) {
  e <- if (tau > 0.5) -experts else experts
  fit <- BOA(y, e, awake = matrix(1, T, K), loss.type = list(name = "pinball", tau = tau),
             loss.gradient = TRUE, w0 = rep(1 / K, K), quiet = TRUE)
  out[[paste0("pred_", tau)]] <- fit$prediction
  out[[paste0("weights_", tau)]] <- fit$weights
}
jsonlite::write_json(out, args[2], digits = NA, matrix = "rowmajor")
