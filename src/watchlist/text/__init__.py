"""Finding listed parties in running text: news, reports, payment instructions.

`Scanner.open()` loads the screening index and the name automaton built from it;
`scanner.scan(text)` gives every `Mention` of a listed party, sorted by start.
"""

from watchlist.text.automaton import NameAutomaton, build_automaton, open_automaton
from watchlist.text.mentions import Mention
from watchlist.text.scanner import Scanner
from watchlist.text.tokens import Token, tokenize

__all__ = ["Mention", "NameAutomaton", "Scanner", "Token", "build_automaton",
           "open_automaton", "tokenize"]
