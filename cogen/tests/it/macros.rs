//! The Python-syntax macros: `gen_fn!`, `gen_block!`, `catch!`/`raise!` and `iter!` (PEP 289).
//! Each test checks that the macro form behaves as the rule says; the core's own behaviour is
//! covered by the other modules with the handle form.

use std::cell::Cell;
use std::convert::Infallible;

use cogen::{BoxGen, GenState, Generator, Interrupt, Step, gen_block, gen_fn, iter};

use crate::support::Log;

gen_fn! {
    /// Python: `def countdown(n): for i in range(n, 0, -1): yield i; return "liftoff"`.
    fn countdown(n: u32, log: Log) -> yield u32, return &'static str {
        log.push("start");
        for i in (1..=n).rev() {
            yield i;
        }
        log.push("end");
        "liftoff"
    }

    /// Python: `def echo(): n = 0; while (x := (yield n)) != "stop": n += len(x); return n`.
    fn echo() -> yield usize, send String, return usize {
        let mut n = 0;
        loop {
            let x = yield n;
            if x == "stop" {
                return n;
            }
            n += x.len();
        }
    }

    /// `?` in a body whose return type is a `Result`.
    fn parse_all<'a>(items: &'a [&'a str]) -> yield i64, return Result<usize, std::num::ParseIntError> {
        for item in items {
            yield item.parse::<i64>()?;
        }
        Ok(items.len())
    }

    /// `yield from` a generator (result: its return value), then from iterables (result `()`).
    #[allow(clippy::let_unit_value)] // the point: `yield from` an iterable evaluates to `()`
    fn delegator(log: Log) -> yield u32, return (&'static str, ()) {
        let r = yield from countdown(2, log.clone());
        let unit = yield from vec![10, 20];
        yield from 0..2;
        (r, unit)
    }

    /// Python's `try: x = yield ... except E: ... except GeneratorExit: ... finally: ...`.
    fn worker(log: Log) -> yield &'static str, send u32, throw String, return &'static str {
        let _finally = log.finally("finally");
        let mut total = 0;
        loop {
            match catch!(yield "ready") {
                Ok(x) => total += x,
                Err(Interrupt::Throw(e)) if e == "reset" => {
                    total = 0;
                    log.push("reset");
                }
                Err(Interrupt::Throw(e)) => {
                    log.push(format!("re-raise {e}"));
                    raise!(Interrupt::Throw(e))
                }
                Err(Interrupt::Close) => {
                    log.push(format!("closing at {total}"));
                    return "closed";
                }
            }
        }
    }

    /// A recursive generator: an in-order walk, erased with `boxed_dyn` to name its type.
    fn walk(tree: &Tree) -> yield u32 {
        if let Tree::Node(left, key, right) = tree {
            yield from walk(left).boxed_dyn();
            yield *key;
            yield from walk(right).boxed_dyn();
        }
    }
}

enum Tree {
    Leaf,
    Node(Box<Tree>, u32, Box<Tree>),
}

struct Bag {
    items: Vec<String>,
}

impl Bag {
    gen_fn! {
        /// A method: the generator borrows `self`.
        fn names(&self) -> yield &str {
            for item in &self.items {
                yield item.as_str();
            }
        }

        fn into_names(self) -> yield String, return usize {
            let n = self.items.len();
            yield from self.items;
            n
        }
    }
}

/// A struct holding a macro-written generator: its type is nameable once erased.
struct Holder {
    generator: BoxGen<'static, u32, (), &'static str>,
}

#[test]
fn rule_5_gen_lazy_start() {
    let log = Log::new();
    let g = countdown(2, log.clone());
    assert!(
        log.take().is_empty(),
        "calling a generator function runs no body code"
    );
    let g = cogen::pin!(g);
    assert_eq!(g.resume(), Step::Yielded(2));
    assert_eq!(log.take(), ["start"]);
    assert_eq!(g.resume(), Step::Yielded(1));
    assert!(log.take().is_empty());
    // Rule 5: the code after the last yield runs in the resume that finishes.
    assert_eq!(g.resume(), Step::Complete("liftoff"));
    assert_eq!(log.take(), ["end"]);
}

