"""Synthetic demo exports for the three channels, written as the files the connectors read.

Seeded and deterministic. Calibrated to figures published in Havering's Serious Violence Duty
Strategic Needs Assessment (2023 Community Safety Survey, Shout youth survey) and Barking and
Dagenham's QR-code feedback (first month): the counts below are placed exactly, then shuffled,
so that those percentages come out as published. Every row says it is synthetic.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from service.demo import texts

NOTE = "SYNTHETIC demo data - not a real response"


@dataclass(frozen=True)
class DemoSite:
    """A QR placement of the demo."""

    code: str
    name: str
    kind: str
    ward: str


def demo_sites(rng: random.Random) -> tuple[DemoSite, ...]:
    """QR sites named in the source documents, each with a short unguessable code."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    named = (
        ("Romford station", "station", "E05013983"),
        ("Upminster station", "station", "E05013986"),
        ("Elm Park station", "station", "E05013969"),
        ("Harold Hill town centre", "town_centre", "E05013971"),
        ("Romford Market Place", "town_centre", "E05013983"),
        ("Bus route 174 (Harold Hill - Romford)", "bus_route", "E05013975"),
        ("Bus route 496 (Romford - Harold Wood - Upminster)", "bus_route", "E05013973"),
        ("Bus route 103 (Rainham - Romford)", "bus_route", "E05013979"),
        ("Bus route 248 (Romford - Upminster)", "bus_route", "E05013976"),
        ("Harrow Lodge Park", "park", "E05013976"),
        ("Raphael Park", "park", "E05013985"),
    )
    return tuple(DemoSite("".join(rng.choice(alphabet) for _ in range(7)), n, k, w) for n, k, w in named)


def exact(rng: random.Random, counts: dict[str, int]) -> list[str]:
    """A shuffled list holding each value exactly ``counts[value]`` times."""
    values = [value for value, n in counts.items() for _ in range(n)]
    rng.shuffle(values)
    return values


def spread_dates(rng: random.Random, n: int, start: datetime, days: int) -> list[datetime]:
    """``n`` sorted times between ``start`` and ``start + days``, in waking hours."""
    times = [start + timedelta(days=rng.randrange(days), hours=rng.randint(7, 22), minutes=rng.randrange(60)) for _ in range(n)]
    return sorted(times)


def comment(rng: random.Random, voice: str, weights: dict[str, float], place: str | None = None) -> str:
    """One synthetic free-text answer on one or two topics drawn by ``weights``."""
    bank = texts.ADULT if voice == "adult" else texts.YOUNG
    topics = list(weights)
    chosen = rng.choices(topics, weights=[weights[t] for t in topics], k=1)
    if rng.random() < 0.35:
        chosen.append(rng.choices(topics, weights=[weights[t] for t in topics], k=1)[0])
    parts = [rng.choice(bank[t]) for t in dict.fromkeys(chosen)]
    text = (". " if voice == "adult" else " and ").join(parts)
    if place and rng.random() < 0.4:
        text += f" in {place}" if voice == "adult" else f" round {place}"
    if voice == "young" and rng.random() < 0.3:
        slip, wrong = rng.choice(texts.SLIPS)
        text = text.replace(slip, wrong, 1)
    if rng.random() < 0.04:
        text += ". " + rng.choice(texts.PERSONAL)
    return text + ("." if voice == "adult" else "")


def _write(path: Path, header: list[str], rows: list[list[object]], encoding: str = "utf-8", delimiter: str = ",") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)


CSS_QUESTIONS = (
    "How safe do you feel in your neighbourhood during the day?",
    "How safe do you feel in your neighbourhood after dark?",
    "Is knife crime a problem in your neighbourhood?",
    "In the last 12 months has knife crime got better or worse?",
    "Are street gangs and violence a problem in your neighbourhood?",
    "In the last 12 months have street gangs and violence got better or worse?",
    "How good is the response to violence from the police, council and other services?",
    "The police can be relied upon to be there when needed",
    "What would make you feel safer?",
)
CSS_HEADER = ["Respondent ID", "Date submitted", "Survey", "I agree to my answers being used", "Age group", "Sex",
              "Is your gender the same as the sex you were registered at birth?", "Ethnic group", "Ward", "Postcode",
              *CSS_QUESTIONS, "Note"]
