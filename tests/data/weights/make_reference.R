# Regenerate the R survey-package reference figures the weights tests compare against.
#
#   cd tests/data/weights && Rscript make_reference.R
#
# Needs Debian packages r-base-core and r-cran-survey (survey 4.1-1 was used). Inputs:
# synthetic_havering.csv, havering_margins.csv, havering_cells_age_sex.csv (made by
# make_synthetic.py) and R's own `apistrat` example data, exported here as api_strat.csv.
# Outputs: reference_weights.csv (dataset, method, id, weight) and reference_estimates.csv
# (dataset, method, variable, level, mean, se). Every design is `svydesign(ids = ~1, ...)`.
suppressMessages(library(survey))
options(digits = 17)

weights_rows <- list()
estimate_rows <- list()
keep <- function(dataset, method, design, ids, vars) {
  weights_rows[[length(weights_rows) + 1]] <<- data.frame(
    dataset = dataset, method = method, id = ids, weight = weights(design))
  for (v in vars) {
    est <- svymean(as.formula(paste0("~", v)), design)
    lv <- names(coef(est))
    lv <- if (is.factor(design$variables[[v]])) substring(lv, nchar(v) + 1) else "mean"
    estimate_rows[[length(estimate_rows) + 1]] <<- data.frame(
      dataset = dataset, method = method, variable = v, level = lv,
      mean = unname(coef(est)), se = unname(SE(est)))
  }
}

# (a) synthetic survey skewed like Havering 2023 ------------------------------------------
d <- read.csv("synthetic_havering.csv", stringsAsFactors = FALSE)
m <- read.csv("havering_margins.csv", colClasses = c("character", "character", "numeric"))
cells <- read.csv("havering_cells_age_sex.csv", colClasses = c("character", "character", "numeric"))
vars <- c("age_band", "sex", "ethnic_group", "ward")
for (v in vars) d[[v]] <- factor(d[[v]], levels = m$level[m$variable == v])
d$feel_safe <- factor(d$feel_safe)
N <- sum(m$population[m$variable == "age_band"])
d$w0 <- N / nrow(d)
des <- svydesign(ids = ~1, weights = ~w0, data = d)
outcomes <- c("feel_safe", "worry_score")

margin_of <- function(v) {
  out <- data.frame(factor(m$level[m$variable == v], levels = levels(d[[v]])),
                    m$population[m$variable == v])
  names(out) <- c(v, "Freq")
  out
}
raked <- rake(des, lapply(vars, function(v) as.formula(paste0("~", v))), lapply(vars, margin_of),
              control = list(maxit = 1000, epsilon = 1e-13))
keep("synthetic", "rake", raked, d$id, outcomes)

pop_cells <- data.frame(age_band = factor(cells$age_band, levels = levels(d$age_band)),
                        sex = factor(cells$sex, levels = levels(d$sex)), Freq = cells$population)
ps <- postStratify(des, ~age_band + sex, pop_cells)
keep("synthetic", "poststratify", ps, d$id, outcomes)

mm <- model.matrix(~age_band + sex + ethnic_group + ward, d)
pop <- c(N, unlist(lapply(vars, function(v) m$population[m$variable == v][-1])))
names(pop) <- colnames(mm)
cal <- calibrate(des, ~age_band + sex + ethnic_group + ward, pop, calfun = "raking",
                 bounds = c(0.2, 8), maxit = 100)
keep("synthetic", "calibrate_raking_0.2_8", cal, d$id, outcomes)

mean_w <- mean(weights(raked))
keep("synthetic", "trim_0.3_5", trimWeights(raked, lower = 0.3 * mean_w, upper = 5 * mean_w), d$id, character(0))
keep("synthetic", "trim_0.3_5_strict",
     trimWeights(raked, lower = 0.3 * mean_w, upper = 5 * mean_w, strict = TRUE), d$id, character(0))

# (b) the api example data from the survey package ----------------------------------------
data(api)
api <- data.frame(snum = apistrat$snum, stype = as.character(apistrat$stype),
                  sch_wide = as.character(apistrat$sch.wide), awards = as.character(apistrat$awards),
                  api00 = apistrat$api00, pw = apistrat$pw)
write.csv(api, "api_strat.csv", row.names = FALSE)
api$stype <- factor(api$stype)
api$sch_wide <- factor(api$sch_wide)
api$awards <- factor(api$awards)
ades <- svydesign(ids = ~1, weights = ~pw, data = api)
pop_types <- data.frame(stype = factor(c("E", "H", "M")), Freq = c(4421, 755, 1018))
pop_schwide <- data.frame(sch_wide = factor(c("No", "Yes")), Freq = c(1072, 5122))
api_out <- c("api00", "awards")
araked <- rake(ades, list(~stype, ~sch_wide), list(pop_types, pop_schwide),
               control = list(maxit = 1000, epsilon = 1e-13))
keep("api", "rake", araked, api$snum, api_out)
keep("api", "poststratify", postStratify(ades, ~stype, pop_types), api$snum, api_out)
acal <- calibrate(ades, ~stype + sch_wide, c(6194, 755, 1018, 5122), calfun = "raking",
                  bounds = c(0.9, 1.1), epsilon = 1e-10, maxit = 100)
keep("api", "calibrate_raking_0.9_1.1", acal, api$snum, api_out)
# calibrate() without bounds has rake()'s weights; its variance uses the exact regression residual
# (rake()'s uses ten rounds of margin-by-margin centring, which differs with unequal design weights)
keep("api", "calibrate_raking", calibrate(ades, ~stype + sch_wide, c(6194, 755, 1018, 5122), calfun = "raking",
                                          epsilon = 1e-12, maxit = 100), api$snum, api_out)
amean <- mean(weights(araked))
keep("api", "trim_0.5_1.2", trimWeights(araked, lower = 0.5 * amean, upper = 1.2 * amean), api$snum,
     character(0))

write.csv(do.call(rbind, weights_rows), "reference_weights.csv", row.names = FALSE)
write.csv(do.call(rbind, estimate_rows), "reference_estimates.csv", row.names = FALSE)
cat("wrote reference_weights.csv and reference_estimates.csv with survey", format(packageVersion("survey")), "\n")
