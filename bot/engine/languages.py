"""Function words of German, Spanish and French, for items written in those languages.

Why: the engine's stop words are English (:mod:`bot.engine.stopwords`) and its IDF is
learned from the stream. A newsroom in Berlin or Madrid follows a story in its own
language while most of its feeds are English wires, so "der", "und", "que" and "los"
are rare in its stream and weigh like names: a German or Spanish story's profile then
holds them as strong terms, and any unrelated item in that language shares a dozen of
them (an unrelated Spanish item scored on-topic four times in five on a mixed stream).

How: an item's language is told from its own function words (:func:`language_of` in
:mod:`bot.engine.text`), and only an item found to be in one of these languages loses
that language's function words besides the English ones. An English item is read
exactly as before: "die", "war", "fast" or "son" are English words there, and the
"Los" of "Los Angeles" stays a name.

The lists hold words as the engine reads them: lowercased, accents removed ("für" is
"fur", "más" is "mas"). They are kept to words that never carry a story's topic
(articles, pronouns, prepositions, conjunctions, auxiliary and modal verbs, reporting
verbs such as "sagte" and "dijo"), like the English list.
"""

from __future__ import annotations

# Words that mark a language. None of them is an English function word, and each is
# found in one language only (so "la", "que", "des" and "en", shared by two of them, are
# left out); see bot.engine.text.language_of for how they are counted.
MARKERS: dict[str, frozenset[str]] = {
    "de": frozenset(
        "der die und das ist nicht mit sich den dem ein eine einen einem einer auf fur zu "
        "im wurde wurden werden hat haben sind auch nach bei uber oder aber wie vom zum zur "
        "sei soll wird noch".split()
    ),
    "es": frozenset(
        "el los las del que y por para con una su sus al fue fueron ha han mas como segun "
        "tras sobre pero este esta entre desde hasta muy tambien porque".split()
    ),
    "fr": frozenset(
        "le les et est une dans pour qui sur au aux avec il elle sont ont ete pas cette ces "
        "leur mais du selon apres ou".split()
    ),
}

# English function words that mark English text (none is a German, Spanish or French
# function word)
ENGLISH_MARKERS = frozenset(
    "the and of to that with for said from are have has were this his her their it by "
    "after is be been which who they".split()
)

_GERMAN = """
der die das des dem den ein eine einer eines einem einen kein keine keiner keinen keinem
und oder aber sondern denn doch jedoch sowie als wie wenn ob dass weil da damit obwohl
ich du er sie es wir ihr ihm ihn ihnen uns euch sich man mich mir dich dir
sein seine seiner seinen seinem seines ihre ihrer ihren ihrem ihres unser unsere
dieser diese dieses diesen diesem jener jene jenes welche welcher welches welchen
in im ins an am auf aus bei beim mit nach seit von vom zu zum zur fur uber unter vor
hinter neben zwischen durch gegen ohne um bis ab laut zufolge wegen trotz wahrend
ist sind war waren bin bist sei seien gewesen wird werden wurde wurden worden
hat haben hatte hatten habe gehabt kann konnen konnte konnten muss mussen musste
soll sollen sollte sollten will wollen wollte darf durfen mochte
auch noch schon nur sehr mehr wieder bereits dabei dazu daher dann so nun etwa
nicht nichts alle allen aller alles viele vielen andere anderen sowohl weder
hier dort heute gestern wo was wer wann warum
sagte sagten sagt erklarte erklarten teilte teilten mitteilte berichtete berichteten
hiess heisst angaben
"""

_SPANISH = """
el la lo los las un una unos unas al del
y e o u ni que pero sino aunque porque pues como cuando donde mientras si
de a en con por para sin sobre entre desde hasta hacia tras ante contra durante segun
se su sus le les me te nos lo mi mis tu tus yo el ella ellos ellas usted
este esta estos estas ese esa esos esas aquel aquella esto eso
es son fue fueron era eran ser sido sera seran siendo
ha han he hemos habia habian haber habra hay
esta estan estaba estaban estar estado
puede pueden podria debe deben
no mas muy ya tambien aun solo tan tanto asi ademas cada todo todos toda todas
otro otra otros otras mismo misma mismos mismas cual cuales quien quienes cuyo
dijo dice dicen afirmo aseguro explico informo anadio senalo indico
"""

_FRENCH = """
le la les l un une des du de d au aux
et ou mais donc ni car que qu qui quoi dont si comme lorsque puisque
a en dans par pour sur sous avec sans chez entre vers apres avant depuis pendant
selon contre
ce cet cette ces c se s sa son ses leur leurs lui il ils elle elles on nous vous je j
me m te t y ne n pas plus
est sont etait etaient ete etre sera seront
ai as avons ont avait avaient avoir aura auront
fait peut doit
tout tous toute toutes aussi deja encore tres bien meme autre autres ainsi
a declare dit explique indique precise ajoute
"""

STOPWORDS_BY_LANGUAGE: dict[str, frozenset[str]] = {
    "de": frozenset(_GERMAN.split()),
    "es": frozenset(_SPANISH.split()),
    "fr": frozenset(_FRENCH.split()),
}

# French elision: "l'incendie", "d'une", "qu'il" are the article or conjunction and the
# word; the engine's words keep an inner apostrophe ("don't"), so these are split off
ELIDED = {
    "fr": ("l", "d", "qu", "n", "s", "c", "j", "m", "t", "jusqu", "lorsqu", "puisqu"),
}
