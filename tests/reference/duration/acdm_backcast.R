# Reference values for backcast="acdm": R ACDm's exponential ACD QMLE (psi_1..psi_m = mean(x)).
# Run: Rscript tests/reference/duration/acdm_backcast.R  (writes acdm_backcast.json here).
# Data: ACDm's adjDurData$adjDur rounded to 6 decimals (= stattools' acdm_durations.csv.gz
# column adjDur), first 3000 observations, one sequence (no day restarts).
suppressMessages(library(ACDm))
suppressMessages(library(jsonlite))
data(adjDurData)
x <- round(adjDurData$adjDur, 6)[1:3000]
fits <- list()
for (ord in list(c(1, 1), c(1, 2))) {
  f <- suppressWarnings(acdFit(durations = x, model = "ACD", dist = "exponential",
                               order = ord, optimFnc = "nlminb", output = FALSE))
  fits[[paste(ord, collapse = "_")]] <- list(
    order = ord,
    params = unname(f$mPara),
    names = names(f$mPara),
    llf = f$goodnessOfFit["LogLikelihood", "value"],
    se = unname(f$parameterInference$SE),
    robust_se = unname(f$parameterInference$robustSE)
  )
}
out <- list(
  provenance = list(
    script = "tests/reference/duration/acdm_backcast.R",
    R = R.version.string,
    ACDm = as.character(packageVersion("ACDm")),
    data = "ACDm adjDurData$adjDur rounded to 6 decimals, observations 1..3000",
    call = "acdFit(model='ACD', dist='exponential', order=..., optimFnc='nlminb')"
  ),
  fits = fits
)
write_json(out, "tests/reference/duration/acdm_backcast.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE)
