"""Page furniture in scraped article bodies: what an update summary must not quote.

A scraped body carries the page around the article: a newsletter prompt, an "Updated:
<date> <time>" stamp, the controls and playlist of a video player, a photo gallery's
counter and credits, a copyright line. Split into sentences, these look like any other
line, and the first of them is where a summary looks for news (news puts what is new
first). Quoted in an alert, "Sign up for one of our email newsletters." reads as the
news. So each sentence a summary may quote (:func:`bot.engine.summary.citable`) is first
passed through :func:`strip_furniture`, which

* removes furniture *glued to* a sentence, at its start: a stamp ("Updated: May 31, 2016 -
  6:54 PM PITTSBURGH - A man ...", keeping what follows it, since a stamp sits between
  the headline and the article), a video player's controls ("Skip Ad Ad Loading... x Embed
  x Share", "Hide Transcript Show Transcript"), a gallery counter ("Photo: <credit> Image 3
  of 9"), a caption label ("Buy Photo"), a picture's credit and caption ("Image copyright
  EPA Image caption The blast destroyed cars A suicide bomber ...", quoted from "A
  suicide": :func:`_strip_picture_caption`), a failed newsletter form
  ("Could not subscribe, try again later Invalid Email"), a follow-us bar ("Follow X:
  Facebook | Twitter"), a video card ("<credit> 1 of 15 CLOSE Skip in Skip x Embed x Share
  <playlist> <video title> | 3:20 <description>", keeping the description), a wire
  report's dateline ("WASHINGTON/GENEVA, Feb 17 (Reuters) - ", "DAYTON, Ohio (WDTN) – ",
  "KANSAS CITY, Mo. — ", "DENVER (CBS4) ", with a byline before it, and on a lead
  sentence "KARACHI: ", "JERUSALEM / ISLAMABAD: ", or a byline alone whose end a
  newsroom's word tells, "By PoliceOne Staff The National ...": :func:`strip_dateline`),
  the label over a report's earlier version ("PREVIOUS STORY: ", "ORIGINAL POST: ",
  "EARLIER | "); and a photo credit at its end ("... ©Name (AFP/File)");
* drops a sentence that is furniture through and through: an entry of a video playlist
  (it starts with a duration, "1:47 Mother of defendant ... speaks Pause"), a copyright
  line, a news photo's caption ("FILE - In this Jan. 5, 2016, file photo, ...", "...
  (AP Photo/Name)", "This undated photo provided by police shows ..."), a link to another
  story under its label ("RELATED | ...", "READ: ...", "WATCH: ...", "More: ..."), a byline
  alone ("By Ally Aldrete, Phil Villarreal, Craig Smith."), a list's line that is no
  sentence (a key point written as a headline, "• EU calls annexation illegal, ...
  ‘threat to peace efforts’"), a reporter's hand-off
  ("X has the story (@handle)."), the site speaking of itself
  ("this site") and a message of the site to its reader about the site (sign up,
  subscribe, follow us, click, your browser, this page, its email notifications and
  verification emails, its feeds, its newsroom's addresses: "Get email notifications on
  X daily!", "We have sent you a verification email.", "Contact X at x@site.com.") or its
  fine print ("Full text available to premium subscribers only."), each with no one's
  words reported in it.

The rules name no outlet: they are the vocabulary of the page machinery itself (player
controls, gallery counters, sign-up forms), written the same way across outlets. A news
sentence that merely uses such a word is kept: "Subscribers of the service were told to
change passwords." speaks *about* subscribers, not *to* the reader, and a prompt someone
is reported as saying ("..., the sheriff said") is news.

What a summary quotes is cleaned, and the copy detector reads a body without the
sentences :func:`is_furniture` finds (:func:`bot.engine.analysis.copy_text`: two reports
whose bodies are one site's sign-up form are no copies of each other); relevance and
developments read the body as it came.
"""

from __future__ import annotations

