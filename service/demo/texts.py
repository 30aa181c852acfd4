"""Phrases for synthetic free-text answers, in the voices of adults and of young people.

Written by the team for the demo. They are synthetic: no resident wrote them. Each topic has
adult and young phrasings; the generator combines one or two and sometimes adds a place, a
spelling slip or personal details (so that redaction has something to do).
"""

from __future__ import annotations

ADULT: dict[str, tuple[str, ...]] = {
    "police_presence": (
        "More police on the streets, we never see them anymore",
        "Visible police patrols, especially in the evenings",
        "Bring back the local bobby on the beat",
        "More police presence in the town centre",
        "Police officers walking around rather than driving past",
        "A regular police presence near the shops and the station",
        "More police, simple as that",
        "We need more officers patrolling our estate",
    ),
    "cctv": (
        "More CCTV cameras that actually work",
        "CCTV on the main road and in the car park",
        "Better CCTV coverage around the station",
        "Cameras at the end of our road where the problems are",
    ),
    "vehicle_crime": (
        "Something done about car thefts, three cars stolen on our road this year",
        "Stop the catalytic converter thefts",
        "Cars keep getting broken into overnight",
        "Action on car crime, my van was stolen from outside my house",
    ),
    "police_response": (
        "Quicker response when you call the police",
        "When you ring 101 nobody answers for ages",
        "Police actually turning up when you report something",
        "Faster response times, it took hours last time",
    ),
    "street_lighting": (
        "Better street lighting, the alleyways are pitch black",
        "Fix the broken street lights by the park",
    ),
    "antisocial_behaviour": (
        "Deal with the anti-social behaviour outside the shops",
        "Groups hanging around drinking and shouting late at night",
        "Something about the noise and motorbikes racing up and down",
    ),
    "drugs": (
        "Stop the drug dealing that goes on in the open",
        "People smoking weed on the corner every night",
    ),
    "knife_crime": (
        "Tougher action on knife crime",
        "Stop young people carrying knives",
    ),
    "youth_provision": (
        "More for young people to do so they are not on the streets",
        "Reopen the youth club",
    ),
    "feels_safe_no_change": (
        "I feel safe where I live to be honest",
        "Nothing really, it is a quiet area",
    ),
}

YOUNG: dict[str, tuple[str, ...]] = {
    "youth_provision": (
        "more stuff for young people to do, theres nothing round here",
        "safe places to hang out after school",
        "youth clubs that are actually open in the evenings",
        "somewhere to go thats not the street or maccies",
        "more free activities like football and boxing",
        "a youth centre near me",
    ),
    "transport_safety": (
        "feel safer at the bus stop, people get robbed there",
        "staff or police at the station after school",
        "the buses are scary at night",
        "more people around at bus stops",
    ),
    "police_presence": (
        "more police at the stations and on buses",
        "police walking about not just driving",
        "undercover police on the trains",
        "more police around after school time",
    ),
    "robbery_theft": (
        "stop people robbing phones",
        "people getting robbed for their phones and airpods",
        "my mate got robbed walking home",
    ),
    "parks_public_space": (
        "the park is dodgy at night, better lights and someone there",
        "parks feel unsafe when its dark",
    ),
    "knife_crime": (
        "too many people carry knifes",
        "stop kids carrying blades",
        "knife arches at school and stations",
    ),
    "stop_and_search": (
        "more stop and search",
        "stop and search the ones actually causing trouble not everyone",
    ),
    "police_trust": (
        "police that actually listen to young people",
        "police treating us with respect",
    ),
    "street_lighting": (
        "better lights on the way home",
        "its too dark walking back from the station",
    ),
    "cctv": (
        "more cameras at the bus stops",
        "cctv in the park",
    ),
    "gangs_violence": (
        "stop the gangs hanging about",
        "older boys in groups make it feel unsafe",
    ),
    "women_safety": (
        "men stop following and shouting at girls",
        "feeling safe as a girl walking alone",
    ),
}

PLACES = ("Romford", "Harold Hill", "Elm Park", "Upminster", "Hornchurch", "Rainham", "Collier Row", "Gidea Park")

# Personal details that redaction must remove. Invented names, numbers and plates.
PERSONAL = (
    "There is a man called Darren Price at 14 Mercury Gardens who causes trouble",
    "My number is 07700 900123 if the council wants to ask about the lights",
    "email me at concerned.resident@example.com",
    "The car is always parked there, reg AB12 CDE",
    "ask my neighbour Mrs Okafor at 3 Station Road, she has seen it all",
    "there's a boy called Jayden who starts fights, his insta is @jaydenxx",
    "I live at 27 Hilldene Avenue RM3 8DP and it happens outside",
)

# Possible disclosures of harm, for the safeguarding queue. Invented.
DISCLOSURES = (
    "older boys took my phone at the bus stop and said they would stab me if i told anyone",
    "my step dad hits me when he's drunk so i stay out late",
    "someone at school keeps threatening me and i dont want to go anymore",
    "sometimes i think about ending it all",
    "a man in a car keeps asking me and my friend to get in and offering us weed",
    "I was punched in the face outside the station last week",
)

SLIPS = (("police", "polic"), ("because", "becuase"), ("really", "realy"), ("there", "their"), ("safe", "saf"))
