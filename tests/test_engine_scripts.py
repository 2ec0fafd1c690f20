"""The engine reads news in any script: accents, Cyrillic, German, Chinese.

Before these tests the engine's words were ASCII letters only: a Russian or Chinese
story had no terms at all (nothing was ever on-topic), "São Paulo" lost its "São",
"Köln" became "k" and "ln", and two different Russian headlines reduced to the same
empty copy key. The German cases pin that a Latin-script language with umlauts works.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.engine import Engine, EngineDoc
from bot.engine.capitals import capitalised
from bot.engine.dedup import fingerprint, resemblance, title_key
from bot.engine.sentences import split_sentences
from bot.engine.words import tokens
from bot.model import SeedDoc, Story, has_body
from bot.textnorm import strip_marks, word_count

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_accented_and_plain_spellings_are_one_term() -> None:
    assert tokens("Erdoğan visits São Paulo") == tokens("Erdogan visits Sao Paulo")
    assert tokens("Änderungen in Köln") == ["anderungen", "koln"]


def test_words_of_cyrillic_and_greek_are_terms() -> None:
    assert tokens("Шторм затопил улицы Москвы") == ["шторм", "затопил", "улицы", "москвы"]
    assert tokens("Σεισμός στην Αθήνα") == ["σεισμος", "στην", "αθηνα"]


def test_chinese_text_becomes_character_pairs() -> None:
    assert tokens("台风登陆上海") == ["台风", "风登", "登陆", "陆上", "上海"]
    # the same place name inside different sentences gives the same term
    assert "上海" in tokens("上海地铁停运") and "上海" in tokens("市民离开上海")


def test_thai_text_becomes_letter_triples() -> None:
    # a Thai run between spaces was one token, shared by no other text: a Thai story
    # took nearly no report of itself (on a Thai-lettered copy of
    # giveme5w1h_developments, P_miss 0.93); letter pairs of an alphabet of some forty
    # letters are shared by everything (P_fa 0.70); triples track it (C_norm 0.089)
    assert tokens("น้ำท่วมกรุงเทพฯ หนัก") == [
        "นาท", "าทว", "ทวม", "วมก", "มกร", "กรง", "รงเ", "งเท", "เทพ", "ทพฯ", "หนก"
    ]  # fmt: skip
    # the same place name inside different sentences gives the same terms
    bangkok = set(tokens("กรุงเทพ"))
    assert bangkok <= set(tokens("ฝนตกหนักในกรุงเทพเมื่อคืน"))
    assert bangkok <= set(tokens("ชาวกรุงเทพอพยพ"))
    assert not bangkok & set(tokens("ฟุตบอลทีมชาติไทยชนะ"))


def test_a_chinese_or_thai_article_is_a_body_and_a_scrap_is_not() -> None:
    # counted between spaces, a Chinese article was a word or two: read as a
    # headline-only item's scrap, its body was left out of its lead and its copies
    assert has_body("台风贝碧嘉于周一早晨在上海浦东登陆，数十万居民被紧急转移。")
    assert has_body("ฝนตกหนักในกรุงเทพเมื่อคืนทำให้น้ำท่วมหลายพื้นที่")
    assert not has_body("阅读全文") and not has_body("อ่านต่อ")
    assert not has_body("Read more") and has_body("one two three four five six seven eight")
    assert word_count("台风登陆上海 and more") == 7  # five pairs, two words


def test_kana_voicing_marks_are_no_accents() -> None:
    # バス (bus) and パス (pass) were one term, ハス; がん (cancer) was かん
    assert strip_marks("バス、パス、ﾊﾞｽ、がん") == "バス、パス、バス、がん"
    assert tokens("バス停") == ["バス", "ス停"] and tokens("パス停") == ["パス", "ス停"]
    # accents still go, and Hangul syllables stay whole
    assert strip_marks("São Paulo, 서울") == "Sao Paulo, 서울"
    assert tokens("서울 지하철") == ["서울", "지하철"]


def test_names_in_other_scripts_are_entities() -> None:
    entities, phrases = capitalised("Вчера в Москве выступил Владимир Путин.")
    assert {"москве", "владимир", "путин"} <= entities
    assert "владимир_путин" in phrases


def test_sentences_split_in_cased_scripts_and_at_chinese_stops() -> None:
    assert split_sentences("Шторм прошёл. Жители вернулись домой.") == [
        "Шторм прошёл.",
        "Жители вернулись домой.",
    ]
    assert split_sentences("台风登陆上海。地铁停运！") == ["台风登陆上海。", "地铁停运！"]


def test_copy_keys_of_non_latin_headlines_are_their_words() -> None:
    a, b = "Шторм затопил улицы Москвы", "Выборы мэра Москвы назначены на сентябрь"
    assert title_key(a) and title_key(a) != title_key(b)
    assert title_key("Erdoğan besucht Köln - Spiegel") == title_key("Erdogan besucht Koln")


def test_minhash_of_a_russian_copy_matches_and_of_another_text_does_not() -> None:
    body = (
        "Сильный шторм затопил улицы Москвы в понедельник вечером. Спасатели эвакуировали "
        "жителей нескольких домов на юге города, метро работало с перебоями до утра."
    )
    other = (
        "Правительство утвердило новый бюджет на следующий год. Расходы на образование и "
        "здравоохранение вырастут, сообщил министр финансов на пресс-конференции."
    )
    a = fingerprint("t", body, None)
    assert a.sig, "a Russian body has shingles"
    assert resemblance(a.sig, fingerprint("t", body + " Подписывайтесь на нас.", None).sig) > 0.8
    assert resemblance(a.sig, fingerprint("t", other, None).sig) < 0.2


# A German story (a rail strike), German background news and German reports.
_DE_SEEDS = (
    SeedDoc(
        "GDL ruft zu bundesweitem Bahnstreik auf",
        "Die Lokführergewerkschaft GDL hat ihre Mitglieder zu einem bundesweiten Streik bei "
        "der Deutschen Bahn aufgerufen. GDL-Chef Claus Weselsky sagte in Frankfurt, die "
        "Tarifverhandlungen über kürzere Arbeitszeiten seien gescheitert. Der Fernverkehr "
        "soll ab Mittwoch weitgehend stillstehen.",
        "https://de.example.com/a1",
        T0,
    ),
    SeedDoc(
        "Bahnstreik: Weselsky kündigt Ausstand der Lokführer an",
        "Claus Weselsky, Vorsitzender der GDL, kündigte den Streik der Lokführer nach dem "
        "Scheitern der Tarifverhandlungen mit der Deutschen Bahn an. Pendler müssen sich auf "
        "Ausfälle im Fern- und Regionalverkehr einstellen, teilte die Bahn mit.",
        "https://de.example.com/a2",
        T0,
    ),
)
_DE_BACKGROUND = (
    (
        "Bundesliga: Bayern gewinnt gegen Dortmund",
        "Der FC Bayern München hat das Spitzenspiel gegen Borussia Dortmund mit drei zu eins "
        "gewonnen. Harry Kane traf zweimal vor ausverkauftem Haus.",
    ),
    (
        "Unwetter in Bayern: Keller überflutet",
        "Heftige Gewitter haben in Niederbayern zahlreiche Keller überflutet. Die Feuerwehr "
        "war die ganze Nacht im Einsatz, verletzt wurde niemand.",
    ),
    (
        "Inflation sinkt im Februar",
        "Die Inflationsrate in Deutschland ist im Februar gesunken, teilte das Statistische "
        "Bundesamt in Wiesbaden mit. Vor allem Energie wurde billiger.",
    ),
    (
        "Neues Museum in Hamburg eröffnet",
        "In der Hamburger Hafencity hat ein neues Museum für moderne Kunst eröffnet. Der "
        "Bürgermeister sprach von einem Gewinn für die ganze Stadt.",
    ),
)


def _doc(i: int, title: str, text: str, url: str | None = None) -> EngineDoc:
    t = T0 + timedelta(days=1)
    return EngineDoc(i, title, text, url, "news.example.com", t, t)


def _engine_after(
    background: tuple[tuple[str, str], ...], name: str, seeds: tuple[SeedDoc, ...]
) -> Engine:
    """An engine that read ``background`` news before tracking a story from ``seeds``."""
    e = Engine()
    for i, (title, text) in enumerate(background):
        e.observe(_doc(1000 + i, title, text))
    e.track(Story(1, name, seeds[0].title, seeds, T0))
    return e


def _german_engine() -> Engine:
    return _engine_after(_DE_BACKGROUND, "bahnstreik", _DE_SEEDS)


_DE_REPORT = _doc(
    1,
    "Bahnstreik legt Fernverkehr lahm",
    "Der Streik der GDL hat am Mittwoch den Fernverkehr der Deutschen Bahn weitgehend "
    "lahmgelegt. Weselsky kündigte an, der Ausstand der Lokführer werde bis Freitag dauern, "
    "wenn die Bahn kein neues Angebot zu den Arbeitszeiten vorlege.",
    "https://de.example.com/r1",
)


def test_a_german_report_of_a_german_story_is_on_topic() -> None:
    (v,) = _german_engine().judge(_DE_REPORT)
    assert v.judgement.on_topic
    assert {"weselsky", "gdl"} <= set(v.judgement.reason["matched_terms"])


def test_unrelated_german_news_is_off_topic() -> None:
    e = _german_engine()
    (v,) = e.judge(
        _doc(
            2,
            "Hochwasser in Sachsen: Pegel steigen weiter",
            "In Sachsen steigen die Pegel der Elbe weiter. In Dresden wurden Sandsäcke "
            "verteilt, die Stadt rechnet mit dem Höchststand am Wochenende.",
        )
    )
    assert not v.judgement.on_topic


def test_a_copy_of_a_german_report_with_another_headline_is_a_copy() -> None:
    e = _german_engine()
    e.judge(_DE_REPORT)
    (v,) = e.judge(
        _doc(
            3,
            "Streik: Züge stehen still – dpa",
            _DE_REPORT.text + " Mehr zum Thema lesen Sie hier.",
            "https://other.example.de/x",
        )
    )
    assert v.judgement.duplicate_of == 1


# A Chinese story (a typhoon reaching Shanghai): words are character pairs.
_ZH_SEEDS = (
    SeedDoc(
        "台风贝碧嘉在上海登陆",
        "今年第十三号台风贝碧嘉于周一早晨在上海浦东登陆，这是七十多年来登陆上海的最强台风。"
        "上海市政府停运部分地铁线路，浦东机场取消数百架航班，数十万居民被紧急转移。",
        "https://zh.example.com/a1",
        T0,
    ),
    SeedDoc(
        "贝碧嘉登陆上海 航班取消地铁停运",
        "受台风贝碧嘉影响，上海浦东和虹桥两大机场取消大量航班，部分地铁线路停运。气象部门"
        "发布红色预警，提醒市民减少外出。",
        "https://zh.example.com/a2",
        T0,
    ),
)
_ZH_BACKGROUND = (
    (
        "北京举行国际汽车展览会",
        "国际汽车展览会在北京开幕，多家电动汽车厂商发布新车型，吸引大批观众参观。",
    ),
    (
        "央行宣布下调存款准备金率",
        "中国人民银行宣布下调金融机构存款准备金率，以支持实体经济发展。",
    ),
    (
        "国家队在世界杯预选赛中获胜",
        "中国男子足球队在世界杯预选赛中以二比零战胜对手，球迷在体育场庆祝胜利。",
    ),
    (
        "广州开通新的高铁线路",
        "连接广州和深圳的新高铁线路正式开通，两地之间的旅行时间缩短到半小时。",
    ),
)


def _chinese_engine() -> Engine:
    return _engine_after(_ZH_BACKGROUND, "typhoon", _ZH_SEEDS)


def test_a_chinese_report_of_a_chinese_story_is_on_topic() -> None:
    (v,) = _chinese_engine().judge(
        _doc(
            1,
            "台风贝碧嘉过后上海恢复地铁运营",
            "台风贝碧嘉离开后，上海周二恢复全部地铁线路运营，浦东机场航班逐步恢复。"
            "市政府表示，台风造成部分树木倒伏，没有人员死亡。",
        )
    )
    assert v.judgement.on_topic
    assert {"贝碧", "上海"} <= set(v.judgement.reason["matched_terms"])


def test_unrelated_chinese_news_is_off_topic() -> None:
    (v,) = _chinese_engine().judge(
        _doc(
            2,
            "杭州举办国际动漫节",
            "国际动漫节在杭州开幕，来自三十多个国家的动漫企业参展，展期为六天。",
        )
    )
    assert not v.judgement.on_topic
