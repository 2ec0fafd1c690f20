"""English stop words: function words plus reporting verbs that every news item uses.

Kept small on purpose: the incremental IDF learns which content words are common in
the stream; this list only removes words that never carry topical meaning, so that the
IDF's cold start (a story's first items) is not dominated by "the" and "said".
"""

STOPWORDS = frozenset(
    """
a about above across after afterwards again against all almost alone along already also
although always am among amongst an and another any anyhow anyone anything anyway anywhere
are around as at back be became because become becomes becoming been before beforehand
behind being below beside besides between beyond both but by can cannot could did do does
doing done down during each eg either else elsewhere enough etc even ever every everyone
everything everywhere except few for former formerly from further had has have having he
hence her here hereafter hereby herein hereupon hers herself him himself his how however i
ie if in inc indeed into is it its itself just last latter latterly least less ltd made many
may me meanwhile might mine more moreover most mostly much must my myself namely neither
never nevertheless next no nobody none noone nor not nothing now nowhere of off often on once
one only onto or other others otherwise our ours ourselves out over own per perhaps please
put rather re same see seem seemed seeming seems several she should since so some somehow
someone something sometime sometimes somewhere still such than that the their theirs them
themselves then thence there thereafter thereby therefore therein thereupon these they this
those though through throughout thru thus to together too toward towards under until up upon
us very via was we well were what whatever when whence whenever where whereafter whereas
whereby wherein whereupon wherever whether which while whither who whoever whole whom whose
why will with within without would yet you your yours yourself yourselves
said say says saying told tell tells according reported report reports reportedly
also just like get got go goes going went come came make makes take took new news
mr mrs ms dr st
don't didn't doesn't isn't wasn't aren't weren't won't can't couldn't wouldn't shouldn't
it's i'm i've i'd i'll he's she's they're they've we're we've you're you've that's there's
what's who's let's
""".split()
)
