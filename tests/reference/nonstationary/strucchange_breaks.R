# Reference values for stattools.nonstationary breakpoints / fluctuation / F tests.
# Run from the project root:
#   Rscript tests/reference/nonstationary/strucchange_breaks.R
# Writes strucchange_breaks.json and strucchange_regression.csv beside this script.
suppressMessages({library(strucchange); library(sandwich); library(jsonlite)})
out_dir <- "tests/reference/nonstationary"
set.seed(20261206)
n <- 160
x <- rnorm(n)
z <- runif(n)
y <- 1 + 0.5 * x + 0.3 * z + ifelse(seq_len(n) > 64, 1.5 + 1.0 * x, 0) +
  ifelse(seq_len(n) > 120, -1.0, 0) + rnorm(n, sd = 0.6)
reg <- data.frame(t = 2000 + seq_len(n), y = y, x = x, z = z)
write.csv(reg, file.path(out_dir, "strucchange_regression.csv"), row.names = FALSE)
nile <- data.frame(year = as.numeric(time(Nile)), volume = as.numeric(Nile))
nile_post <- nile[nile$year >= 1899, ]

hac_lag <- 3
nw <- function(fm, ...) NeweyWest(fm, lag = hac_lag, prewhite = FALSE, adjust = FALSE)
lwz_k <- function(n) 0.299 * log(n)^2.1

precise_ci <- function(obj, breaks, het.reg = TRUE, het.err = TRUE, vcov. = NULL,
                       level = 0.95) {
  # strucchange's confint.breakpointsfull with uniroot(tol = 1e-12): continuous bounds
  X <- obj$X; yy <- obj$y; n <- obj$nobs; a2 <- (1 - level) / 2
  myfun <- function(x, level, xi, phi1, phi2) pargmaxV(x, xi = xi, phi1 = phi1, phi2 = phi2) - level
  myprod <- function(delta, mat) as.vector(crossprod(delta, mat) %*% delta)
  bp <- breakpoints(obj, breaks = breaks)$breakpoints
  nbp <- length(bp); upper <- lower <- rep(0, nbp); bp <- c(0, bp, n)
  res <- residuals(obj, breaks = breaks)
  sigma1 <- sigma2 <- sum(res^2) / n
  Q1 <- Q2 <- crossprod(X) / n
  if (is.null(vcov.)) Omega1 <- Omega2 <- sigma1 * Q1 else {
    y.nb <- rowSums(X) + res; fm <- lm(y.nb ~ 0 + X)
    Omega1 <- Omega2 <- n * crossprod(Q1, vcov.(fm)) %*% Q1 }
  xi <- 1
  X2 <- X[(bp[1] + 1):bp[2], , drop = FALSE]; y2 <- yy[(bp[1] + 1):bp[2]]
  fm2 <- lm(y2 ~ 0 + X2); beta2 <- coef(fm2)
  if (het.reg) Q2 <- crossprod(X2) / nrow(X2)
  if (het.err) { sigma2 <- sum(residuals(fm2)^2) / nrow(X2)
    Omega2 <- if (is.null(vcov.)) sigma2 * Q2 else nrow(X2) * crossprod(Q2, vcov.(fm2)) %*% Q2 }
  for (i in 2:(nbp + 1)) {
    beta1 <- beta2; sigma1 <- sigma2; Q1 <- Q2; Omega1 <- Omega2
    X2 <- X[(bp[i] + 1):bp[i + 1], , drop = FALSE]; y2 <- yy[(bp[i] + 1):bp[i + 1]]
    fm2 <- lm(y2 ~ 0 + X2); beta2 <- coef(fm2); delta <- beta2 - beta1
    if (het.reg) Q2 <- crossprod(X2) / nrow(X2)
    if (het.err) { sigma2 <- sum(residuals(fm2)^2) / nrow(X2)
      Omega2 <- if (is.null(vcov.)) sigma2 * Q2 else nrow(X2) * crossprod(Q2, vcov.(fm2)) %*% Q2 }
    Oprod1 <- myprod(delta, Omega1); Oprod2 <- myprod(delta, Omega2)
    Qprod1 <- myprod(delta, Q1); Qprod2 <- myprod(delta, Q2)
    if (het.reg) xi <- Qprod2 / Qprod1
    phi1 <- if (!is.null(vcov.)) sqrt(Oprod1 / Qprod1) else sqrt(sigma1)
    phi2 <- if (!is.null(vcov.)) sqrt(Oprod2 / Qprod2) else sqrt(sigma2)
    ub <- lb <- 0
    while (pargmaxV(ub, phi1 = phi1, phi2 = phi2, xi = xi) < (1 - a2)) ub <- ub + 1000
    while (pargmaxV(lb, phi1 = phi1, phi2 = phi2, xi = xi) > a2) lb <- lb - 1000
    upper[i - 1] <- uniroot(myfun, c(0, ub), level = 1 - a2, xi = xi, phi1 = phi1, phi2 = phi2, tol = 1e-13)$root * phi1^2 / Qprod1
    lower[i - 1] <- uniroot(myfun, c(lb, 0), level = a2, xi = xi, phi1 = phi1, phi2 = phi2, tol = 1e-13)$root * phi1^2 / Qprod1
  }
  list(lower_raw = lower, upper_raw = upper)
}

