"""Sentence splitting of ASCII text: the fast search gives the look-behind pattern's splits.

``bot.engine.sentences._split_ascii`` finds the separators with a pattern that opens with the
end mark (searched for at C speed) instead of splitting on ``_SENT_SPLIT_ASCII``, whose
look-behind is tried at every position; the sentences, and every decision built on them,
must not change. A sentence's whitespace is normalised with ``str.split``, whose
whitespace is the pattern's ``\\s``.
"""

from __future__ import annotations

import random
import re

import pytest

from bot.engine.capitals import capitalised
from bot.engine.sentences import _SENT_SPLIT_ASCII, _split_ascii, split_sentences
from bot.engine.summary import candidate_sentences

CASES = [
    "",
    "\n",
    "!\n\n",
    ".A",
    "One. Two",
    "a.\n\nb",  # no capital after the stop: the line breaks split alone
    "Wait?! Yes",  # two end marks: the split falls after the last
    'He said." Next one',  # the closing quote stays with its sentence
    "He said.” (Next) one",
    "end.\nNext",
    "x. \n Y",
    "Shots at 9.30 p.m. 3 hurt",
    "Vigil at 9:30 p.m. Sunday. At 9 a.m. The end",
    "He quit.'\"\") Next. 'Go.'” (Fine.) Ok",
    "U.S. officials met Mr. Smith. Then 'They left.'\n\n\nEnd",
    "A.  \t B.\r\nC?\x0b D!\x1c E",
]


@pytest.mark.parametrize("text", CASES)
def test_split_ascii_splits_as_the_look_behind_pattern(text: str) -> None:
    assert _split_ascii(text) == _SENT_SPLIT_ASCII.split(text)


def test_split_ascii_splits_as_the_look_behind_pattern_on_random_text() -> None:
    # every character either pattern looks at, and a few it does not, in random order
    rng = random.Random(5)
    alphabet = ".!?\"'”’)“‘( \n\t\r\x0b\x0c\x1c\u00a0aAbZ09,;-"
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert _split_ascii(text) == _SENT_SPLIT_ASCII.split(text), repr(text)


def test_sentences_have_their_whitespace_of_any_kind_normalised() -> None:
    text = "Police  said\u00a0so.\u2003 Two\x1cmen\tfled. \n\n  Then   nothing"
    expected = [
        re.sub(r"\s+", " ", s).strip() for s in ("Police  said\u00a0so.", "Two\x1cmen\tfled.")
    ]
    assert split_sentences(text) == [*expected, "Then nothing"]


def test_a_sentence_in_capitals_is_told_by_its_words_of_two_letters_or_more() -> None:
    # "A" and "I" count for nothing: two capitals of four words is not most of them
    assert capitalised("Then I saw A MAN run. Police said Rocky Mount.")[1] == ["rocky_mount"]
    # three of five words in capitals: the sentence is skipped, the next one is read
    ents, phrases = capitalised("Then THE MAN SAW Bob. Police said Rocky Mount.")
    assert phrases == ["rocky_mount"] and "bob" not in ents


# German, French and Spanish open a sentence with „ « ¿ ¡ and close a quotation with “ »
# (French with a space before it): before, each of these came out as one sentence, and an
# update summary quoted the whole paragraph or nothing of it. The closing quote stays with
# its sentence, as an English one does.
QUOTED = [
    (
        "„Wir sind schockiert“, sagte der Bürgermeister. „Die Brücke ist weg.“ Die Polizei"
        " ermittelt.",
        [
            "„Wir sind schockiert“, sagte der Bürgermeister.",
            "„Die Brücke ist weg.“",
            "Die Polizei ermittelt.",
        ],
    ),
    (  # the same with ASCII letters only: the ASCII fast path
        "„Wir sind schockiert“, sagte der Sprecher. „Die Bahn steht.“ Die Polizei ermittelt.",
        [
            "„Wir sind schockiert“, sagte der Sprecher.",
            "„Die Bahn steht.“",
            "Die Polizei ermittelt.",
        ],
    ),
    (
        "« Nous sommes choqués », a déclaré le maire. « Le pont a disparu. » La police enquête.",
        [
            "« Nous sommes choqués », a déclaré le maire.",
            "« Le pont a disparu. »",
            "La police enquête.",
        ],
    ),
    (  # French spacing with no-break spaces, and guillemets without spaces
        "Le maire a parlé.\u00a0«\u202fLe pont a disparu.\u202f» La police enquête. «Rien.» Fin.",
        ["Le maire a parlé.", "« Le pont a disparu. »", "La police enquête.", "«Rien.»", "Fin."],
    ),
    ("¿Qué pasó? ¡El fuego sigue!", ["¿Qué pasó?", "¡El fuego sigue!"]),
    (  # a question inside quotes
        "Dijo el alcalde. «¿Dónde está el puente?» Nadie lo sabe.",
        ["Dijo el alcalde.", "«¿Dónde está el puente?»", "Nadie lo sabe."],
    ),
    (  # a guillemet after a space is no closing one where no full stop comes before it
        "Related article » Police said. Read more »",
        ["Related article » Police said.", "Read more »"],
    ),
]


