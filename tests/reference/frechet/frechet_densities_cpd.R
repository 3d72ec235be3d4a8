# Reference values from R frechet 0.3.0 for stattools.frechet.densities and the change-point
# scan (tests/frechet/test_densities.py). Run from this directory:
#   Rscript frechet_densities_cpd.R
# Writes frechet_densities_cpd.json and the data files frechet_cpd_{qin,yin,laplacians}.csv.
suppressPackageStartupMessages(library(jsonlite))
out <- list()
if (requireNamespace("frechet", quietly = TRUE) && requireNamespace("fdadensity", quietly = TRUE)) {
  library(frechet)
  dens2quantile <- dens2quantile
  qf2pdf <- qf2pdf
  DenCPDStatistic <- DenCPDStatistic
  NetCPDStatistic <- NetCPDStatistic
  out$versions <- list(R = R.version.string,
                       frechet = as.character(packageVersion("frechet")),
                       fdapace = as.character(packageVersion("fdapace")),
                       fdadensity = as.character(packageVersion("fdadensity")))
} else {
  source("frechet_shim.R")  # the same functions from the CRAN sources (see that file)
  out$versions <- c(list(R = R.version.string), SHIM_VERSIONS)
}
dens_case <- function(f, qSup = seq(0, 1, length.out = 201)) {
  list(bw = f$bw, x = f$x, y = f$y,
       qSup = qSup, qf = dens2quantile(f$y, dSup = f$x, qSup = qSup))
}
# 1. compact support, R's CreateDensity example: raw sample, histogram, frequency table
set.seed(100)
Y <- rbeta(100, 3, 2)
x0 <- seq(0, 1, length.out = 51)
out$beta_sample <- Y
out$raw_beta <- dens_case(CreateDensity(y = Y, optns = list(outputGrid = x0)))
histY <- hist(Y, plot = FALSE)
out$hist_breaks <- histY$breaks; out$hist_counts <- histY$counts
out$hist_beta <- dens_case(CreateDensity(histogram = histY, optns = list(outputGrid = x0)))
binY <- c(0, sort(runif(9)), 1)
freqY <- sapply(1:10, function(i) length(which(Y > binY[i] & Y <= binY[i + 1])))
out$freq_bins <- binY; out$freq_counts <- freqY
out$freq_beta <- dens_case(CreateDensity(freq = freqY, bin = binY, optns = list(outputGrid = x0)))
# 2. normal sample: default grid, infinite support, Epanechnikov kernel, user bandwidth
set.seed(100)
Z <- rnorm(200)
out$normal_sample <- Z
out$raw_normal_default <- dens_case(CreateDensity(y = Z))
out$raw_normal_inf <- dens_case(CreateDensity(y = Z, optns = list(infSupport = TRUE, outputGrid = seq(-3, 3, length.out = 101))))
out$raw_normal_epan <- dens_case(CreateDensity(y = Z, optns = list(kernel = "epan", userBwMu = 0.5, nRegGrid = 61)))
# 3. qf2pdf: a normal quantile function on [0.001, 0.999]
p <- seq(0.001, 0.999, length.out = 199)
out$qf_prob <- p
out$qf2pdf_normal <- dens_case(qf2pdf(qf = qnorm(p, 1, 2), prob = p, optns = list(outputGrid = seq(-4, 6, length.out = 81))))
# 4. DenCPD: the example of ?DenCPD (mean shift after 100 of 300 distributions)
set.seed(1)
n1 <- 100; n2 <- 200; delta <- 0.75
qSup <- seq(0.01, 0.99, (0.99 - 0.01) / 50)
mu1 <- rnorm(n1, mean = delta, sd = 0.5)
mu2 <- rnorm(n2, mean = 0, sd = 0.5)
Ly <- c(lapply(1:n1, function(i) qnorm(qSup, mu1[i], sd = 1)),
        lapply(1:n2, function(i) qnorm(qSup, mu2[i], sd = 1)))
write.csv(do.call(rbind, Ly), "frechet_cpd_qin.csv", row.names = FALSE)
st <- DenCPDStatistic(Ly, 1:300, cutOff = 0.1, qSup = qSup)
set.seed(2)
res <- DenCPD(qin = Ly, supin = qSup, optns = list(boot = FALSE))
out$cpd <- list(qSup = qSup, cutOff = 0.1, statistic = unname(st[1]), which_max = unname(st[2]),
                tau = res$tau, pvalAsy = res$pvalAsy, Q = 1000)
# 5. DenCPD on raw samples (yin): densities via CreateDensity, qSup = seq(0, 1, length.out = 201)
set.seed(3)
ys <- t(sapply(1:60, function(i) rnorm(80, mean = 0, sd = if (i <= 35) 1 else 1.6)))
write.csv(ys, "frechet_cpd_yin.csv", row.names = FALSE)
ys <- unname(as.matrix(read.csv("frechet_cpd_yin.csv")))  # exactly the stored values (binning is discontinuous)
qs <- lapply(1:60, function(i) { f <- CreateDensity(y = ys[i, ]); dens2quantile(f$y, dSup = f$x, qSup = seq(0, 1, length.out = 201)) })
st2 <- DenCPDStatistic(qs, 1:60, cutOff = 0.1, qSup = seq(0, 1, length.out = 201))
set.seed(4)
res2 <- DenCPD(yin = ys, optns = list(cutOff = 0.1))
out$cpd_yin <- list(statistic = unname(st2[1]), which_max = unname(st2[2]), tau = res2$tau,
                    pvalAsy = res2$pvalAsy, qf_first = qs[[1]])
# 6. NetCPD: weighted graph Laplacians on 6 nodes (no igraph needed); edge probability
#    0.3 for the first 50 networks, 0.6 for the last 30; weights U(0, 1)
set.seed(5)
p <- 6
Ls <- lapply(1:80, function(i) {
  A <- matrix(0, p, p)
  up <- upper.tri(A)
  A[up] <- runif(sum(up)) * (runif(sum(up)) < if (i <= 50) 0.3 else 0.6)
  A <- A + t(A)
  diag(rowSums(A)) - A
})
write.csv(t(sapply(Ls, as.vector)), "frechet_cpd_laplacians.csv", row.names = FALSE)
st3 <- NetCPDStatistic(Ls, 1:80, cutOff = 0.1)
set.seed(6)
res3 <- NetCPD(Ls, optns = list(cutOff = 0.1))
out$netcpd <- list(statistic = unname(st3[1]), which_max = unname(st3[2]), tau = res3$tau,
                   pvalAsy = res3$pvalAsy, p = p)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = FALSE), "frechet_densities_cpd.json")
