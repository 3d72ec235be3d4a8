# Reference values for stattools.nonstationary.bandwidth_mv (minimum-volatility rule).
# Run: Rscript mlrv_mv.R  (writes mlrv_mv.json beside this script)
# mlrv 0.1.2 (CRAN sources from github:cran/mlrv, R CMD INSTALL). For given residuals e and
# covariates X: MV_cov_heter(e, X, gridm, gridtau, lrv_method = 0) (plug-in local LRV on
# every grid pair) and MV_ise_heter(cube, p, n, neighbour) (the minimum-volatility choice),
# with mlrv's default grids from heter_covariate().
suppressMessages({library(mlrv); library(jsonlite)})
set.seed(20261206)
grids <- function(n, neighbour = 1) {
  lb <- max(floor(3/7 * n^(4/15)) - neighbour, 1)
  ub <- max(floor(11/7 * n^(4/15)) + neighbour, lb + neighbour + 1)
  list(gridm = floor(max(0, lb)):floor(min(n, ub)),
       gridtau = seq(n^(-2/15) * 12/15, n^(-2/15) * 15/15, by = 0.05))
}
case <- function(name, e, X, neighbour = 1) {
  n <- length(e); p <- ncol(X)
  g <- grids(n, neighbour)
  cub <- mlrv:::MV_cov_heter(e, X, g$gridm, g$gridtau, 0L, 2L, FALSE)
  mv <- mlrv:::MV_ise_heter(cub, p, n, neighbour)
  # plug-in LRV at the first grid pair (all observations, p*p entries column-major)
  lrv11 <- as.numeric(cub[1, 1, ])
  list(name = name, e = e, X = X, neighbour = neighbour, gridm = g$gridm,
       gridtau = g$gridtau, m = g$gridm[mv$minp + 1], tau = g$gridtau[mv$minq + 1],
       min_ise = mv$min_ise, lrv_first_pair = lrv11)
}
n <- 300
u <- (1:n) / n
e1 <- as.numeric(arima.sim(list(ar = 0.5), n)) * ifelse(u > 0.5, 2, 1)
nile <- as.numeric(datasets::Nile)
gt <- read.csv("../../../datasets/global_temp_annual.csv")
gis <- gt[gt$Source == "GISTEMP", ]
e3 <- as.numeric(residuals(lm(Mean ~ Year, data = gis)))
x2 <- cbind(1, as.numeric(arima.sim(list(ar = 0.3), n)))
e4 <- as.numeric(arima.sim(list(ar = 0.3), n))
out <- list(cases = list(
  case("ar1_variance_break", e1, matrix(1, n, 1)),
  case("nile_demeaned", nile - mean(nile), matrix(1, length(nile), 1)),
  case("gistemp_linear_residuals", e3, matrix(1, length(e3), 1)),
  case("ar1_neighbour2", e1, matrix(1, n, 1), neighbour = 2),
  case("regression_p2", e4, x2)
))
out$provenance <- list(R = R.version.string,
                       mlrv = as.character(packageVersion("mlrv")),
                       script = "tests/reference/nonstationary/mlrv_mv.R",
                       command = "cd tests/reference/nonstationary && Rscript mlrv_mv.R",
                       seed = 20261206, date = format(Sys.Date()),
                       platform = R.version$platform)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, matrix = "rowmajor"), "mlrv_mv.json")
