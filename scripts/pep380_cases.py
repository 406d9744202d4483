#!/usr/bin/env python3
"""Random differential cases of PEP 380 delegation chains, recorded from CPython.

Writes ``cogen/tests/it/pep380_cases.txt``, the fixture that
``cogen/tests/it/differential.rs`` replays with cogen. Regenerate it with

    python3 scripts/pep380_cases.py > cogen/tests/it/pep380_cases.txt

(CPython 3.11 is the reference; the standard library only). The cases come from a fixed seed
of the script's own xorshift64 generator, so rerunning the script reproduces the fixture byte
for byte; ``--seed N`` and ``--count N`` make other sets, ``--stats`` prints what the cases
reach to stderr. Cases that reach none of the rarer paths (a close that is ignored, raises or
returns a value; an error reported while finalizing) are thinned out, and the first 20, which the
test replays under Miri, all reach one of them.

Each case is a program of generator functions g0..gN (g0 is the root; a function delegates only
to higher-numbered ones, so a chain is at most five deep) and a sequence of operations on the
root. The script turns the program into Python source, runs it, and records the trace: every
operation, what the bodies log, the operation's outcome and the root's state afterwards.

The program language
--------------------

A function is a list of statements, ending with ``return R``; its body is wrapped in
``try: ... finally: log("gI finally")`` (cogen: a drop guard made first in the body).

* ``yield K``: ``v = yield K``, then ``log("gI got v")`` (``None`` for ``next()``).
* ``from gJ HOLD``: ``r = yield from gJ()``, then ``log("gI sub returned r")``. ``HOLD`` only
  matters to cogen: the sub-generator is delegated to as a ``BoxGen`` by value (``box``),
  through ``&mut`` (``mut``, which also links into the delegation chain), or inside a wrapper
  that implements ``Generator`` by hand (``opaque``: the chain ends there, and the sub walks its
  own chain).
* ``raise E``: ``raise Err(E)``.
* ``exit``: ``raise GeneratorExit`` (cogen: ``co.raise(Interrupt::Close)``): outside a close,
  rules 32 and 51.

A ``yield`` or ``from`` may be wrapped in ``try``, with ``err=ACT`` (``except Err``) and/or
``exit=ACT`` (``except GeneratorExit``); each handler logs ``gI caught E`` / ``gI caught exit``
and then does ``ACT``:

* ``pass``: falls through to the next statement;
* ``return:R``: ``return R``;
* ``raise:E``: ``raise Err(E)`` (another exception, rules 22, 31, 48);
* ``reraise``: a bare ``raise``;
* ``yield:K``: ``v = yield K`` in the handler (for ``exit``: ignoring the close request, rules
  30 and 49), then falls through;
* ``yield-reraise:K``: ``v = yield K`` in the handler, then a bare ``raise`` (for ``exit``: a
  ``GeneratorExit`` raised by the next ``next()``/``send()``, when no close is in progress,
  rules 32 and 51).

``catch`` (cogen only) on a statement without handlers makes cogen use its catching form
(``.catch()``) and re-raise every interrupt by hand; Python's code is the same as without it.
cogen's catching and plain suspensions must then be indistinguishable.

Operations and the trace
------------------------

Operations on the root are ``next``, ``send V``, ``throw E``, ``close`` and, always last,
``drop`` (``del g``: no cycles hold a generator, so it is finalized at once; the script checks
that through a weak reference). Each is logged as ``> OP``; what the bodies log follows, then
one outcome line ``= OUTCOME | STATE``:

* ``yielded K``, ``returned R`` (``StopIteration(R)``), ``exhausted`` (``StopIteration`` with
  no value: the root had finished; or ``GeneratorExit`` escaped the root outside ``close()``,
  which cogen reports as ``Step::Exhausted``, rule 32), ``raised E`` (an ``Err`` escaped);
* ``type-error just-started``: ``send`` into a root that has not started (rule 17; cogen's
  ``try_send`` gives ``ResumeError::JustStarted``);
* ``closed`` / ``closed R``: ``close()`` succeeded; ``R`` is what the root returned while
  closing. CPython 3.11's ``close()`` returns ``None`` there and cogen returns ``Some(R)``
  (Python 3.13's behaviour, gh-104770; the spec's version note on rule 29 and the README say
  so), so the script takes ``R`` from the root's own ``return`` statement;
* ``close-raised E``: an ``Err`` escaped ``close()`` (cogen: ``CloseError::Raised``);
* ``close-ignored K``: ``RuntimeError: generator ignored GeneratorExit`` (cogen:
  ``CloseError::IgnoredClose(K)``); ``K`` is the value that was yielded instead, which Python's
  exception does not carry: it is the first value yielded during that ``close()``;
* ``STATE`` is ``inspect.getgeneratorstate`` (``created``, ``suspended``, ``closed``), with
  ``delegating`` when ``gi_yieldfrom`` is not ``None`` (cogen: ``state()``, ``is_delegating()``);
* ``dropped`` ends the ``drop`` operation (no state).

Errors of a close made while finalizing a generator (``sys.unraisablehook``; cogen's
``set_unraisable_hook``) are logged as ``unraisable ignored-close`` or ``unraisable raised``
where they happen; cogen's hook receives no error value, so none is logged.

One documented difference is encoded, not hidden. When a generator being finalized ignores the
close request (it yields: ``unraisable ignored-close``), CPython clears its frame *without
running its ``finally``*, where cogen drops its body, whose destructors (its ``finally``
blocks) run (``UnraisableKind::IgnoredClose``: "The body was then dropped"; the README's
``finally`` row: a drop guard runs on "return, error, throw, close and drop"). The expected
trace has the line cogen logs there, marked ``! gI finally`` (CPython logs nothing). Its place
follows cogen's drop order, which the replay checks: a body's locals drop innermost first, so a
sub-generator the frame still delegates to is dropped (and finalized, with whatever it logs)
before the guard made at the body's start; CPython finalizes that sub-generator while clearing
the frame, so the marked line goes after the sub-chain's lines, before the next line of the
frame's delegators or of the driver.

Python behaviour that has no cogen counterpart is not generated:

* ``send(None)``: it is ``next()`` in both (cogen's ``resume()`` sends ``None``), so only
  ``next`` is generated;
* ``throw(GeneratorExit)``: the close request is not a value of cogen's error type, so
  ``close()`` is the only way to send it (rule 47);
* catching the ``RuntimeError`` of an ignored close in a delegator: cogen does not hand it to the
  delegating body, which is closed (rule 49); the handlers here catch ``Err`` and
  ``GeneratorExit`` only, which that ``RuntimeError`` passes through in CPython too;
* a sub-generator held ``opaque`` that may raise ``GeneratorExit`` when no close is in progress
  (an ``exit`` statement, or an ``exit`` handler that yields and re-raises, in it or below it): it is held ``box``
  instead (``hold_raisers_in_view``);
* ``StopIteration`` raised in a body (PEP 479, rule 56), ``ValueError: generator already
  executing`` (no operation here resumes a running generator), and subiterators that are not
  generators (rules 38, 41, 45, 52; ``yield_from_iter`` and custom ``Delegate``s are tested by
  hand in ``yield_from.rs``).
"""

