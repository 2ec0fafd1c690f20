"""Common given names, onto which keyword matching folds no plain "-s" plural.

Many surnames are a given name and an "s": "Williams", "Roberts", "Edwards", "Adams",
"Evans", "Daniels", "Phillips", "Collins", "Jens" (Stoltenberg) and "Marcos" are
names of their own, not plurals of "William", "Robert", "Edward", "Adam", "Evan",
"Daniel", "Phillip", "Collin", "Jen" (Psaki) and "Marco" (Rubio). Folded as plurals
(:func:`bot.textnorm.fold`), a subscription to "Williams" (Serena, Robin) matched every
"Prince William", and one to "Prince William" every "Serena Williams". A given name is
hardly ever written as a plural ("the two Williams"), so :data:`GIVEN_NAMES`' "-s" forms
keep a key of their own; the plural of such a name is missed instead.

The list is ours, curated by hand for news, and short on purpose (a few hundred): common
English given names, and the given names of other languages that news often writes
beside a surname or name ending in the name and an "s" ("Luca"/"Lucas", "Carlo"/
"Carlos", "Nicola"/"Nicolas", "Andrea"/"Andreas", "Fran"/"Frans"). A name whose "-s"
form is never written costs nothing here; one missing from the list is still folded as
before. Names are lower case, as :func:`bot.textnorm.tokens` makes words, without
accents; none ends in "-ie" or "-oe", whose "-s" forms other rules read ("Charlies" is
"charly", "Joes" "jo").

What is deliberately not listed (:data:`NAMES_WITH_PLURALS`): a given name that is also
an ordinary word whose "-s" form news writes as a plural or a verb ("Mark" and
"marks", "Bill" and "bills", "Rose", "Grant", "Guy", "Jack", "Victor", "Hope", "Sue" and
"sues", "Don" and "dons", also French for gifts), that is also a people or a faith
whose "-s" form is its plural ("Christian" and "Christians", "Dane", "Finn", "Norman",
"Roman"), or whose "-s" form is the plural of the same thing ("Oscar" and the "Oscars",
"Tony" and the "Tonys", "Carolina" and "the Carolinas"). Those plurals keep folding: a
subscription to "grants" finds "grant", and the price is that one to "Grant" (a
surname or a first name) finds "grants". Nor is a name listed that is a Spanish or
Portuguese word whose plural news writes ("Clara" and "claras", "Linda" and "lindas",
"Victoria" and "victorias"): :mod:`bot.textnorm` folds those languages' "-s" plurals
too. "Marco" is listed although Spanish "marcos" (frames) is a plural of "marco": Marco
Rubio and Ferdinand Marcos are both in the news.
"""

from __future__ import annotations

__all__ = ["GIVEN_NAMES", "NAMES_WITH_PLURALS"]

GIVEN_NAMES = frozenset(
    # men's names, English
    """
    aaron abraham abram adam adrian alan albert alex alexander alfred allen andre
    andrew andy anthony arnold arthur austin barry ben benjamin bernard bert brad
    brandon brian bruce bryan carl christopher clark cole colin collin craig dan
    daniel danny darren dave david derek dominic donald doug drew duncan dylan edgar
    edmund edward edwin elliot eric ernest ethan evan frank fred frederick gabriel
    gareth gary gavin geoffrey george gerald gilbert gordon graham greg gregory
    harold harry harvey henry herbert howard hugh ian isaac ivan jacob jake jason
    jeff jeffrey jeremy jim jimmy joel john johnny jon jonathan joseph josh joshua
    julian justin keith ken kenneth kevin kyle larry lawrence lee leo leon leonard
    liam luke malcolm martin matt matthew mathew michael mike nathan neil nichol
    nick noah oliver owen patrick paul peter phil philip phillip ralph raymond
    reynold richard rick robert robin rodger roger ronald russell ryan sam samuel
    sander scott sean simon stephen steve steven stewart stuart ted terry tim
    timothy tom trevor vincent walter warren wayne william
    """
    # women's names, English
    """
    alice amanda amy angela ann anna anne barbara beth betty carla caroline
    catherine charlotte christine claire diana donna dorothy elaine eleanor
    elizabeth ellen emily emma eva fiona hannah helen jane janet jen jennifer
    jessica jill joan judith julia karen kate katherine kathy laura lisa louise lucy
    margaret maria martha mary megan melissa michelle nancy nicole olivia pamela
    patricia paula rachel rebecca ruth sandra sarah sharon susan teresa tina wendy
    """
    # other languages' given names whose "-s" form news writes as another name
    """
    ana andrea carlo dimitri fran luca luka marco mario nicola nikola ruben
    """.split()
)

NAMES_WITH_PLURALS = frozenset(
    # ordinary words whose plural or "-s" verb news writes
    """
    amber angel art baker bill bob bud carol chase chip cliff cooper crystal dawn
    don dean earl faith gene grace grant guy herb hope hunter jack jean joy lance
    mark mason pat pearl ray reed rob rose sue summer victor wade
    """
    # peoples and faiths, and their plurals
    """
    christian dane finn norman roman
    """
    # the "-s" form is the plural of the same thing
    """
    carolina dakota emmy oscar tony
    """
    # Spanish and Portuguese words whose plurals fold too
    """
    clara linda victoria
    """.split()
)
