"""Knowledge bases of any size, grown from the bundled one, for the matcher scaling benchmark.

Cloning entries verbatim would only test duplicates: every clone would tie with its original and
the vocabulary would not grow. So each clone gets its own made-up domain words (which grow the
vocabulary and the typo-correction list the way a real, larger base would), and some of its words
are swapped for words of other entries, so postings of shared words get long and mixed. The
bundled entries stay first and unchanged; generation is deterministic for a given seed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from itertools import product

from bot.answers.text_norm import STOPWORDS, clean
from bot.knowledge.model import FaqEntry

_ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "r", "s", "t", "v", "z", "br", "dr", "kl", "st")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ou")
_CODAS = ("", "n", "r", "l", "x", "th")


def made_up_words(count: int, *, seed: int = 7) -> list[str]:
    """`count` distinct pronounceable non-words (three syllables) in a seeded order."""
    syllables = [o + v + c for o, v, c in product(_ONSETS, _VOWELS, _CODAS)]
    rng = random.Random(seed)
    words: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        word = "".join(rng.choice(syllables) for _ in range(3))
        if word not in words:
            words.add(word)
            out.append(word)
    return out


def _content_words(texts: Sequence[str]) -> list[str]:
    return sorted({w for t in texts for w in clean(t).split() if w not in STOPWORDS and len(w) > 3})


def _vary(text: str, *, rng: random.Random, domain: Sequence[str], pool: Sequence[str]) -> str:
    """The text with one content word swapped for a word of another entry, plus domain words."""
    words = text.rstrip(" ?.!").split()
    swappable = [i for i, w in enumerate(words) if clean(w) not in STOPWORDS and len(w) > 3]
    if swappable and rng.random() < 0.5:
        words[rng.choice(swappable)] = rng.choice(pool)
    extra = rng.sample(list(domain), k=min(len(domain), rng.randint(1, 2)))
    return " ".join([*words, "for", *extra])


def synthetic_entries(base: Sequence[FaqEntry], size: int, *, seed: int = 7) -> list[FaqEntry]:
    """`size` entries: the bundled ones first, then varied clones with ids suffixed `-s<n>`."""
    entries = list(base[:size])
    clones = size - len(entries)
    if clones <= 0:
        return entries
    rng = random.Random(seed)
    pool = _content_words([p for e in base for p in (e.question, *e.phrasings)])
    vocabulary = made_up_words(max(8, clones // 2 + 8), seed=seed)
    for n in range(clones):
        source = base[n % len(base)]
        domain = rng.sample(vocabulary, k=3)

        def vary(text: str, domain: Sequence[str] = domain) -> str:
            return _vary(text, rng=rng, domain=domain, pool=pool)

        entries.append(
            FaqEntry(
                id=f"{source.id}-s{n}",
                topic=source.topic,
                question=vary(source.question),
                phrasings=tuple(vary(p) for p in source.phrasings),
                answer=f"{source.answer.strip()}\nApplies to {' and '.join(domain)}.",
                related=source.related,
            )
        )
    return entries
