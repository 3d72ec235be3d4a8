# Reference values for stattools mean_test(lags="andrews", prewhite=...).
# Run: Rscript sandwich_andrews.R  (writes sandwich_andrews.json beside this script)
# bwAndrews = Andrews (1991) AR(1) plug-in bandwidth; kernHAC(adjust = FALSE) = kernel HAC
# covariance with that bandwidth, with/without VAR(1) prewhitening.
suppressMessages({library(sandwich); library(jsonlite)})
set.seed(20261206)
n <- 240
u <- (1:n) / n
e <- as.numeric(arima.sim(list(ar = 0.6), n)) * (0.5 + 1.5 * u)
x <- as.numeric(arima.sim(list(ar = 0.4), n)) + u
y <- 1 + e
y2 <- 0.5 + 0.8 * x + e
out <- list(data = list(y = y, x = x, y2 = y2), cases = list())
kern <- c(bartlett = "Bartlett", qs = "Quadratic Spectral", parzen = "Parzen")
for (model in c("mean", "regression")) {
  fit <- if (model == "mean") lm(y ~ 1) else lm(y2 ~ x)
  for (k in names(kern)) {
    for (pw in c(0L, 1L)) {
      bw <- bwAndrews(fit, kernel = kern[[k]], prewhite = pw)
      v <- kernHAC(fit, kernel = kern[[k]], prewhite = pw, adjust = FALSE)
      out$cases[[length(out$cases) + 1]] <- list(
        model = model, kernel = k, prewhite = pw, bandwidth = bw,
        se = unname(sqrt(diag(v))))
    }
  }
}
out$provenance <- list(R = R.version.string,
                       sandwich = as.character(packageVersion("sandwich")),
                       script = "tests/reference/nonstationary/sandwich_andrews.R",
                       date = format(Sys.Date()))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "sandwich_andrews.json")
