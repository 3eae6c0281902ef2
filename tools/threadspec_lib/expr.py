"""The scenario expression language and templates (specs/README.md sections 3.1-3.3):
a tokenizer and recursive-descent parser giving a small tree of tuples.

Stdlib only and Python 2.7-compatible: the validator uses it, and so does the reference
executor (reference/executor.py) on every interpreter, so both read expressions the same way.

Trees:
  ("const", value)                  INT FLOAT STRING True False None
  ("name", NAME)
  ("list", [items])
  ("attr", obj, NAME)               E.NAME: called when it is a method (no arguments)
  ("method", obj, NAME, [args])     E.NAME(args)
  ("call", NAME, [args])            NAME(args): a root or builtin
  ("index", obj, index)
  ("not", e) ("neg", e)
  ("and", a, b) ("or", a, b)
  ("binop", "+" | "-" | "|", a, b)
  ("compare", OP, a, b)             OP: == != < <= > >= is "is not" in "not in"
"""
import re

KEYWORDS = ("and", "or", "not", "is", "in", "True", "False", "None")
# Python's keywords: not allowed as parameter or variable names.
PYTHON_KEYWORDS = frozenset((
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def",
    "del", "elif", "else", "except", "exec", "finally", "for", "from", "global", "if", "import", "in", "is",
    "lambda", "nonlocal", "not", "or", "pass", "print", "raise", "return", "try", "while", "with", "yield"))
_TOKEN_RE = re.compile(r"""
    (?P<space>\s+)
  | (?P<float>[0-9]+\.[0-9]+)
  | (?P<int>[0-9]+)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<string>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<op>==|!=|<=|>=|<|>|\+|-|\||\.|,|\(|\)|\[|\])
""", re.X)
_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t"}
_FORMAT1_RE = re.compile(r"^(len\(\s*[A-Za-z_][A-Za-z0-9_]*\s*\)|[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*)$")


class ExprError(Exception):
    """An expression or template that does not parse: the message and the 1-based column."""

    def __init__(self, message, column):
        Exception.__init__(self, "%s (column %d)" % (message, column))
        self.message, self.column = message, column


def _unescape(body, column):
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            nxt = body[i + 1:i + 2]
            if nxt not in _ESCAPES:
                raise ExprError("unknown escape \\%s in a string (known: \\\\ \\' \\\" \\n \\t)" % nxt, column + i)
            out.append(_ESCAPES[nxt])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def tokenize(text):
    """[(kind, value, column)] ending with ("end", None, column)."""
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m:
            c = text[pos]
            if c in "'\"":
                raise ExprError("unterminated string", pos + 1)
            raise ExprError("unexpected character %r" % c, pos + 1)
        kind = m.lastgroup
        value = m.group(kind)
        if kind == "int":
            tokens.append(("const", int(value), pos + 1))
        elif kind == "float":
            tokens.append(("const", float(value), pos + 1))
        elif kind == "string":
            tokens.append(("const", _unescape(value[1:-1], pos + 2), pos + 1))
        elif kind == "name":
            if value in ("True", "False", "None"):
                tokens.append(("const", {"True": True, "False": False, "None": None}[value], pos + 1))
            elif value in KEYWORDS:
                tokens.append(("op", value, pos + 1))
            else:
                tokens.append(("name", value, pos + 1))
        elif kind == "op":
            tokens.append(("op", value, pos + 1))
        pos = m.end()
    tokens.append(("end", None, len(text) + 1))
    return tokens


class _Parser(object):
    def __init__(self, text):
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self, offset=0):
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def take(self):
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at(self, *ops):
        kind, value, _ = self.peek()
        return kind == "op" and value in ops

    def expect(self, op):
        kind, value, col = self.take()
        if kind != "op" or value != op:
            raise ExprError("expected %r, found %s" % (op, _describe(kind, value)), col)

    def parse(self):
        tree = self.or_expr()
        kind, value, col = self.peek()
        if kind != "end":
            raise ExprError("unexpected %s" % _describe(kind, value), col)
        return tree

    def or_expr(self):
        left = self.and_expr()
        while self.at("or"):
            self.take()
            left = ("or", left, self.and_expr())
        return left

    def and_expr(self):
        left = self.not_expr()
        while self.at("and"):
            self.take()
            left = ("and", left, self.not_expr())
        return left

    def not_expr(self):
        if self.at("not"):
            self.take()
            return ("not", self.not_expr())
        return self.comparison()

    def _comp_op(self):
        if self.at("==", "!=", "<", "<=", ">", ">=", "in"):
            return self.take()[1]
        if self.at("is"):
            self.take()
            if self.at("not"):
                self.take()
                return "is not"
            return "is"
        if self.at("not") and self.peek(1)[0] == "op" and self.peek(1)[1] == "in":
            self.take()
            self.take()
            return "not in"
        return None

    def comparison(self):
        left = self.bit_or()
        op = self._comp_op()
        if op is None:
            return left
        right = self.bit_or()
        col = self.peek()[2]
        if self._comp_op() is not None:
            raise ExprError("chained comparison: write `a < b and b < c`", col)
        return ("compare", op, left, right)

    def bit_or(self):
        left = self.sum()
        while self.at("|"):
            self.take()
            left = ("binop", "|", left, self.sum())
        return left

    def sum(self):
        left = self.unary()
        while self.at("+", "-"):
            op = self.take()[1]
            left = ("binop", op, left, self.unary())
        return left

    def unary(self):
        if self.at("-"):
            self.take()
            return ("neg", self.unary())
        return self.postfix()

    def args(self, close):
        items = []
        while not self.at(close):
            items.append(self.or_expr())
            if self.at(","):
                self.take()
            elif not self.at(close):
                kind, value, col = self.peek()
                raise ExprError("expected ',' or %r, found %s" % (close, _describe(kind, value)), col)
        self.expect(close)
        return items

    def postfix(self):
        callable_name = self.peek()[0] == "name"   # only a NAME written as such can be called
        tree = self.atom()
        while True:
            if self.at("."):
                self.take()
                kind, value, col = self.take()
                if kind != "name":
                    raise ExprError("expected an attribute name after '.', found %s" % _describe(kind, value), col)
                if self.at("("):
                    self.take()
                    tree = ("method", tree, value, self.args(")"))
                else:
                    tree = ("attr", tree, value)
            elif self.at("("):
                col = self.peek()[2]
                if tree[0] != "name" or not callable_name:
                    raise ExprError("only functions (roots, builtins) and methods can be called", col)
                self.take()
                tree = ("call", tree[1], self.args(")"))
            elif self.at("["):
                self.take()
                index = self.or_expr()
                self.expect("]")
                tree = ("index", tree, index)
            else:
                return tree

    def atom(self):
        kind, value, col = self.take()
        if kind == "const":
            return ("const", value)
        if kind == "name":
            return ("name", value)
        if kind == "op" and value == "(":
            tree = self.or_expr()
            self.expect(")")
            return tree
        if kind == "op" and value == "[":
            return ("list", self.args("]"))
        raise ExprError("expected a value, found %s" % _describe(kind, value), col)


