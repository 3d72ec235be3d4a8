# Reference values of the signed scalar jump in stattools.frechet.frechet_jump from R rdrobust.
# Data: rdrobust_scalar.csv (x ~ U(-1, 1), y = 0.4 x + sin(3 x) - 0.83 1{x >= 0} + N(0, 0.4^2),
# n = 500, numpy default_rng(20261206)); cutoff 0; h = b (pilot bandwidth equal to h).
# rdrobust 3.0.0 from github:cran/rdrobust (commit 159688d), installed with
#   R CMD INSTALL -l /tmp/Rlib rdrobust   (Debian has no r-cran-rdrobust)
# Run: R_LIBS=/tmp/Rlib Rscript rdrobust_scalar.R  (writes rdrobust_scalar.json)
library(rdrobust)
library(jsonlite)
d <- read.csv("rdrobust_scalar.csv")
out <- list(
  rdrobust_version = as.character(packageVersion("rdrobust")),
  R_version = R.version.string,
  cases = list()
)
for (kern in c("epanechnikov", "triangular")) {
  for (h in c(0.3, 0.6)) {
    for (vce in c("hc2", "hc3")) {
      r <- rdrobust(d$y, d$x, c = 0, p = 1, h = h, b = h, kernel = kern, vce = vce,
                    masspoints = "off")
      out$cases[[length(out$cases) + 1]] <- list(
        kernel = kern, h = h, vce = vce,
        coef_conventional = unname(r$coef[1, 1]),
        coef_bias_corrected = unname(r$coef[2, 1]),
        se_conventional = unname(r$se[1, 1]),
        se_robust = unname(r$se[3, 1]),
        ci_robust = unname(r$ci[3, ])
      )
    }
  }
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "rdrobust_scalar.json")
