# Reference values for stattools.frechet.frechet_jump(variance="frechestest") (issue 14
# item 2): R frechesTest 0.1.0 jump statistic at a fixed bandwidth on two stated data sets,
# 3 x 3 sample covariance matrices (metric_space_type = "covariance", Frobenius) and 5-node
# undirected graph Laplacians (metric_space_type = "network").
#
# frechesTest is not installable here, so, as in frechet_corr_power.R, its files are sourced
# unchanged from github Davidvandijcke/frechesTest @ 362e83a9bfbb26efd3e8e7b43e09870da70bdb28
# (R/ extracted to /tmp/frechesTest) except that the prefixes frechet:: / frechet::: and the
# asNamespace("frechet") look-ups of kerFctn are dropped; kerFctn and the distance helpers
# come from the CRAN source of frechet 0.3.0 (github cran/frechet @
# 994176510c884fa36075592113685164da6068de, /tmp/frechet). The network projection uses osqp
# 0.6.0.8 (private library /tmp/corrnet/rlib, see frechet_directed_network.R).
#
# frechesTest's f_X(c) is stats::density on a 1024-point grid, interpolated; the Python test
# passes R's value through density_at_cutoff= so that every other quantity is compared.
#
# Run: Rscript tests/reference/frechet/frechestest_jump.R   (writes frechestest_jump.json)
suppressMessages(library(jsonlite))
.libPaths(c("/tmp/corrnet/rlib", .libPaths()))
suppressMessages(library(osqp))
for (f in c("kerFctn.R", "CovFPowerDist.R", "dist4cov.R", "DistCholesky.R", "SpheGeoDist.R")) {
  source(file.path("/tmp/frechet/R", f))
}
for (f in c("frechesTest_helpers.R", "frechesTest.R")) {
  code <- readLines(file.path("/tmp/frechesTest/R", f), warn = FALSE)
  code <- gsub('exists("kerFctn", mode = "function", envir = asNamespace("frechet"))',
               'exists("kerFctn", mode = "function")', code, fixed = TRUE)
  code <- gsub('get("kerFctn", envir = asNamespace("frechet"))', "kerFctn", code, fixed = TRUE)
  code <- gsub("frechet:::?", "", code)
  eval(parse(text = code), envir = globalenv())
}
here <- "tests/reference/frechet"
mats <- function(lst) lapply(lst, function(A) unname(as.matrix(A)))

run <- function(M, x, type, h) {
  jt <- frechesTest(M, x, c_val = 0.5, metric_space_type = type, h_frechet = h,
                    kernel_frechet_char = "epan", undersmooth_factor = 0.9,
                    frechet_optns = list(metric = "frobenius"))
  list(x = x, M = mats(M), cutoff = 0.5, h_frechet = h, undersmooth = 0.9,
       Tn = jt$Tn, p_value = jt$p_value, V_hat_plus = jt$V_hat_plus,
       V_hat_minus = jt$V_hat_minus, V_hat_pooled = jt$V_hat_pooled,
       sigma_V_sq_hat_plus = jt$sigma_V_sq_hat_plus,
       sigma_V_sq_hat_minus = jt$sigma_V_sq_hat_minus, f_X_hat_c = jt$f_X_hat_c,
       S_K = jt$S_K, lambda_hat = jt$lambda_hat, F_n = jt$F_n, U_n = jt$U_n,
       l_hat_plus = unname(jt$l_hat_plus), l_hat_minus = unname(jt$l_hat_minus))
}

# ---- covariance: rho(x) = 0.2 + 0.3 x + 0.2 1{x >= 0.5}, 20 draws per matrix, n = 150
set.seed(20261214)
n <- 150
x <- runif(n)
M <- vector("list", n)
for (i in 1:n) {
  rho <- 0.2 + 0.3 * x[i] + 0.2 * (x[i] >= 0.5)
  S <- matrix(rho, 3, 3); diag(S) <- 1
  M[[i]] <- cov(matrix(rnorm(20 * 3), 20, 3) %*% chol(S))
}
cov_res <- run(M, x, "covariance", 0.3)

# ---- network: 5-node Laplacians, edge weights U(0, 1) (1 + 0.2 x), no jump, n = 150
set.seed(20261215)
xn <- runif(n)
L <- vector("list", n)
for (i in 1:n) {
  W <- matrix(0, 5, 5)
  W[upper.tri(W)] <- runif(10) * (1 + 0.2 * xn[i])
  W <- W + t(W)
  L[[i]] <- diag(rowSums(W)) - W
}
net_res <- run(L, xn, "network", 0.35)

res <- list(
  provenance = list(
    source = "R frechesTest 0.1.0 (sourced, see header); frechet 0.3.0 helpers",
    R = R.version.string,
    osqp = as.character(packageVersion("osqp")),
    script = "tests/reference/frechet/frechestest_jump.R",
    command = "Rscript tests/reference/frechet/frechestest_jump.R",
    date = as.character(Sys.Date()),
    seeds = c(20261214, 20261215),
    platform = R.version$platform,
    notes = paste("fixed h_frechet (0.3 covariance, 0.35 network), undersmooth 0.9, kernel",
                  "epan, metric frobenius; f_X(c) from stats::density (gauss, bw.nrd0)")
  ),
  covariance = cov_res,
  network = net_res
)
writeLines(toJSON(res, digits = NA, auto_unbox = TRUE, matrix = "rowmajor"),
           file.path(here, "frechestest_jump.json"))
cat("written\n")