import re

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_DAY = r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?"
_DATE = (
    rf"(?:\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}"
    rf"|{_DAY}{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|{_DAY}\d{{1,2}}\s+{_MONTH},?\s+\d{{4}})"
)
_CLOCK = r"\d{1,2}[:.]\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?(?:\s+[A-Z]{2,4}\b)?"
_SEP = r"\s*(?:[-–—|,]|at|on)?\s*"
_WHEN = rf"(?:{_DATE}(?:{_SEP}{_CLOCK})?|{_CLOCK}(?:{_SEP}{_DATE})?)"
# "Updated: <date/time>", anywhere (with its colon: a stamp is page furniture wherever the
# splitter left it, after the headline or before the dateline), or at the very start
# without one ("Published May 31, 2016 6:54 PM"). Without a colon, inside a sentence,
# "the list was last updated May 3, 2016" is news, and so is a sentence that a date opens
# with a comma after it ("Published May 31, 2016, the report found ...", but a byline's
# "Posted 3:57 AM, May 26, 2015, by ..." is a stamp): the date is matched whole (an atomic
# group), so it cannot give back digits to dodge the comma.
_STAMP = re.compile(
    rf"(?:\b(?:Last\s+)?(?:Updated|Posted|Published|Modified)(?:\s+(?:on|at))?\s*:\s*{_WHEN}"
    rf"|^(?:Last\s+)?(?:[Uu]pdated|[Pp]osted|[Pp]ublished)(?:\s+(?:on|at))?\s+(?>{_WHEN})(?!\s*,(?!\s*by\s)))"
    r"\s*(?:\|\s*)?"
)
# what every stamp holds (its word, less the letter whose case varies), looked for at C
# speed before _STAMP is run: most sentences hold none
_STAMP_WORDS = ("pdated", "osted", "ublished", "Modified")
# a gallery counter, "Image 3 of 9" (some galleries print "Image 1 of / 9")
_GALLERY = re.compile(r"\bImage \d+ of (?:/ )?\d+\s+")
# the controls of a web video player and a caption's labels, at the start of a sentence
_LEADING = re.compile(
    r"^(?:"
    r"(?:Skip Ad\s+)?Ad Loading\.\.\.\s*"
    r"|CLOSE\s+(?=[A-Z])"  # a player's close button, in capitals
    r"|Skip (?:Twitter|Facebook|Instagram|YouTube) post(?: by @\w+)?\s+"
    r"|Skip in Skip\s+"
    r"|x Embed x Share\s+"
    r"|(?:Hide|Show) Transcript\s+"
    r"|EMBED\s*>\s*More (?:\w+ )?Videos\s+"
    r"|Buy Photo\s+"
    r"|\((?:Photo|Image|Picture|Video)s?:[^()]{1,60}\)\s+"  # "(Photo: AFP/Getty) As the ..."
    r"|Getty Images\s+(?=[A-Z])"
    # "Photo LONDON -- ...": the caption's label before a dateline (capitals, then a dash,
    # a comma or the agency's bracket; "Photo ID laws" is news)
    r"|Photo\s+(?=[A-Z]{2,}(?:\s[A-Z]{2,})*\s*(?:[-–—,(]))"
    r"|(?:Could not subscribe, try again later\s+)?Invalid Email\s+"
    r"|Follow [^\s:]+(?: [^\s:]+){0,3}:\s*(?:Facebook|Twitter|Instagram|YouTube)"
    r"(?:\s*\|\s*(?:Facebook|Twitter|Instagram|YouTube))*\s+"
    r")"
)
# BBC's picture labels: "Image copyright <credit> Image caption <caption> <sentence>",
# "Media caption <caption> <sentence>" (see _strip_picture_caption)
_PICTURE_LABEL = re.compile(r"(?:Image|Media) (?:copyright|caption)\b:?\s*")
# where a caption without a full stop ends and its sentence starts: a word of the caption
# (in lower case or a number, not glued to a capital: "150g Toblerone") and the
# sentence's first word, an article or a capitalised word before one in lower case ("...
# buildings and cars A suicide bomber ...", "... cast ballots Government officials told
# ..."). A name of two capitalised words ("visited Downing Street") or a capital after a
# function word ("in Washington on Monday", "said Trump") is inside the caption; where
# nothing tells the caption's end, the whole line is taken for it.
_CAPTION_END = re.compile(r"(?<![\w'’:./-])([a-z]+|\d+) (?=(?:A|An|The)\b|[A-Z][a-z]+ [a-z])")
_CAPTION_FUNCTION_WORDS = frozenset(
    "a an the and or but nor of in on at to for from by with without into onto over under "
    "near after before during since until across between among against about around "
    "behind beyond via like as than toward towards upon within outside inside off this "
    "that these those his her their its our said says told is are was were be been has "
    "have had will would can could may might not".split()
)
# a news photo's caption: a file photo's label ("FILE - ", "FILE PHOTO: "), a wire
# photo's credit ("(AP Photo/Name)"), the picture it describes ("In this Dec. 13, 2016,
# file photo, ...", "This undated photo provided by police shows ...", "... seen in this
# file photo"), or a caption's credit closing it ("(Photo: Name, Agency)", "(file photo)",
# "[Photo/Agencies]"). "A photo of the suspect", "the photo shows" are news.
_PICTURED = r"(?:photo(?:graph)?|image|picture|video|frame grab)(?![-\w]|\s+game)"
_PHOTO_WORDS = (
    r"(?:(?:undated|file|handout|recent|family|aerial|courtesy|still|AP|[A-Z][\w.'’-]*,?"
    r"|\d{1,4}(?:st|nd|rd|th)?,?)\s+){0,6}"
)
_PHOTO_CAPTION = re.compile(
    r"^(?:FILE|File)(?:\s+PHOTO)?\s*[-–—:]"
    r"|\bAP Photos?/|\((?:AP|AFP|Reuters|REUTERS) Photo\b"
    rf"|\b[Ii]n this {_PHOTO_WORDS}{_PICTURED}"
    rf"|^This {_PHOTO_WORDS}photo(?:graph)? (?:shows|provided|released|taken|obtained)\b"
    r"|[(\[](?:Photos?|Images?|Pictures?)\s*[:/][^()\[\]]{0,60}[)\]]$"
    r"|[(\[](?:[\w/ ]{0,30} )?[Ff]ile (?:[Pp]hoto|[Ii]mage)[)\]]"
)
# a web video player's card, anywhere in a sentence: everything before it is the player's
# (gallery credit, counter, playlist name, "<video title> | 1:10"), the description follows
_PLAYER = re.compile(r"x Embed x Share\s+|\s\|\s*\d{1,2}:[0-5]\d\s+(?![AaPp]\.?[Mm]\b)")
_PLAYER_WORDS = ("x Embed x Share", "|")  # what a card holds, looked for first
# a photo credit closing a caption: "... on July 15, 2016 ©Name (AFP)"
_CREDIT = re.compile(r"\(?©[^.!?©]*$")
# an entry of a video playlist: its duration, then its title ("1:47 Mother of ... Pause");
# a clock time would go on with a.m./p.m. ("2:30 p.m. Monday")
_PLAYLIST = re.compile(r"^\d{1,2}:[0-5]\d\s+(?![AaPp]\.?[Mm]\b)[\"'“‘A-Z0-9]")
# ... told from a live blog's entry at a time of day ("14:32 Police confirm ... ."), which
# is a sentence with its full stop (a closing quote may follow it): a video's title has
# none, or the player's button is in it. (Another time in the entry is no mark: "10:45
# Police say the blast happened at 9:30 GMT." On the streams, every playlist entry the
# rule drops is told by its missing full stop.)
_PLAYER_MARK = re.compile(r"\bPause\b")
_FULL_STOP = re.compile(r"[.!?][\"'”’)\]]*$")
# A copyright line names its year or its sign ("Copyright 2016 WLOX.", "Copyright © 2018
# NPR.") or only its holder (:func:`_names_a_holder`): "Copyright law does not protect ..."
# is news about copyright. A licence line
# forbids the reuse of the page's material ("This material may not be published,
# broadcast, rewritten or redistributed.", "Without written authorization from CDIC, such
# content shall not be republished ..."), which a court's order that footage "may not be
# published, broadcast or shared" does not.
# (Two patterns: the line's opening is matched at the start only, and the licence's
# phrases are looked for only in a sentence holding their words; one pattern tried the
# opening at every position.)
_COPYRIGHT = re.compile(  # "Copyright 2016", "Copyright © 2018", "© 2016", "(c) 2016"
    r"\(?(?:Copyright\s*(?:©|\(c\)|\d)|©\s*(?:Copyright\b|\d{4})|\(c\)\s*\d{4})",
    re.IGNORECASE,
)
_LICENCE = re.compile(
    r"\bAll rights? reserved\b"
    r"|\bnot be (?:re)?published, broadcast, rewritten\b"
    r"|\bwithout (?:prior )?(?:the )?(?:express )?written (?:authori[sz]ation|permission|consent)\b"
    r"[^.]{0,80}\b(?:shall|may|must) not be (?:re)?(?:published|produced|used|distributed)\b",
    re.IGNORECASE,
)
_LICENCE_WORDS = ("reserved", "written")  # one is in every licence line ("rewritten")
# the site speaking to its reader: second person, "us"/"our" (every alternative opens a
# word, so the pattern starts with the word's boundary: the engine tries the alternatives
# only where a word starts, not at every position; and it is run only on a sentence that
# holds one of the words, _TO_READER_WORDS) ...
_TO_READER = re.compile(
    # not "US" (the country) nor a web address's ".us"
    r"\b(?:(?i:you|your|yours|our|we(?:['’](?:ll|ve|re|d))?)\b|(?<![.@])us\b)"
)
_TO_READER_WORDS = ("you", "our", "we")  # in any case; "us" in lower case
# ... or a request at the start
_REQUEST = re.compile(
    r"(?:Please|Sign up|Subscribe|Follow us|Like us|Share this|Click|Tap|Download|"
    r"Register|Log in|Sign in|Chat with|Try|Check your|Enable|Disable|Read more|Watch|"
    r"Get|Stay|Keep up|Send|Contact|Close)\b"
    r"|Note:"
)
# ... about the site itself: its forms, buttons, pages and channels. Phrases, not words,
# yet product news that speaks to "you" of a subscription, a browser or signing in is
# taken for the site's message too ("If your subscription has lapsed, games ... lock
# icon": 6 of 115,277 sentences of the evaluation streams); requiring the site's own voice
# ("we", "our", "please") kept those and let paywall lines through ("You must sign in or
# register to continue reading"), so it was not done. (The phrases that open a word stand
# behind one word boundary: the engine tries them only where a word starts.)
_ABOUT_SITE = re.compile(
    r"(?i:newsletters?|\b(?:inbox\b|subscri(?:be|bing|ptions?|bers?)\b|sign(?:ed|ing)? up\b"
    r"|sign in\b|log ?in\b|e-?mail (?:alerts?|updates?|address|us)\b|email us\b"
    # its alerts and account: "Get email notifications on X daily!", "We have sent you a
    # verification email.", "There was an error sending your email."
    # ("pending notification of the family" is news, and so is a product's "you can clear
    # your notifications")
    r"|e-?mail notifications?\b|your notification\b|verification\b|your e-?mail\b"
    # its feeds and newsroom: "our RSS feeds", "keep you updated", "update this story",
    # "news tips", "story ideas at name@site.com"
    r"|RSS\b|keep you (?:updated|posted|informed)\b|updat(?:e|ing) this (?:story|article|report|post)\b"
    r"|news tips?\b|story ideas?\b"
    r"|your (?:web )?browser\b|browsers? with\b|ad ?block|cookies\b"
    r"|click(?:ing)?\b|tap(?:ping)? here\b|location history\b"
    r"|(?:follow|like|find|join|keep up with)\b[^.]{0,40}\bon (?:Facebook|Twitter|Instagram|YouTube)\b"
    r"|Facebook Messenger\b|comments? (?:below|section|platform)\b|commenting\b"
    r"|this (?:site|website|page|article)\b|the video above\b"
    r"|our (?:site|website|web site|apps?|mobile app|page|journalism|coverage|newsletters?)\b"
    r"|(?:read|view) (?:the )?(?:full|complete|entire|original) (?:story|article)\b)"
    # (an address found from its "@" or its ".com", each opening the alternative: a
    # literal is tried only where it stands)
    r"|@(?<=\w@)[\w-]+\.[a-z]{2,}|\.(?<=\w\.)(?:com|net|org)\b)"
    r"|\bTweets?\b"  # the button's word, capitalised ("before each Tweet")
)
# the site's fine print about what it offers, in no one's voice: "Email notifications are
# only sent once a day ...", "Full text available to premium subscribers only."
_SERVICE = re.compile(
    r"^(?:(?:E-?mail|Push|Breaking news|News) (?:notifications?|alerts?|newsletters?)"
    r"|Newsletters?|Full (?:text|article|story|access)|Premium (?:content|access))\b"
    r"(?=.*\b(?:only|available)\b)"
)
# a link to another story under its label: "RELATED | <headline>", "Related: <headline>",
# "READ MORE | ...", "MORE | See our earlier coverage ...", "RELATED ARTICLE: ...",
# "READ: ...", "WATCH: ...", "SEE ALSO: ...", "MORE ON THIS STORY: a | b", a video's
# title ("Video: Police Sgt. Dan Aikey gives update on shooting."), and in title case,
# "Read More: <headline>" (TIME's feeds print it so between paragraphs); an arrow or a
# bracket may open it (">>READ: ...", "►Related: ...", "(READ: MOM OF SLAIN MAN SPEAKS
# OUT)"). What it labels is the headline of another page, whatever its punctuation ("More:
# Smartphones are 'everywhere, all the time.'"): the line is not quoted at all.
_RELATED = re.compile(
    r"^(?:[>»►▶+(]+\s*)?"
    r"(?:RELATED(?: LINKS?| STOR(?:Y|IES)| COVERAGE| ARTICLES?| CONTENT| VIDEOS?)?"
    r"|Related(?: links?| stor(?:y|ies)| articles?| coverage| content| videos?)?"
    r"|READ(?: MORE| ALSO| NEXT)?|Read(?: [Mm]ore| [Aa]lso| [Nn]ext)?"
    r"|MORE(?: COVERAGE| STORIES| VIDEOS?| ON THIS STORY)?|More(?: coverage| stories)?"
    r"|SEE ALSO|See [Aa]lso|ALSO (?:READ|SEE)|Also [Rr]ead|PREVIOUSLY|Previously"
    r"|WATCH(?: VIDEO| LIVE| NOW| REPORT)?|Watch(?: video| live| now| report)?"
    r"|LISTEN|Listen|VIDEOS?|Videos?)\s*[:|]\s*\S"
)
# An earlier version of the report under its label, below the update a local station
# put above it: "PREVIOUS STORY: Chattanooga police have arrested a 16-year-old ...",
# "ORIGINAL POST: ...", "FIRST REPORT: ...", "EARLIER: ...". No link: the report's own
# earlier text, whose next sentences go on unlabelled, so its sentence is quoted without
# the label; with no complete sentence after it, the label names another page's headline
# ("PREVIOUS: Reba's Bar and Grill neighbor: 'If I could tackle him, ...'", "EARLIER: 1
# dead in Christmas killing at Mount Vernon club"), and the line is not quoted at all.
_EARLIER_LABEL = re.compile(
    r"(?:(?:PREVIOUS|ORIGINAL|EARLIER)(?: (?:STORY|POST|REPORT(?:ING)?|ARTICLE|VERSION))?"
    r"|FIRST (?:STORY|POST|REPORT|ARTICLE)"
    r"|(?:Previous|Original|Earlier)(?: (?:[Ss]tory|[Pp]ost|[Rr]eport(?:ing)?|[Aa]rticle|[Vv]ersion))?"
    r"|First (?:[Ss]tory|[Pp]ost|[Rr]eport|[Aa]rticle))\s*[:|]\s*"
)
# A list's line: a bullet or a number before it ("• ...", "1. ...", "2) ..."). Not a
# dash: "— A 29-year-old woman was arrested ..." is a wire lead whose dateline the feed
# left out. A key point in a list is a headline ("• EU calls annexation illegal, Arab
# nations denounce ‘threat to peace efforts’", Dawn), not quoted; a list of complete
# sentences (a weekend's shootings, "• A 20-year-old man was hit in his chest and was
# pronounced dead at the scene.") is (see _is_list_fragment).
LIST_LINE = re.compile(r"(?:[•·▪◦‣●○■□►▶➤✓✔*]|\(?\d{1,2}[.)])\s")
# A byline: "By" and two or more capitalised names, alone or before the article runs on
# ("By Ally Aldrete, Phil Villarreal, Craig Smith."); "By Monday night, ..." is news.
# One alone on its line is not quoted (strip_furniture).
_NAME = r"[A-Z][\w'’.-]*"
BYLINE = re.compile(
    rf"(?:By|Written by|Reporting by)\s+{_NAME}(?:\s+(?:{_NAME}|de|van|von|al|bin))+"
    rf"(?:\s*(?:,|\band\b|&)\s*{_NAME}(?:\s+{_NAME})*)*(?=\s*(?:[.,|/–—-]|$|\s[A-Z]))"
)
# A byline glued to the sentence after it, with no dateline between (those go with the
# dateline, _DATELINE): "By MATTHEW HENDRICKSON Chicago Sun-Times Wire Fourteen-year-old
# Malik Causey was fatally shot ...", "By PoliceOne Staff The National Fraternal Order of
# Police endorsed ...". Where the byline ends is told only by a newsroom's word closing it
# ("Staff", "Wire", "Writer", "Associated Press"), a capitalised sentence after it that
# goes on in lower case within five words; without one ("By JOE SMITH Chicago police
# said ...": the paper's name, or the sentence's?) it stays. "By Friday Staff Sgt. ..."
# is a time: no day or month opens a byline.
_BYLINE_END = (
    r"(?:Staff(?: Writer| Reporter)?|STAFF|Wire(?: Services?)?|Writer|Reporter|Correspondent"
    r"|Contributor|Associated Press|News Service|Newswire)"
)
_GLUED_BYLINE = re.compile(
    rf"(?:By|BY)\s+(?!(?:{_MONTH}|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|Christmas|Easter)\b)"
    rf"[A-Z][\w'’.&-]*(?:(?:\s+|\s*,\s*|\s+and\s+)[A-Z][\w'’.&-]*){{0,7}}?\s+{_BYLINE_END}\s+"
    r"(?=[\"“‘'A-Z0-9][\w'’-]*(?:\s+\S+){0,4}?\s+[a-z])"
)
# the site speaking of itself ("use of this site", "published in this site")
_SELF = re.compile(r"\bthis (?:site|website)\b", re.IGNORECASE)
_SELF_WORDS = ("this site", "this website")
# a reporter's hand-off: "Josh King has the story (@handle)." (looked for only in a
# sentence with a handle in brackets, "(@")
_HANDOFF = re.compile(r"^(?:\S+ ){1,7}\(@\w+\)\.?$")
# someone's words reported: then the sentence is news, whatever it says to "you"
_REPORTED = re.compile(
    r"[\"“”‘]|:\s*'|\b(?:said|says|told|tells|according to|announced|wrote|tweeted|commented)\b",
    re.IGNORECASE,
)
# A dateline: the place in capitals ("WASHINGTON/GENEVA/DUBAI", "ST. LOUIS"), maybe its
# state or country, or its county before it ("Ohio", "Mo.", "W.Va.", "West Bank", "N.C.",
# "FRANKLIN COUNTY, Pa."), a date, the agency or station in brackets (or the date: "(July
# 3, 2015)"), and a dash before the sentence, which goes on with a capital, a digit or a
# quote. A place in ordinary case ("Washington - the capital - ...") is the sentence's.
_REGION = (
    r"[A-Z][a-z]+\.?(?:\s+[A-Z][a-z]+\.?){0,2}|[A-Z]\.[A-Z]\.|[A-Z]\.\s?[A-Z][a-z]+\."
    r"|[A-Z]{2,}\.?(?:\s+[A-Z]{2,}\.?){0,2}"
)
_DATELINE = re.compile(
    r"(?P<byline>By\s+[A-Z][\w'’.-]*(?:[ \t]+(?:[A-Z][\w'’.-]*|de|del|der|van|von|da|di|al|bin|la|le))*"
    r"(?:(?:,[ \t]*|[ \t]+(?:and|&)[ \t]+)[A-Z][\w'’.-]*(?:[ \t]+[A-Z][\w'’.-]*)*)*\s+)?"
    r"(?P<place>[A-Z][A-Z.'’-]*[A-Z.](?:[ /][A-Z][A-Z.'’-]*[A-Z.])*)"
    rf"(?P<region>(?:,\s+(?:{_REGION})){{1,2}})?"
    rf"(?:,?\s+(?P<date>{_DATE}))?"
    rf"(?:,?\s*(?P<agency>\(\s?(?:\w[\w .&/-]{{0,30}}|{_DATE})\s?\)))?"
    # the dash, or a page's own separator ("GARY | ", "TRENTON >> "); a long dash may
    # touch the sentence ("BRIDGEPORT—A woman"), a hyphen may not ("COVID-19 cases")
    # or, after the agency's bracket, nothing ("DENVER (CBS4) One man ...")
    r"\s*(?:-\s+|(?:--|–|—)\s*|(?P<bar>\|\s+|>>\s*)|(?<=\))(?P<bare>\s+))(?=[\"“‘'A-Z0-9])"
)
# The agency's or station's tag a wire report opens with when its place stands on a line
# of its own, or is left out: "(AP) — ", "(CNN) ", "(WMC)- ", "(CBS/AP) ALBUQUERQUE ...",
# "KOTV (CBS/AP) TULSA ...", a date in brackets "(08/18/16) - ". Capitalised words or a
# date, nothing in lower case ("(Left to right) Smith, ..." is the sentence's own).
_SOURCE_TAG = re.compile(
    r"(?:[A-Z]{3,5}\s+)?\((?:[A-Z0-9][\w.&/-]*(?:\s[A-Z0-9][\w.&/-]*){0,2})\)"
    r"\s*(?:(?:-{1,2}|–|—)\s*)?(?=[\"“‘'A-Z0-9])"
)
# an update's label before the sentence: "UPDATE: ", "Updated | ", "UPDATE: 3:10 p.m.: "
_UPDATE_LABEL = re.compile(
    rf"(?:UPDATED?|Updated?)\s*(?::|\|)\s*(?:{_CLOCK}\s*:\s*)?(?=[\"“‘'A-Z0-9])"
)
# capitals before a dash that are no place: an AP photo's "FILE - In this ... photo"
_NO_PLACE = frozenset({"FILE", "UPDATE", "WATCH", "VIDEO", "PHOTOS", "BREAKING", "LIVE"})
# A label in capitals before a colon: a dateline of places as South Asian, Gulf and some
# British outlets print it ("KARACHI: ", "JERUSALEM / ISLAMABAD: ", "LONDON: "), a page's
# tag ("UPDATED: ", "PREVIOUS STORY: ", "APD: One dead ..."), a transcript's speaker
# ("SHAPIRO: "). strip_dateline takes a place's off (see _is_colon_dateline); a lead told
# as a fact loses any (bot.engine.summary.lead_fact).
CAPS_LABEL = re.compile(
    r"(?P<label>[A-Z][A-Z.'’-]{2,}(?:\s?[/,&]\s?[A-Z][A-Z.'’-]{2,}|\s[A-Z][A-Z.'’-]{2,})*)"
    # the sentence after it is not in capitals: its first word, or the one after "A"
    r":\s+(?=(?:[AI]\s+)?\S*[a-z])"
)
_LABEL_PLACES = re.compile(r"\s?[/,&]\s?")
# words of a label before a colon that is no place (the streams' labels, read): a link to
# another or an earlier story ("PREVIOUS STORY: ", "RELATED ARTICLE: ", "READ: "), a note
# on the report ("CORRECTION: ", "EDITOR'S NOTE: "), a page's tag ("BREAKING: ",
# "CAUTION: "), a transcript's role ("SCOTT HORSLEY, BYLINE: ")
_NO_PLACE_WORDS = _NO_PLACE | frozenset(
    "UPDATED UPDATES LATEST VIDEOS PHOTO PICTURES IMAGES GALLERY SLIDESHOW STORY STORIES "
    "PREVIOUS PREVIOUSLY ORIGINAL EARLIER RELATED READ ALSO SEE MORE POST ARTICLE ARTICLES "
    "CONTENT COVERAGE LINK LINKS CORRECTION CLARIFICATION NOTE EDITOR'S EDITOR’S EDITORIAL "
    "CAUTION WARNING ALERT EXCLUSIVE OPINION ANALYSIS BYLINE HOST REPORTER ANCHOR".split()
)
# someone speaking for themselves or to the one they speak with, as a transcript's speaker
# does ("HORSLEY: Well, we know ...", "ANNIQUE: At the moment I didn’t look ..."), outside
# the quotations a news sentence may hold (_QUOTED)
_SPEECH = re.compile(r"\b(?:I|me|my|(?i:we|our|ours|you|your|yours)|us)\b")
_QUOTED = re.compile(r"[\"“][^\"“”]*[\"”]")
_MAX_PASSES = 4  # furniture pieces removed from one sentence's start, at most
# A hand-off or a message of the site to its reader is a sentence or two of a form; a run
# of more words is not (nor is it quoted: a summary quotes 60 words at most), and reading
# a feed's 100,000 characters without a full stop for one cost ~80 ms (the site's
# vocabulary is a long pattern that cannot skip ahead).
_MAX_MESSAGE_WORDS = 120


