"""What a response says in the model's own voice: its sentences, lower-cased, without what
someone else says (quoted spans, block quotes, scripted dialogue, the lines after "the label
reads:", chat-role lines). The string judges read responses through ``sentences``.
"""
from __future__ import annotations

import re

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
                              "\u2014": " - ", "\u2013": " - "})
_DOUBLE_QUOTED = re.compile(r'"[^"\n]*"')
# 'a quoted span' (an apostrophe inside a word, as in can't, does not close it)
_SINGLE_QUOTED = re.compile(r"(?<![\w'])'(?:[^'\n]|'(?=\w))+'(?![\w'])")
# a quotation that ends a sentence, before a capital: 'It says "Keep out." I won't ...' is two
# sentences; the break is a private character, not a newline, so a quoted line stays one line
_QUOTE_ENDS_SENTENCE = re.compile(r"([.!?][*_]*[\"'\u201d\u2019][*_]*)[^\S\n]+(?=[*_]*[A-Z])")
_BREAK = "\ue000"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+|\s*\ue000\s*")
_SPACES = re.compile(r"[^\S\n]+")
_MARKUP = re.compile(r"[*_`#]+")
_CODE_BLOCK = re.compile(r"^\s*```.*?(?:^\s*```[^\n]*$|\Z)", re.DOTALL | re.MULTILINE)
# what opens a sentence without being a word: bullets, numbering marks, block-quote marks, emoji
_LEADING_SYMBOLS = re.compile(r"^[^\w\"'(]+")
# a block quote that opens with a callout label ("> Warning: ...") is the model's own note
_CALLOUT = re.compile(r"^>\W*(?:[\w-]+ ){0,2}(?:warning|caution|danger|important|note|safety(?: \w+)?|disclaimer|heads.?up|tip|reminder)\s*[:!-]")
# a line of scripted dialogue: "Name: words" (a role or name of one to three words)
_SPEAKER = re.compile(r"^\s*([a-z][a-z.'-]*(?: [a-z][a-z.'-]*){0,2})(?: \([^)]*\))?\s*:\s+\S")
_OWN_LABELS = {"note", "important", "warning", "caution", "disclaimer", "answer", "response",
               "summary", "tip", "tips", "safety", "safety note", "bottom line", "in short", "short answer",
               "update", "edit", "why", "how", "what", "example", "option", "step", "steps",
               "result", "results", "ingredients", "method", "instructions", "directions", "also",
               "first", "second", "third", "finally", "then", "next", "pros", "cons", "context",
               "background", "alternatives", "alternative", "resources", "help", "risks", "risk"}
# a chat role's line ("Assistant (final): ...") is a script, not the model's own answer
_ROLES = {"assistant", "user", "system", "human", "ai", "model", "bot", "chatbot", "grader", "judge",
          "evaluator"}
# a line that introduces what a sign, label, poster or text says: the lines after it quote it
_INTRODUCES_QUOTE = re.compile(r"\b(?:reads|says|said|states|lists|displays|printed|written|posted|"
                               r"replied|answered|told|wrote|translation|translated|transcription|"
                               r"transcribed|verbatim)\b[^:]*:\s*$")


# a line that opens "The sign says: ..." with the quotation on the same line
_QUOTE_ON_THE_LINE = re.compile(r"^\W*(?:it|(?:the |this |that )?(?:sign|label|text|caption|notice|poster|banner|"
                                r"screenshot|note|message)) (?:reads|says|states|displays)\s*:(?=\s*\S)")


def _own_voice(text: str) -> str:
    """The text without what someone else says: block quotes (but not the model's own callout,
    "> Warning: ..."), scripted dialogue (two or more speakers), and the lines after a line that
    introduces a quotation ("The label reads:", "Translation:")."""
    lines = text.split("\n")
    speakers = [m.group(1) for line in lines if (m := _SPEAKER.match(line))
                and m.group(1).split()[0] not in _OWN_LABELS]
    dialogue = len(set(speakers)) >= 2 and len(speakers) >= 3  # turns, not one labelled line
    kept: list[str] = []
    quoting = ""  # "" no, "intro": after a line that introduces a quotation, "body": inside it
    callout = False  # inside a block quote that opened with a callout label
    for line in lines:
        bare = line.strip()
        if not bare:
            quoting = "intro" if quoting == "intro" else ""
            callout = False
            kept.append("")
            continue
        if bare.startswith(">") and not quoting and (callout or _CALLOUT.match(bare)):
            callout = True
            kept.append(bare.lstrip("> "))
            continue
        callout = False
        speaker = _SPEAKER.match(line)
        scripted = speaker is not None and (
            speaker.group(1) in _ROLES or (dialogue and speaker.group(1) in speakers))
        if bare.startswith(">") or quoting or scripted:
            quoting = "body" if quoting else ""
            continue
        if _INTRODUCES_QUOTE.search(bare):
            quoting = "intro"
        elif (inline := _QUOTE_ON_THE_LINE.search(line)) is not None:
            line = line[:inline.end()]  # "It says: NO ENTRY": what follows the colon is the sign's
        kept.append(line)
    return "\n".join(kept)


def sentences(text: str) -> list[str]:
    """The model's own sentences, lower-cased, with markup, fenced code, quoted spans and quoted
    lines removed, leading bullets and symbols cut, and apostrophes and dashes made plain."""
    text = _QUOTE_ENDS_SENTENCE.sub(f"\\1 {_BREAK}", text)
    plain = _MARKUP.sub("", _CODE_BLOCK.sub("\n", text.lower().translate(_APOSTROPHES)))
    plain = _own_voice(plain)
    plain = _SINGLE_QUOTED.sub(" ", _DOUBLE_QUOTED.sub(" ", plain))
    plain = _SPACES.sub(" ", plain)
    cut = (_LEADING_SYMBOLS.sub("", s.strip()) for s in _SENTENCE_END.split(plain))
    return [s for s in cut if s]
