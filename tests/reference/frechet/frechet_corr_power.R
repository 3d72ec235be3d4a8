# Reference values for stattools.frechet.PowerCorrelation (issue 14): R frechet 0.3.0
# GloCorReg / LocCorReg with metric = "power", and dist4cov distances.
#
# frechet is not installable here (its fdapace dependency did not compile), so, as in
# frechet_shim.R, the needed files are sourced unchanged from the CRAN source of frechet
# 0.3.0 (github cran/frechet @ 994176510c884fa36075592113685164da6068de), extracted with
#   git --git-dir=<mirror> archive HEAD | tar -x -C /tmp/frechet
# GloCorReg/LocCorReg call Matrix::nearPD (Matrix from Debian).
#
# R frechet has no Fréchet-mean function for correlation matrices (there is no CorrFMean
# in 0.3.0): the mean is GloCorReg's prediction at xOut = mean(x), where all global
# weights equal 1.
#
# The jump test in this space is referenced against R frechesTest 0.1.0 (github
# Davidvandijcke/frechesTest @ 362e83a9bfbb26efd3e8e7b43e09870da70bdb28, R/ extracted to
# /tmp/frechesTest), metric_space_type = "correlation", metric = "power", at a fixed
# bandwidth; its files are sourced unchanged except that the prefixes frechet:: / frechet:::
# and the asNamespace("frechet") look-ups of kerFctn are dropped.
#
# Run: Rscript tests/reference/frechet/frechet_corr_power.R   (writes frechet_corr_power.json)
suppressMessages(library(jsonlite))
for (f in c("GloCorReg.R", "LocCorReg.R", "kerFctn.R", "CovFPowerDist.R", "dist4cov.R",
            "DistCholesky.R", "SpheGeoDist.R")) {
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

# ---- stated data: n = 60 sample correlation matrices (q = 4, m = 15 draws each)
set.seed(20261206)
n <- 60; q <- 4; m <- 15
x <- runif(n)
M <- vector("list", n)
for (i in 1:n) {
  rho <- 0.1 + 0.6 * x[i]
  S <- matrix(rho, q, q); diag(S) <- 1
  Z <- matrix(rnorm(m * q), m, q) %*% chol(S)
  M[[i]] <- cor(Z)
}
xOut <- c(-1.5, 0.2, 0.5, 0.8, 2.5)  # -1.5, 2.5: extrapolation, projection active
xOutLoc <- c(0.02, 0.2, 0.5, 0.8, 0.98)  # local: within the data, two near the ends
alphas <- c(0.5, 1, 2)

mats <- function(lst) lapply(lst, function(A) unname(as.matrix(A)))
out <- list()
for (a in alphas) {
  key <- paste0("alpha_", a)
  opt <- list(metric = "power", alpha = a)
  mean_fit <- GloCorReg(x, M, xOut = mean(x), optns = opt)
  glo <- GloCorReg(x, M, xOut = xOut, optns = opt)
  loc <- LocCorReg(x, M, xOut = xOutLoc, optns = list(metric = "power", alpha = a,
                                                    kernel = "epan", bw = 0.2))
  out[[key]] <- list(
    alpha = a,
    mean = unname(mean_fit$predict[[1]]),
    global_predict = mats(glo$predict),
    global_fit_first5 = mats(glo$fit[1:5]),
    global_residuals = glo$residuals,
    local_predict = mats(loc$predict),
    local_fit_first5 = mats(loc$fit[1:5]),
    dist_1_2 = dist4cov(M[[1]], M[[2]], optns = list(metric = "power", alpha = a))$dist
  )
}

# ---- jump test (frechesTest) on correlation matrices with a jump at c = 0.5
set.seed(20261207)
nj <- 300
xj <- runif(nj)
Mj <- vector("list", nj)
for (i in 1:nj) {
  rho <- 0.2 + 0.2 * xj[i] + 0.15 * (xj[i] >= 0.5)
  S <- matrix(rho, 3, 3); diag(S) <- 1
  Mj[[i]] <- cor(matrix(rnorm(20 * 3), 20, 3) %*% chol(S))
}
jt <- frechesTest(Mj, xj, c_val = 0.5, metric_space_type = "correlation", h_frechet = 0.3,
                  kernel_frechet_char = "epan", undersmooth_factor = 0.9,
                  frechet_optns = list(metric = "power", alpha = 0.5))
jump <- list(
  x = xj, M = mats(Mj), cutoff = 0.5, alpha = 0.5, h_frechet = 0.3, undersmooth = 0.9,
  Tn = jt$Tn, p_value = jt$p_value, V_hat_plus = jt$V_hat_plus,
  V_hat_minus = jt$V_hat_minus, V_hat_pooled = jt$V_hat_pooled,
  sigma_V_sq_hat_plus = jt$sigma_V_sq_hat_plus, sigma_V_sq_hat_minus = jt$sigma_V_sq_hat_minus,
  f_X_hat_c = jt$f_X_hat_c, S_K = jt$S_K, lambda_hat = jt$lambda_hat, F_n = jt$F_n,
  U_n = jt$U_n, l_hat_plus = unname(jt$l_hat_plus), l_hat_minus = unname(jt$l_hat_minus)
)

res <- list(
  provenance = list(
    source = "R frechet 0.3.0 GloCorReg, LocCorReg, dist4cov; R frechesTest 0.1.0 (sourced, see header)",
    R = R.version.string,
    Matrix = as.character(packageVersion("Matrix")),
    script = "tests/reference/frechet/frechet_corr_power.R",
    command = "Rscript tests/reference/frechet/frechet_corr_power.R",
    date = as.character(Sys.Date()),
    seed = 20261206,
    platform = R.version$platform,
    notes = paste("local: kernel 'epan', bw = 0.2; global and mean: GloCorReg;",
                  "residuals are Frobenius distances (R's definition); jump: frechesTest",
                  "h_frechet = 0.3, undersmooth 0.9, kernel epan, f_X(c) from stats::density")
  ),
  data = list(x = x, M = mats(M), xOut = xOut, xOutLoc = xOutLoc),
  results = out,
  jump = jump
)
writeLines(toJSON(res, digits = NA, auto_unbox = TRUE, matrix = "rowmajor"),
           file.path(here, "frechet_corr_power.json"))
cat("written\n")