ADULT_TOPICS = {"police_presence": 45, "cctv": 16, "vehicle_crime": 12, "police_response": 10, "street_lighting": 5,
                "antisocial_behaviour": 6, "drugs": 3, "knife_crime": 3, "youth_provision": 3, "feels_safe_no_change": 3}
YOUNG_TOPICS = {"youth_provision": 30, "transport_safety": 18, "police_presence": 14, "robbery_theft": 10,
                "parks_public_space": 8, "knife_crime": 8, "street_lighting": 6, "stop_and_search": 3,
                "police_trust": 4, "cctv": 4, "gangs_violence": 5, "women_safety": 5}
# Ward spellings as residents type them; the vocabulary maps each onto a 2022 ward code.
CSS_WARDS = {"Cranham": 40, "Upminster": 42, "Emerson Park": 30, "Hacton": 22, "St Andrew's": 25, "St Andrews": 8,
             "Squirrels Heath": 28, "Harold Wood": 26, "Havering-atte-Bower": 24, "Marshalls & Rise Park": 18,
             "Mawneys": 16, "Hylands and Harrow Lodge": 14, "Elm Park": 16, "St Edwards": 14, "St Alban's": 10,
             "Gooshays": 8, "Heaton": 7, "South Hornchurch": 12, "Rush Green & Crowlands": 9,
             "Rainham & Wennington": 10, "Beam Park": 3, "": 6}
POSTCODE_DISTRICTS = ("RM1", "RM2", "RM3", "RM4", "RM5", "RM7", "RM11", "RM12", "RM13", "RM14")


def write_css_2023(folder: Path, rng: random.Random) -> int:
    """The 2023 Community Safety Survey: 418 responses over six weeks from 3 April 2023.

    Published (Havering SNA): of those giving demographics 93% over 25, 94% White British,
    66% female; a majority think knife crime a problem, over a quarter that it got worse; 47%
    think street gangs and violence a problem, 20% that they got worse; 11% think the
    response to violence good. Two further rows break rules and are quarantined; a third is an
    older copy of row 3, kept in its history.
    """
    n = 418
    ages = exact(rng, {"16-24": 28, "25-34": 42, "35-44": 58, "45-54": 78, "55-64": 82, "65-74": 71,
                       "75 or over": 41, "Prefer not to say": 12, "": 6})
    sexes = exact(rng, {"Female": 261, "Male": 134, "Prefer not to say": 15, "": 8})
    ethnic = exact(rng, {"White - English/Welsh/Scottish/Northern Irish/British": 367, "White - Irish": 4,
                         "White - Any other White background": 8, "Asian/Asian British - Indian": 3,
                         "Black/African/Caribbean/Black British - African": 3, "Mixed - White and Black Caribbean": 2,
                         "Black/African/Caribbean/Black British - Caribbean": 1, "Any other ethnic group": 2,
                         "Prefer not to say": 20, "": 8})
    answers = [
        exact(rng, {"Yes": 243, "No": 105, "Don't know": 70}),
        exact(rng, {"Worse": 115, "About the same": 160, "Better": 28, "Don't know": 115}),
        exact(rng, {"Yes": 196, "No": 142, "Don't know": 80}),
        exact(rng, {"Worse": 84, "About the same": 170, "Better": 30, "Don't know": 134}),
        exact(rng, {"Good": 46, "Fair": 140, "Poor": 170, "Don't know": 62}),
        exact(rng, {"Strongly agree": 30, "Agree": 110, "Neither": 100, "Disagree": 110, "Strongly disagree": 68}),
    ]
    wards = rng.choices(list(CSS_WARDS), weights=list(CSS_WARDS.values()), k=n)
    dates = spread_dates(rng, n, datetime(2023, 4, 3), 42)
    rows = []
    for i in range(n):
        day = rng.choices([1, 2, 3, 4, 5], weights=[4, 10, 20, 40, 26])[0]
        dark = max(1, day - rng.choice([0, 1, 1, 2]))
        text = comment(rng, "adult", ADULT_TOPICS, rng.choice(texts.PLACES)) if rng.random() < 0.72 else ""
        rows.append([f"CSS23-{i + 1:04d}", dates[i].strftime("%d/%m/%Y %H:%M"), "2023", "Yes", ages[i], sexes[i],
                     rng.choice(["Yes"] * 30 + ["Prefer not to say"]), ethnic[i], wards[i],
                     f"{rng.choice(POSTCODE_DISTRICTS)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
                     day, dark, *(a[i] for a in answers), text, NOTE])
    bad = [list(rows[0]), list(rows[1]), list(rows[2])]
    bad[0][0], bad[0][1] = "CSS23-0419", "31/04/2023 10:15"
    bad[1][0], bad[1][3] = "CSS23-0420", "Maybe"  # consent neither yes nor no: the whole record waits
    # The same id as row 3 with other content, submitted a day before it: row 3 is kept, this copy goes to history.
    bad[2][1] = (dates[2] - timedelta(days=1)).strftime("%d/%m/%Y %H:%M")
    bad[2][14] = "No" if bad[2][14] != "No" else "Yes"
    _write(folder / "community_safety_survey_2023.csv", CSS_HEADER, rows + bad, encoding="utf-8-sig")
    return n


