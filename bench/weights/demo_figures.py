"""Representativeness and weighted figures of a built demo database (synthetic data), printed
plainly, for issue 20's before/after note. Not a speed benchmark: it reads the stored runs.

Run from the repository root, on a demo built with `voice demo --no-serve`:
    PYTHONPATH=$PWD python bench/weights/demo_figures.py sqlite:///instance/demo.db
The same script run against a demo built by an older commit (with that commit's tree first on
PYTHONPATH) gives the "before" figures.
"""
import sys

from sqlalchemy import create_engine, select
from sqlalchemy.orm import sessionmaker

from service.reports import reach
from service.reports.dashboard import ResponseFilter
from service.reports.prevalence import topic_prevalence
from service.store.models import AnalysisRun

engine = create_engine(sys.argv[1])
session = sessionmaker(engine)()
runs = reach.representativeness_runs(session)
for source in ("css", "shout", "qr"):
    chosen = reach.choose_run(runs, source, "all")
    result = reach.load_run(session, chosen["id"]).result
    pop = result.get("population", {})
    print(f"== {source} all periods: n={result['n_respondents']}; compared with: {pop.get('text', 'residents of the source min_age+ (old)')}")
    for note in pop.get("notes", []) + ([pop["outside_note"]] if pop.get("outside_note") else []):
        print("   note:", note)
    for g in reach.under_represented(result)[:4]:
        print(f"   missing: {g['variable']} {g.get('label') or g['level']}: {g['sample_pct']:.1f}% of respondents "
              f"(n={g['n']} of {g['base_n']}) vs {g['population_pct']:.1f}% census; responses needed {g.get('responses_needed')}")
print("== weighting runs")
for run in session.scalars(select(AnalysisRun).where(AnalysisRun.kind == "weighting").order_by(AnalysisRun.id)):
    r = run.result or {}
    gap = r.get("max_gap")
    print(f"   {run.source_key} {run.parameters.get('period')}: {run.status} method={run.method} n={r.get('n_respondents')} "
          f"deff={r.get('design_effect') and round(r['design_effect'], 2)} eff_n={r.get('effective_n') and round(r['effective_n'], 1)} "
          f"max/mean={r.get('max_ratio') and round(r['max_ratio'], 2)} stored max_gap={gap if gap is None else f'{gap:.1e}'} "
          f"{r.get('reason') or r.get('error') or ''}")
    if r.get("methods"):
        print(f"      methods: {r['methods']}")
for source, period, topic in (("css", "2023", "police_presence"), ("qr", "2024Q1", "police_presence"), ("qr", "2024Q4", "women_safety"),
                              ("shout", "2023", "police_presence"), ("qr", "all", "police_presence")):
    data = topic_prevalence(session, ResponseFilter(source=source, period=period), {})
    row = next((r for r in data["rows"] if r["topic"] == topic), None)
    if row is None:
        print(f"== {source} {period} {topic}: no row ({[r['topic'] for r in data['rows']][:8]})")
        continue
    w = (f"{row['weighted_pct']}% weighted ({row['weighted_ci_low']}-{row['weighted_ci_high']}), effective n {row['effective_n']}"
         if data["weighted"] else f"not weighted: {data['weighting_reason']}")
    print(f"== {source} {period} {topic}: {row['pct']}% ({row['n']} of {row['base_n']}) unweighted; {w}")
print("== margins met by the stored (final) weights: largest relative gap over every margin level")
import pandas as pd  # noqa: E402

from service.store.models import Response, ResponseWeight  # noqa: E402

for run in session.scalars(select(AnalysisRun).where(AnalysisRun.kind == "weighting", AnalysisRun.status == "finished").order_by(AnalysisRun.id)):
    rows = session.execute(select(ResponseWeight.weight, Response.age_band, Response.sex, Response.ethnic_group)
                           .join(Response, Response.id == ResponseWeight.response_id).where(ResponseWeight.run_id == run.id)).all()
    frame = pd.DataFrame(rows, columns=["w", "age_band", "sex", "ethnic_group"]).fillna("not_stated")
    for step in (run.result.get("collapse") or {}).get("steps", []):  # thin categories merged by the run
        frame[step["variable"]] = frame[step["variable"]].replace({level: step["into"] for level in step["merged"]})
    worst, where = 0.0, ""
    for m in run.result["margins_achieved"]:
        if m["variable"] not in frame or not m["target"]:
            continue
        got = frame.loc[frame[m["variable"]] == m["level"], "w"].sum()
        gap = abs(got - m["target"]) / m["target"]
        if gap > worst:
            worst, where = gap, f"{m['variable']} {m['level']}: {100 * got / frame['w'].sum():.1f}% vs target {100 * m['target'] / sum(x['target'] for x in run.result['margins_achieved'] if x['variable'] == m['variable']):.1f}%"
    print(f"   {run.source_key} {run.parameters.get('period')}: largest gap {worst:.1%} ({where})")
