"""Function words of German, Spanish, French, Italian, Portuguese and Dutch items.

Why: the engine's stop words are English (:mod:`bot.engine.stopwords`) and its IDF is
learned from the stream. A newsroom in Berlin or Madrid follows a story in its own
language while most of its feeds are English wires, so "der", "und", "que" and "los"
are rare in its stream and weigh like names: a German or Spanish story's profile then
holds them as strong terms, and any unrelated item in that language shares a dozen of
them (an unrelated Spanish item scored on-topic four times in five on a mixed stream).

How: an item's language is told from its own function words (:func:`language_of` in
:mod:`bot.engine.language_id`), and only an item found to be in one of these languages loses
that language's function words besides the English ones. An English item is read
exactly as before: "die", "war", "fast" or "son" are English words there, and the
"Los" of "Los Angeles" stays a name.

The lists hold words as the engine reads them: lowercased, accents removed ("für" is
"fur", "más" is "mas"). They are kept to words that never carry a story's topic
(articles, pronouns, prepositions, conjunctions, auxiliary and modal verbs, reporting
verbs such as "sagte" and "dijo"), like the English list.

Italian, Portuguese and Dutch came later. Their markers are words of theirs that no other
supported language writes: Portuguese and Italian share many function words with
Spanish ("que", "por", "para", "con", "del", "una"), and Dutch some with German ("die",
"wie"). Those stay Spanish or German markers, as they were, and count for the later
language too: a Spanish, French or German text is told as before (it holds none of the
later languages' own markers, and ties go to the older language), while a short Italian
or Portuguese item, whose own words are few, is not outnumbered by the words it shares.
"""

from __future__ import annotations

# Words that mark a language. None of them is an English function word, and each is
# found in one language only (so "la", "des" and "en", shared by two of them, are left
# out); the Spanish, French and German lists predate the other three, and those of
# their words that the later languages share ("que", "del", "die") stay theirs and
# count for those too (SHARED_MARKERS). See bot.engine.language_id.language_of for how they
# are counted: a language is told when its markers outnumber the English ones and every
# other language's, the first of equals in this order.
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
    # not "il", "le", "lo", "un", "una", "del", "al", "con", "su", "ha", "si" (French or
    # Spanish), "e", "da", "sua", "sempre" (Portuguese), "per", "come", "dove", "sue"
    # (English), "alle" (German), "ai" (French "j'ai"), "viene" (a Spanish word too)
    "it": frozenset(
        "di della delle degli dello dei nel nella nelle negli nei alla agli dal dalla "
        "dai sul sulla sui che non sono erano gli anche dopo hanno stato stata stati "
        "essere questo questa questi queste quello quella loro cui gia piu molto secondo "
        "contro senza tra fra sotto sopra presso oltre ancora mentre perche aveva avevano "
        "tutti tutte tutto tutta ogni quindi cosi chi quale quali suo suoi stesso ci oggi "
        "ieri allo dallo sullo nello dalle dagli sulle sugli".split()
    ),
    # not "o", "a", "e", "que", "por", "para", "como", "mas", "sobre", "entre", "nos"
    # (Spanish), "do", "no", "as", "so" (English), "da", "sua", "qual", "essa" (Italian),
    # "das", "um" (German), "na", "ter" (Dutch), "mais", "ou" (French), "dos" (Spanish
    # "two"); "disse" (said) is an Italian verb form too, but Italian news writes "ha
    # detto"
    "pt": frozenset(
        "os uma ao aos em com nao foi foram seu seus suas pela pelo pelos pelas ele ela "
        "eles elas tambem ainda apos muito muitos muita muitas nas onde dele dela lhe lhes "
        "deste desta neste nesta nesse nessa desse dessa aquele aquela isto isso depois "
        "tem teve havia pode podem estao estava estavam num numa mesmo mesma outro outra "
        "outros outras entao tinha tinham sem nem tudo assim alem porem enquanto embora "
        "quais quem ate sao seja sendo houve vai devem poderia disso nisso diz disse "
        "informou afirmou declarou explicou".split()
    ),
    # not "de", "en", "te", "na" (shared), "die", "der", "den", "wie", "werden", "als",
    # "er", "waren", "worden", "binnen", "hier" (German), "is", "was", "met", "over",
    # "door", "want", "had" (English), "dit" (French), "dan" (the name "Dan")
    "nl": frozenset(
        "het een van op niet zijn naar bij ook maar voor dat uit aan heeft hebben hadden "
        "werd wordt geweest deze hij zij ze wij jullie hem nog wel geen tot volgens omdat "
        "doordat terwijl toen daar weer veel dus tegen onder tussen zonder buiten naast "
        "achter langs tijdens vanaf hun waar wat zou zouden zal zullen kunnen moet moeten "
        "zich nadat sinds".split()
    ),
}

# English function words that mark English text (none is a function word of another
# supported language)
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