def strip_furniture(sentence: str, *, datelines: bool = True, lead: bool = True) -> str:
    """The sentence without the page furniture around it; empty when it is furniture.

    Args:
        sentence: One sentence of a body (:func:`bot.engine.sentences.split_sentences`).
        datelines: Take a leading dateline off too (:func:`strip_dateline`); False keeps
            it, for the lead a development is told by (see :func:`bot.engine.summary.citable`).
        lead: The sentence is one of the first of its body, where a dateline before a
            colon stands (see :func:`strip_dateline`).

    Returns:
        The sentence with leading furniture (stamps, player controls, gallery counters,
        caption labels, form remnants) and a trailing photo credit removed, or "" when
        what is left is a playlist entry, a copyright line or a message of the site to
        its reader.
    """
    # one space between words, as split_sentences gives them: the patterns' optional
    # spaces would otherwise try every split of a long run of whitespace (a sentence of
    # "Updated: 10:45" and 4,000 spaces took a second)
    s = " ".join(sentence.split())
    if _RELATED.match(s):  # before its label is taken for a dateline's place ("RELATED | ")
        return ""
    if label := _EARLIER_LABEL.match(s):
        s = s[label.end() :]
        if not _opens_sentence(s) or not _FULL_STOP.search(s):
            return ""  # another page's headline under it
    if LIST_LINE.match(s) and _is_list_fragment(s):
        return ""
    for _ in range(_MAX_PASSES):
        before = s
        if _holds_any(s, _STAMP_WORDS) and (stamps := list(_STAMP.finditer(s))):
            s = s[stamps[-1].end() :]  # a stamp sits after the headline, before the article
        if s.startswith(("Photo:", "Image ")) and (counters := list(_GALLERY.finditer(s))):
            s = s[counters[-1].end() :]
        if _holds_any(s, _PLAYER_WORDS) and (players := list(_PLAYER.finditer(s))):
            s = s[players[-1].end() :]
        if leading := _LEADING.match(s):
            s = s[leading.end() :]
        s = s.strip()
        if s.startswith(("Image ", "Media ")):  # _PICTURE_LABEL's words, at C speed
            s = _strip_picture_caption(s)
        if datelines:
            s = strip_dateline(s, lead=lead)
        if s == before:
            break
    if "©" in s:  # _CREDIT's sign
        s = _CREDIT.sub("", s)
    s = s.rstrip()
    if not s or is_furniture(s) or _is_byline(s):
        return ""
    return s


