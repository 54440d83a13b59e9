"""A lean runner for the LALR tables Lark builds from ``grammar/sql.lark``.

Lark stays the source of truth: it compiles the grammar, builds the parse table, the terminal
regexes and the callbacks that call our inline transformer, and it reports every syntax error.
This module only replays those tables with fewer Python calls per step. Lark's own loop spends
about 20 µs per token on generic bookkeeping (a lexer state object per token, hashing ``Rule``
objects to find callbacks, a regex alternation of ~150 case-insensitive keywords tried against
every identifier); here a reduction is a tuple look-up and keywords are a dict look-up, which
makes a cold parse roughly three times faster.

The runner performs exactly the shifts, reductions and callbacks Lark would, in the same order, so
a parse either ends with the same tree or stops at the first token Lark would reject. It then
returns ``None`` and the caller re-parses with Lark, which raises its own, precise error.
"""

from __future__ import annotations

import re
import string
from typing import Any, Callable, Optional

import lark
from lark.lexer import Token, UnlessCallback
from lark.parse_tree_builder import ExpandSingleChild
from lark.parsers.lalr_analysis import Shift

_new_token = Token._future_new  # Token() without its keyword-argument shim


class _Reduce:
    """One grammar rule as the runner needs it: how many values it pops, its name, its callback."""

    __slots__ = ("size", "origin", "callback")

    def __init__(self, size: int, origin: str, callback: Callable[[list], Any]) -> None:
        self.size, self.origin, self.callback = size, origin, callback


