"""Benchmark the moderation hot path against the usual regex approaches (not a test).

Run with `python bench/moderation.py [MESSAGES]`. One process, one run:

* ours: normalisation + stop-word automaton (10,000 listed words) + the spam score (trained on
  ../shared/data's real samples when present, else on synthetic ones) + per-member limits,
  over synthetic English, Russian and Kazakh messages (default 100,000);
* "popular bots": one case-insensitive `\\b(?:w1|w2|…)\\b` alternation of every word;
* a per-word regex loop (a compiled pattern per word, tried in turn), on a sample.

Prints messages/s for each, the ratios (by wall clock and by CPU time), p50/p99 per message for
ours (by wall clock and by the thread's CPU clock), and the limiter's bytes per tracked member.
On a shared machine the CPU-time figures are the ones to compare.
"""

from __future__ import annotations

import gc
import random
import re
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.rules.normalise import normalise
from cogs.moderation.limits import Limiter
from cogs.moderation.matcher import Entry, WordMatcher, entry_key
from cogs.moderation.rules import Limits, parse_action
from cogs.moderation.spam import BASE_HAM_FILE, SpamModel, sample_lines

SEED = 20260105
LISTED = 10_000
MEMBERS = 5_000
ALTERNATION_SAMPLE = 5_000
LOOP_SAMPLE = 300
SPAM_THRESHOLD = 0.8


def _words(text: str) -> list[str]:
    return text.split()


EN = _words(
    "the a to and of in is it you that for on with this are be have we can not do "
    "what was about just if so your at but all get like will they would there how "
    "know meeting today release build server please thanks question answer docs link "
    "version update python bot community channel help issue review merge deploy "
    "weekend coffee"
)
RU = _words(
    "и в не на я что с он как это по но все она так его только мне было вот от меня "
    "еще нет о из ему теперь когда даже ну вдруг ли если уже или быть был него до "
    "вас сервер релиз вопрос спасибо сборка ссылка версия обновление помощь канал "
    "встреча сегодня"
)
KK = _words(
    "және бұл бір мен сен ол біз сіз олар не үшін бар жоқ керек болады еді қалай "
    "қайда сәлем рахмет жиналыс бүгін сұрақ жауап нұсқа сілтеме көмек арна сервер "
    "жаңарту апта"
)
ALPHABETS = ("abcdefghijklmnoprstuvwyz", "абвгдежзиклмнопрстуфхцчшыэюя", "аәбгғдеқкңлмнөоұүрстыіш")


def synthetic_word(rng: random.Random, alphabet: str) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(5, 10)))