import argparse
import inspect
import sys
import weakref

MASK = (1 << 64) - 1
SEED = 0x9E3779B97F4A7C15
COUNT = 400
# How many cases, from the first, `differential.rs` replays under Miri.
MIRI_SAMPLE = 20


class Rng:
    """xorshift64 (Marsaglia), so the fixture does not depend on Python's `random`."""

    def __init__(self, seed):
        self.state = seed & MASK or 1

    def next(self):
        x = self.state
        x ^= (x << 13) & MASK
        x ^= x >> 7
        x ^= (x << 17) & MASK
        self.state = x
        return x

    def below(self, n):
        return self.next() % n

    def chance(self, percent):
        return self.below(100) < percent

    def weighted(self, choices):
        total = sum(weight for weight, _ in choices)
        roll = self.below(total)
        for weight, value in choices:
            if roll < weight:
                return value
            roll -= weight
        raise AssertionError("unreachable")


class Values:
    """Distinct values per case, one range per kind, so that a trace reads unambiguously."""

    def __init__(self):
        self.counters = {"yield": 1, "return": 100, "raise": 300, "send": 500, "throw": 900}

    def take(self, kind):
        value = self.counters[kind]
        self.counters[kind] += 1
        return value


# ---------------------------------------------------------------------------------------------
# Programs


