"""PTB updates (parsed from the JSON Telegram sends) become the right core events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from telegram import Update

from bot.adapters.telegram.refs import chat_ref, message_ref, user_ref
from bot.adapters.telegram.translate import PublicChats, Translator
from bot.core.events import (
    Attachment,
    ButtonPressed,
    CommandInvoked,
    Event,
    MemberJoined,
    MemberLeft,
    MessageCreated,
    MessageEdited,
    PollAnswered,
    ReactionAdded,
    ReactionRemoved,
)
from bot.core.permissions import Level
from tests.auxil.fake_telegram import (
    BOT_ID,
    BOT_USERNAME,
    FakeTelegram,
    private,
    supergroup,
    user,
)

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
GROUP = supergroup(-1001)
ALICE = user(11, "Alice", "alice")
BOB = user(22, "Bob", "bob")


def translator() -> Translator:
    return Translator(BOT_ID, BOT_USERNAME, lambda: NOW)


def events(tr: Translator, fake: FakeTelegram) -> list[Event]:
    found: list[Event] = []
    while fake.updates:
        raw = fake.updates.popleft()
        found.extend(tr.translate(Update.de_json(raw, None)))
    return found


def one(tr: Translator, fake: FakeTelegram) -> Any:
    got = events(tr, fake)
    assert len(got) == 1, got
    return got[0]


def test_a_message_maps_ids_author_and_date() -> None:
    fake, tr = FakeTelegram(), translator()
    update_id, message = fake.say(GROUP, ALICE, "hello")
    event = one(tr, fake)
    assert isinstance(event, MessageCreated)
    assert event.chat == chat_ref(-1001)
    assert event.community.id == "-1001"
    assert event.author.user == user_ref(11)
    assert event.author.name == "Alice"
    assert event.message == message_ref(-1001, message["message_id"])
    assert event.event_id == str(update_id)
    assert event.text == "hello"
    assert not event.is_caption


def test_a_caption_is_a_message_marked_as_caption() -> None:
    fake, tr = FakeTelegram(), translator()
    fake.say(GROUP, ALICE, "look at this", caption=True)
    event = one(tr, fake)
    assert isinstance(event, MessageCreated)
    assert event.is_caption
    assert event.text == "look at this"


def test_an_edit_is_message_edited() -> None:
    fake, tr = FakeTelegram(), translator()
    message = fake.message_json(GROUP, ALICE, "fixed text", edit_date=1_767_603_700)
    fake.push("edited_message", message)
    event = one(tr, fake)
    assert isinstance(event, MessageEdited)
    assert event.text == "fixed text"


def test_commands_with_and_without_the_bot_name_and_arguments() -> None:
    fake, tr = FakeTelegram(), translator()
    fake.say(GROUP, ALICE, "/ping")
    fake.say(GROUP, ALICE, f"/Rules@{BOT_USERNAME} please now")
    first, second = events(tr, fake)
    assert isinstance(first, CommandInvoked)
    assert (first.name, first.args) == ("ping", "")
    assert isinstance(second, CommandInvoked)
    assert (second.name, second.args) == ("rules", "please now")


def test_a_command_for_another_bot_is_a_plain_message() -> None:
    fake, tr = FakeTelegram(), translator()
    fake.say(GROUP, ALICE, "/ban@other_bot @bob")
    event = one(tr, fake)
    assert isinstance(event, MessageCreated)  # moderation sees it; no command runs
    assert event.text == "/ban@other_bot @bob"


def test_a_command_in_a_caption_is_a_command() -> None:
    fake, tr = FakeTelegram(), translator()
    fake.say(GROUP, ALICE, f"/report@{BOT_USERNAME} look at this", caption=True)
    event = one(tr, fake)
    assert isinstance(event, CommandInvoked)
    assert (event.name, event.args) == ("report", "look at this")


def test_a_replys_author_and_mentions_reach_the_command() -> None:
    fake, tr = FakeTelegram(), translator()
    _, bobs = fake.say(GROUP, BOB, "spam")  # the translator learns @bob from his message
    events(tr, fake)
    carol = user(33, "Carol")  # no username: mentioned by a text_mention entity
    text = "/mute @bob Carol 10m"
    entities = [
        {"type": "bot_command", "offset": 0, "length": 5},
        {"type": "mention", "offset": 6, "length": 4},
        {"type": "text_mention", "offset": 11, "length": 5, "user": carol},
    ]
    fake.say(GROUP, ALICE, text, reply_to=bobs, entities=entities)
    event = one(tr, fake)
    assert isinstance(event, CommandInvoked)
    assert event.mentions == (user_ref(22), user_ref(33))
    assert event.reply_to_author == user_ref(22)
    assert event.reply_to == message_ref(-1001, bobs["message_id"])


def test_an_unknown_username_is_not_guessed() -> None:
    fake, tr = FakeTelegram(), translator()
    fake.say(GROUP, ALICE, "/mute @stranger 10m")
    event = one(tr, fake)
    assert isinstance(event, CommandInvoked)
    assert event.mentions == ()


def test_an_anonymous_admin_posts_as_the_group_with_moderator_rights() -> None:
    fake, tr = FakeTelegram(), translator()
    anonymous = user(1087968824, "Group", "GroupAnonymousBot")
    fake.say(GROUP, anonymous, "/purge", sender_chat=GROUP)
    event = one(tr, fake)
    assert isinstance(event, CommandInvoked)
    assert event.author.user == user_ref(-1001)
    assert event.author.platform_level == Level.MODERATOR


def test_service_messages_are_not_member_messages() -> None:
    fake, tr = FakeTelegram(), translator()
    message = fake.message_json(GROUP, ALICE, "", entities=[])
    del message["text"]
    message["new_chat_members"] = [BOB]
    fake.push("message", message)
    assert events(tr, fake) == []


def test_topic_messages_are_not_replies_to_the_topic_start() -> None:
    fake, tr = FakeTelegram(), translator()
    opener = fake.message_json(GROUP, ALICE, "topic")
    fake.say(GROUP, BOB, "in the topic", reply_to=opener, thread_id=opener["message_id"])
    event = one(tr, fake)
    assert isinstance(event, MessageCreated)
    assert event.reply_to is None


def test_joins_and_leaves_from_chat_member_updates() -> None:
    fake, tr = FakeTelegram(), translator()
    fake.chat_member(GROUP, ALICE, "left", "member")
    fake.chat_member(GROUP, ALICE, "member", "administrator")  # a promotion: neither
    fake.chat_member(GROUP, ALICE, "administrator", "kicked")
    joined, left = events(tr, fake)
    assert isinstance(joined, MemberJoined)
    assert joined.author.user == user_ref(11)
    assert isinstance(left, MemberLeft)


def test_a_button_press_carries_the_custom_id_and_query_id() -> None:
    fake, tr = FakeTelegram(), translator()
    sent = fake.message_json(GROUP, fake.bot, "vote")
    fake.press(sent, ALICE, "vote:1")
    event = one(tr, fake)
    assert isinstance(event, ButtonPressed)
    assert event.custom_id == "vote:1"
    assert event.message == message_ref(-1001, sent["message_id"])
    assert event.interaction_id is not None


def test_reactions_become_added_and_removed() -> None:
    fake, tr = FakeTelegram(), translator()
    fake.react(GROUP, 7, ALICE, old=["👍"], new=["🔥"])
    removed, added = events(tr, fake)
    assert isinstance(removed, ReactionRemoved)
    assert removed.emoji == "👍"
    assert isinstance(added, ReactionAdded)
    assert added.emoji == "🔥"
    assert added.message == message_ref(-1001, 7)
    assert added.event_id != removed.event_id
    assert added.message_author is None  # a message from before the bot started


def test_reactions_name_the_author_of_a_message_the_bot_saw() -> None:
    fake, tr = FakeTelegram(), translator()
    _, bobs = fake.say(GROUP, BOB, "a helpful answer")
    events(tr, fake)
    fake.react(GROUP, bobs["message_id"], ALICE, old=[], new=["👍"])
    event = one(tr, fake)
    assert isinstance(event, ReactionAdded)
    assert event.message_author == user_ref(22)


def test_poll_answers_find_the_chat_of_the_poll() -> None:
    fake, tr = FakeTelegram(), translator()
    fake.vote("unknown", ALICE, [0])
    assert events(tr, fake) == []
    tr.poll_chats["p1"] = "-1001"
    fake.vote("p1", ALICE, [0, 2])
    event = one(tr, fake)
    assert isinstance(event, PollAnswered)
    assert event.chat == chat_ref(-1001)
    assert event.options == (0, 2)


def test_start_in_a_private_chat_asks_for_help() -> None:
    fake, tr = FakeTelegram(), translator()
    private = {"id": 11, "type": "private", "first_name": "Alice"}
    fake.say(private, ALICE, "/start")
    event = one(tr, fake)
    assert isinstance(event, CommandInvoked)
    assert event.name == "help"


def test_public_usernames_of_groups_are_learnt_from_updates_and_bounded() -> None:
    """Every update's chat says whether the group is public: its username is kept (the
    least recently seen group goes first past the bound) and dropped when it is gone."""
    fake, tr = FakeTelegram(), translator()
    tr.public = PublicChats(size=2)
    for number in range(1, 4):
        fake.say(supergroup(-100 - number, username=f"group_{number}"), ALICE, "hi")
    fake.say(private(ALICE), ALICE, "hi")  # a private chat is no group
    events(tr, fake)
    assert [tr.public.get(str(-100 - n)) for n in range(1, 4)] == [None, "group_2", "group_3"]
    assert len(tr.public) == 2
    fake.press(fake.message_json(supergroup(-102), BOB, "menu"), ALICE, "x")  # went private
    fake.say(supergroup(-103, username="bad/name"), ALICE, "hi")  # never a made-up link
    events(tr, fake)
    assert (tr.public.get("-102"), tr.public.get("-103")) == (None, None)


def test_a_command_carries_its_own_file_else_the_replied_to_file() -> None:
    fake, tr = FakeTelegram(), translator()
    photo = fake.attach(b"p" * 500, photo=True)
    fake.push("message", fake.message_json(GROUP, ALICE, "/post media 1", caption=True, **photo))
    own = one(tr, fake)
    assert isinstance(own, CommandInvoked)
    assert own.attachments == (Attachment("file1", "photo.jpg", 500),)  # the largest size
    _, shared = fake.say(GROUP, BOB, "see", caption=True, **fake.attach(b"d" * 9, "fees.pdf"))
    events(tr, fake)
    fake.say(GROUP, ALICE, "/post media 1", reply_to=shared)
    replying = one(tr, fake)
    assert isinstance(replying, CommandInvoked)
    assert replying.attachments == (Attachment("file2", "fees.pdf", 9),)
    fake.say(GROUP, ALICE, "/post media 1")
    assert one(tr, fake).attachments == ()
