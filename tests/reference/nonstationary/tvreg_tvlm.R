# Reference values for stattools tv_regression point estimates (local-linear time-varying
# coefficients). Run: Rscript tvreg_tvlm.R  (writes tvreg_tvlm.json beside this script)
# R tvReg 0.5.9 (CRAN sources from github:cran/tvReg; needs vars, bvarsv from CRAN sources):
# tvLM(formula, z = u, bw = h, est = "ll", tkernel = ...) with u the rescaled time
# (t - t_1) / (t_n - t_1), so that bw is the same fraction of the time span as our
# bandwidth. The jackknife estimate is 2 * beta(bw / sqrt(2)) - beta(bw).
suppressMessages({library(tvReg); library(jsonlite)})
set.seed(20261206)
n <- 200
u <- (0:(n - 1)) / (n - 1)
x1 <- as.numeric(arima.sim(list(ar = 0.5), n))
x2 <- rnorm(n) + u
e <- as.numeric(arima.sim(list(ar = 0.4), n)) * (0.5 + u)
y <- 1 + sin(2 * pi * u) + (1 + u) * x1 - 0.5 * cos(3 * u) * x2 + e
dat <- data.frame(t = 1950 + 0:(n - 1), y = y, x1 = x1, x2 = x2)
gt <- read.csv("../../../datasets/global_temp_annual.csv")
gis <- gt[gt$Source == "GISTEMP", ]
gis$u <- (gis$Year - min(gis$Year)) / (max(gis$Year) - min(gis$Year))
gis$lag1 <- c(NA, head(gis$Mean, -1))
gis <- gis[-1, ]
gis$u <- (gis$Year - min(gis$Year)) / (max(gis$Year) - min(gis$Year))
fitcase <- function(name, formula, data, z, bw, tkernel) {
  b1 <- tvLM(formula, data = data, z = z, bw = bw, est = "ll", tkernel = tkernel)$coefficients
  b2 <- tvLM(formula, data = data, z = z, bw = bw / sqrt(2), est = "ll",
             tkernel = tkernel)$coefficients
  list(name = name, formula = deparse(formula), bandwidth = bw, kernel = tkernel,
       ll = b1, jackknife = 2 * b2 - b1, terms = colnames(b1))
}
out <- list(
  data = list(sim = dat, gistemp = gis[, c("Year", "Mean", "lag1")]),
  cases = list(
    fitcase("sim_epa", y ~ x1 + x2, dat, u, 0.2, "Epa"),
    fitcase("sim_triweight", y ~ x1 + x2, dat, u, 0.3, "Triweight"),
    fitcase("gistemp_ar1_epa", Mean ~ lag1, gis, gis$u, 0.25, "Epa")
  )
)
out$provenance <- list(R = R.version.string,
                       tvReg = as.character(packageVersion("tvReg")),
                       script = "tests/reference/nonstationary/tvreg_tvlm.R",
                       command = "cd tests/reference/nonstationary && Rscript tvreg_tvlm.R",
                       seed = 20261206, date = format(Sys.Date()),
                       platform = R.version$platform)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, matrix = "rowmajor",
                  dataframe = "columns"), "tvreg_tvlm.json")
