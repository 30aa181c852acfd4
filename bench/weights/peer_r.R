# Time survey::rake on the benchmark data: Rscript peer_r.R DATA_DIR N OUT_WEIGHTS.f64
# Prints one JSON line {seconds, cpu_seconds, peak_mb}; peak_mb is R's gc() "max used" during the call.
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
folder <- args[1]; n <- as.integer(args[2]); out <- args[3]
txt <- paste(readLines(file.path(folder, "margins.json"), warn = FALSE), collapse = "")
vars <- c("age_band", "sex", "ethnic_group", "ward")
parse_margin <- function(v) {  # tiny parser for {"v": {"level": number, ...}} without jsonlite
  body <- regmatches(txt, regexpr(paste0('"', v, '": \\{[^}]*\\}'), txt))
  pairs <- regmatches(body, gregexpr('"[^"]+": [0-9.e+-]+', body))[[1]]
  lv <- sub('"([^"]+)": .*', "\\1", pairs)
  data.frame(level = lv, Freq = as.numeric(sub('.*": ', "", pairs)))
}
d <- data.frame(row.names = seq_len(n))
pops <- list()
for (v in vars) {
  m <- parse_margin(v)
  codes <- readBin(file.path(folder, paste0(v, ".i32")), "integer", n = n, size = 4)
  d[[v]] <- factor(m$level[codes + 1], levels = m$level)
  pops[[v]] <- setNames(data.frame(factor(m$level, levels = m$level), m$Freq), c(v, "Freq"))
}
des <- svydesign(ids = ~1, data = d, weights = rep(1, n))
invisible(gc(reset = TRUE))
t0 <- proc.time()
raked <- rake(des, lapply(vars, function(v) as.formula(paste0("~", v))), unname(pops),
              control = list(maxit = 100, epsilon = 1e-12))
el <- proc.time() - t0
mem <- gc()
writeBin(as.double(weights(raked)), out, size = 8)
cat(sprintf('{"seconds": %.6f, "cpu_seconds": %.6f, "peak_mb": %.1f}\n', el[["elapsed"]],
            el[["user.self"]] + el[["sys.self"]], sum(mem[, ncol(mem)])))
