# Reference values for st.durations(kind="price" | "volume"): R ACDm's computeDurations.
# Run: Rscript tests/reference/duration/acdm_durations.R  (writes acdm_durations.json here).
# Data: stattools' ibm_trades.csv.gz (IBM, NYSE, 1990-11-01..1991-01-31, FinTS `ibm`),
# trading hours 09:30:00-16:00:00. Two harmless edits make ACDm's and stattools' start
# rules coincide (documented in README.md):
#  * on a day whose first trade is after the open, ACDm takes the FIRST trade at that
#    time stamp as the reference, stattools the LAST (the state when the clock starts);
#    only the first trade of such a first time stamp is kept;
#  * ACDm never processes the last row of the data (its loop stops at Ntime - 1); a dummy
#    trade after the close is appended, which both programs then ignore.
suppressMessages(library(ACDm))
suppressMessages(library(jsonlite))
Sys.setenv(TZ = "UTC")
d <- read.csv(gzfile("datasets/ibm_trades.csv.gz"))
open_s <- 9.5 * 3600
close_s <- 16 * 3600
d <- d[d$seconds_of_day >= open_s & d$seconds_of_day <= close_s, ]
first_t <- ave(d$seconds_of_day, d$date, FUN = min)
dup_first <- d$seconds_of_day == first_t & first_t > open_s & duplicated(d[, c("date", "seconds_of_day")])
d <- d[!dup_first, ]
last <- d[nrow(d), ]
last$seconds_of_day <- 23 * 3600
d <- rbind(d, last)
tm <- as.POSIXct(d$date, tz = "UTC") + d$seconds_of_day
tr <- data.frame(time = tm, price = d$price, volume = d$volume)
write.csv(data.frame(date = d$date, seconds_of_day = d$seconds_of_day, price = d$price,
                     volume = d$volume), gzfile("/tmp/acdm_durations_input.csv.gz"), row.names = FALSE)
runs <- list()
for (cfg in list(list(type = "price", priceDiff = 0.25, cumVol = 10000),
                 list(type = "price", priceDiff = 0.5, cumVol = 10000),
                 list(type = "volume", priceDiff = 0.1, cumVol = 50000))) {
  out <- capture.output(r <- computeDurations(tr, open = "09:30:00", close = "16:00:00",
                                              rm0dur = TRUE, type = cfg$type,
                                              priceDiff = cfg$priceDiff, cumVol = cfg$cumVol))
  lt <- as.POSIXlt(r$time)
  runs[[length(runs) + 1]] <- list(
    type = cfg$type, priceDiff = cfg$priceDiff, cumVol = cfg$cumVol,
    date = format(lt, "%Y-%m-%d"),
    end_seconds = lt$hour * 3600 + lt$min * 60 + lt$sec,
    duration = r$durations, n_trans = r$Ntrans, volume = r$volume, price = r$price
  )
}
res <- list(
  provenance = list(
    script = "tests/reference/duration/acdm_durations.R",
    R = R.version.string, ACDm = as.character(packageVersion("ACDm")),
    run = format(Sys.time(), "%Y-%m-%d"),
    data = "datasets/ibm_trades.csv.gz, 09:30-16:00, duplicate first-stamp trades after the open removed, dummy last row",
    call = "computeDurations(tr, open='09:30:00', close='16:00:00', rm0dur=TRUE, type=, priceDiff=, cumVol=)",
    n_trades = nrow(d) - 1
  ),
  runs = runs
)
writeLines(toJSON(res, digits = NA, auto_unbox = TRUE), "tests/reference/duration/acdm_durations.json")
