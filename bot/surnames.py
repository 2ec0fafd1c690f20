"""Surnames and other names ending like a plural, which keyword matching keeps whole.

:func:`bot.textnorm.fold` reads a final "-ies" as "-y" and drops a final "-s", so a
name written so took the key of another word or name: "Davies" was "davy", "Rhodes"
"rhode" (as in Rhode Island), "Reeves" "reeve", "Torres" "torre", "Luis" "lui" (French
"him"), "Givens" "given", "Childs" "child", "Boies" "boy". A subscription to the name
then matched every item with the other word, and one to the word (or name) every item
with the name. :data:`SURNAMES` lists those forms; each keeps a key of its own, and the
plural of the other word, where there is one ("the two Davys"), is missed instead.

How the list was made (the counts are of the real text of ``shared/evaldata``: the labelled streams' titles, summaries and bodies and the captured
feeds' titles and summaries, 3.9 million words, 80,000 distinct). A form is listed when:

* news writes it as a name: never, or in at most one case in twenty, in lower case in
  the middle of a sentence (sentence starts and titles, capitalised in any case, are not
  counted); and it is written at least five times, or is a name news often writes
  (Davies, Jeffries, Humphries, Hawkes, Byrnes, Lloyds, Boies, DeVries, DeVos);
* its fold lands on another word or name that news writes ("rhode", "given", "boy",
  the French "lui" and "loi", the Spanish "este", "ramo", "amo" and the Italian
  "dalla");
* it is no plural of that word: not a team or a people ("Eagles", "Democrats"), a
  family ("the Obamas"), a place named for the plural ("Heights", "Springs",
  "Highlands"), nor a form whose lower-case word is an ordinary English plural or verb
  (:data:`SURNAMES_WITH_PLURALS`: "stokes fears", "spears", "brooks", "gates",
  "styles", "meadows", "helms", "snipes", "billings", "sands", "arias", "bowers"). Those
  keep folding: "Gates" finds "gate" as "gates" does, and "Stokes" finds "Stoke".

Names of Spanish and Portuguese form ("Torres", "Santos", "Ramos", "Rios", "Salinas",
"Palacios", "Granados", "Montes") are the plurals of words of those languages ("torre",
"santo", "ramo", "rio"), which :mod:`bot.textnorm` folds too; they are listed because the
real text writes them as surnames (none in lower case) and the word as a name of its
own ("Torre", "Santo Domingo", "Rio"). The French plural "vides" is not listed, nor
"Lyons", the English name of Lyon.

Not listed either, because their fold lands on no word and they already match only
themselves: "Jones" ("jone"), "James" ("jame"), "Charles", "Hughes" ("hughe", not
"hugh"), "Giles", "Moses", "Hayes", "Holmes" and "Menzies" ("menzy").

The "-ies" forms of the given names in "-y" (:data:`bot.given_names.GIVEN_NAMES`:
"Harries", "Henries") are kept whole by :mod:`bot.textnorm` itself, as no plain "-s"
plural folds onto a given name. Forms are lower case, as :func:`bot.textnorm.tokens`
makes words, without accents.
"""

from __future__ import annotations

__all__ = ["SURNAMES", "SURNAMES_WITH_PLURALS"]

SURNAMES = frozenset(
    # "-ies", which fold read as "-y": Davies is no Davy, Julies no July
    """
    boies davies devries dobies humphries jefferies jeffries julies
    """
    # "-es" whose plain "-s" fold landed on a word or name in "-e"
    """
    banes bates byrnes estes grimes hawkes hodges lopes marques mendes moises montes
    reeves rhodes torres wales
    """
    # "-s" whose fold landed on a word or another name
    """
    akins amos childs cobbs dallas devos dodds dumas edmonds enos givens granados
    hays hendricks lloyds lois luis mardis mckees meyers palacios pitts ramos rios
    salinas santos starks wilkins
    """.split()
)

SURNAMES_WITH_PLURALS = frozenset(
    # names whose lower-case word is an ordinary plural or verb news writes: not listed
    """
    arias billings bowers brooks gates helms meadows sands snipes spears stokes styles
    """.split()
)