def listed_words(rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < LISTED:
        alphabet = ALPHABETS[len(words) % 3]
        word = synthetic_word(rng, alphabet)
        if rng.random() < 0.1:
            word = f"{word} {synthetic_word(rng, alphabet)}"  # a phrase
        words.add(word)
    return sorted(words)


def evade(rng: random.Random, word: str) -> str:
    trick = rng.randrange(4)
    if trick == 0:
        return ".".join(word)
    if trick == 1:
        return word.upper()
    if trick == 2:
        return word[0] + word[1] * 3 + word[2:]
    return word.replace("о", "o").replace("а", "a").replace("е", "e")


def messages(rng: random.Random, listed: list[str], count: int) -> list[tuple[str, str]]:
    vocab = (EN, RU, KK)
    out = []
    for i in range(count):
        words = vocab[i % 3]
        text = [rng.choice(words) for _ in range(rng.randint(4, 16))]
        roll = rng.random()
        if roll < 0.02:
            text.insert(rng.randrange(len(text)), rng.choice(listed))
        elif roll < 0.03:
            text.insert(rng.randrange(len(text)), evade(rng, rng.choice(listed)))
        sentence = " ".join(text)
        if rng.random() < 0.3:
            sentence = sentence.capitalize() + rng.choice(("!", "?", ".", " :)", ", ok"))
        out.append((f"u{rng.randrange(MEMBERS)}", sentence))
    return out


def build_matcher(listed: list[str]) -> WordMatcher:
    action = parse_action("delete")
    entries = []
    for word in listed:
        key, runs, lead = entry_key(word)
        entries.append((key, Entry("bench", word, action, 1, False, runs, lead)))
    return WordMatcher(entries, ())


def spam_model(rng: random.Random, listed: list[str]) -> tuple[SpamModel, str]:
    """The model the stage would run: real samples when ../shared/data is there, and the
    shipped base ham (rules/samples/ham-base.txt) as the stage trains on it too."""
    root = Path(__file__).resolve().parents[1]
    base_ham = sample_lines(root / "rules" / "samples" / BASE_HAM_FILE)
    for base in (root.parent / "shared" / "data", root.parent.parent / "shared" / "data"):
        if (base / "ru-telegram").is_dir():
            spam: list[str] = []
            ham: list[str] = []
            for folder, pair in (
                ("ru-telegram", ("spam-train.txt", "ham-train.txt")),
                ("tg-spam", ("spam-samples.txt", "ham-samples.txt")),
            ):
                spam += (base / folder / pair[0]).read_text("utf-8").splitlines()
                ham += (base / folder / pair[1]).read_text("utf-8").splitlines()
            return (
                SpamModel(spam, ham + base_ham),
                f"{len(spam)} real spam, {len(ham)} ham samples + {len(base_ham)} base ham",
            )
    spam = [" ".join(rng.choice(listed) for _ in range(6)) for _ in range(2000)]
    ham = [" ".join(rng.choice(EN + RU + KK) for _ in range(8)) for _ in range(2000)]
    return (
        SpamModel(spam, ham + base_ham),
        f"2000 synthetic spam and 2000 ham samples + {len(base_ham)} shipped base ham",
    )


def ours(
    matcher: WordMatcher,
    model: SpamModel,
    corpus: list[tuple[str, str]],
    timed: bool,
    clock: Callable[[], int] = time.perf_counter_ns,
) -> tuple[float, int, list[int], Limiter]:
    limiter = Limiter()
    shape = limiter.configure(Limits())
    community = "bench"
    hits = 0
    lat: list[int] = []
    t0 = 1_767_603_600.0
    acts = max(SPAM_THRESHOLD, model.cutoff)  # as the stage does for members
    start = time.perf_counter()
    for i, (user, text) in enumerate(corpus):
        if timed:
            before = clock()
        normal = normalise(text)
        found = matcher.scan(normal)
        spam = model.judge(text, normal).score >= acts
        skeleton = normal.text
        text_hash = (hash(skeleton) & 0xFFFFFF or 1) if len(skeleton) > 8 else 0
        broken = limiter.check(community, user, t0 + i * 0.01, text_hash, text.count("@"), shape)
        if found or broken or spam:
            hits += 1
        if timed:
            lat.append(clock() - before)
    return time.perf_counter() - start, hits, lat, limiter


def alternation(listed: list[str], corpus: list[tuple[str, str]]) -> tuple[float, int, float]:
    """Wall time, hits and CPU time of the one-alternation approach over `corpus`."""
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, listed)) + r")\b", re.IGNORECASE)
    start, cpu = time.perf_counter(), time.process_time()
    hits = sum(1 for _, text in corpus if pattern.search(text))
    return time.perf_counter() - start, hits, time.process_time() - cpu


def per_word_loop(listed: list[str], corpus: list[tuple[str, str]]) -> tuple[float, int]:
    patterns = [re.compile(r"\b" + re.escape(w) + r"\b", re.IGNORECASE) for w in listed]
    start = time.perf_counter()
    hits = 0
    for _, text in corpus:
        for pattern in patterns:
            if pattern.search(text):
                hits += 1
                break
    return time.perf_counter() - start, hits