def _opens_sentence(text: str) -> bool:
    """Whether ``text`` opens as a sentence does: a capital, a digit or a quote."""
    return text[:1].isupper() or text[:1].isdigit() or text[:1] in "\"“‘'"


def _is_list_fragment(line: str) -> bool:
    """Whether a list's line (``LIST_LINE``) is a fragment, no sentence to quote: what
    follows its bullet or number does not open as a sentence ("(3) placed in some other
    location ...", a statute's clause) or does not end with a full stop, as a key point
    written as a headline does ("• EU calls annexation illegal, Arab nations denounce
    ‘threat to peace efforts’": its closing quote passes for a sentence's end)."""
    item = LIST_LINE.match(line)
    rest = line[item.end() :].lstrip() if item else line
    return not _opens_sentence(rest) or not _FULL_STOP.search(rest) or rest.endswith("?")


def _is_byline(sentence: str) -> bool:
    """Whether ``sentence`` is a byline and nothing else ("By Ally Aldrete, Phil
    Villarreal, Craig Smith.", "Reporting by Murray Weiss, ... and Gustavo Solis.")."""
    byline = BYLINE.match(sentence)
    return byline is not None and sentence[byline.end() :].strip() in ("", ".")


def strip_dateline(sentence: str, *, lead: bool = True) -> str:
    """``sentence`` without the dateline (and the byline before it) it opens with.

    "WASHINGTON/GENEVA/DUBAI, Feb 17 (Reuters) - Even for a U.S. president ..." is quoted
    from "Even for"; so are "By Olivia Le Poidevin GENEVA, Feb 17 (Reuters) - ...",
    "By Tom Hays Associated Press NEW YORK — ...", "DAYTON, Ohio (WDTN) – ...", "KANSAS
    CITY, Mo. — ...", "CHARLESTON, W.Va. -- ...", "INDIANAPOLIS (July 3, 2015) – ...",
    "GARY | ..." and "TRENTON >> ..."; an agency's tag or an update's label opening it
    goes too ("(AP) — ...", "(CNN) ...", "KOTV (CBS/AP) TULSA, Okla. - ...", "UPDATE:
    ..."). A sentence that merely starts with a place ("Washington has ...", "NATO - The
    alliance ...", "US - China talks ...", "FILE - In this photo ...") keeps it, and so
    does a sentence in capitals throughout (wire copy in capitals has no sentence after
    the place).

    A byline glued to its sentence with no dateline between goes where a newsroom's word
    tells its end ("By MATTHEW HENDRICKSON Chicago Sun-Times Wire Fourteen-year-old ...",
    "By PoliceOne Staff The National ...": ``_GLUED_BYLINE``); without one ("By JOE SMITH
    Chicago police said ...") the sentence keeps it. Like a dateline, it stays on a
    development's lead (``datelines=False``).

    A ``lead`` sentence (one of the first of its body) also loses a dateline of places
    before a colon ("KARACHI: ", "JERUSALEM / ISLAMABAD: ", "LONDON: ": see
    :func:`_is_colon_dateline`); further down a body such a label is a transcript's
    speaker ("NELSON: The largest number of attacks happened in Cologne.") or a police
    log's heading, and stays.
    """
    tag = _SOURCE_TAG.match(sentence) or _UPDATE_LABEL.match(sentence)
    if tag and any(ch.islower() for ch in sentence[tag.end() :]):
        return sentence[tag.end() :]  # and the place after it, in the next pass
    if lead and (label := CAPS_LABEL.match(sentence)) and _is_colon_dateline(label):
        return sentence[label.end() :]
    m = _DATELINE.match(sentence)
    if not m and (byline := _GLUED_BYLINE.match(sentence)):
        return sentence[byline.end() :]  # and a dateline after it, in the next pass
    if not m or m["place"] in _NO_PLACE:
        return sentence
    # a place alone before a dash is told from an acronym ("NATO - The alliance ...",
    # "EU - ...") by its length: cities of four letters or fewer ("ROME - ") stay
    # ("GARY | " is one: an acronym is not followed by a page's separator)
    # a byline before it tells it is one ("By Tom Hays Associated Press NEW YORK — ": the
    # byline's capitalised words may take the place's first)
    short = len(m["place"].replace(".", "")) < 5 and not m["byline"]
    if not (m["region"] or m["date"] or m["agency"] or m["bar"]) and short:
        return sentence
    if m["bare"] is not None and short and not m["region"]:
        return sentence  # "WHO (World Health) Director ...": an acronym and its name
    rest = sentence[m.end() :]
    if not any(ch.islower() for ch in rest):
        return sentence
    return rest


