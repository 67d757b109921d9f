"""Block Kit and mrkdwn turned into terminal text, so the console shows what Slack would show.

Everything here is pure: a message (or view) in, lines and its buttons out. Colour is a choice the
caller makes once (`use_color`); without it the output is plain text with no escape codes at all.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

Block = dict[str, Any]

DEFAULT_WIDTH = 100
MIN_WIDTH = 40
MIN_COLUMN = 6
COLUMN_GAP = " │ "

EMOJI: dict[str, str] = {
    "calendar": "📆",
    "memory": "📝",
    "pencil": "✏️",
    "raised_hands": "🙌",
    "raising_hand": "🙋",
    "thumbsup": "👍",
    "+1": "👍",
    "thumbsdown": "👎",
    "-1": "👎",
    "white_check_mark": "✅",
    "heavy_check_mark": "✔",
    "x": "❌",
    "warning": "⚠️",
    "mega": "📣",
    "books": "📚",
    "thinking_face": "🤔",
    "shrug": "🤷",
    "pray": "🙏",
    "wave": "👋",
    "information_source": "ℹ️",
    "scissors": "✂️",
    "memo": "📝",
    "hourglass": "⌛",
    "hourglass_flowing_sand": "⏳",
    "compass": "🧭",
    "bulb": "💡",
    "arrow_left": "⬅️",
    "arrow_right": "➡️",
    "lock": "🔒",
    "envelope_with_arrow": "📩",
    "tada": "🎉",
    "rocket": "🚀",
    "star": "⭐",
    "eyes": "👀",
    "point_right": "👉",
    "sparkles": "✨",
    "smile": "😄",
    "slightly_smiling_face": "🙂",
    "handshake": "🤝",
    "dart": "🎯",
    "chart_with_upwards_trend": "📈",
    "gear": "⚙️",
    "hammer_and_wrench": "🛠️",
    "mag": "🔍",
    "question": "❓",
    "speech_balloon": "💬",
    "arrows_counterclockwise": "🔄",
    "leftwards_arrow_with_hook": "↩️",
    "no_entry": "⛔",
    "thread": "🧵",
}

# SGR on/off pairs. Off codes are chosen so that nesting works (bold inside dim, etc.).
BOLD = ("1", "22")
DIM = ("2", "22")
ITALIC = ("3", "23")
UNDERLINE = ("4", "24")
STRIKE = ("9", "29")
RED = ("31", "39")
GREEN = ("32", "39")
CYAN = ("36", "39")

_SGR = re.compile(r"\x1b\[[0-9;]*m")
_EMOJI_CODE = re.compile(r":([a-z0-9_+-]+):")
_LINK = re.compile(r"<([^<>\n]+)>")
_CODE_BLOCK = re.compile(r"```\n?(.*?)\n?```", re.DOTALL)
_CODE = re.compile(r"`([^`\n]+)`")
_HANGING = re.compile(r"^(\s*(?:[•◦▪·*-]|\d+[.)])\s+)")

# Style markers used while parsing mrkdwn; private-use characters, so regexes never mistake them
# for words or for Slack's own markers.
_MARK = {
    "bold": ("\ue001", "\ue002"),
    "italic": ("\ue003", "\ue004"),
    "strike": ("\ue005", "\ue006"),
}
_PROTECT = "\ue010{}\ue011"
_PROTECTED = re.compile("\ue010(\\d+)\ue011")


def _inline(marker: str) -> re.Pattern[str]:
    m = re.escape(marker)
    return re.compile(rf"(?<![\w{m}]){m}(?!\s)([^{m}\n]+?)(?<!\s){m}(?![\w{m}])")


_BOLD_RE, _ITALIC_RE, _STRIKE_RE = _inline("*"), _inline("_"), _inline("~")


def use_color(stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """Colour only on a terminal, never with NO_COLOR set (no-color.org) or TERM=dumb."""
    env = os.environ if env is None else env
    if env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@dataclass(frozen=True)
class Palette:
    """How text is styled: ANSI colours on a terminal, nothing otherwise."""

    color: bool = False
    me: str | None = None
    bot: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)

    def paint(self, text: str, *styles: tuple[str, str]) -> str:
        if not self.color or not text:
            return text
        for on, off in styles:
            start, end = f"\x1b[{on}m", f"\x1b[{off}m"
            text = start + text.replace(end, end + start) + end
        return text

    def user(self, user_id: str, label: str | None = None) -> str:
        if user_id == self.me:
            return "@you"
        if user_id == self.bot:
            return "@RoleFit"
        return "@" + (self.names.get(user_id) or label or user_id)


PLAIN = Palette()


# ---------------------------------------------------------------------------------------------
# Measuring and wrapping text that may hold escape codes and wide characters


def strip_ansi(text: str) -> str:
    return _SGR.sub("", text)


def _char_width(char: str) -> int:
    if unicodedata.combining(char) or char in "\u200b\u200c\u200d\ufe0e\ufe0f":
        return 0
    return 2 if unicodedata.east_asian_width(char) in {"W", "F"} else 1


def visible_width(text: str) -> int:
    return sum(_char_width(c) for c in strip_ansi(text))


def _tokens(text: str) -> Iterable[str]:
    """Escape codes whole, everything else one character at a time."""
    pos = 0
    for match in _SGR.finditer(text):
        yield from text[pos : match.start()]
        yield match.group()
        pos = match.end()
    yield from text[pos:]


def _split_long(word: str, width: int) -> list[str]:
    pieces, current, used = [], "", 0
    for token in _tokens(word):
        size = 0 if token.startswith("\x1b") else _char_width(token)
        if used + size > width and used > 0:
            pieces.append(current)
            current, used = "", 0
        current += token
        used += size
    if current:
        pieces.append(current)
    return pieces


def _wrap_paragraph(text: str, width: int) -> list[str]:
    if visible_width(text) <= width:
        return [text.rstrip()]
    hanging = _HANGING.match(strip_ansi(text))
    indent = " " * (visible_width(hanging.group(1)) if hanging else 0)
    if len(indent) > width // 2:
        indent = ""
    lead = text[: len(text) - len(text.lstrip(" "))]
    lines: list[str] = []
    current, used, fresh = lead, len(lead), True
    for word in text[len(lead) :].split(" "):
        size = visible_width(word)
        if size == 0:
            if not word and not fresh:  # a run of spaces inside the line stays as typed
                current, used = current + " ", used + 1
            current += word
            continue
        if not fresh and used + 1 + size > width:
            lines.append(current.rstrip())
            current, used, fresh = indent, len(indent), True
            if used + size > width >= size:  # a word that fits only without the hanging indent
                current, used = "", 0
        if not fresh:
            current, used = current + " ", used + 1
        elif used + size > width >= size:
            current, used = "", 0  # a word that fits a line is not cut to keep an indent
        if used + size > width:
            *full, word = _split_long(word, max(1, width - used))
            for piece in full:
                lines.append(current + piece)
                current, used = indent, len(indent)
            size = visible_width(word)
        current, used, fresh = current + word, used + size, False
    if not fresh:
        lines.append(current.rstrip())
    return lines


def _close_lines(lines: list[str]) -> list[str]:
    """Make every line carry its own styles, so padding, prefixes and columns never bleed."""
    active: list[str] = []
    closed: list[str] = []
    for line in lines:
        prefix = "".join(f"\x1b[{code}m" for code in active)
        for match in _SGR.finditer(line):
            for code in match.group()[2:-1].split(";") or ["0"]:
                active = _apply_code(active, code or "0")
        closed.append(prefix + line + ("\x1b[0m" if active else ""))
    return closed


def _apply_code(active: list[str], code: str) -> list[str]:
    if code == "0":
        return []
    turns_off = {"22": {"1", "2"}, "23": {"3"}, "24": {"4"}, "29": {"9"}}
    if code in turns_off:
        return [c for c in active if c not in turns_off[code]]
    if code == "39":
        return [c for c in active if not (len(c) == 2 and c[0] in "39")]
    return [*active, code]


def wrap(text: str, width: int) -> list[str]:
    """Word-wrap to a visible width, keeping line breaks, bullets' hanging indent and styles."""
    width = max(width, 1)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(_wrap_paragraph(paragraph, width) if paragraph.strip() else [""])
    return _close_lines(lines)