def limiter_bytes(corpus: list[tuple[str, str]]) -> tuple[int, float]:
    """Bytes per member: the ring alone, and everything the limiter holds (via tracemalloc)."""
    users = [user for user, _ in corpus[: MEMBERS * 4]]
    gc.collect()
    tracemalloc.start()
    limiter = Limiter()
    shape = limiter.configure(Limits())
    before = tracemalloc.take_snapshot()
    for i, user in enumerate(users):
        limiter.check("bench", user, 1_767_603_600.0 + i, 1, 0, shape)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    total = sum(s.size_diff for s in after.compare_to(before, "filename"))
    ring = limiter.state_of("bench", users[0])
    assert ring is not None
    return sys.getsizeof(ring), total / len(limiter)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rng = random.Random(SEED)
    listed = listed_words(rng)
    corpus = messages(rng, listed, count)
    build_start = time.perf_counter()
    matcher = build_matcher(listed)
    build = time.perf_counter() - build_start
    print(
        f"{count} messages (en/ru/kk), {len(listed)} listed words; automaton built in {build:.2f}s"
    )
    model, trained_on = spam_model(rng, listed)
    print(f"spam model: {len(model.weights)} weighted features from {trained_on}")

    cpu_start = time.process_time()
    elapsed, hits, _, _ = ours(matcher, model, corpus, timed=False)
    cpu = time.process_time() - cpu_start
    ours_rate = count / elapsed
    print(
        f"ours (normalise + automaton + spam score + limits): {ours_rate:,.0f} msg/s, "
        f"{hits} flagged"
    )
    # On a shared machine the wall clock counts other processes' turns too; CPU time does not.
    print(f"  per core by CPU time: {count / cpu:,.0f} msg/s")
    _, _, lat, _ = ours(matcher, model, corpus, timed=True)
    lat.sort()
    p50, p99 = lat[len(lat) // 2] / 1000, lat[int(len(lat) * 0.99)] / 1000
    print(f"  per message: p50 {p50:.1f} µs, p99 {p99:.1f} µs")
    # The same by the thread's CPU clock: a message preempted by another process counts only
    # its own work (the clock's own cost, a system call, is in each figure).
    _, _, lat, _ = ours(matcher, model, corpus, timed=True, clock=time.thread_time_ns)
    lat.sort()
    p50, p99 = lat[len(lat) // 2] / 1000, lat[int(len(lat) * 0.99)] / 1000
    print(f"  by CPU time: p50 {p50:.1f} µs, p99 {p99:.1f} µs")

    sample = corpus[:ALTERNATION_SAMPLE]
    alt_elapsed, alt_hits, alt_cpu = alternation(listed, sample)
    alt_rate = len(sample) / alt_elapsed
    print(
        f"alternation \\b(?:w1|…|w{len(listed)})\\b, re.IGNORECASE: {alt_rate:,.0f} msg/s "
        f"(on {len(sample)} messages, {alt_hits} flagged)"
    )
    loop_sample = corpus[:LOOP_SAMPLE]
    loop_elapsed, loop_hits = per_word_loop(listed, loop_sample)
    loop_rate = len(loop_sample) / loop_elapsed
    print(
        f"per-word regex loop: {loop_rate:,.0f} msg/s "
        f"(on {len(loop_sample)} messages, {loop_hits} flagged)"
    )
    print(f"ratio ours / alternation: {ours_rate / alt_rate:,.1f}x")
    # On a shared machine the wall-clock ratio swings with other processes; CPU time does not.
    print(f"  by CPU time: {count / cpu / (len(sample) / alt_cpu):,.1f}x")
    print(f"ratio ours / per-word loop: {ours_rate / loop_rate:,.0f}x")
    ring, total = limiter_bytes(corpus)
    print(
        f"limiter state per tracked member: {ring} bytes ring buffer, {total:.0f} bytes with index"
    )


if __name__ == "__main__":
    main()