def write_css_2024(folder: Path, rng: random.Random) -> int:
    """The 2024 wave, after outreach reform: still skewed, less so. Windows-1252, semicolons, as Excel saves."""
    n = 512
    rows = []
    dates = spread_dates(rng, n, datetime(2024, 4, 2), 42)
    for i in range(n):
        age = rng.choices(["16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75 or over", "Prefer not to say"],
                          weights=[12, 14, 16, 17, 16, 12, 8, 5])[0]
        sex = rng.choices(["Female", "Male", "Prefer not to say"], weights=[58, 38, 4])[0]
        ethnicity = rng.choices(["White British", "White Irish", "White Other", "Indian", "Bangladeshi", "Black African",
                                 "Black Caribbean", "Mixed White/Black Caribbean", "Other", "Prefer not to say"],
                                weights=[76, 2, 6, 3, 1, 5, 2, 2, 1, 4])[0]
        young = age == "16-24"
        text = comment(rng, "young" if young else "adult", YOUNG_TOPICS if young else ADULT_TOPICS) if rng.random() < 0.7 else ""
        day = rng.choices([1, 2, 3, 4, 5], weights=[4, 10, 20, 40, 26])[0]
        rows.append([f"CSS24-{i + 1:04d}", dates[i].strftime("%d/%m/%Y %H:%M"), "2024", "Yes", age, sex,
                     "Yes", ethnicity, rng.choices(list(CSS_WARDS), weights=list(CSS_WARDS.values()))[0], rng.choice(POSTCODE_DISTRICTS),
                     day, max(1, day - rng.choice([0, 1, 1, 2])),
                     rng.choices(["Yes", "No", "Don't know"], weights=[55, 28, 17])[0],
                     rng.choices(["Worse", "About the same", "Better", "Don't know"], weights=[24, 40, 10, 26])[0],
                     rng.choices(["Yes", "No", "Don't know"], weights=[44, 36, 20])[0],
                     rng.choices(["Worse", "About the same", "Better", "Don't know"], weights=[18, 42, 9, 31])[0],
                     rng.choices(["Good", "Fair", "Poor", "Don't know"], weights=[14, 35, 37, 14])[0],
                     rng.choices(["Strongly agree", "Agree", "Neither", "Disagree", "Strongly disagree"], weights=[8, 28, 24, 25, 15])[0],
                     text.replace("cafe", "café"), NOTE])
    _write(folder / "community_safety_survey_2024.csv", CSS_HEADER, rows, encoding="cp1252", delimiter=";")
    return n


SHOUT_HEADER = ["Response ID", "Completed", "Survey round", "School year", "Age", "Are you...?", "Ethnicity",
                "Which area do you live in?", "Do you feel safe on the streets where you live?",
                "Do you feel safe at bus stops and train stations?", "Do you feel safe in local parks?",
                "Do you feel safe across Havering?", "What would make you feel safer?", "Note"]