def _is_colon_dateline(label: re.Match[str]) -> bool:
    """Whether a label in capitals before a colon (``CAPS_LABEL``) is a dateline of places.

    Its places ("JERUSALEM / ISLAMABAD") hold no word of a page's tag, a link's label or a
    note (``_NO_PLACE_WORDS``: "PREVIOUS STORY: ", "CORRECTION: "); a place alone has five
    letters or more, as before a dash ("SAPD: Teen shot ...", "NATO: ..." name who says
    it); and a complete sentence of news follows, in no one's own voice ("SHAPIRO: What
    can you tell us ...?", "HORSLEY: Well, we know ..." are a transcript's; "STORY: Mich.
    mayor wounded" a link's headline).
    """
    places = _LABEL_PLACES.split(label["label"])
    if any(w in _NO_PLACE_WORDS for place in places for w in place.split()):
        return False
    if len(places) == 1 and len(places[0].replace(".", "").replace(" ", "")) < 5:
        return False
    rest = label.string[label.end() :]
    if not rest[:1].isupper() and not rest[:1].isdigit() and rest[:1] not in "\"“‘'":
        return False
    return bool(_FULL_STOP.search(rest)) and not _SPEECH.search(_QUOTED.sub("", rest))


def is_furniture(sentence: str) -> bool:
    """Whether a whole sentence is page furniture: a video playlist entry, a copyright
    line, or (nobody's words reported) a reporter's hand-off or the site telling its
    reader about the site."""
    if _PLAYLIST.match(sentence) and (
        _PLAYER_MARK.search(sentence) or not _FULL_STOP.search(sentence)
    ):
        return True
    if _COPYRIGHT.match(sentence) or _names_a_holder(sentence):
        return True
    if _may_hold(sentence, _LICENCE_WORDS) and _LICENCE.search(sentence):
        return True
    if _names_a_picture(sentence) and _PHOTO_CAPTION.search(sentence):
        return True  # whatever it reports ("..., police say")
    if len(sentence.split()) > _MAX_MESSAGE_WORDS:
        return False
    # furniture unless someone's words are reported in it ("The mayor announced the
    # curfew on Twitter (@handle)."): asked last, of the few sentences that read as one
    if (
        ("(@" in sentence and _HANDOFF.match(sentence))
        or (_may_hold(sentence, _SELF_WORDS) and _SELF.search(sentence))
        or _SERVICE.match(sentence)
    ):
        return not _REPORTED.search(sentence)
    # the site's vocabulary, a long pattern, is looked for last of all
    return bool(
        _speaks_to_reader(sentence)
        and not _REPORTED.search(sentence)
        and _ABOUT_SITE.search(sentence)
    )


