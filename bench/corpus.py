"""Deterministic synthetic corpora for the benchmarks (no downloads: words shuffled from small pools)."""

from __future__ import annotations

import itertools
import random

RU_WORDS = (
    "в и не на я что он с по это как а она из к но у за от так же мы бы вы все было был ещё уже когда только "
    "советский венгерский правительство посольство совещание делегация товарищ вопрос решение положение "
    "руководство партия центральный комитет заявление переговоры сообщение встреча ответ письмо телеграмма "
    "объяснил подчеркнул согласился отказался предложил пригласил выступил приехал обсудил потребовал "
    "Хрущёв Андропов Маленков Суслов Микоян Жуков Молотов Булганин Фирюбин Громыко Серов Конев "
    "Будапешт Белград Москва Брионы Югославия Венгрия ночью утром вчера сегодня немедленно срочно объявил "
    "ЦК КПСС ХРУЩЁВ ТАСС Юрий Никита Сергеевич Владимирович Георгий Максимилианович Анастас Иванович "
    "счастье щука жёлтый чёрный объём подъезд семья статья ёлка её Ильич Дмитрий Нина Татьяна"
).split()

SR_WORDS = (
    "у и не на је да се са за од што као али из већ још када само совјетски мађарски влада амбасада "
    "састанак делегација друг питање одлука положај руководство партија централни комитет изјава "
    "преговори саопштење сусрет одговор писмо телеграм објаснио нагласио сложио одбио предложио позвао "
    "Тито Кардељ Ранковић Мићуновић Ђилас Вукмановић Темпо Поповић Веселинов Дедијер Солдатић "
    "Београд Будимпешта Москва Брионима Југославија Мађарска ноћу јутром јуче данас одмах хитно "
    "ЉУБЉАНА ЊЕГОШ ЏЕП љубав њива џамија ђак ћерка чиновник шума жена"
).split()


RU_PREFIXES = ["", "", "", "по", "при", "за", "пере", "раз", "от", "вы", "у", "на", "с", "об"]
RU_ENDINGS = ["", "", "а", "у", "ом", "е", "ы", "ов", "ами", "ах", "ого", "ому", "ая", "ую", "ой", "ые", "ых", "ть",
              "л", "ла", "ли", "ет", "ют", "ение", "ения", "ский", "ская", "ское", "ость", "ости"]
SR_PREFIXES = ["", "", "", "по", "при", "за", "пре", "раз", "од", "из", "у", "на", "са", "об"]
SR_ENDINGS = ["", "", "а", "у", "ом", "е", "и", "ова", "ама", "има", "ог", "ом", "ој", "ији", "ски", "ска", "ско",
              "ти", "о", "ла", "ли", "ће", "ју", "ање", "ања", "ност", "ности", "ић", "ића", "љу"]


def vocabulary(words: list[str], lang: str, size: int, seed: int = 1) -> list[str]:
    """`size` distinct word forms: stems of `words` with prefixes and inflectional endings."""
    rng = random.Random(seed)
    prefixes, endings = (RU_PREFIXES, RU_ENDINGS) if lang == "ru" else (SR_PREFIXES, SR_ENDINGS)
    stems = [w for w in words if len(w) > 3]
    vocab = list(dict.fromkeys(words))
    seen = set(vocab)
    while len(vocab) < size:
        stem = rng.choice(stems)
        stem = stem[: max(3, len(stem) - rng.randrange(3))]
        w = rng.choice(prefixes) + stem.lower() + rng.choice(endings)
        if stem[0].isupper():
            w = w[0].upper() + w[1:]
        if w not in seen:
            seen.add(w)
            vocab.append(w)
    rng.shuffle(vocab)
    return vocab


def text(words: list[str], size_bytes: int, seed: int = 1, line_words: int = 12, lang: str = "ru",
         vocab_size: int = 50_000) -> str:
    """About `size_bytes` of UTF-8 text: Zipf-distributed words from a `vocab_size` vocabulary (running text
    repeats its words the way natural language does), sentences capitalised, one per line."""
    rng = random.Random(seed)
    vocab = vocabulary(words, lang, vocab_size, seed)
    cum = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(vocab))))
    lines: list[str] = []
    n = 0
    while n < size_bytes:
        ws = rng.choices(vocab, cum_weights=cum, k=line_words)
        ws[0] = ws[0][:1].upper() + ws[0][1:]
        line = " ".join(ws) + ".\n"
        lines.append(line)
        n += len(line.encode("utf-8"))
    return "".join(lines)
