"""The policy AST: frozen attrs nodes, each with a span that equality ignores. No logic here."""
from __future__ import annotations

import attrs

from .diagnostics import Span


def _node(cls):
    return attrs.frozen(cls)


def span_field():
    return attrs.field(default=None, eq=False, repr=False, kw_only=True)


def zh_field():
    """The Chinese version of the node's text (`"English" zh "中文"`), for the resident's
    notice; None when the policy gives none. It takes part in equality: `fmt` must keep it."""
    return attrs.field(default=None, kw_only=True)


# ---- expressions -------------------------------------------------------------------------

@_node
class Literal:
    value: object          # int, Decimal, date, str, bool or None
    kind: str              # "int", "decimal", "date", "text", "bool", "null"
    zh: str | None = zh_field()        # a text's, only as the reason of `assume(value, "why")`
    span: Span = span_field()


@_node
class Undetermined:
    reason: str
    zh: str | None = zh_field()        # of the reason
    span: Span = span_field()


@_node
class Name:
    name: str
    span: Span = span_field()


@_node
class RuleRef:
    id: str
    span: Span = span_field()


@_node
class Attr:
    obj: object
    name: str
    span: Span = span_field()


@_node
class Index:
    obj: object
    keys: tuple
    span: Span = span_field()


@_node
class Call:
    func: str
    args: tuple
    span: Span = span_field()


@_node
class Unary:
    op: str                # "-", "not"
    operand: object
    span: Span = span_field()


@_node
class Binary:
    op: str                # + - * / == != < <= > >= and or in not_in
    left: object
    right: object
    span: Span = span_field()


@_node
class Duration:
    unit: str              # "months" (CONV-2 clamp) or "days"
    amount: object
    span: Span = span_field()


@_node
class RangeExpr:
    low: object
    high: object
    span: Span = span_field()


@_node
class ListExpr:
    items: tuple
    span: Span = span_field()


@_node
class Comprehension:
    item: object
    var: str
    iterable: object
    cond: object | None
    span: Span = span_field()


@_node
class IfExpr:
    cond: object
    then: object
    else_: object
    span: Span = span_field()


@_node
class MatchArm:
    pattern: object        # Literal, Name (an option or bare word) or None for `_`
    expr: object
    span: Span = span_field()


@_node
class MatchExpr:
    subject: object
    arms: tuple
    span: Span = span_field()


@_node
class Block:
    lets: tuple            # of LetDecl
    expr: object
    span: Span = span_field()


# ---- declarations ------------------------------------------------------------------------

@_node
class TypeRef:
    name: str
    arg: TypeRef | None = None
    optional: bool = False
    span: Span = span_field()


@_node
class SourceDecl:
    name: str
    title: str
    attrs: tuple           # of (key, value) pairs; value is str or date
    span: Span = span_field()


@_node
class InputDecl:
    name: str
    type: TypeRef
    path: str              # scenario contract path, e.g. "resident.birth_date"
    span: Span = span_field()


@_node
class Provenance:
    kind: str              # "from", "assumed", "note"
    source: str | None
    text: str | None
    zh: str | None = zh_field()        # of an `assumed` text
    span: Span = span_field()


@_node
class ParamValue:
    expr: object
    provenance: tuple
    span: Span = span_field()


@_node
class KeyPart:
    kind: str              # "int", "range", "any", "name"
    value: object          # int, (int, int), None, str
    span: Span = span_field()


@_node
class ParamEntry:
    key: tuple             # of KeyPart
    value: ParamValue
    span: Span = span_field()


@_node
class ParamDecl:
    name: str              # may be dotted: "critical_illness.original_cap"
    title: str | None
    type: TypeRef
    keys: tuple            # key names, e.g. ("year",) or ("year", "category"); () for a scalar
    entries: tuple         # of ParamEntry; a scalar has one entry with an empty key
    span: Span = span_field()


@_node
class OptionDecl:
    name: str
    default: bool
    description: str | None
    zh: str | None = zh_field()        # of the description
    span: Span = span_field()


@_node
class AmbiguityDecl:
    id: str
    question: str
    options: tuple
    zh: str | None = zh_field()        # of the question
    span: Span = span_field()


@_node
class LetDecl:
    name: str
    expr: object
    span: Span = span_field()


@_node
class Param:
    name: str
    type: TypeRef
    span: Span = span_field()


@_node
class DefDecl:
    name: str
    params: tuple
    expr: object
    span: Span = span_field()


@_node
class Cite:
    source: str
    quote: str | None
    span: Span = span_field()


@_node
class Field:
    name: str
    expr: object
    span: Span = span_field()


@_node
class WhenClause:
    expr: object
    span: Span = span_field()


@_node
class RequireClause:
    expr: object
    rule: str
    message: str
    zh: str | None = zh_field()        # of the message
    span: Span = span_field()


@_node
class OfferDecl:
    by: str | None
    when: object | None
    assumed: str | None
    items: tuple           # LetDecl and Field
    zh: str | None = zh_field()        # of `assumed`
    span: Span = span_field()


@_node
class RouteDecl:
    name: str
    by: str | None
    items: tuple           # LetDecl, WhenClause, RequireClause, OfferDecl, Field
    span: Span = span_field()


@_node
class DefaultsDecl:
    fields: tuple
    span: Span = span_field()


@_node
class DataField:
    path: tuple            # of str and int parts: ("alternatives", 0, "coverage", "start")
    value: object          # plain data: int, Decimal, date, str, bool, None or a tuple of these
    span: Span = span_field()


@_node
class ExampleDecl:
    """A named scenario and the decision fields expected of it (`policyrun test`)."""
    name: str
    rules: tuple           # rule IDs the example is about
    given: tuple           # of DataField: scenario contract paths
    expect: tuple          # of DataField: decision paths
    span: Span = span_field()


@_node
class InvariantDecl:
    """A property every scenario's decision must keep (`policyrun verify`)."""
    name: str
    rules: tuple
    when: object | None    # precondition over inputs and `decision`
    holds: object
    span: Span = span_field()


@_node
class RuleDecl:
    id: str
    title: str | None
    overrides: tuple       # IDs of the rules whose definitions this one replaces
    cites: tuple
    body: tuple            # LetDecl, DefDecl, ParamDecl, RouteDecl
    span: Span = span_field()


@_node
class Module:
    name: str
    extends: str | None
    title: str | None
    years: tuple | None    # (first, last) coverage years the policy answers for
    decls: tuple
    span: Span = span_field()
