"""Ordinary sentences in English, Russian and Kazakh pass the shipped rules untouched.

Each of these was, or could easily be, caught by an over-eager list entry or normalisation
step; a member who writes them must see nothing happen and the moderators hear nothing.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.core.actions import SendMessage
from tests.auxil.moderation import LOG, cases, moderated, seen_by_handlers

INNOCENT = [
    # English
    "I work from home on Fridays",
    "AirDrop me the photo",
    "It cost 100 shillings",
    "Shillong is lovely in spring",
    "I need to cash out my savings for the deposit",
    "forex trading is risky, be careful",
    "Whatsapp me when you land",
    "DM me for details about the meetup",
    "They earn daily wages on the farm",
    "Scunthorpe beat Essex 3-1",
    "a class about grass and bass",
    "Our investment company party is on Friday",
    "The free bonus level in the game is hard",
    "I'm done.To be honest it was fun",
    "The new release of ASP.NET is out",
    "Meet at 3pm, room 6, bring 4 chairs",
    "There is no guaranteed profit in trading",
    "Which investment platform do you use?",
    "I don't trust crypto signals groups",
    # Russian
    "письмо пришло без вложений",
    "Есть точная ставка налога?",
    "Привет, это Ебаньков из бухгалтерии",
    "Заработать до конца года хочу на машину",
    "Будем зарабатывать от продаж, а не от рекламы",
    "Заработок от фриланса у меня небольшой",
    "Пассивный доход — это миф?",
    "Работаю на удалённой основе уже два года",
    "Встреча в 3 часа, будет 6 человек",
    "Купил iPhone 13 за 300к",
    "заработная плата растёт",
    "Интимная жизнь героев в романе описана скупо",
    "Документация лежит в вики",
    "У меня 3 кота и 6 собак",
    "Лёгкий заработок бывает только в сказках",
    # Kazakh
    "бiз келдiк",
    "Мен бiлмеймiн, сен бiлесiң бе?",
    "Қосымша табыс салығы қанша?",
    "Бүгін жиналыс сағат 3-те",
    "Рахмет, бәрі жақсы",
    "Күніне табыс аз болса да, жұмыс қызық",
    "Сәлем, достар! Бүгін кездесеміз бе?",
    "Ол үйден табыс табады дейді",
    "Тегін бонус туралы сұрақ бар",
]


async def test_innocent_sentences_pass_untouched(tmp_path: Path) -> None:
    async with moderated(tmp_path) as (app, memory):
        seen = seen_by_handlers(app.dispatcher)
        touched = {}
        for i, text in enumerate(INNOCENT):
            await app.advance(timedelta(seconds=5))
            actions = await memory.say(f"member{i}", text)
            # A `| log` marker may tell the moderators; nothing may reach the member or chat.
            acted = [a for a in actions if not (isinstance(a, SendMessage) and a.chat.id == LOG)]
            if acted:
                touched[text] = acted
        assert touched == {}
        assert len(seen) == len(INNOCENT)
        assert await cases(app) == []