SHOUT_ETHNICITY = {"White British": 540, "White other": 85, "Black African": 95, "Black Caribbean": 25,
                   "Asian - Indian": 40, "Asian - Bangladeshi": 18, "Asian - Pakistani": 20, "Asian other": 14,
                   "Mixed White & Black Caribbean": 40, "Mixed White & Asian": 18, "Mixed other": 22,
                   "Any other": 22, "Prefer not to say": 50, "": 40}
SHOUT_AREAS = {"Gooshays": 80, "Heaton": 70, "Harold Wood": 50, "Romford Town": 40, "St Edwards": 60, "Elm Park": 60,
               "Rainham and Wennington": 70, "South Hornchurch": 60, "Rush Green and Crowlands": 55, "Beam Park": 30,
               "Mawneys": 50, "Hylands & Harrow Lodge": 55, "Squirrels Heath": 45, "Marshalls & Rise Park": 45,
               "Havering-atte-Bower": 40, "Upminster": 40, "Cranham": 35, "Hacton": 35, "Emerson Park": 30,
               "St Albans": 35, "St Andrews": 45, "dont know": 49}


def write_shout(folder: Path, rng: random.Random) -> int:
    """The Shout youth survey: 1,029 children and young people, January to March 2023.

    Published (Havering SNA): 57% feel unsafe on the streets, 34% at bus stops and train
    stations, a quarter in parks; 30% feel safe across the borough. Two more rows break rules.
    """
    n = 1029
    ages = exact(rng, {"11": 140, "12": 170, "13": 180, "14": 175, "15": 160, "16": 110, "17": 60, "18": 34})
    sexes = exact(rng, {"Girl": 500, "Boy": 480, "Prefer not to say": 30, "Other": 19})
    ethnic = exact(rng, SHOUT_ETHNICITY)
    areas = exact(rng, SHOUT_AREAS)
    answers = [
        exact(rng, {"Unsafe": 587, "Safe": 300, "Not sure": 142}),
        exact(rng, {"Unsafe": 350, "Safe": 520, "Not sure": 159}),
        exact(rng, {"Unsafe": 257, "Safe": 600, "Not sure": 172}),
        exact(rng, {"Safe": 309, "Unsafe": 420, "Not sure": 300}),
    ]
    dates = spread_dates(rng, n, datetime(2023, 1, 16), 67)
    rows = []
    for i in range(n):
        text = comment(rng, "young", YOUNG_TOPICS, rng.choice(texts.PLACES)) if rng.random() < 0.63 else ""
        if text and rng.random() < 0.012:
            text = rng.choice(texts.DISCLOSURES)
        age = int(ages[i])
        rows.append([f"SH-{i + 1:05d}", dates[i], "2023", f"Year {min(13, max(7, age - 4))}", age,
                     sexes[i], ethnic[i], areas[i], *(a[i] for a in answers), text, NOTE])
    bad = [list(rows[5]), list(rows[6])]
    bad[0][0], bad[0][4] = "SH-01030", "250"
    bad[1][0], bad[1][1] = "SH-01031", "2023-13-01"
    _write_workbook(folder / "shout_youth_survey_2023.xlsx", SHOUT_HEADER, rows[:500] + [[None] * len(SHOUT_HEADER)] + rows[500:] + bad)
    return n