def _speaks_to_reader(sentence: str) -> bool:
    """Whether the site speaks to its reader in ``sentence``: a request at its start
    (:data:`_REQUEST`) or a word for the reader or the site (:data:`_TO_READER`)."""
    if _REQUEST.match(sentence):
        return True
    words = _may_hold(sentence, _TO_READER_WORDS) or "us" in sentence
    return bool(words and _TO_READER.search(sentence))


def _holds_any(sentence: str, words: tuple[str, ...]) -> bool:
    """Whether ``sentence`` holds one of ``words``: what a pattern needs to match, looked
    for at C speed before the pattern is run on it."""
    return any(w in sentence for w in words)


def _may_hold(sentence: str, words: tuple[str, ...]) -> bool:
    """Whether ``sentence`` may hold one of ``words`` (lower-case ASCII) in any case: what a
    case-insensitive pattern needs to match, looked for at C speed first.

    Outside ASCII a sentence always may: the pattern's ignore-case matching takes "ſ" for
    "s", the Kelvin sign for "k", "İ" and "ı" for "i", which ``str.lower`` does not give.
    """
    if not sentence.isascii():
        return True
    lowered = sentence.lower()
    return any(w in lowered for w in words)


def _names_a_picture(sentence: str) -> bool:
    # what every caption _PHOTO_CAPTION finds holds, looked for at C speed first (the
    # pattern's alternatives would be tried at every position of every sentence)
    return sentence.startswith(("FILE", "File")) or (
        "hoto" in sentence
        or "mage" in sentence
        or "icture" in sentence
        or "video" in sentence
        or "frame grab" in sentence
    )


