# Reference values for stattools cusum_test(method="ols-cusum") (textbook OLS-CUSUM).
# Run: Rscript ols_cusum.R  (writes ols_cusum.json beside this script)
suppressMessages({library(strucchange); library(jsonlite)})
out <- list()
nile <- as.numeric(datasets::Nile)
e <- efp(nile ~ 1, type = "OLS-CUSUM")
t <- sctest(e)
out$nile <- list(statistic = unname(t$statistic), p_value = t$p.value,
                 argmax = which.max(abs(e$process)) - 1L, n = length(nile))
gt <- read.csv("../../../datasets/global_temp_annual.csv")
g <- gt$Mean[gt$Source == "GISTEMP"]
e2 <- efp(g ~ 1, type = "OLS-CUSUM")
t2 <- sctest(e2)
out$gistemp <- list(statistic = unname(t2$statistic), p_value = t2$p.value, n = length(g))
out$provenance <- list(R = R.version.string,
                       strucchange = as.character(packageVersion("strucchange")),
                       script = "tests/reference/nonstationary/ols_cusum.R",
                       date = format(Sys.Date()))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "ols_cusum.json")