case_bp <- function(formula, data, h, max_breaks = NULL) {
  bp <- if (is.null(max_breaks)) breakpoints(formula, data = data, h = h) else
    breakpoints(formula, data = data, h = h, breaks = max_breaks)
  s <- summary(bp)
  n <- bp$nobs
  M <- ncol(bp$RSS.table) / 2
  parts <- lapply(0:M, function(m) {
    b <- breakpoints(bp, breaks = m)
    list(m = m, breakpoints = if (m == 0) list() else as.list(b$breakpoints),
         RSS = b$RSS, BIC = AIC(b, k = log(n)), LWZ = AIC(b, k = lwz_k(n)))
  })
  cis <- list()
  for (m in 1:min(M, 3)) {
    for (het in list(c(TRUE, TRUE), c(FALSE, FALSE), c(TRUE, FALSE))) {
      ci <- confint(bp, breaks = m, het.reg = het[1], het.err = het[2])$confint
      pr <- precise_ci(bp, m, het.reg = het[1], het.err = het[2])
      cis[[length(cis) + 1]] <- list(breaks = m, het_reg = het[1], het_err = het[2], hac = FALSE,
        lower = ci[, 1], breakpoints = ci[, 2], upper = ci[, 3],
        lower_raw = pr$lower_raw, upper_raw = pr$upper_raw)
    }
    ci <- confint(bp, breaks = m, vcov. = nw)$confint
    pr <- precise_ci(bp, m, vcov. = nw)
    cis[[length(cis) + 1]] <- list(breaks = m, het_reg = TRUE, het_err = TRUE, hac = TRUE,
      lower = ci[, 1], breakpoints = ci[, 2], upper = ci[, 3],
      lower_raw = pr$lower_raw, upper_raw = pr$upper_raw)
  }
  bic_choice <- breakpoints(bp)$breakpoints
  lwz <- sapply(parts, function(p) p$LWZ)
  list(h = h, h_obs = floor(n * h), nobs = n, max_breaks = M,
       RSS = sapply(parts, function(p) p$RSS), BIC = sapply(parts, function(p) p$BIC),
       LWZ = lwz, summary_RSS = s$RSS["RSS", ], summary_BIC = s$RSS["BIC", ],
       partitions = lapply(parts, function(p) p$breakpoints),
       bic_breakpoints = if (all(is.na(bic_choice))) list() else as.list(bic_choice),
       n_bic = which.min(s$RSS["BIC", ]) - 1, n_lwz = which.min(lwz) - 1,
       confint = cis)
}