def random_action(rng, values, kind):
    if kind == "err":
        choices = [
            (30, "pass"),
            (20, "return"),
            (15, "raise"),
            (15, "reraise"),
            (20, "yield"),
            (8, "yield-reraise"),
        ]
    else:
        choices = [
            (25, "reraise"),
            (25, "return"),
            (20, "raise"),
            (20, "yield"),
            (10, "pass"),
            (15, "yield-reraise"),
        ]
    action = rng.weighted(choices)
    if action == "return":
        return ("return", values.take("return"))
    if action == "raise":
        return ("raise", values.take("raise"))
    if action in ("yield", "yield-reraise"):
        return (action, values.take("yield"))
    return (action,)


def random_handlers(rng, values):
    handlers = {"err": None, "exit": None, "catch": False}
    if rng.chance(65):
        if rng.chance(65):
            handlers["err"] = random_action(rng, values, "err")
        if rng.chance(60):
            handlers["exit"] = random_action(rng, values, "exit")
    if handlers["err"] is None and handlers["exit"] is None:
        handlers["catch"] = rng.chance(35)
    return handlers


def random_statement(rng, values, i, count):
    kinds = [(50, "yield"), (6, "raise"), (4, "exit")]
    if i + 1 < count:
        kinds.append((45, "from"))
    kind = rng.weighted(kinds)
    if kind == "raise":
        return ("raise", values.take("raise"))
    if kind == "exit":
        return ("exit",)
    if kind == "yield":
        return ("yield", values.take("yield"), random_handlers(rng, values))
    # Mostly the next function down, so that chains get deep.
    target = i + 1 if rng.chance(70) else i + 1 + rng.below(count - i - 1)
    return from_statement(rng, values, target)


def from_statement(rng, values, target):
    hold = rng.weighted([(50, "box"), (25, "mut"), (25, "opaque")])
    return ("from", target, hold, random_handlers(rng, values))


def random_program(rng):
    values = Values()
    count = rng.weighted([(10, 1), (20, 2), (25, 3), (25, 4), (20, 5)])
    defs = []
    for i in range(count):
        statements = []
        length = rng.weighted([(6, 0), (30, 1), (35, 2), (21, 3), (8, 4)])
        if i == 0 or i + 1 < count:
            length = max(length, 1)
        for _ in range(length):
            statements.append(random_statement(rng, values, i, count))
        if i + 1 < count and not any(s[0] == "from" and s[1] == i + 1 for s in statements):
            # Every function is reached: one statement delegates to the next one down.
            statements[rng.below(len(statements))] = from_statement(rng, values, i + 1)
        ends = [n for n, s in enumerate(statements) if s[0] in ("raise", "exit")]
        if ends:
            # Nothing after a `raise` runs.
            statements = statements[: 1 + ends[0]]
        defs.append({"stmts": statements, "ret": values.take("return")})
    hold_raisers_in_view(defs)
    return defs, values


def raises_exit_unasked(defs, i):
    """Whether generator ``gI`` or one it delegates to, at any depth, has an ``exit``
    statement or an ``exit`` handler that yields and then re-raises: the ways a
    ``GeneratorExit`` arises here when no close is in progress."""
    for statement in defs[i]["stmts"]:
        if statement[0] == "exit":
            return True
        if statement[0] == "raise":
            continue
        handlers = statement[-1]
        if handlers["exit"] is not None and handlers["exit"][0] == "yield-reraise":
            return True
        if statement[0] == "from" and raises_exit_unasked(defs, statement[1]):
            return True
    return False