class FastLALR:
    """Lexes and parses with the tables of one Lark LALR parser built with ``lexer="basic"``.

    An action is an ``int`` (shift to that state), a ``str`` (a reduction that passes its only
    child through unchanged, then goes to that nonterminal) or a ``_Reduce``. Building raises
    ``ValueError`` for a parser set up in a way this runner does not replay.
    """

    def __init__(self, parser: lark.Lark) -> None:
        self._build_lexer(parser.parser.lexer)
        self._build_table(parser.parser.parser.parser)

    def _build_lexer(self, lexer: Any) -> None:
        scanner = lexer.scanner  # builds Lark's scanner, its keyword callbacks and its regex
        if len(scanner._mres) != 1:
            raise ValueError("the terminals do not fit one regular expression")
        self._regex = scanner._mres[0]
        self._ignore = lexer.ignore_types
        self._newlines = lexer.newline_types
        self._keywords: dict[str, dict[str, str]] = {}
        self._keyword_scanners: dict[str, Any] = {}
        for type_, callback in lexer.callback.items():
            if not isinstance(callback, UnlessCallback):
                raise ValueError(f"terminal {type_} has a callback this runner does not replay")
            self._keywords[type_] = self._keyword_table(type_, callback, scanner.terminals)
            self._keyword_scanners[type_] = callback.scanner
        keyword_terminals = {terminal.name for scanner_ in self._keyword_scanners.values()
                             for terminal in scanner_.terminals}
        self._ascii_regex = re.compile("|".join(
            f"(?P<{terminal.name}>{terminal.pattern.to_regexp()})"
            for terminal in scanner.terminals if terminal.name not in keyword_terminals), lexer.g_regex_flags)

    def _build_table(self, lalr: Any) -> None:
        callbacks = lalr.callbacks
        if any(isinstance(key, str) for key in callbacks):
            raise ValueError("terminal callbacks are not replayed by this runner")
        table = lalr.parse_table
        reductions: dict[Any, _Reduce] = {}
        self._actions: dict[int, dict[str, Any]] = {}
        for state, row in table.states.items():
            actions: dict[str, Any] = {}
            for symbol, (action, rule) in row.items():
                if action is Shift:
                    actions[symbol] = rule  # the state to shift to
                elif (len(rule.expansion) == 1 and type(callbacks[rule]) is ExpandSingleChild
                      and rule.origin.name != "start"):
                    # str(): a freshly built table names rules with lark Tokens (a str subclass);
                    # the parse loop tells these actions apart by their exact class.
                    actions[symbol] = str(rule.origin.name)
                else:
                    if rule not in reductions:
                        reductions[rule] = _Reduce(len(rule.expansion), str(rule.origin.name), callbacks[rule])
                    actions[symbol] = reductions[rule]
            self._actions[state] = actions
        self._unit_chains: dict[tuple[int, int, str], int] = {}
        self._start = table.start_states["start"]
        self._end = table.end_states["start"]

    @staticmethod
    def _keyword_table(type_: str, callback: UnlessCallback, order: list) -> dict[str, str]:
        """Upper-cased keyword -> terminal, for the keywords Lark re-types ``type_`` tokens into.

        On ASCII text the keywords can then leave the lexer's regex: ``type_`` (an identifier)
        comes before them in Lark's order and matches every ASCII letter a keyword can start with,
        so no keyword alternative could ever win there.
        """
        names = [terminal.name for terminal in order]
        identifier = next(terminal for terminal in order if terminal.name == type_)
        keywords: dict[str, str] = {}
        for terminal in callback.scanner.terminals:
            value = terminal.pattern.value
            if terminal.pattern.type != "str" or set(terminal.pattern.flags) != {"i"} or not value.isascii():
                raise ValueError(f"terminal {terminal.name} is not a case-insensitive ASCII keyword")
            if terminal.name in names and names.index(terminal.name) < names.index(type_):
                raise ValueError(f"keyword {terminal.name} is tried before {type_}")
            keywords.setdefault(value.upper(), terminal.name)
        pattern = re.compile(identifier.pattern.to_regexp())
        if not all(pattern.match(letter) for letter in string.ascii_letters):
            raise ValueError(f"{type_} does not match every ASCII letter")
        return keywords

    def _refold(self, type_: str, value: str) -> str:
        """Lark's own keyword test, for text where Unicode case folding may matter."""
        return self._keyword_scanners[type_].fullmatch(value) or type_

    def tokens(self, text: str) -> Optional[list[Token]]:
        """The tokens Lark's basic lexer would produce, or None where it would fail."""
        ascii_text = text.isascii()
        match = (self._ascii_regex if ascii_text else self._regex).match
        ignore, newlines, keywords = self._ignore, self._newlines, self._keywords
        tokens: list[Token] = []
        position, end, line, line_start = 0, len(text), 1, 0
        while position < end:
            found = match(text, position)
            if found is None:
                return None
            matched = found.lastgroup
            value = found.group()
            if matched not in ignore:
                type_ = matched
                words = keywords.get(matched)
                if words is not None:
                    type_ = words.get(value.upper(), matched) if ascii_text else self._refold(matched, value)
                tokens.append(_new_token(type_, value, position, line, position - line_start + 1))
            if matched in newlines and "\n" in value:
                line += value.count("\n")
                line_start = position + value.rindex("\n") + 1
            position = found.end()
        return tokens

    def _after_unit_reductions(self, below: int, top: int, kind: str) -> int:
        """The state after every pass-through reduction due on ``top`` with lookahead ``kind``.

        Such chains (an operand climbing the operator-precedence rules) are most of the
        reductions of a statement, and they only depend on these three values, so each chain
        is walked once and remembered.
        """
        key = (below, top, kind)
        state = self._unit_chains.get(key)
        if state is None:
            actions, state = self._actions, top
            action = actions[state][kind]
            while action.__class__ is str:
                state = actions[below][action]
                action = actions[state].get(kind)
            self._unit_chains[key] = state
        return state

    def parse(self, text: str) -> Any:
        """The transformed tree of ``text``, or None where Lark would raise a syntax error."""
        tokens = self.tokens(text)
        if tokens is None:
            return None
        tokens.append(_new_token("$END", "", 0, 1, 1))
        actions, end = self._actions, self._end
        states = [self._start]
        values: list[Any] = []
        for token in tokens:
            kind = token.type
            while True:
                action = actions[states[-1]].get(kind)
                if action is None:
                    return None
                if action.__class__ is int:
                    states.append(action)
                    values.append(token)
                    break
                if action.__class__ is str:
                    states[-1] = self._after_unit_reductions(states[-2], states[-1], kind)
                    continue
                size = action.size
                if size:
                    children = values[-size:]
                    del states[-size:]
                    del values[-size:]
                else:
                    children = []
                values.append(action.callback(children))
                state = actions[states[-1]][action.origin]
                if state == end:  # only the end marker reduces to the accepting state
                    return values[-1]
                states.append(state)
        return None
