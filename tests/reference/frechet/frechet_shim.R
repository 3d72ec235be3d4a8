# Loads the reference functions from the CRAN *source* of frechet 0.3.0 (github cran/frechet
# @ 994176510c884fa36075592113685164da6068de), fdapace 0.6.0 (cran/fdapace @
# 25b933450ec135f432606431cf5d78feae4a3d7b) and fdadensity 0.1.4 (cran/fdadensity @
# 9b3af09792adc2e8bbaa4ad5f3a0658523b0c441), extracted to /tmp/<pkg> with
#   git --git-dir=<mirror> archive HEAD | tar -x -C /tmp/<pkg>
# Used when the packages are not installed (fdapace's 18 RcppEigen files did not compile in
# the time available): only the files below are loaded, unchanged except that the package
# prefixes fdapace::, fdadensity:: and frechet::: are dropped; the C++ smoother
# (CPPlwls1d) and fdadensity's trapezoid rules are compiled with Rcpp::sourceCpp.
library(Rcpp)
sourceCpp("/tmp/fdapace/src/CPPlwls1d.cpp", cacheDir = "/tmp/rshim/cache")
sourceCpp("/tmp/fdadensity/src/trapzRcpp.cpp", cacheDir = "/tmp/rshim/cache")
sourceCpp("/tmp/fdadensity/src/cumtrapzRcpp.cpp", cacheDir = "/tmp/rshim/cache")
files <- c(file.path("/tmp/frechet/R", c("CreateDensity.R", "qf2hist.R", "qf2pdf.R", "DenCPD.R",
                                         "DenCPDStatistic.R", "NetCPD.R", "NetCPDStatistic.R")),
           "/tmp/fdapace/R/Lwls1D.R", "/tmp/fdadensity/R/dens2quantile.R")
for (f in files) {
  code <- gsub("(fdapace|fdadensity)::|frechet:::", "", readLines(f))
  eval(parse(text = code), envir = globalenv())
}
SHIM_VERSIONS <- list(frechet = "0.3.0 (source, shim)", fdapace = "0.6.0 (source, shim)",
                      fdadensity = "0.1.4 (source, shim)")
