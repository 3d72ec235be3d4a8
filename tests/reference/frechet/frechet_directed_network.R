# Reference values for stattools.frechet.DirectedLaplacian (issue 14): R frechesTest's
# directed-network space (metric_space_type = "network", network_directed = TRUE).
#
# Sources (none installable from Debian):
# - frechesTest 0.1.0, github Davidvandijcke/frechesTest @ 362e83a9bfbb26efd3e8e7b43e09870da70bdb28,
#   R/frechesTest.R and R/frechesTest_helpers.R, extracted to /tmp/frechesTest with
#     git --git-dir=<mirror> archive HEAD R | tar -x -C /tmp/frechesTest
# - frechet 0.3.0 (cran/frechet @ 994176510c884fa36075592113685164da6068de) files kerFctn.R,
#   dist4cov.R, CovFPowerDist.R, DistCholesky.R, SpheGeoDist.R in /tmp/frechet/R (as in
#   frechet_shim.R);
# - osqp 0.6.0.8 (cran/osqp @ 1fb75ce, the last version accepting Debian's Matrix 1.5-3),
#   installed with R CMD INSTALL -l /tmp/corrnet/rlib.
# The files are sourced unchanged except that the package prefixes frechet:: / frechet::: and the
# asNamespace("frechet") look-ups of kerFctn are dropped (frechet is not installed).
#
# Run: Rscript tests/reference/frechet/frechet_directed_network.R  (writes the .json)
suppressMessages(library(jsonlite))
.libPaths(c("/tmp/corrnet/rlib", .libPaths()))
suppressMessages(library(osqp))
for (f in c("kerFctn.R", "dist4cov.R", "CovFPowerDist.R", "DistCholesky.R", "SpheGeoDist.R")) {
  source(file.path("/tmp/frechet/R", f))
}
for (f in c("frechesTest_helpers.R", "frechesTest.R")) {
  code <- readLines(file.path("/tmp/frechesTest/R", f))
  code <- gsub('exists("kerFctn", mode = "function", envir = asNamespace("frechet"))',
               'exists("kerFctn", mode = "function")', code, fixed = TRUE)
  code <- gsub('get("kerFctn", envir = asNamespace("frechet"))', "kerFctn", code, fixed = TRUE)
  code <- gsub("frechet:::?", "", code)
  eval(parse(text = code), envir = globalenv())
}
here <- "tests/reference/frechet"

# ---- 1. the projection onto directed Laplacians (W = 1 and W = 0.4), 12 random targets
set.seed(20261206)
p <- 5
targets <- lapply(1:12, function(k) matrix(rnorm(p * p, sd = 0.8), p, p))
proj <- list()
for (W in c(1, 0.4)) {
  proj[[paste0("W_", W)]] <- lapply(targets, function(B)
    unname(.project_to_laplacian_space_osqp(B, p, W_upper_edge_abs_val = W, is_directed = TRUE)))
}

# ---- 2. the jump test on directed networks at a fixed bandwidth
n <- 300
x <- runif(n)
Y <- vector("list", n)
for (i in 1:n) {
  A <- matrix(runif(p * p), p, p) * (1 + 0.3 * (x[i] >= 0.5))
  diag(A) <- 0
  L <- -A
  diag(L) <- rowSums(A)
  Y[[i]] <- L
}
jt <- frechesTest(Y, x, c_val = 0.5, metric_space_type = "network", h_frechet = 0.3,
                  kernel_frechet_char = "epan", undersmooth_factor = 0.9,
                  frechet_optns = list(network_directed = TRUE, W_laplacian_bound = 2))

res <- list(
  provenance = list(
    source = paste("R frechesTest 0.1.0 (.project_to_laplacian_space_osqp, frechesTest with",
                   "network_directed = TRUE); sourced, see header"),
    R = R.version.string,
    osqp = as.character(packageVersion("osqp")),
    Matrix = as.character(packageVersion("Matrix")),
    script = "tests/reference/frechet/frechet_directed_network.R",
    command = "Rscript tests/reference/frechet/frechet_directed_network.R",
    date = as.character(Sys.Date()),
    seed = 20261206,
    platform = R.version$platform,
    notes = paste("OSQP eps_abs = eps_rel = 1e-8 with polishing (frechesTest defaults);",
                  "jump test: h_frechet = 0.3, undersmooth 0.9, kernel epan, W bound 2",
                  "(inactive); f_X(c) from stats::density as in frechesTest")
  ),
  projection = list(targets = lapply(targets, unname), results = proj),
  jump = list(
    x = x, Y = lapply(Y, unname), cutoff = 0.5, h_frechet = 0.3, undersmooth = 0.9,
    Tn = jt$Tn, p_value = jt$p_value, V_hat_plus = jt$V_hat_plus,
    V_hat_minus = jt$V_hat_minus, V_hat_pooled = jt$V_hat_pooled,
    sigma_V_sq_hat_plus = jt$sigma_V_sq_hat_plus, sigma_V_sq_hat_minus = jt$sigma_V_sq_hat_minus,
    f_X_hat_c = jt$f_X_hat_c, S_K = jt$S_K, lambda_hat = jt$lambda_hat, F_n = jt$F_n,
    U_n = jt$U_n, l_hat_plus = unname(jt$l_hat_plus), l_hat_minus = unname(jt$l_hat_minus),
    h_variance_used = jt$h_variance_used
  )
)
writeLines(toJSON(res, digits = NA, auto_unbox = TRUE, matrix = "rowmajor"),
           file.path(here, "frechet_directed_network.json"))
cat("written; Tn =", jt$Tn, "\n")
