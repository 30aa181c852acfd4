"""Places named in free text: whole words, any case, common spellings, the longest name winning."""

from __future__ import annotations

from nlp.places import Place, PlaceFinder, borough_places, load_places, spellings


def test_finds_places_as_whole_words_in_any_case_longest_first():
    finder = PlaceFinder([Place("Romford"), Place("Romford station"), Place("Harold Hill")])
    assert finder.find("dark outside ROMFORD STATION and round harold   hill") == ["Romford station", "Harold Hill"]
    assert finder.find("Romfordian, Romfords, xromford") == []
    assert finder.find("Romford then Romford again") == ["Romford"]
    assert finder.find(None) == [] and PlaceFinder([]).find("Romford") == []


def test_common_spellings_of_a_name():
    assert set(spellings("Hylands & Harrow Lodge")) >= {"Hylands & Harrow Lodge", "Hylands and Harrow Lodge"}
    assert set(spellings("St Alban's")) >= {"St Albans", "Saint Alban's", "St. Alban's"}
    finder = PlaceFinder([Place("St Alban's"), Place("Upminster station", ("Upminster tube station",))])
    assert finder.find("near st albans and upminster stn") == ["St Alban's", "Upminster station"]
    assert finder.find("the upminster tube station car park") == ["Upminster station"]


def test_count_counts_each_text_once_per_place():
    finder = PlaceFinder([Place("Rainham"), Place("Elm Park")])
    counts = finder.count(["Rainham Rainham", "elm park and rainham", "", None, "nowhere"])
    assert counts == {"Rainham": 2, "Elm Park": 1}


def test_gazetteer_files_load_and_extra_names_are_added(tmp_path):
    path = tmp_path / "places.txt"
    path.write_text("# comment\nRomford | Romford town  # trailing\n\nThe Liberty | Liberty shopping centre\n", encoding="utf-8")
    assert load_places(path) == [Place("Romford", ("Romford town",)), Place("The Liberty", ("Liberty shopping centre",))]
    havering = borough_places("havering", {"Gooshays": (), "Romford": ("ignored",)})
    names = [p.name for p in havering]
    assert "Harold Hill" in names and "Gooshays" in names and names.count("Romford") == 1
    assert borough_places("nowhere", {"A place": ()}) == [Place("A place")]