def pad(text: str, width: int, align: str = "left") -> str:
    gap = max(0, width - visible_width(text))
    if align == "right":
        return " " * gap + text
    if align == "center":
        return " " * (gap // 2) + text + " " * (gap - gap // 2)
    return text + " " * gap


# ---------------------------------------------------------------------------------------------
# mrkdwn and plain_text


def emojize(text: str) -> str:
    """Common `:emoji:` codes to the character; unknown codes stay as typed."""
    return _EMOJI_CODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _link(inner: str, palette: Palette) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return palette.paint(palette.user(target[1:], label or None), BOLD)
    if target.startswith("#"):
        return palette.paint("#" + (label or target[1:]), BOLD)
    if target.startswith("!"):
        name = target[1:].split("^")[0]
        if name in {"here", "channel", "everyone"}:
            return palette.paint(f"@{name}", BOLD)
        return unescape(label or f"@{name}")
    url = unescape(target)
    text = unescape(label) if label else url
    if url.startswith("mailto:") or text == url:
        return palette.paint(text, UNDERLINE)
    return palette.paint(text, UNDERLINE) + palette.paint(f" ({url})", DIM)


def mrkdwn(text: str, palette: Palette = PLAIN) -> str:
    """Slack mrkdwn to terminal text: *bold*, _italic_, ~strike~, `code`, links, quotes, emoji."""
    protected: list[str] = []

    def protect(rendered: str) -> str:
        protected.append(rendered)
        return _PROTECT.format(len(protected) - 1)

    def code_block(match: re.Match[str]) -> str:
        body = "\n".join("    " + line for line in unescape(match.group(1)).split("\n"))
        return "\n" + protect(palette.paint(body, CYAN)) + "\n"

    def code(match: re.Match[str]) -> str:
        inner = unescape(match.group(1))
        return protect(palette.paint(inner, CYAN) if palette.color else f"`{inner}`")

    text = _CODE_BLOCK.sub(code_block, text)
    text = _CODE.sub(code, text)
    text = _LINK.sub(lambda m: protect(_link(m.group(1), palette)), text)
    text = "\n".join(_quote(line) for line in text.split("\n"))
    text = emojize(text)
    for regex, name in ((_BOLD_RE, "bold"), (_ITALIC_RE, "italic"), (_STRIKE_RE, "strike")):
        text = regex.sub(_marked(*_MARK[name]), text)
    text = _styled(unescape(text), palette)
    return _PROTECTED.sub(lambda m: protected[int(m.group(1))], text)


def _marked(on: str, off: str) -> Callable[[re.Match[str]], str]:
    """A substitution wrapping what a mrkdwn mark enclosed in the palette's on/off codes."""
    return lambda m: f"{on}{m.group(1)}{off}"


def _quote(line: str) -> str:
    for marker in ("&gt; ", "&gt;", "> "):
        if line.startswith(marker):
            return "│ " + line[len(marker) :]
    return line


def _styled(text: str, palette: Palette) -> str:
    """Turn the parse markers into escape codes (or into nothing, without colour)."""
    styles = {"bold": BOLD, "italic": ITALIC, "strike": STRIKE}
    for name, (on, off) in _MARK.items():
        sgr_on, sgr_off = styles[name]
        while on in text:
            start = text.index(on)
            end = text.index(off, start)
            inner = text[start + 1 : end]
            text = text[:start] + palette.paint(inner, (sgr_on, sgr_off)) + text[end + 1 :]
    return text


def text_object(obj: Mapping[str, Any] | None, palette: Palette = PLAIN) -> str:
    """A composition text object: mrkdwn rendered, plain_text with its emoji codes."""
    if not obj:
        return ""
    text = str(obj.get("text") or "")
    if obj.get("type") == "mrkdwn":
        return mrkdwn(text, palette)
    return emojize(text) if obj.get("emoji", True) else text


# ---------------------------------------------------------------------------------------------
# rich_text (messages and table cells)


def _rich_element(element: Mapping[str, Any], palette: Palette) -> str:
    kind = element.get("type")
    style = element.get("style") or {}
    if kind == "text":
        text = str(element.get("text", ""))
    elif kind == "link":
        text = _link(f"{element.get('url', '')}|{element.get('text') or ''}".rstrip("|"), palette)
    elif kind == "emoji":
        name = str(element.get("name", ""))
        text = EMOJI.get(name, f":{name}:")
    elif kind == "user":
        text = palette.user(str(element.get("user_id", "")))
    elif kind == "channel":
        text = "#" + str(element.get("channel_id", ""))
    elif kind == "broadcast":
        text = "@" + str(element.get("range", "here"))
    else:
        text = str(element.get("text", ""))
    codes = [
        s for key, s in (("bold", BOLD), ("italic", ITALIC), ("strike", STRIKE)) if style.get(key)
    ]
    if style.get("code"):
        codes.append(CYAN)
    return palette.paint(text, *codes)


def rich_text(block: Mapping[str, Any], palette: Palette = PLAIN) -> str:
    parts: list[str] = []
    for element in block.get("elements") or []:
        kind = element.get("type")
        inner = [_rich_element(e, palette) for e in element.get("elements") or []]
        if kind == "rich_text_list":
            ordered = element.get("style") == "ordered"
            indent = "  " * int(element.get("indent") or 0)
            for number, item in enumerate(element.get("elements") or [], start=1):
                mark = f"{number}." if ordered else "•"
                parts.append(f"{indent}{mark} {rich_text({'elements': [item]}, palette)}")
        elif kind == "rich_text_quote":
            parts.append("\n".join("│ " + line for line in "".join(inner).split("\n")))
        elif kind == "rich_text_preformatted":
            parts.append(palette.paint("".join(strip_ansi(i) for i in inner), CYAN))
        else:
            parts.append("".join(inner))
    return "\n".join(part.rstrip("\n") for part in parts)


# ---------------------------------------------------------------------------------------------
# Tables


def column_widths(natural: list[int], available: int) -> list[int]:
    """Natural widths when they fit; otherwise narrow columns keep theirs, wide ones share."""
    if sum(natural) <= available:
        return list(natural)
    widths = [0] * len(natural)
    remaining, left = available, len(natural)
    for index in sorted(range(len(natural)), key=lambda i: natural[i]):
        share = max(MIN_COLUMN, remaining // left)
        widths[index] = min(natural[index], share)
        remaining -= widths[index]
        left -= 1
    return widths


def _cell_text(cell: Any, palette: Palette) -> str:
    if isinstance(cell, Mapping):
        if cell.get("type") == "rich_text":
            return rich_text(cell, palette)
        return str(cell.get("text", ""))
    return str(cell)


def table(
    rows: list[list[str]],
    *,
    width: int,
    palette: Palette = PLAIN,
    align: list[str] | None = None,
    header: bool = True,
) -> list[str]:
    """Aligned columns; long cells wrap inside their column; the first row is the header."""
    if not rows:
        return []
    count = max(len(row) for row in rows)
    rows = [[*row, *[""] * (count - len(row))] for row in rows]
    align = [*(align or []), *["left"] * count][:count]
    natural = [
        max(max((visible_width(part) for part in row[c].split("\n")), default=0) for row in rows)
        for c in range(count)
    ]
    available = max(count * MIN_COLUMN, width - len(COLUMN_GAP) * (count - 1))
    widths = column_widths([max(1, n) for n in natural], available)
    wrapped = [[wrap(row[c], widths[c]) for c in range(count)] for row in rows]
    tall = any(max(len(cell) for cell in row) > 1 for row in wrapped[1 if header else 0 :])
    gap = palette.paint(COLUMN_GAP, DIM)
    lines: list[str] = []
    for number, row in enumerate(wrapped):
        if number > (1 if header else 0) and tall:
            lines.append(palette.paint("─┼─".join("─" * w for w in widths), DIM))
        for line in range(max(len(cell) for cell in row)):
            cells = [
                pad(row[c][line] if line < len(row[c]) else "", widths[c], align[c])
                for c in range(count)
            ]
            if number == 0 and header:
                cells = [palette.paint(cell, BOLD) for cell in cells]
            lines.append(gap.join(cells).rstrip())
        if number == 0 and header:
            lines.append(palette.paint("═╪═".join("═" * w for w in widths), DIM))
    return lines


# ---------------------------------------------------------------------------------------------
# Blocks


@dataclass
class Rendered:
    """A message as terminal lines, and its buttons in the order they were numbered."""

    lines: list[str] = field(default_factory=list)
    buttons: list[Block] = field(default_factory=list)


def button_label(element: Mapping[str, Any], number: int, palette: Palette) -> str:
    label = text_object(element.get("text"), palette)
    style = {"primary": GREEN, "danger": RED}.get(str(element.get("style")))
    label = palette.paint(label, style) if style else label
    if element.get("url"):
        label += palette.paint(f" ({element['url']})", DIM)
    return palette.paint(f"[{number}]", BOLD, CYAN) + " " + label


def _flow(items: list[str], width: int) -> list[str]:
    """Lay items out left to right, two spaces apart, starting a new line when one won't fit."""
    lines: list[str] = []
    current = ""
    for item in items:
        if current and visible_width(current) + 2 + visible_width(item) > width:
            lines.append(current)
            current = ""
        current = f"{current}  {item}" if current else item
    if current:
        lines.append(current)
    return [line for item in lines for line in wrap(item, width)]


class _Builder:
    def __init__(self, *, width: int, palette: Palette, first_number: int) -> None:
        self.width = width
        self.palette = palette
        self.out = Rendered()
        self.next_number = first_number
        self.last_kind: str | None = None

    def gap(self) -> None:
        if self.out.lines and self.out.lines[-1] != "":
            self.out.lines.append("")

    def add(self, lines: Iterable[str]) -> None:
        self.out.lines.extend(lines)

    def number(self, element: Block, block_id: str | None) -> str:
        self.out.buttons.append({**element, "block_id": block_id or ""})
        label = button_label(element, self.next_number, self.palette)
        self.next_number += 1
        return label

    def controls(self, elements: list[Block], block_id: str | None) -> None:
        items: list[str] = []
        for element in elements:
            if element.get("type") == "button":
                items.append(self.number(element, block_id))
            else:
                what = text_object(element.get("placeholder"), self.palette) or element.get("type")
                items.append(self.palette.paint(f"({what}: not available here)", DIM))
        self.add(_flow(items, self.width))

    def block(self, block: Block) -> None:
        kind = block.get("type")
        p = self.palette
        if self.last_kind == "table":
            self.gap()
        self.last_kind = kind
        if kind == "header":
            self.gap()
            title = text_object(block.get("text"), p)
            self.add(wrap(p.paint(title, BOLD), self.width))
            self.add([p.paint("─" * min(self.width, visible_width(title)), DIM)])
        elif kind == "section":
            self.gap()
            if block.get("text"):
                self.add(wrap(text_object(block["text"], p), self.width))
            if block.get("fields"):
                self.fields(block["fields"])
            accessory = block.get("accessory") or {}
            if accessory.get("type") in {"button", "overflow", "static_select", "datepicker"}:
                self.controls([accessory], block.get("block_id"))
        elif kind == "context":
            parts = []
            for element in block.get("elements") or []:
                if element.get("type") == "image":
                    parts.append(f"[{element.get('alt_text', 'image')}]")
                else:
                    parts.append(text_object(element, p))
            self.add(wrap(p.paint("  ".join(parts), DIM), self.width))
        elif kind == "divider":
            self.gap()
            self.add([p.paint("─" * self.width, DIM)])
        elif kind == "actions":
            self.controls(block.get("elements") or [], block.get("block_id"))
        elif kind == "table":
            self.gap()
            settings = block.get("column_settings") or []
            align = [str((s or {}).get("align") or "left") for s in settings]
            rows = [[_cell_text(c, p) for c in row] for row in block.get("rows") or []]
            self.add(table(rows, width=self.width, palette=p, align=align))
        elif kind == "rich_text":
            self.gap()
            self.add(wrap(rich_text(block, p), self.width))
        elif kind == "markdown":
            self.gap()
            self.add(wrap(str(block.get("text", "")), self.width))
        elif kind == "image":
            self.gap()
            alt = block.get("alt_text") or "image"
            self.add([p.paint(f"[image: {alt}] {block.get('image_url', '')}".rstrip(), DIM)])
        else:
            self.add([p.paint(f"[{kind} block]", DIM)])

    def fields(self, items: list[Block]) -> None:
        """Slack shows fields two to a row."""
        texts = [text_object(item, self.palette) for item in items]
        column = (self.width - 3) // 2
        for start in range(0, len(texts), 2):
            pair = [wrap(t, column) for t in texts[start : start + 2]]
            for line in range(max(len(cell) for cell in pair)):
                cells = [cell[line] if line < len(cell) else "" for cell in pair]
                self.add([(pad(cells[0], column) + "   " + "".join(cells[1:])).rstrip()])


def render_blocks(
    blocks: list[Block] | None,
    *,
    text: str = "",
    width: int = DEFAULT_WIDTH,
    palette: Palette = PLAIN,
    first_number: int = 1,
) -> Rendered:
    """A message or view as lines; buttons are numbered from `first_number` in reading order."""
    builder = _Builder(width=max(width, MIN_WIDTH), palette=palette, first_number=first_number)
    if not blocks:
        builder.add(wrap(mrkdwn(text, palette), builder.width))
        return builder.out
    for block in blocks:
        builder.block(block)
    while builder.out.lines and builder.out.lines[0] == "":
        builder.out.lines.pop(0)
    return builder.out


def banner(label: str, *, width: int = DEFAULT_WIDTH, palette: Palette = PLAIN) -> str:
    """The line above each message: who posted it and where, like Slack's message header."""
    head = f"── {label} "
    return palette.paint(head + "─" * max(3, min(width, 60) - visible_width(head)), DIM)