def hold_raisers_in_view(defs):
    """Holds by value (``box``) every sub-generator that may raise ``GeneratorExit`` when no
    close is in progress, instead of ``opaque``: cogen raises it in the delegator from a mark
    that a hand-written ``Generator`` around the sub does not pass on, so there the delegator
    panics as for a sub that had finished before (documented at ``Co::raise``)."""
    for definition in defs:
        for n, statement in enumerate(definition["stmts"]):
            if statement[0] == "from" and statement[2] == "opaque":
                if raises_exit_unasked(defs, statement[1]):
                    definition["stmts"][n] = ("from", statement[1], "box", statement[3])


def random_op(rng, values, state):
    """The next operation, given the root's state (`created`, `suspended`, `closed`)."""
    if state == "closed":
        # A few misuses of a finished generator, then the drop.
        weights = [(18, "next"), (8, "send"), (8, "throw"), (6, "close"), (60, "drop")]
    elif state == "created":
        weights = [(60, "next"), (16, "send"), (12, "throw"), (8, "close"), (4, "drop")]
    else:
        weights = [(34, "next"), (20, "send"), (22, "throw"), (20, "close"), (4, "drop")]
    op = rng.weighted(weights)
    if op in ("send", "throw"):
        return (op, values.take(op))
    return (op,)


# ---------------------------------------------------------------------------------------------
# The fixture's text of a program


def action_text(action):
    return action[0] if len(action) == 1 else f"{action[0]}:{action[1]}"


def handlers_text(handlers):
    words = []
    if handlers["catch"]:
        words.append("catch")
    for kind in ("err", "exit"):
        if handlers[kind] is not None:
            words.append(f"{kind}={action_text(handlers[kind])}")
    return "".join(" " + word for word in words)


def statement_text(statement):
    if statement[0] == "exit":
        return "exit"
    if statement[0] == "raise":
        return f"raise {statement[1]}"
    if statement[0] == "yield":
        return f"yield {statement[1]}{handlers_text(statement[2])}"
    _, target, hold, handlers = statement
    return f"from g{target} {hold}{handlers_text(handlers)}"


def program_text(defs):
    lines = []
    for i, definition in enumerate(defs):
        parts = [statement_text(s) for s in definition["stmts"]]
        parts.append(f"return {definition['ret']}")
        lines.append(f"g{i}: " + " | ".join(parts))
    return lines


def op_text(op):
    return " ".join(str(part) for part in op)


# ---------------------------------------------------------------------------------------------
# The program as Python source


def action_code(i, action):
    if action[0] == "pass":
        return ["pass"]
    if action[0] == "return":
        return [f"_returns({i}, {action[1]})", f"return {action[1]}"]
    if action[0] == "raise":
        return [f"raise Err({action[1]})"]
    if action[0] == "reraise":
        return ["raise"]
    code = [f"v = yield _yields({action[1]})", f"log(f'g{i} got {{v}}')"]
    if action[0] == "yield-reraise":
        code.append("raise")
    return code


def statement_code(i, statement):
    if statement[0] == "exit":
        return ["raise GeneratorExit"]
    if statement[0] == "raise":
        return [f"raise Err({statement[1]})"]
    if statement[0] == "yield":
        handlers = statement[2]
        body = [f"v = yield _yields({statement[1]})", f"log(f'g{i} got {{v}}')"]
    else:
        handlers = statement[3]
        body = [f"r = yield from g{statement[1]}()", f"log(f'g{i} sub returned {{r}}')"]
    if handlers["err"] is None and handlers["exit"] is None:
        return body
    code = ["try:"] + ["    " + line for line in body]
    if handlers["err"] is not None:
        code += ["except Err as x:", f"    log(f'g{i} caught {{x.value}}')"]
        code += ["    " + line for line in action_code(i, handlers["err"])]
    if handlers["exit"] is not None:
        code += ["except GeneratorExit:", f"    log('g{i} caught exit')"]
        code += ["    " + line for line in action_code(i, handlers["exit"])]
    return code