@pytest.mark.parametrize(("text", "expected"), QUOTED)
def test_german_french_and_spanish_quotes_open_and_close_sentences(
    text: str, expected: list[str]
) -> None:
    assert split_sentences(text) == expected


def test_split_ascii_splits_as_the_look_behind_pattern_with_other_languages_quotes() -> None:
    rng = random.Random(7)
    alphabet = ".!?\"'”’)“‘(„«»¿¡ \n\t\u00a0\u202faAbZ09,"
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert _split_ascii(text) == _SENT_SPLIT_ASCII.split(text), repr(text)


# Scraped pages join paragraphs without a space ("... deputies said.Deputies responded
# ..."): a summary quoted the two as one sentence (gva: 39 of 1,828 cited sentences). The
# sentences a summary may quote are split there: a word of lower-case letters, its end
# mark, and a capitalised word, with no space between them.
RUN_ON = [
    (
        "Four people were shot in Perris, deputies said.Deputies responded to a report of "
        "shots fired at about noon on Sunday.",
        [
            "Four people were shot in Perris, deputies said.",
            "Deputies responded to a report of shots fired at about noon on Sunday.",
        ],
    ),
    (
        "Relatives identified the victim as a three-year-old boy.Relatives drove him to the "
        "hospital, where he is in good condition!Police are still looking for the shooter.",
        [
            "Relatives identified the victim as a three-year-old boy.",
            "Relatives drove him to the hospital, where he is in good condition!",
            "Police are still looking for the shooter.",
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), RUN_ON)
def test_a_summary_splits_sentences_joined_without_a_space(text: str, expected: list[str]) -> None:
    assert candidate_sentences("Headline", text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # abbreviations, initials, web addresses and names written with a full stop
        "The suspect, Mrs.Smith of Gary, was arrested by police on Monday night.",
        "He studied at St.Louis University and holds a Ph.D.Then he moved to Ohio.",
        "Details were posted at www.Example.com and on the city's own page today.",
        "Readers found the report on News.com.au and shared it widely on Monday.",
    ],
)
def test_a_summary_keeps_a_full_stop_inside_a_word_that_ends_no_sentence(text: str) -> None:
    assert candidate_sentences("Headline", text) == [text]


def test_split_ascii_splits_as_the_look_behind_pattern_around_clock_times() -> None:
    # the words the a.m./p.m. rule looks at, in random order
    rng = random.Random(11)
    words = ["9", "9:30", " ", "  ", "\n", ".", '"', "”", ")", "(", "a.m.", "P.M.", "pm.", "am",
             "Sunday", "SUNDAY", "Jan.", "May", "May 3", "ET", "GMT", "today", "TONIGHT",
             "Eastern", " time", ",", "The", "x", "ST.", "St."]  # fmt: skip
    for _ in range(20000):
        text = "".join(rng.choice(words) for _ in range(rng.randint(0, 12)))
        assert _split_ascii(text) == _SENT_SPLIT_ASCII.split(text), repr(text)


# An English closing quote or bracket after the full stop stays with the sentence it
# closes: it went with the space between sentences, and an alert quoted the sentence as
# '... released after "successful negotiations.' (giveme5w1h: 35 quoted sentences).
CLOSED = [
    (
        'The hostages were released after "successful negotiations." Officials said so.',
        ['The hostages were released after "successful negotiations."', "Officials said so."],
    ),
    (  # typographic quotes, outside the ASCII fast path's letters too: "Prosecutors" is
        # the same, "Détente" is not ASCII
        "The crash resulted from “reckless conduct.” Détente followed.",
        ["The crash resulted from “reckless conduct.”", "Détente followed."],
    ),
    (
        "He said: 'We will rebuild.'\" (See the map.) Then he left.",
        ["He said: 'We will rebuild.'\"", "(See the map.)", "Then he left."],
    ),
    (  # a nickname of initials in quotes ends no sentence, as its initials do not
        'There were kids around, said Ulysses "U.S." Floyd, a supervisor. Then "J.R." left.',
        ['There were kids around, said Ulysses "U.S." Floyd, a supervisor.', 'Then "J.R." left.'],
    ),
    (  # an AP quote running over paragraphs is not closed at its paragraph's end
        '"We were terrified. We hid in the basement.\n\n"Then the noise stopped," she said.',
        ['"We were terrified.', "We hid in the basement.", '"Then the noise stopped," she said.'],
    ),
]