def _write_workbook(path: Path, header: list[str], rows: list[list[object]]) -> None:
    """An XLSX export as survey platforms write it: question text over option text (two header rows)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Responses")
    sheet.append(header)
    sheet.append(["Open-Ended Response" if h.startswith("What") else "Response" if h.endswith("?") else None for h in header])
    for row in rows:
        sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


QR_HEADER = ["id", "submitted_at", "site", "consent", "age_band", "sex", "ethnicity", "ward", "postcode_district",
             "safe_here", "happened", "feel_safer", "note"]
QR_ETHNICITY = ("White British", "White - Other", "Black African", "Black Caribbean", "Indian", "Bangladeshi",
                "Pakistani", "Mixed - White and Black Caribbean", "Mixed - other", "Arab", "Prefer not to say", "")


def write_qr(folder: Path, rng: random.Random, sites: tuple[DemoSite, ...]) -> int:
    """QR-code feedback as the vendor's feed serves it: a JSON list of records (see ``service.demo.feed``).

    A launch month of 223 responses (January 2024), then February to December 2024.

    The launch month reproduces Barking and Dagenham's first month as published in its SNA:
    50% aged 13-17, 22% aged 18-21, 80% do not feel safe, 89% robbed or know someone robbed.
    """
    rows = _qr_launch_month(rng, sites)
    for month in range(2, 13):
        rows += _qr_month(rng, sites, month, len(rows))
    bad = list(rows[10])
    bad[0], bad[2] = "qr-999999", "zzzzzzz"
    records = [_qr_record(row) for row in rows + [bad]]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "qr_feedback_2024.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return len(rows)


def _qr_record(row: list[object]) -> dict[str, object]:
    """One row as the vendor's JSON: numbers as numbers, ticked options as a list."""
    record = dict(zip(QR_HEADER, row))
    record["safe_here"] = int(str(record["safe_here"]))
    record["happened"] = [item for item in str(record["happened"]).split(";") if item]
    return record


def _qr_launch_month(rng: random.Random, sites: tuple[DemoSite, ...]) -> list[list[object]]:
    n = 223
    bands = exact(rng, {"13-15": 70, "16-17": 42, "18-21": 49, "11-12": 12, "22-24": 14, "25-34": 14, "35-44": 10,
                        "45-54": 6, "55-64": 3, "65+": 2, "": 1})
    safe = exact(rng, {"1": 96, "2": 82, "3": 25, "4": 13, "5": 7})
    happened = exact(rng, {"Robbery": 150, "Robbery;Violence": 28, "Robbery;Harassment": 20, "Harassment": 10,
                           "Prefer not to say": 15})
    dates = spread_dates(rng, n, datetime(2024, 1, 1), 31)
    return [_qr_row(rng, sites, i, dates[i], bands[i], safe[i], happened[i]) for i in range(n)]


def _qr_month(rng: random.Random, sites: tuple[DemoSite, ...], month: int, offset: int) -> list[list[object]]:
    n = rng.randint(110, 170)
    dates = spread_dates(rng, n, datetime(2024, month, 1), 28)
    better = (month - 1) / 11  # feelings of safety improve a little over the year
    rows = []
    for i in range(n):
        band = rng.choices(["11-12", "13-15", "16-17", "18-21", "22-24", "25-34", "35-44", "45-54", "55-64", "65+", ""],
                           weights=[5, 28, 18, 18, 7, 8, 6, 4, 3, 2, 1])[0]
        safe = rng.choices(["1", "2", "3", "4", "5"], weights=[35 - 10 * better, 30 - 5 * better, 17, 12 + 8 * better, 6 + 7 * better])[0]
        happened = rng.choices(["Robbery", "Violence", "Harassment", "Other", "Prefer not to say", "Robbery;Harassment"],
                               weights=[45, 10, 15, 5, 15, 10])[0]
        rows.append(_qr_row(rng, sites, offset + i, dates[i], band, safe, happened))
    return rows


def _qr_row(rng: random.Random, sites: tuple[DemoSite, ...], i: int, when: datetime, band: str, safe: str,
            happened: str) -> list[object]:
    site = rng.choices(sites, weights=[18, 10, 9, 10, 8, 9, 7, 7, 6, 8, 8])[0]
    young = band in ("11-12", "13-15", "16-17", "18-21")
    text = ""
    if rng.random() < 0.8:
        place = site.name.split(" (")[0]
        text = comment(rng, "young" if young else "adult", YOUNG_TOPICS if young else ADULT_TOPICS, place)
        if young and rng.random() < 0.01:
            text = rng.choice(texts.DISCLOSURES)
    ward = site.ward if rng.random() < 0.5 else ""
    sex = rng.choices(["Female", "Male", "Prefer not to say", ""], weights=[46, 46, 5, 3])[0]
    return [f"qr-{i + 1:06d}", when.strftime("%Y-%m-%dT%H:%M:00Z"), site.code, "yes", band, sex,
            rng.choice(QR_ETHNICITY), ward, rng.choice(POSTCODE_DISTRICTS + ("",)), safe, happened, text, NOTE]
