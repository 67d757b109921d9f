"""Every text the listeners say on their own, in one catalogue.

Cards built from the knowledge live in bot/cards/; these are the short notes a listener sends
when something goes wrong or a button has nothing left to do. Keeping them together keeps the
voice consistent and lets a reviewer read everything the bot can say.
"""

from __future__ import annotations

from bot.cards.common import Card, section

SORRY = ":warning: Sorry, something went wrong on my side. Please try again in a moment."
SORRY_CARD = Card(text=SORRY, blocks=[section(SORRY)])

STALE_TEXT = "That button is out of date. Type `/rolefit help` to start again."
STALE = Card(text=STALE_TEXT, blocks=[section(f":hourglass: {STALE_TEXT}")])

UNDELIVERED = (
    ":warning: Sorry, Slack would not take my answer just now. Please ask again in a moment, "
    "or use `/rolefit` to get the answer privately."
)

# After an error that asking again cannot fix (handlers/delivery.undelivered): say what would.
NOT_A_MEMBER = (
    ":no_entry: I can't post here because I'm not a member of this channel. Invite me with "
    "`/invite @RoleFit`, or use `/rolefit <question>`: it answers privately anywhere."
)
CHANNEL_CLOSED = (
    ":no_entry: I can't post in this channel: it is archived, gone, or only lets some people "
    "post. Use `/rolefit <question>`: it answers privately anywhere."
)
MISSING_SCOPE = (
    ":no_entry: I'm missing a Slack permission needed to post here. Please ask a Slack admin to "
    "reinstall RoleFit from its app settings; meanwhile `/rolefit <question>` answers privately."
)

PRIVATE_HERE = (
    ":lock: Only you can see this: I can't post in this channel. If I'm not a member, invite me "
    "with `/invite @RoleFit` and I'll answer where everyone can see."
)

THANKS_HELPFUL = ":pray: Thanks! Glad it helped. (Only you can see this.)"
THANKS_NOT_HELPFUL = (
    ":pray: Thanks for telling me. The people who keep my knowledge will see it. "
    "(Only you can see this.)"
)
ASK_INSTEAD = "Would you rather ask a person? I'll pass your question on and bring back the answer."

EXPERTS_UNREACHABLE = (
    ":warning: Sorry, I could not reach the people who answer questions just now. "
    "Please try again in a moment."
)
NOT_A_SHORTCUT_MESSAGE = (
    ":thinking_face: That message has no text I can read. Try the shortcut on a message with a "
    "question in it, or type `/rolefit` and your question."
)
WALKTHROUGH_IN_DM = ":compass: I started the hiring walkthrough in our DM."