@pytest.mark.parametrize(("text", "expected"), CLOSED)
def test_an_english_closing_quote_stays_with_its_sentence(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


# "a.m." and "p.m." end no sentence before a weekday, a month, a time zone or "today":
# "… at 9:30 p.m. Sunday at the Chalmers Community Hall." was quoted as two sentences, the
# second "Sunday at the Chalmers Community Hall." (gva: about 15 quoted sentences).
CLOCK = [
    "A vigil is planned at 9:30 p.m. Sunday at the Chalmers Community Hall.",
    "The shooting happened about 2 A.M. SATURDAY NEAR THE PARK.",
    "Police were called at 11 pm. Friday to the home on Oak Street.",
    "The hearing was moved to 9 a.m. Jan. 5 in the county courthouse.",
    "He is due in court at 9 a.m. May 31 on the new charges.",
    "The launch window opens at 1:10 p.m. ET on the company's site.",
    "The launch window opens at 1:10 p.m. (EST) on the company's site.",
    "Liftoff came at 12:35 a.m. Eastern time, the Naval Observatory said.",
    "The storm should reach the coast by 8 P.M. TONIGHT, forecasters said.",
    "The shooting happened near 1400 ST. LOUIS AVENUE, police said.",
]


@pytest.mark.parametrize("text", CLOCK)
def test_a_clock_time_before_a_day_month_or_time_zone_ends_no_sentence(text: str) -> None:
    assert split_sentences(text + " Police said more.") == [text, "Police said more."]


@pytest.mark.parametrize(
    "text",
    [
        "Officers arrived at 9 a.m. The suspect had fled.",
        "The party ended around 2 a.m. Neighbors called police.",
        "The store opens at 9 a.m.\nSunday hours are shorter.",  # a line break ends one
        "Doors opened at 7 p.m. May residents attend the meeting?",  # "May" with no date
    ],
)
def test_a_clock_time_still_ends_a_sentence_before_other_words(text: str) -> None:
    assert len(split_sentences(text)) == 2


def test_a_summary_quotes_a_closed_quotation_whole_and_no_quoted_question() -> None:
    text = (
        'The hostages were released on Sunday after "successful negotiations." Residents'
        ' asked the council members, "Why was nobody warned about the flood?" The mayor'
        " said nothing more about it today."
    )
    assert candidate_sentences("Headline", text) == [
        'The hostages were released on Sunday after "successful negotiations."',
        "The mayor said nothing more about it today.",
    ]


# A day's or a month's short form ends no sentence before the date it opens: "Visitation
# will be held Thurs. July 28 from 6 to 8 p.m." was quoted as "Visitation will be held
# Thurs." (gva: 13 splits of the bodies' sentences, giveme5w1h 1). Only before a date:
# "Sun." and "DEC." are also names ("The Baltimore Sun.", "the DEC."), which end a
# sentence before other words.
DATES = [
    "Visitation will be held Thurs. July 28 from 6 to 8 p.m. at the funeral home.",
    "A funeral mass will be held Fri. Aug. 5 at St. Mary's church.",
    "The vigil is set for Tues. Sept. 6 at the park on Main Street.",
    "It landed in Honolulu, where it was Sun. Dec. 31, hours before the new year.",
    "He was charged for the Jun. 6 shooting on the east side.",
    "The hearing was moved to Jul. 12 at the county courthouse.",
    "UPDATE 8:30 PM, JAN. 5 police said the man had died.",
    "The school reopens Weds. 14 September after the shooting.",
    "The vote was set for Sept. 30 at city hall.",
]


@pytest.mark.parametrize("text", DATES)
def test_a_day_or_month_abbreviation_before_a_date_ends_no_sentence(text: str) -> None:
    assert split_sentences(text + " Police said more.") == [text, "Police said more."]


@pytest.mark.parametrize(
    "text",
    [
        "Police told the Baltimore Sun. The victim was 19.",
        "He works for the DEC. Officers arrived later.",
        "Deputies were called to a home about 10 p.m. Sun. The victim was shot twice.",
        "The seaweed is laid out to dry in the sun. 12 boats came back on Monday.",
    ],
)
def test_a_day_or_month_abbreviation_still_ends_a_sentence_before_other_words(
    text: str,
) -> None:
    assert len(split_sentences(text)) == 2


# A title before a name ends no sentence: "Longtime civil rights leader Rev. Jesse Jackson
# dies at age 84." was quoted as "Jesse Jackson dies at age 84." (gva: about 250 titles,
# "Mt." and "Ft." split from what they name).
TITLES = [
    "Longtime civil rights leader Rev. Jesse Jackson dies at age 84.",
    "Jefferson County Sheriff's office spokesman Lt. Col. Carl Yates said she was hit.",
    "Police Supt. Garry McCarthy said Tuesday that the gunman opened fire.",
    "He was hit in the leg, said Army Command Sgt. Maj. Jeremy Burton.",
    "Evanston police Cmdr. Joseph Dugan and Cpl. Marcus Hines spoke to reporters.",
    "Vice Adm. Bill French said that Pvt. Naser Abdo was arrested.",
    "The decision was made by Atty. Gen. Eric Holder and Ald. Raymond Lopez agreed.",
    "A vigil was led by Fr. Michael Pfleger, Msgr. John Smith and Prof. Ann Lee.",
    "Insp. Mark Ellis told Sens. Bob Casey and Pat Toomey about it.",
    "The shooting happened in a Mt. Pleasant home near Ft. Lauderdale.",
    "Martinez was the No. 1 suspect and No. (2) was his brother.",
    "He was taken to John H. Stroger Jr. Hospital of Cook County.",
    "A march was held on Martin Luther King Jr. Day and on Martin Luther King Sr. Boulevard.",
    "She is a relative of state Sen. Thomas V. Mike Miller Jr. (D-Calvert), the president.",
]


@pytest.mark.parametrize("text", TITLES)
def test_a_title_or_a_number_sign_ends_no_sentence(text: str) -> None:
    assert split_sentences(text + " Police said more.") == [text, "Police said more."]


# "No.", "Jr." and "Sr." end a sentence unless a number or what is named after the man
# follows: "No." as an answer, a name's suffix at the end of a sentence.
@pytest.mark.parametrize(
    "text",
    [
        "Do I regret not switching sooner? No. Will I continue typing?",
        "The answer is, No. They are not.",
        "A fourth victim was found, said Officer Christopher No. That person was hurt.",
        "The victim was identified as 17-year-old Shawn Scott Jr. They tried to save him.",
        "The boy's father is Dwayne Jackson Sr. Last month he was charged.",
        'The victims were Bianca Fletcher and Shannon Rollins Jr. "We miss them," she said.',
    ],
)
def test_no_jr_and_sr_still_end_a_sentence_before_other_words(text: str) -> None:
    assert len(split_sentences(text)) == (3 if text.startswith("Do I") else 2)


# "St." after an ordinal is a street, which ends its sentence before a capital ("... at
# 1700 E. 18th St. Investigators say ..." was one sentence), and "Inc." ends one ("CBS
# Radio Inc. All Rights Reserved."); what goes on with the address or the company does not.
@pytest.mark.parametrize(
    "text",
    [
        "It happened at 1700 E. 18th St. Investigators say two groups fought.",
        "He was found in the 2200 block of 37th St. As officers arrived, he ran.",
        "It was in front of Los Cabos Cantina, 2224 First St. Authorities named him.",
        "A gun was found on W. 16th St.\n\nTwo men were taken into custody.",
        "Copyright 2016 CBS Radio Inc. All Rights Reserved.",
        "In October 2015, Red Hat bought Ansible Inc. As far as I know, two stayed.",
    ],
)
def test_a_street_and_inc_end_a_sentence_before_other_words(text: str) -> None:
    assert len(split_sentences(text)) == 2


@pytest.mark.parametrize(
    "text",
    [
        "The intersection at 14th Ave. and 2nd St. SW will be closed.",
        "The car was found at 2741 20th St. S. about 11 p.m. Thursday.",
        "The boy died in the 4000 block of N. 19th St. Tuesday, police said.",
        "It happened in the 3800 block of 10th St. Court E. near the park.",
        "They marched to the 16th St. Baptist Church and the 14th St. Bridge.",
        "It was Detroit's 59th St. Patrick's Day parade and the 2017 St. Louis one.",
        "The shots were fired near 18th St. (the old market) at noon.",
        "Apple Inc. CEO Tim Cook and DREAMS, Inc. Founder Royce Stephens spoke.",
        "Apple Inc. (NASDAQ: AAPL) fell, wrote John Wiley & Sons, Inc. 2017.",
    ],
)
def test_a_street_or_a_company_going_on_ends_no_sentence(text: str) -> None:
    assert split_sentences(text + " Police said more.") == [text, "Police said more."]
