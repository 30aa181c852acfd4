# Reference shares, standard errors and intervals from R's survey package for weights.estimate_share.
#
#   cd tests/data/weights && Rscript make_svyciprop_refs.R
#
# Needs Debian packages r-base-core, r-cran-survey and r-cran-mass (survey 4.1.1 was used). Input:
# synthetic_havering.csv and havering_margins.csv (synthetic data made by make_synthetic.py).
# Output: svyciprop_refs.csv with one row per (case, method):
#   case, n, k, design, method, estimate, se, lower, upper
# Designs: "calibrated" = svydesign(ids = ~1, weights = N / n) calibrated with
# calibrate(calfun = "raking") to the age_band, sex and ward margins (same weights as rake(),
# variance from the regression residuals); "raked" = rake() on the same margins (R's variance
# uses ten rounds of margin-by-margin centring, an approximation to the same residual);
# "unweighted" = prop.test(correct = FALSE), the Wilson score interval.
# Indicators are fixed by row position so the cases are exact: 0, 1, 2 and 300 positives in the
# first 300 rows, 22 positives in the first 326 rows, and feel_safe unsafe in all 1200 rows.
suppressMessages(library(survey))
options(digits = 17)

full <- read.csv("synthetic_havering.csv", stringsAsFactors = FALSE)
m <- read.csv("havering_margins.csv", colClasses = c("character", "character", "numeric"))
vars <- c("age_band", "sex", "ward")
N <- sum(m$population[m$variable == "age_band"])

positions <- list(zero_of_300 = integer(0), one_of_300 = 150L, two_of_300 = c(1L, 150L),
                  all_of_300 = 1:300, k22_of_326 = seq(5L, by = 15L, length.out = 22L))
sizes <- c(zero_of_300 = 300, one_of_300 = 300, two_of_300 = 300, all_of_300 = 300, k22_of_326 = 326)

designs <- function(d) {
  for (v in vars) d[[v]] <- factor(d[[v]], levels = m$level[m$variable == v])
  d$w0 <- N / nrow(d)
  des <- svydesign(ids = ~1, weights = ~w0, data = d)
  mm <- model.matrix(~age_band + sex + ward, d)
  pop <- c(N, unlist(lapply(vars, function(v) m$population[m$variable == v][-1])))
  names(pop) <- colnames(mm)
  cal <- calibrate(des, ~age_band + sex + ward, pop, calfun = "raking", epsilon = 1e-12, maxit = 200)
  margin_of <- function(v) {
    out <- data.frame(factor(m$level[m$variable == v], levels = levels(d[[v]])), m$population[m$variable == v])
    names(out) <- c(v, "Freq")
    out
  }
  raked <- rake(des, lapply(vars, function(v) as.formula(paste0("~", v))), lapply(vars, margin_of),
                control = list(maxit = 1000, epsilon = 1e-13))
  list(calibrated = cal, raked = raked)
}

rows <- list()
add <- function(case, n, k, design, method, estimate, se, ci) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, n = n, k = k, design = design, method = method,
                                          estimate = unname(estimate), se = unname(se),
                                          lower = unname(ci[1]), upper = unname(ci[2]))
}

run_case <- function(case, d) {
  k <- sum(d$y)
  n <- nrow(d)
  wil <- suppressWarnings(prop.test(k, n, correct = FALSE))
  add(case, n, k, "unweighted", "wilson", k / n, NA, wil$conf.int)
  for (name in c("calibrated", "raked")) {
    des <- designs(d)[[name]]
    est <- svymean(~y, des)
    add(case, n, k, name, "svymean", coef(est), SE(est), c(NA, NA))
    for (method in c("logit", "beta")) {
      ci <- tryCatch(suppressWarnings(svyciprop(~y, des, method = method)), error = function(e) NULL)
      if (is.null(ci)) next
      add(case, n, k, name, method, as.numeric(ci), SE(est), attr(ci, "ci"))
    }
  }
}

for (case in names(positions)) {
  d <- full[seq_len(sizes[[case]]), ]
  d$y <- as.numeric(seq_len(nrow(d)) %in% positions[[case]])
  run_case(case, d)
}
d <- full
d$y <- as.numeric(d$feel_safe %in% c("fairly_unsafe", "very_unsafe"))
run_case("unsafe_of_1200", d)

write.csv(do.call(rbind, rows), "svyciprop_refs.csv", row.names = FALSE)
cat("wrote svyciprop_refs.csv with survey", format(packageVersion("survey")), "\n")