def _describe(kind, value):
    if kind == "end":
        return "the end of the expression"
    if kind == "const":
        return repr(value)
    return "%r" % value


def parse(text):
    """The tree of one expression. Raises ExprError."""
    if not text.strip():
        raise ExprError("empty expression", 1)
    if "{" in text or "}" in text:
        raise ExprError("braces in an expression: write the expression itself (x), not a template ({x})",
                        min(i for i in (text.find("{"), text.find("}")) if i >= 0) + 1)
    return _Parser(text).parse()


def parse_template(text):
    """A template's parts: literal strings and (source, tree, column) interpolations.
    Raises ExprError for a lone '}', an unclosed '{', an empty '{}' or a bad expression."""
    parts, literal, i = [], [], 0
    while i < len(text):
        c = text[i]
        if c == "{" and text[i + 1:i + 2] == "{":
            literal.append("{")
            i += 2
        elif c == "}" and text[i + 1:i + 2] == "}":
            literal.append("}")
            i += 2
        elif c == "}":
            raise ExprError("a lone '}' in a template: write '}}' for a literal brace", i + 1)
        elif c == "{":
            end = text.find("}", i + 1)
            inner_open = text.find("{", i + 1)
            if end < 0 or (0 <= inner_open < end):
                raise ExprError("'{' without its '}': write '{{' for a literal brace", i + 1)
            source = text[i + 1:end]
            if not source.strip():
                raise ExprError("empty interpolation {}: put an expression between the braces", i + 1)
            try:
                tree = _Parser(source).parse()
            except ExprError as exc:
                raise ExprError(exc.message, i + 1 + exc.column)
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append((source.strip(), tree, i + 1))
            i = end + 1
        else:
            literal.append(c)
            i += 1
    if literal:
        parts.append("".join(literal))
    return parts


def whole(parts):
    """The single interpolation a template consists of (its value keeps its type), or None."""
    if len(parts) == 1 and isinstance(parts[0], tuple):
        return parts[0]
    return None


def is_format1(source):
    """True when an expression is a format-1 interpolation: ROOT(.ATTR)* or len(ROOT)."""
    return bool(_FORMAT1_RE.match(source.strip()))


# Attributes that protocol 3 added (spec 8.1): a Timer's `args` list and `kwargs` dict, and
# the list method `append`. Every list method and every dict comes through them, so they mark
# the mutable values of protocol 3; `args` of an exception is protocol 2.
_PROTOCOL3_ATTRIBUTES = {"args": "the attribute args (a Timer's)", "kwargs": "the attribute kwargs (a Timer's)",
                         "append": "the list method append"}


def protocol3_features(tree):
    """(node, what) for every expression feature of protocol 3 in a tree, depth first (spec
    8.1): the `|` operator, and reading the attribute `args`, `kwargs` or `append` (also
    when called). A node ("attr" or "method") whose attribute is `args` is protocol 2 when
    its object is an exception; telling that apart is the caller's part."""
    for node in walk(tree):
        if node[0] == "binop" and node[1] == "|":
            yield node, "the | operator"
        elif node[0] in ("attr", "method") and node[2] in _PROTOCOL3_ATTRIBUTES:
            yield node, _PROTOCOL3_ATTRIBUTES[node[2]]


def walk(tree):
    """Every node of a tree, depth first."""
    yield tree
    tag = tree[0]
    if tag in ("const", "name"):
        return
    if tag == "list":
        children = tree[1]
    elif tag == "attr":
        children = [tree[1]]
    elif tag == "method":
        children = [tree[1]] + list(tree[3])
    elif tag == "call":
        children = list(tree[2])
    elif tag in ("not", "neg"):
        children = [tree[1]]
    elif tag in ("and", "or"):
        children = [tree[1], tree[2]]
    else:   # binop, compare, index
        children = [tree[2], tree[3]] if tag in ("binop", "compare") else [tree[1], tree[2]]
    for child in children:
        for node in walk(child):
            yield node