case_efp <- function(formula, data, type, h = 0.15) {
  e <- efp(formula, data = data, type = type, h = h)
  s <- sctest(e)
  b <- boundary(e, alpha = 0.05)
  list(type = type, h = h, process = as.numeric(e$process), statistic = unname(s$statistic),
       pvalue = s$p.value, boundary = as.numeric(b), method = s$method)
}

case_f <- function(formula, data, from = 0.15, vcov. = NULL) {
  fs <- Fstats(formula, data = data, from = from, vcov. = vcov.)
  r <- list(from = from, Fstats = as.numeric(fs$Fstats), breakpoint = fs$breakpoint,
            lambda = fs$par, hac = !is.null(vcov.))
  for (ty in c("supF", "aveF", "expF")) {
    s <- sctest(fs, type = ty)
    r[[ty]] <- list(statistic = unname(s$statistic), pvalue = s$p.value)
  }
  r
}

pv_grid <- list()
for (k in c(1, 2, 3, 5)) for (lam in c(1.5, 9, 32.1111)) for (x in c(2, 5, 8.5, 12, 20)) {
  pv_grid[[length(pv_grid) + 1]] <- list(k = k, lambda = lam, x = x,
    supF = pvalue.Fstats(x, "supF", k, lam), aveF = pvalue.Fstats(x / 3, "aveF", k, lam),
    expF = pvalue.Fstats(x / 2.5, "expF", k, lam))
}
pargmax_grid <- list()
for (xv in c(-30, -5, -0.5, 0, 0.7, 4, 25)) pargmax_grid[[length(pargmax_grid) + 1]] <-
  list(x = xv, xi = 1.3, phi1 = 0.8, phi2 = 1.1, p = pargmaxV(xv, xi = 1.3, phi1 = 0.8, phi2 = 1.1))

res <- list(
  provenance = list(source = "R strucchange", strucchange = as.character(packageVersion("strucchange")),
    sandwich = as.character(packageVersion("sandwich")), R = R.version.string,
    script = "tests/reference/nonstationary/strucchange_breaks.R",
    command = "Rscript tests/reference/nonstationary/strucchange_breaks.R",
    date = as.character(Sys.Date()), seed = 20261206, platform = R.version$platform,
    hac = "sandwich::NeweyWest(lag = 3, prewhite = FALSE, adjust = FALSE)"),
  nile = list(formula = "volume ~ 1", breakpoints = case_bp(volume ~ 1, nile, 0.15),
    efp = lapply(c("OLS-CUSUM", "Rec-CUSUM", "OLS-MOSUM"), function(t) case_efp(volume ~ 1, nile, t)),
    fstats = case_f(volume ~ 1, nile), fstats_hac = case_f(volume ~ 1, nile, vcov. = nw)),
  regression = list(formula = "y ~ x + z", breakpoints = case_bp(y ~ x + z, reg, 0.15),
    breakpoints_h20 = case_bp(y ~ x, reg, 0.2, max_breaks = 2),
    efp = lapply(c("OLS-CUSUM", "Rec-CUSUM", "OLS-MOSUM"), function(t) case_efp(y ~ x + z, reg, t)),
    efp_h25 = case_efp(y ~ x + z, reg, "OLS-MOSUM", h = 0.25),
    fstats = case_f(y ~ x + z, reg), fstats_hac = case_f(y ~ x + z, reg, vcov. = nw),
    fstats_10 = case_f(y ~ x, reg, from = 0.1)),
  nile_post = list(formula = "volume ~ 1 (1899-1970)",
    efp = lapply(c("OLS-CUSUM", "Rec-CUSUM", "OLS-MOSUM"), function(t) case_efp(volume ~ 1, nile_post, t)),
    fstats = case_f(volume ~ 1, nile_post), fstats_hac = case_f(volume ~ 1, nile_post, vcov. = nw)),
  pvalue_fstats = pv_grid, pargmaxV = pargmax_grid)
writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, pretty = FALSE), file.path(out_dir, "strucchange_breaks.json"))