def program_source(defs):
    lines = []
    for i, definition in enumerate(defs):
        body = []
        for statement in definition["stmts"]:
            body += statement_code(i, statement)
        body += [f"_returns({i}, {definition['ret']})", f"return {definition['ret']}"]
        # The unreachable `yield` makes every function a generator function (rule 6), also
        # one that only raises or returns.
        lines += [f"def g{i}():", "    if False:", "        yield", "    try:"]
        lines += ["        " + line for line in body]
        lines += ["    finally:", f"        log('g{i} finally')", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Running a case in CPython


class Err(Exception):
    def __init__(self, value):
        super().__init__(value)
        self.value = value


IGNORED = "generator ignored GeneratorExit"
# Trace lines of the paths that random programs reach least often.
RARE = ("= close-ignored", "= close-raised", "= closed 1", "unraisable", "! ")
STATES = {
    inspect.GEN_CREATED: "created",
    inspect.GEN_SUSPENDED: "suspended",
    inspect.GEN_CLOSED: "closed",
}


def run_case(defs, choose, limit):
    """Runs the program with operations from `choose(state)` (a drop after `limit` of them);
    returns the operations and the trace."""
    ops = []
    trace = []
    # Per operation: what the root returned, and the values yielded.
    seen = {"root_returned": None, "yields": []}
    # Functions of the generators whose `finally` cogen runs and CPython skips, not logged yet:
    # increasing, since each was pushed by a generator below the ones already there.
    skipped = []

    def emit(line, index):
        """Logs `line`, about generator `index` (`None`: an operation or its outcome), after
        the skipped `finally` lines of generators at or below `index`: cogen drops a body's
        delegation (and so its sub-generators) before the guard made at the body's start."""
        while skipped and (index is None or skipped[-1] >= index):
            trace.append(f"! g{skipped.pop()} finally")
        trace.append(line)

    def log(line):
        emit(line, int(line[1 : line.index(" ")]))

    def returns(i, value):
        if i == 0:
            seen["root_returned"] = value

    def yields(value):
        seen["yields"].append(value)
        return value

    def hook(unraisable):
        error = unraisable.exc_value
        generator = unraisable.object
        index = int(generator.gi_code.co_name[1:])
        if isinstance(error, RuntimeError) and str(error) == IGNORED:
            emit("unraisable ignored-close", index)
            if inspect.getgeneratorstate(generator) == inspect.GEN_SUSPENDED:
                # CPython clears the frame without running its `finally`.
                skipped.append(index)
        elif isinstance(error, Err):
            emit("unraisable raised", index)
        else:
            raise AssertionError(f"unexpected unraisable {error!r}")

    namespace = {"Err": Err, "log": log, "_returns": returns, "_yields": yields}
    exec(compile(program_source(defs), "<program>", "exec"), namespace)
    previous_hook = sys.unraisablehook
    sys.unraisablehook = hook
    try:
        g = namespace["g0"]()
        state = "created"
        while True:
            op = choose(state) if len(ops) < limit else ("drop",)
            ops.append(op)
            emit("> " + op_text(op), None)
            seen["root_returned"] = None
            seen["yields"] = []
            if op[0] == "drop":
                finalized = weakref.ref(g)
                del g
                if finalized() is not None:
                    raise AssertionError("the root outlived `del`")
                emit("= dropped", None)
                break
            try:
                if op[0] == "next":
                    outcome = f"yielded {next(g)}"
                elif op[0] == "send":
                    outcome = f"yielded {g.send(op[1])}"
                elif op[0] == "throw":
                    outcome = f"yielded {g.throw(Err(op[1]))}"
                else:
                    g.close()
                    returned = seen["root_returned"]
                    outcome = "closed" if returned is None else f"closed {returned}"
            except StopIteration as stop:
                assert op[0] != "close"
                outcome = "exhausted" if stop.value is None else f"returned {stop.value}"
            except GeneratorExit:
                # Raised unasked (a handler's yield, then `raise`): cogen's `Step::Exhausted`.
                assert op[0] != "close"
                outcome = "exhausted"
            except Err as error:
                outcome = f"{'close-' if op[0] == 'close' else ''}raised {error.value}"
            except TypeError as error:
                assert op[0] == "send" and "just-started" in str(error), error
                outcome = "type-error just-started"
            except RuntimeError as error:
                assert op[0] == "close" and str(error) == IGNORED, error
                outcome = f"close-ignored {seen['yields'][0]}"
            state = STATES[inspect.getgeneratorstate(g)]
            delegating = " delegating" if g.gi_yieldfrom is not None else ""
            emit(f"= {outcome} | {state}{delegating}", None)
    finally:
        sys.unraisablehook = previous_hook
    return ops, trace


# ---------------------------------------------------------------------------------------------
# What the cases reach, for `--stats`


def features(defs, trace):
    """What a case reaches: the deepest chain, how subs are held, and per operation, which
    outcomes and which handlers (in the root or in a sub-generator) it reaches."""

    def depth(i):
        subs = [s[1] for s in defs[i]["stmts"] if s[0] == "from"]
        return 1 + max((depth(j) for j in subs), default=0)

    found = {f"program: chain depth {depth(0)}"}
    for definition in defs:
        for statement in definition["stmts"]:
            if statement[0] == "from":
                found.add(f"program: hold {statement[2]}")
    op = None
    for line in trace:
        words = line.split(" | ")[0].split(" ")
        if line.startswith("> "):
            op = words[1]
        elif line.startswith("= "):
            found.add(f"{op}: outcome {words[1]}")
            if words[1] == "yielded" and line.endswith("delegating"):
                found.add(f"{op}: yielded, suspended delegating")
        elif line.startswith("unraisable"):
            found.add(f"{op}: {line}")
        elif line.startswith("! "):
            found.add(f"{op}: finally run by cogen only")
        elif words[1] in ("caught", "sub"):
            who = "root" if words[0] == "g0" else "sub"
            what = {"caught": "caught " + ("exit" if words[2] == "exit" else "an error"),
                    "sub": "sub returned"}[words[1]]
            found.add(f"{op}: {who} {what}")
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=lambda s: int(s, 0), default=SEED)
    parser.add_argument("--count", type=int, default=COUNT)
    parser.add_argument("--stats", action="store_true")
    args = parser.parse_args()

    rng = Rng(args.seed)
    out = sys.stdout
    out.write("# PEP 380 differential cases: programs, operations and CPython's traces.\n")
    out.write(f"# Generated by scripts/pep380_cases.py (seed {args.seed:#x}, {args.count} "
              "cases, CPython 3.11); do not edit.\n")
    out.write("# Regenerate: python3 scripts/pep380_cases.py > cogen/tests/it/pep380_cases.txt\n")
    stats = {}
    number = 0
    while number < args.count:
        defs, values = random_program(rng)
        limit = 1 + rng.below(10)
        ops, trace = run_case(defs, lambda state: random_op(rng, values, state), limit)
        if not any(line.startswith(RARE) for line in trace):
            # Half the cases that reach none of the rarer paths make way for ones that do, and
            # all of the first ones, which Miri replays.
            if number < MIRI_SAMPLE or rng.chance(50):
                continue
        number += 1
        out.write(f"\ncase {number}\n")
        for line in program_text(defs):
            out.write(line + "\n")
        out.write("ops: " + " | ".join(op_text(op) for op in ops) + "\n")
        for line in trace:
            out.write(line + "\n")
        out.write("end\n")
        for feature in features(defs, trace):
            stats[feature] = stats.get(feature, 0) + 1
    if args.stats:
        for feature in sorted(stats):
            print(f"{stats[feature]:5} {feature}", file=sys.stderr)


if __name__ == "__main__":
    main()