#[test]
fn rule_13_ret_value_in_stopiteration() {
    let mut g = cogen::pin!(countdown(1, Log::new()));
    assert_eq!(g.by_ref().collect::<Vec<_>>(), [1]);
    assert_eq!(g.take_return(), Some("liftoff"));
    // Stored and returned: a boxed generator in a struct field.
    let holder = Holder {
        generator: countdown(2, Log::new()).boxed_dyn(),
    };
    assert_eq!(holder.generator.collect::<Vec<_>>(), [2, 1]);
}

#[test]
fn rule_16_send_basic() {
    let g = cogen::pin!(echo());
    assert_eq!(g.start(), Step::Yielded(0));
    assert_eq!(g.send("ab".into()), Step::Yielded(2));
    assert_eq!(g.send("cde".into()), Step::Yielded(5));
    assert_eq!(g.send("stop".into()), Step::Complete(5));
}

#[test]
fn rule_12_gen_yield_expression_forms() {
    // A parenthesised `yield` inside a larger expression evaluates to the sent value, and the
    // operands are evaluated left to right around it.
    let g = cogen::pin!(gen_block!(-> yield u32, send u32, return u32 {
        let a = (yield 1) * 10 + (yield 2);
        let b = if (yield 3) > 5 { 100 } else { 0 };
        a + b
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(g.send(4), Step::Yielded(2));
    assert_eq!(g.send(7), Step::Yielded(3));
    assert_eq!(g.send(6), Step::Complete(147));
}

#[test]
fn rule_6_gen_yield_forms_and_stop() {
    // A bare `yield` yields `()` (Python's `None`); `return` ends the generator early.
    let g = cogen::pin!(gen_block! {
        yield;
        yield;
        return;
    });
    assert_eq!(g.count(), 2);
    let values = Cell::new(0);
    let mut g = cogen::pin!(gen_block! {
        for i in 0..10 {
            if i == 3 {
                return "early";
            }
            values.set(values.get() + 1);
            yield i;
        }
        "late"
    });
    assert_eq!(g.by_ref().collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(g.take_return(), Some("early"));
    assert_eq!(values.get(), 3);
}

#[test]
fn rule_8_question_mark_returns_the_error() {
    let g = cogen::pin!(parse_all(&["1", "2"]));
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(g.resume(), Step::Yielded(2));
    assert_eq!(g.resume(), Step::Complete(Ok(2)));
    let g = cogen::pin!(parse_all(&["1", "x", "3"]));
    assert_eq!(g.resume(), Step::Yielded(1));
    assert!(matches!(g.resume(), Step::Complete(Err(_))));
    assert_eq!(g.state(), GenState::Closed);
}

#[test]
fn rule_36_yf_result_is_return_value() {
    let log = Log::new();
    let mut g = cogen::pin!(delegator(log.clone()));
    assert_eq!(g.by_ref().collect::<Vec<_>>(), [2, 1, 10, 20, 0, 1]);
    assert_eq!(g.take_return(), Some(("liftoff", ())));
    assert_eq!(log.take(), ["start", "end"]);
}

#[test]
fn rule_39_yf_send_forwarded() {
    let g = cogen::pin!(gen_block!(-> yield usize, send String, return usize {
        let inner = yield from echo();
        yield inner * 100;
        0
    }));
    assert_eq!(g.start(), Step::Yielded(0));
    assert!(g.is_delegating());
    assert_eq!(g.send("abc".into()), Step::Yielded(3));
    assert_eq!(g.send("stop".into()), Step::Yielded(300));
    assert!(!g.is_delegating());
}

#[test]
fn rule_42_yf_throw_goes_to_a_delegated_handle() {
    // A `Pinned` handle is both a generator and an iterator: `yield from` takes it as a
    // generator, so a throw reaches its body (an iterator would not see it).
    let log = Log::new();
    let sub = cogen::pin!(worker(log.clone()));
    let g = cogen::pin!(
        gen_block!(move -> yield &'static str, send u32, throw String, return &'static str {
            yield from sub
        })
    );
    assert_eq!(g.start(), Step::Yielded("ready"));
    assert_eq!(g.throw("reset".into()), Step::Yielded("ready"));
    assert_eq!(log.take(), ["reset"]);
    // PEP 380: the sub-generator handled the close by returning, yet the close request is
    // raised in the delegator, which does not catch it here.
    assert_eq!(g.close(), Ok(None));
    assert_eq!(log.take(), ["closing at 0", "finally"]);
}

#[test]
fn rule_20_throw_caught_yields() {
    let log = Log::new();
    let g = cogen::pin!(worker(log.clone()));
    assert_eq!(g.start(), Step::Yielded("ready"));
    assert_eq!(g.send(5), Step::Yielded("ready"));
    assert_eq!(g.throw("reset".into()), Step::Yielded("ready"));
    assert_eq!(log.take(), ["reset"]);
}

#[test]
fn rule_22_throw_caught_raises_other() {
    // `raise!` re-raises from the handler; the `finally` guard runs once, after the handler.
    let log = Log::new();
    let g = cogen::pin!(worker(log.clone()));
    assert_eq!(g.start(), Step::Yielded("ready"));
    assert_eq!(g.throw("boom".into()), Step::Raised("boom".into()));
    assert_eq!(log.take(), ["re-raise boom", "finally"]);
    assert_eq!(g.state(), GenState::Closed);
}

#[test]
fn rule_29_close_generator_returns() {
    // `except GeneratorExit: return value` makes `close()` return the value (Python 3.13).
    let log = Log::new();
    let g = cogen::pin!(worker(log.clone()));
    assert_eq!(g.start(), Step::Yielded("ready"));
    assert_eq!(g.send(7), Step::Yielded("ready"));
    assert_eq!(g.close(), Ok(Some("closed")));
    assert_eq!(log.take(), ["closing at 7", "finally"]);
}

#[test]
fn rule_27_close_suspended_at_a_plain_yield() {
    // A plain `yield` (no `catch!`) does not see the close: the body is dropped, its guards run
    // (Python's `finally`), and close() returns nothing.
    let log = Log::new();
    let g = cogen::pin!(gen_block! {
        let _finally = log.finally("finally");
        yield 1;
        log.push("not reached");
    });
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(g.close(), Ok(None));
    assert_eq!(log.take(), ["finally"]);
}

#[test]
fn rule_11_gen_recursive_and_caller() {
    let leaf = || Box::new(Tree::Leaf);
    let tree = Tree::Node(
        Box::new(Tree::Node(leaf(), 1, leaf())),
        2,
        Box::new(Tree::Node(leaf(), 3, leaf())),
    );
    assert_eq!(walk(&tree).boxed().collect::<Vec<_>>(), [1, 2, 3]);
}

#[test]
fn rule_7_methods_borrow_or_consume_self() {
    let bag = Bag {
        items: vec!["a".into(), "b".into()],
    };
    assert_eq!(bag.names().boxed().collect::<Vec<_>>(), ["a", "b"]);
    let mut g = cogen::pin!(bag.into_names());
    assert_eq!(g.by_ref().collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(g.take_return(), Some(2));
}

#[test]
fn rule_7_gen_block_borrows_or_moves() {
    // Without `move` the block borrows (and sees later changes to a `Cell`, as Python reads
    // captured variables at resume time); with `move` it owns what it uses.
    let k = Cell::new(1);
    let g = cogen::pin!(gen_block! {
        loop {
            yield k.get();
        }
    });
    assert_eq!(g.resume(), Step::Yielded(1));
    k.set(5);
    assert_eq!(g.resume(), Step::Yielded(5));

    fn owned(words: Vec<String>) -> BoxGen<'static, String> {
        gen_block!(move { yield from words; }).boxed_dyn()
    }
    assert_eq!(owned(vec!["x".into()]).collect::<Vec<_>>(), ["x"]);
}

#[test]
fn rule_6_yield_from_and_a_variable_named_from() {
    // `from` is an ordinary identifier in Rust: `yield from;` yields it.
    let from = 7;
    let g = cogen::pin!(gen_block! {
        yield from;
        yield (from);
        yield from [8, 9];
    });
    assert_eq!(g.collect::<Vec<_>>(), [7, 7, 8, 9]);
}

#[test]
fn rule_44_yf_throw_propagates_unless_caught() {
    // `catch!(yield from sub)` sees what the sub-generator did not handle.
    let g = cogen::pin!(gen_block!(-> yield u32, throw String, return String {
        let sub = gen_block!(-> yield u32, throw String { yield 1; yield 2; });
        match catch!(yield from sub) {
            Ok(()) => "done".to_string(),
            Err(Interrupt::Throw(e)) => format!("caught {e}"),
            Err(Interrupt::Close) => "closed".to_string(),
        }
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(g.throw("x".into()), Step::Complete("caught x".into()));
}

#[test]
fn rule_33_finalize_on_drop_runs_guards_once() {
    let log = Log::new();
    {
        let g = cogen::pin!(worker(log.clone()));
        assert_eq!(g.start(), Step::Yielded("ready"));
    }
    // Dropped while suspended at `catch!`: the close protocol runs the handler, then `finally`.
    assert_eq!(log.take(), ["closing at 0", "finally"]);
}

// ---------------------------------------------------------------------------------------------
// Generator expressions (PEP 289)

/// An iterable that counts how often `into_iter` is called and items are pulled.
#[derive(Clone, Copy)]
struct Counted<'a> {
    iters: &'a Cell<u32>,
    pulls: &'a Cell<u32>,
    n: u32,
}

impl<'a> IntoIterator for Counted<'a> {
    type Item = u32;
    type IntoIter = Box<dyn Iterator<Item = u32> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iters.set(self.iters.get() + 1);
        let pulls = self.pulls;
        Box::new((0..self.n).inspect(move |_| pulls.set(pulls.get() + 1)))
    }
}

fn counter() -> Cell<u32> {
    Cell::new(0)
}

#[test]
fn rule_57_genexp_lazy() {
    let (iters, pulls, conds, elems) = (counter(), counter(), counter(), counter());
    let source = Counted {
        iters: &iters,
        pulls: &pulls,
        n: 4,
    };
    let mut g = iter!({ elems.set(elems.get() + 1); x * 10 } for x in source if { conds.set(conds.get() + 1); x % 2 == 0 });
    assert_eq!(
        (iters.get(), pulls.get(), conds.get(), elems.get()),
        (1, 0, 0, 0)
    );
    assert_eq!(g.next(), Some(0));
    assert_eq!((pulls.get(), conds.get(), elems.get()), (1, 1, 1));
    // The next element pulls twice (1 fails the condition) and computes one element.
    assert_eq!(g.next(), Some(20));
    assert_eq!((pulls.get(), conds.get(), elems.get()), (3, 3, 2));
    assert_eq!(g.collect::<Vec<_>>(), Vec::<u32>::new());
    assert_eq!(
        (iters.get(), pulls.get(), conds.get(), elems.get()),
        (1, 4, 4, 2)
    );
}

#[test]
fn rule_58_genexp_early_binding_outermost() {
    // The outermost iterable is evaluated (and `into_iter` called) once, at creation; the
    // element expression reads the current value of what it uses (late binding).
    let mut xs = vec![1, 2, 3];
    let scale = Cell::new(1);
    let g = iter!(x * scale.get() for x in xs.clone());
    xs.push(4); // no effect: the iterable was already evaluated
    scale.set(10); // seen: the element is computed during iteration
    assert_eq!(g.collect::<Vec<_>>(), [10, 20, 30]);
    assert_eq!(xs.len(), 4);
}

#[test]
fn rule_59_genexp_late_binding_inner() {
    // Conditions and inner iterables are evaluated during iteration, once per outer element.
    let (outer_iters, outer_pulls) = (counter(), counter());
    let (inner_iters, inner_pulls) = (counter(), counter());
    let outer = Counted {
        iters: &outer_iters,
        pulls: &outer_pulls,
        n: 3,
    };
    let inner = Counted {
        iters: &inner_iters,
        pulls: &inner_pulls,
        n: 2,
    };
    let limit = Cell::new(1);
    // Inner clauses own what they use (see `iter!`'s docs): lend them the `Cell`.
    let limit = &limit;
    let mut g = iter!((x, y) for x in outer for y in inner if y < limit.get());
    assert_eq!((outer_iters.get(), inner_iters.get()), (1, 0));
    assert_eq!(g.next(), Some((0, 0)));
    assert_eq!((outer_pulls.get(), inner_iters.get()), (1, 1));
    limit.set(2); // read by the condition at its next evaluation
    assert_eq!(
        g.collect::<Vec<_>>(),
        [(0, 1), (1, 0), (1, 1), (2, 0), (2, 1)]
    );
    assert_eq!((outer_iters.get(), outer_pulls.get()), (1, 3));
    assert_eq!((inner_iters.get(), inner_pulls.get()), (3, 6));
}

#[test]
fn rule_60_genexp_clause_order() {
    // Clauses nest left to right, like nested `for`/`if` statements; a failing outer condition
    // skips the inner iterable entirely.
    let (inner_iters, inner_pulls) = (counter(), counter());
    let inner = Counted {
        iters: &inner_iters,
        pulls: &inner_pulls,
        n: 3,
    };
    let got: Vec<(u32, u32)> =
        iter!((x, y) for x in 0..4 if x % 2 == 1 for y in inner if y != x).collect();
    let mut expected = Vec::new();
    for x in 0..4 {
        if x % 2 == 1 {
            for y in 0..3 {
                if y != x {
                    expected.push((x, y));
                }
            }
        }
    }
    assert_eq!(got, expected);
    assert_eq!(
        inner_iters.get(),
        2,
        "the inner iterable is only built for x = 1 and 3"
    );
    // Three `for`s, with an `if let` binding a name for the clauses after it.
    let words = [Some("ab"), None, Some("c")];
    let chars: Vec<(usize, char)> = iter!(
        (i, c) for (i, w) in words.iter().enumerate() if let Some(w) = w for c in w.chars()
    )
    .collect();
    assert_eq!(chars, [(0, 'a'), (0, 'b'), (2, 'c')]);
}

#[test]
fn rule_61_genexp_single_pass_scope() {
    let x = "outer";
    let mut g = iter!(x + 1 for x in 0..3);
    assert_eq!(g.next(), Some(1));
    assert_eq!(x, "outer", "the loop variable does not leak");
    assert_eq!(g.by_ref().count(), 2);
    assert_eq!(g.next(), None, "single pass");
}

#[test]
fn rule_62_genexp_generator_api() {
    // An `iter!` is an `Iterator`, not a `Generator` (see the Python → cogen table); delegating
    // to it from a `gen_block!` gives it the generator methods, throw and close included.
    let g = cogen::pin!(gen_block!(-> yield u32, throw String {
        yield from iter!(x * x for x in 1..4);
    }));
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(g.resume(), Step::Yielded(4));
    assert_eq!(g.throw("stop".into()), Step::Raised("stop".into()));
    assert_eq!(g.state(), GenState::Closed);
}

#[test]
fn genexp_returned_from_a_function_with_move() {
    fn scaled(xs: &[u32], k: u32) -> impl Iterator<Item = u32> + '_ {
        iter!(move x * k for x in xs)
    }
    assert_eq!(scaled(&[1, 2], 3).collect::<Vec<_>>(), [3, 6]);
}

#[test]
fn genexp_matches_the_handle_form_generator() {
    // The same sequence from a generator expression, a macro generator and a handle generator.
    let via_genexp: Vec<u32> = iter!(x * x for x in 0..10 if x % 3 == 0).collect();
    let via_macro: Vec<u32> = gen_block!(move {
        for x in 0..10 {
            if x % 3 == 0 {
                yield x * x;
            }
        }
    })
    .boxed()
    .collect();
    let via_handle: Vec<u32> = cogen::generator(async |mut co| {
        for x in 0..10 {
            if x % 3 == 0 {
                co.yield_(x * x).await;
            }
        }
    })
    .boxed()
    .collect();
    assert_eq!(via_genexp, [0, 9, 36, 81]);
    assert_eq!(via_macro, via_genexp);
    assert_eq!(via_handle, via_genexp);
}

// ---------------------------------------------------------------------------------------------
// Hygiene: the expansions name `::core` and `::cogen` paths only.

mod hygiene {
    #![allow(dead_code, non_camel_case_types, clippy::all)]

    // Dummy items that would capture relative paths in the expansions.
    mod core {}
    mod std {}
    struct Option;
    struct Some;
    struct None;
    struct IntoIterator;
    struct Infallible;
    struct Future;
    struct Gen;
    struct Co;

    use ::cogen::Step;

    ::cogen::gen_fn! {
        fn numbers(n: u32) -> yield u32, send (), throw ::core::convert::Infallible, return u32 {
            let r = yield from 0..n;
            let () = r;
            yield from ::cogen::gen_block! { yield 100; };
            match ::cogen::catch!(yield 7) {
                Ok(()) => {}
                Err(interrupt) => ::cogen::raise!(interrupt),
            }
            n
        }
    }

    #[test]
    fn macros_resolve_through_absolute_paths() {
        let mut g = ::cogen::pin!(numbers(2));
        assert_eq!(g.by_ref().collect::<Vec<_>>(), [0, 1, 100, 7]);
        assert_eq!(g.take_return(), ::std::option::Option::Some(2));
        let evens: Vec<u32> = ::cogen::iter!(x for x in 0..6 if x % 2 == 0 for _ in 0..1).collect();
        assert_eq!(evens, [0, 2, 4]);
        let _ = Step::<(), ()>::Exhausted;
    }
}

#[test]
fn throw_type_defaults_to_infallible() {
    let g = countdown(1, Log::new());
    let _: &dyn Generator<Yield = u32, Resume = (), Return = &str, Error = Infallible> = &g;
}

// ---------------------------------------------------------------------------------------------
// Async generators written with the macros: `gen_fn! { async fn .. }`, `gen_block!(async ..)`.

mod async_forms {
    use std::pin::pin;
    use std::task::Poll;

    use futures::executor::block_on;
    use futures::stream::{self, Stream, StreamExt};

    use cogen::{CloseError, GenState, Interrupt, Step, gen_block, gen_fn};

    use crate::async_gen::{poll_once, yield_now};
    use crate::support::Log;

    /// Polls `stream` once with a waker that does nothing.
    fn poll_next<S: Stream + ?Sized>(stream: std::pin::Pin<&mut S>) -> Poll<Option<S::Item>> {
        stream.poll_next(&mut std::task::Context::from_waker(std::task::Waker::noop()))
    }

    gen_fn! {
        /// Python: `async def ticks(n): for i in range(n): await sleep(0); yield i; return "done"`.
        async fn ticks(n: u32, log: Log) -> yield u32, return &'static str {
            log.push("start");
            for i in 0..n {
                yield_now().await;
                log.push(format!("awaited {i}"));
                yield i;
            }
            "done"
        }

        /// `try: x = yield ... except E: await ... except GeneratorExit: await ...; return`.
        async fn worker(log: Log) -> yield String, send u32, throw String, return &'static str {
            let _finally = log.finally("finally");
            let mut total = 0;
            loop {
                match catch!(yield format!("total {total}")) {
                    Ok(x) => {
                        yield_now().await;
                        total += x;
                    }
                    Err(Interrupt::Throw(e)) => {
                        yield_now().await;
                        log.push(format!("caught {e}"));
                    }
                    Err(Interrupt::Close) => {
                        yield_now().await;
                        log.push("cleanup awaited");
                        return "closed";
                    }
                }
            }
        }

        async fn async_sub(log: Log) -> yield u32, throw String, return &'static str {
            yield_now().await;
            match catch!(yield 1) {
                Ok(()) => {}
                Err(Interrupt::Throw(e)) => {
                    yield_now().await;
                    log.push(format!("sub caught {e}"));
                    return "async sub caught";
                }
                Err(Interrupt::Close) => return "async sub closed",
            }
            "async sub"
        }

        fn sync_sub() -> yield u32, throw String, return &'static str {
            yield 2;
            "sync sub"
        }

        /// Delegates to an async generator, a sync one, an iterable and a stream.
        async fn delegator(log: Log) -> yield u32, throw String, return (&'static str, &'static str) {
            let a = yield from async_sub(log.clone());
            log.push(format!("got {a}"));
            let b = yield from sync_sub();
            yield from vec![3, 4];
            let pending_items = stream::iter([5, 6]).then(async |x| {
                yield_now().await;
                x
            });
            yield from pending_items;
            (a, b)
        }

        async fn both_async() -> yield u32 {
            yield from Both(vec![1, 2]);
        }

        fn both_sync() -> yield u32 {
            yield from Both(vec![1, 2]);
        }
    }

    /// Both a `Stream` (its items) and an `IntoIterator` (its items + 100): `yield from` takes
    /// the stream in an async body and the iterable in a sync one.
    struct Both(Vec<u32>);

    impl Stream for Both {
        type Item = u32;

        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _cx: &mut std::task::Context<'_>,
        ) -> Poll<Option<u32>> {
            Poll::Ready((!self.0.is_empty()).then(|| self.0.remove(0)))
        }
    }

    impl IntoIterator for Both {
        type Item = u32;
        type IntoIter = std::iter::Map<std::vec::IntoIter<u32>, fn(u32) -> u32>;

        fn into_iter(self) -> Self::IntoIter {
            self.0.into_iter().map(|x| x + 100)
        }
    }

    struct Shelf {
        items: Vec<String>,
    }

    impl Shelf {
        gen_fn! {
            /// An async method: the generator borrows `self` and awaits between items.
            async fn names(&self, log: &Log) -> yield &str, return usize {
                for item in &self.items {
                    yield_now().await;
                    log.push(format!("fetched {item}"));
                    yield item.as_str();
                }
                self.items.len()
            }
        }
    }

    // rule 78: an `async fn` generator is a `Stream`; its awaits suspend the task (the consumer
    // sees `Pending`), not the consumer's loop; no body code runs before the first poll.
    #[test]
    fn rule_78_async_gen_fn_streams_items() {
        let log = Log::new();
        let mut g = pin!(ticks(2, log.clone()));
        assert!(
            log.take().is_empty(),
            "no body code runs before the first poll"
        );
        // The body awaits before its first yield: the first poll is pending.
        assert_eq!(poll_next(g.as_mut()), Poll::Pending);
        assert_eq!(log.take(), ["start"]);
        assert_eq!(poll_next(g.as_mut()), Poll::Ready(Some(0)));
        assert_eq!(log.take(), ["awaited 0"]);
        let rest: Vec<u32> = block_on(g.as_mut().collect());
        assert_eq!(rest, [1]);
        assert_eq!(log.take(), ["awaited 1"]);
        assert_eq!(g.as_ref().take_return(), Some("done"));
        assert_eq!(g.state(), GenState::Closed);
    }

    #[test]
    fn rule_78_async_gen_fn_interleaves_with_consumer_under_block_on() {
        let log = Log::new();
        block_on(async {
            let mut g = pin!(ticks(3, log.clone()));
            while let Some(i) = g.next().await {
                log.push(format!("consumed {i}"));
            }
        });
        assert_eq!(
            log.take(),
            [
                "start",
                "awaited 0",
                "consumed 0",
                "awaited 1",
                "consumed 1",
                "awaited 2",
                "consumed 2"
            ]
        );
    }

    // rules 80-82: asend / athrow / aclose through a macro-written async generator whose
    // handlers await; returning after `Interrupt::Close` makes `aclose` give the value.
    #[test]
    fn rule_82_async_gen_fn_asend_athrow_aclose_with_awaiting_handlers() {
        let log = Log::new();
        block_on(async {
            let w = pin!(worker(log.clone()));
            let w = w.into_ref();
            assert_eq!(w.anext().await, Ok(Step::Yielded("total 0".to_string())));
            assert_eq!(w.asend(5).await, Ok(Step::Yielded("total 5".to_string())));
            assert_eq!(
                w.athrow("oops".into()).await,
                Ok(Step::Yielded("total 5".to_string()))
            );
            assert_eq!(log.take(), ["caught oops"]);
            // The close handler awaits: the `aclose` future is pending once, then returns.
            let mut closing = pin!(w.aclose());
            assert_eq!(poll_once(closing.as_mut()), Poll::Pending);
            assert_eq!(w.state(), GenState::Running);
            assert_eq!(closing.await, Ok(Some("closed")));
            assert_eq!(log.take(), ["cleanup awaited", "finally"]);
            assert_eq!(w.state(), GenState::Closed);
        });
    }

    #[test]
    fn rule_83_async_gen_fn_aclose_ignored_by_yield() {
        block_on(async {
            let g = pin!(gen_block!(async -> yield u32 {
                loop {
                    if let Err(Interrupt::Close) = catch!(yield 1) {
                        yield_now().await;
                        yield 2;
                    }
                }
            }));
            let g = g.into_ref();
            assert_eq!(g.anext().await, Ok(Step::Yielded(1)));
            assert_eq!(g.aclose().await, Err(CloseError::IgnoredClose(2)));
            assert_eq!(g.state(), GenState::Suspended);
        });
    }

    // rule 91 (cogen goes further than Python): an async body may `yield from` an async
    // generator, a sync generator (both: return value), an iterable and a stream.
    #[test]
    fn rule_91_async_gen_fn_yield_from_async_sync_iterable_and_stream() {
        let log = Log::new();
        let mut g = pin!(delegator(log.clone()));
        let items: Vec<u32> = block_on(g.as_mut().collect());
        assert_eq!(items, [1, 2, 3, 4, 5, 6]);
        assert_eq!(log.take(), ["got async sub"]);
        assert_eq!(g.as_ref().take_return(), Some(("async sub", "sync sub")));
    }

    #[test]
    fn rule_91_async_gen_fn_yield_from_stream_waits_on_the_executor() {
        let mut g = pin!(gen_block!(async move -> yield u32 {
            yield from stream::iter([7]).then(async |x| {
                yield_now().await;
                x
            });
        }));
        assert_eq!(poll_next(g.as_mut()), Poll::Pending);
        assert_eq!(poll_next(g.as_mut()), Poll::Ready(Some(7)));
        assert_eq!(poll_next(g.as_mut()), Poll::Ready(None));
    }

    // rule 43 through an async delegation: `athrow` reaches the async sub-generator, whose
    // handler awaits and returns; the delegator continues with that value.
    #[test]
    fn rule_43_async_gen_fn_athrow_reaches_async_sub_via_yield_from() {
        let log = Log::new();
        block_on(async {
            let g = pin!(delegator(log.clone()));
            let g = g.into_ref();
            assert_eq!(g.anext().await, Ok(Step::Yielded(1)));
            assert!(g.is_delegating());
            assert_eq!(g.athrow("boom".into()).await, Ok(Step::Yielded(2)));
            assert_eq!(log.take(), ["sub caught boom", "got async sub caught"]);
        });
    }

    // `yield from` tiers: generator first, then (async body) stream, then iterable; a sync
    // body takes the iterable.
    #[test]
    fn rule_38_yield_from_prefers_stream_in_async_body_and_iterable_in_sync_body() {
        let items: Vec<u32> = block_on(both_async().collect());
        assert_eq!(items, [1, 2]);
        assert_eq!(cogen::pin!(both_sync()).collect::<Vec<_>>(), [101, 102]);
    }

    // rule 78: an async method borrows `self` and awaits between items.
    #[test]
    fn rule_78_async_gen_fn_method_on_a_struct() {
        let log = Log::new();
        let shelf = Shelf {
            items: vec!["apple".into(), "pear".into()],
        };
        let mut names = pin!(shelf.names(&log));
        let got: Vec<&str> = block_on(names.as_mut().collect());
        assert_eq!(got, ["apple", "pear"]);
        assert_eq!(log.take(), ["fetched apple", "fetched pear"]);
        assert_eq!(names.as_ref().take_return(), Some(2));
    }

    // `gen_block!(async ..)`: bare `async { .. }` (types inferred, borrows) and
    // `async move -> yield Y, send S { .. }` (declared types, owns).
    #[test]
    fn rule_78_async_gen_block_forms() {
        let words = ["a", "b"];
        let borrowed = gen_block!(async {
            for w in words {
                yield_now().await;
                yield w;
            }
        });
        assert_eq!(block_on(borrowed.collect::<Vec<_>>()), ["a", "b"]);

        let owned = String::from("x");
        let echo = gen_block!(async move -> yield String, send u32, return usize {
            let mut n = 0;
            loop {
                let k = yield format!("{owned}{n}");
                yield_now().await;
                if k == 0 {
                    return n;
                }
                n += k as usize;
            }
        });
        block_on(async {
            let echo = pin!(echo);
            let echo = echo.into_ref();
            assert_eq!(echo.anext().await, Ok(Step::Yielded("x0".to_string())));
            assert_eq!(echo.asend(3).await, Ok(Step::Yielded("x3".to_string())));
            assert_eq!(echo.asend(0).await, Ok(Step::Complete(3)));
        });
    }
}