def _strip_picture_caption(sentence: str) -> str:
    """``sentence`` without the picture's credit and caption a page put before it.

    "Image copyright EPA Image caption The blast destroyed nearby cars A suicide bomber
    ..." is quoted from "A suicide"; "" when the caption runs to the sentence's end (no
    sentence after it, or none told from it: see :data:`_CAPTION_END`).
    """
    label = _PICTURE_LABEL.match(sentence)
    if not label:
        return sentence
    rest = sentence[label.end() :]
    end = len(rest)
    if following := _PICTURE_LABEL.search(rest):  # the caption after its credit
        end = following.start()
    elif not _FULL_STOP.search(rest):
        return ""  # a caption alone: no sentence closes the line
    for m in _CAPTION_END.finditer(rest, 0, end):
        if m[1] not in _CAPTION_FUNCTION_WORDS:
            return rest[m.end() :]
    return rest[end:]


def _names_a_holder(sentence: str) -> bool:
    """Whether a sentence is "Copyright" and a holder's name and nothing else ("Copyright
    Associated Press / NBC 6 South Florida", "Copyright WECT."): every word after it
    capitalised or a number. "Copyright infringement lawsuits ..." goes on in lower case."""
    if "Copyright" not in sentence:  # the words are split only of a sentence that may be one
        return False
    words = sentence.removeprefix("(").split()
    return (
        len(words) > 1
        and words[0] == "Copyright"
        and all(w[0].isupper() or w[0].isdigit() or w == "/" for w in words[1:])
    )