_ITALIAN = """
il lo la i gli le un uno una l
di del dello della dei degli delle a al allo alla ai agli alle
da dal dallo dalla dai dagli dalle in nel nello nella nei negli nelle
su sul sullo sulla sui sugli sulle con col per tra fra contro senza sotto sopra presso
dopo prima durante secondo circa verso
e ed o od ma pero anche oppure che cui chi quale quali quanto quando dove come perche
mentre se poiche sebbene
io tu lui lei noi voi loro esso essa essi esse si ci vi ne mi ti me te suo sua suoi sue
mio mia nostro nostra nostri vostro
questo questa questi queste quello quella quelli quelle
e sono era erano fu furono stato stata stati state essere sia siano saranno
ha hanno ho abbiamo aveva avevano avere avra avranno abbia
puo possono potrebbe potrebbero deve devono dovrebbe
non piu gia ancora solo molto tanto tutto tutti tutta tutte altro altri altra altre
stesso stessa cosi qui oggi ieri ogni oltre quindi
detto dichiarato spiegato affermato aggiunto riferito
"""

_PORTUGUESE = """
o a os as um uma uns umas
de do da dos das em no na nos nas ao aos pelo pela pelos pelas num numa
neste nesta nesse nessa nisso deste desta desse dessa disso daquele daquela
e ou mas nem que porque pois porem contudo como quando onde enquanto se embora
por para com sem sobre entre desde ate apos contra durante segundo conforme perante sob
cerca
eu tu ele ela nos eles elas voce voces me te lhe lhes meu minha seu sua seus suas
nosso nossa dele dela deles delas
este esta estes estas esse essa esses essas aquele aquela aqueles aquelas isto isso
e sao era eram foi foram ser sido sera serao seja sendo
ha havia houve haver tem tinha tinham ter teve tiveram vai vao
estao estava estavam estar estado estiveram
pode podem poderia deve devem
nao mais muito muitos muita muitas ja ainda tambem so apenas tao tanto assim alem cada
todo todos toda todas outro outra outros outras mesmo mesma mesmos mesmas qual quais
quem cujo entao depois tudo porem embora diz disso nisso
disse afirmou declarou explicou informou acrescentou
"""

_DUTCH = """
de het een der den des
en of maar want dus noch omdat doordat terwijl toen als dan dat die wie wat waar
wanneer hoe waarom hoewel zodat nadat
ik jij je u hij zij ze wij we jullie zich mij me hem haar hun hen ons mijn zijn onze uw
deze dit
in op aan bij van voor naar met door over onder tussen tegen zonder uit tot om sinds na te
tijdens volgens via langs binnen buiten rond vanaf naast achter
is was waren ben bent wordt worden werd werden geworden geweest
heeft hebben had hadden gehad heb hebt
kan kunnen kon konden zal zullen zou zouden moet moeten moest wil willen wilde mag mogen
ook nog al wel niet geen meer zeer erg veel alle andere ander er hier daar nu reeds weer
zei zegt zeggen meldt aldus
"""

STOPWORDS_BY_LANGUAGE: dict[str, frozenset[str]] = {
    "de": frozenset(_GERMAN.split()),
    "es": frozenset(_SPANISH.split()),
    "fr": frozenset(_FRENCH.split()),
    "it": frozenset(_ITALIAN.split()),
    "pt": frozenset(_PORTUGUESE.split()),
    "nl": frozenset(_DUTCH.split()),
}

# The Spanish and German markers that are function words of a language added later too
# ("que" and "para" are Portuguese, "del" and "con" Italian, "die" and "wie" Dutch):
# they count for both. An Italian headline and lead often hold more of
# these than of the words that are Italian only ("Il candidato del centrodestra ha vinto
# ... con un margine ristretto" is "del", "ha", "con", "al" and only "stata"), and were
# read as Spanish; a Spanish text holds all of them as Spanish words and none of the
# Italian-only ones, so it stays Spanish (ties go to the language listed first).
# Only a language's nearest kin shares its words so: French "mais" (but) and "ou" (or)
# are other words than Portuguese "mais" (more) and "ou", and counted for Portuguese
# they told a Facebook line under an English report ("Para ver mais coisas de NBC12 no
# Facebook, entre ou crie uma conta") to be Portuguese.
_KIN = {"es": ("it", "pt"), "de": ("nl",)}
SHARED_MARKERS: dict[str, tuple[str, ...]] = {
    word: languages
    for old, kin in _KIN.items()
    for word in sorted(MARKERS[old])
    if (languages := tuple(lang for lang in kin if word in STOPWORDS_BY_LANGUAGE[lang]))
}

# French and Italian elision: "l'incendie", "d'une", "qu'il", "dell'incendio",
# "un'altra" are the article, preposition or conjunction and the word; the engine's words
# keep an inner apostrophe ("don't"), so these are split off
ELIDED = {
    "fr": ("l", "d", "qu", "n", "s", "c", "j", "m", "t", "jusqu", "lorsqu", "puisqu"),
    "it": (
        "l",
        "dell",
        "all",
        "nell",
        "sull",
        "dall",
        "un",
        "quest",
        "quell",
        "c",
        "d",
        "anch",
        "tutt",
    ),
}
