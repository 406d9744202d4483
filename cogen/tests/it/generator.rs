//! Groups 2 and 3: generator basics (rules 5-12) and return values (rules 13-15).

use std::cell::Cell;
use std::collections::BTreeMap;
use std::convert::Infallible;

use cogen::{BoxGen, Co, GenState, Generator, Interrupt, Step, coroutine, generator};

use crate::support::Log;

// rule 5: making a generator runs no body code, however it is held; dropping an unstarted one
// runs none either.
#[test]
fn rule_05_creating_runs_no_body_code() {
    let log = Log::new();
    let make = || {
        let log = log.clone();
        generator(async move |mut co| {
            log.push("body ran");
            let _finally = log.finally("finally");
            co.yield_(1).await;
        })
    };
    let by_value = make();
    let boxed = make().boxed();
    let erased = make().boxed_dyn();
    let pinned = cogen::pin!(make());
    assert_eq!(by_value.state(), GenState::Created);
    assert_eq!(boxed.state(), GenState::Created);
    assert_eq!(erased.state(), GenState::Created);
    assert_eq!(pinned.state(), GenState::Created);
    drop((by_value, boxed, erased));
    assert!(log.take().is_empty());
    assert_eq!(pinned.resume(), Step::Yielded(1));
    assert_eq!(log.take(), ["body ran"]);
}

// rule 5: each resume runs from the last suspension to the next yield, and the code after the
// last yield runs in the resume that reports the end.
#[test]
fn rule_05_each_resume_runs_one_stretch() {
    let log = Log::new();
    let body_log = log.clone();
    let g = cogen::pin!(generator(async move |mut co| {
        body_log.push("start");
        co.yield_(1).await;
        body_log.push("between");
        co.yield_(2).await;
        body_log.push("after last yield");
        3
    }));
    assert!(log.take().is_empty());
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(log.take(), ["start"]);
    assert_eq!(g.resume(), Step::Yielded(2));
    assert_eq!(log.take(), ["between"]);
    assert_eq!(g.resume(), Step::Complete(3));
    assert_eq!(log.take(), ["after last yield"]);
    assert_eq!(g.resume(), Step::Exhausted);
    assert!(log.take().is_empty());
}

// rule 5: the same through `Iterator::next`: the trailing code runs in the `next` that
// returns `None`.
#[test]
fn rule_05_trailing_code_runs_in_last_next() {
    let log = Log::new();
    let body_log = log.clone();
    let mut g = generator(async move |mut co| {
        co.yield_("only").await;
        body_log.push("trailing code");
    })
    .boxed();
    assert_eq!(g.next(), Some("only"));
    assert!(log.take().is_empty());
    assert_eq!(g.next(), None);
    assert_eq!(log.take(), ["trailing code"]);
}

// rule 6: values come out in yield order; falling off the end and `return` both end it.
#[test]
fn rule_06_yield_order_and_both_endings() {
    let fall_off = generator(async |mut co| {
        for c in ["x", "y", "z"] {
            co.yield_(c).await;
        }
    });
    assert_eq!(fall_off.boxed().collect::<Vec<_>>(), ["x", "y", "z"]);

    let log = Log::new();
    let body_log = log.clone();
    let early = cogen::pin!(generator(async move |mut co| {
        for i in 0.. {
            if i == 2 {
                return;
            }
            co.yield_(i).await;
        }
        body_log.push("unreachable after return");
    }));
    assert_eq!(early.resume(), Step::Yielded(0));
    assert_eq!(early.resume(), Step::Yielded(1));
    assert_eq!(early.resume(), Step::Complete(()));
    assert_eq!(early.state(), GenState::Closed);
    assert!(log.take().is_empty());
}

// rule 6: a bare `yield` yields `()` (Python's `None`), and yielding `None` does not end the
// iteration: only the body's end does.
#[test]
fn rule_06_bare_yield_and_none_do_not_end() {
    let bare = cogen::pin!(generator(async |mut co| {
        co.yield_(()).await;
        co.yield_(()).await;
    }));
    assert_eq!(bare.count(), 2);

    let nones = cogen::pin!(generator(async |mut co| {
        co.yield_(None).await;
        co.yield_(Some(1)).await;
        co.yield_(None).await;
    }));
    assert_eq!(nones.collect::<Vec<_>>(), [None, Some(1), None]);
}

// rule 6: a closure that makes a generator (Python's lambda containing `yield`), and a body
// whose only yield is unreachable, are still lazy generators.
#[test]
fn rule_06_closure_and_unreachable_yield_are_generators() {
    let up_to = |n: u32| {
        generator(async move |mut co| {
            for i in 0..n {
                co.yield_(i).await;
            }
        })
    };
    assert_eq!(up_to(3).boxed().collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(up_to(0).boxed().count(), 0);

    let log = Log::new();
    let body_log = log.clone();
    let never = std::hint::black_box(false);
    let g = cogen::pin!(generator(async move |mut co: Co<'_, u32>| {
        body_log.push("ran");
        if never {
            co.yield_(1).await;
        }
        "done"
    }));
    assert!(log.take().is_empty(), "still lazy");
    assert_eq!(g.resume(), Step::Complete("done"));
    assert_eq!(log.take(), ["ran"]);
}

/// Yields running totals of `step`, keeping its locals across yields.
fn running_total(
    step: u32,
) -> impl Generator<Yield = (u32, String), Resume = (), Return = (), Error = Infallible> {
    generator(async move |mut co| {
        let mut total = 0;
        let mut trail = String::new();
        for i in 0..3 {
            total += step;
            trail.push(char::from(b'a' + i));
            co.yield_((total, trail.clone())).await;
        }
    })
}

// rule 7: locals and loop state survive suspension; two instances keep separate state and
// interleave correctly.
#[test]
fn rule_07_locals_survive_and_instances_are_separate() {
    let ones = cogen::pin!(running_total(1));
    let tens = cogen::pin!(running_total(10));
    assert_eq!(ones.resume(), Step::Yielded((1, "a".into())));
    assert_eq!(tens.resume(), Step::Yielded((10, "a".into())));
    assert_eq!(tens.resume(), Step::Yielded((20, "ab".into())));
    assert_eq!(ones.resume(), Step::Yielded((2, "ab".into())));
    assert_eq!(tens.resume(), Step::Yielded((30, "abc".into())));
    assert_eq!(ones.resume(), Step::Yielded((3, "abc".into())));
    assert_eq!(ones.resume(), Step::Complete(()));
    assert_eq!(tens.state(), GenState::Suspended);
}

// rule 7: variables captured from the enclosing scope are read at resume time.
#[test]
fn rule_07_captured_variables_read_at_resume_time() {
    let x = Cell::new(1);
    let g = cogen::pin!(generator(async |mut co| {
        loop {
            co.yield_(x.get()).await;
        }
    }));
    x.set(5);
    assert_eq!(g.resume(), Step::Yielded(5));
    x.set(7);
    assert_eq!(g.resume(), Step::Yielded(7));
    assert_eq!(g.resume(), Step::Yielded(7));
}

/// Python's `StopIteration` raised by hand: an ordinary error value.
#[derive(Debug, PartialEq)]
struct StopIteration;

// rule 8: a `return` inside a guarded region is not an error, so no handler sees it; the
// region's finally runs before the resume reports the value, after the value is evaluated.
#[test]
fn rule_08_return_inside_try_skips_handler_runs_finally() {
    let log = Log::new();
    let body_log = log.clone();
    let g = cogen::pin!(generator(async move |mut co| {
        co.yield_(1).await;
        // try:
        let attempt: Result<(), StopIteration> = 'try_: {
            let _finally = body_log.finally("finally");
            if std::hint::black_box(true) {
                return {
                    body_log.push("evaluate return value");
                    2
                };
            }
            break 'try_ Err(StopIteration);
        };
        // except:
        if attempt.is_err() {
            body_log.push("handler");
        }
        3
    }));
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(g.resume(), Step::Complete(2));
    assert_eq!(log.take(), ["evaluate return value", "finally"]);
}

// rule 8: raising `StopIteration` by hand is an ordinary error: a handler catches it and the
// generator carries on.
#[test]
fn rule_08_stop_iteration_value_is_ordinary_error() {
    fn parse(s: &str) -> Result<u32, StopIteration> {
        s.parse().map_err(|_| StopIteration)
    }
    let g = cogen::pin!(generator(async |mut co| {
        for s in ["1", "end", "3"] {
            match parse(s) {
                Ok(n) => co.yield_(Ok(n)).await,
                Err(e) => co.yield_(Err(e)).await,
            }
        }
    }));
    assert_eq!(g.collect::<Vec<_>>(), [Ok(1), Err(StopIteration), Ok(3)]);
}

/// An error for the try/except tests.
#[derive(Debug, Clone, PartialEq)]
struct Oops(&'static str);

// rule 9: yields in the try, the except and the finally parts; a re-raise in the handler
// happens after the handler's own yields.
#[test]
fn rule_09_yields_in_try_except_finally() {
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, &str, (), Oops>| {
        // try:
        let attempt: Result<(), Oops> = async {
            co.yield_("try").await;
            Err(Oops("inner"))?;
            co.yield_("not reached").await;
            Ok(())
        }
        .await;
        // except Oops:
        if let Err(e) = &attempt {
            co.yield_("except").await;
            co.yield_(e.0).await;
        }
        // finally:
        co.yield_("finally").await;
        // bare `raise`:
        if let Err(e) = attempt {
            co.raise::<()>(Interrupt::Throw(e)).await;
        }
    }));
    let mut steps = Vec::new();
    loop {
        let step = g.resume();
        let done = step.is_finished();
        steps.push(step);
        if done {
            break;
        }
    }
    assert_eq!(
        steps,
        [
            Step::Yielded("try"),
            Step::Yielded("except"),
            Step::Yielded("inner"),
            Step::Yielded("finally"),
            Step::Raised(Oops("inner")),
        ]
    );
    assert_eq!(g.state(), GenState::Closed);
}

// rule 9: an error thrown in at a yield inside the try part goes to the handler, which can
// yield and then re-raise.
#[test]
fn rule_09_thrown_error_handled_then_reraised() {
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, &str, (), Oops>| {
        match co.yield_("in try").catch().await {
            Ok(()) => co.yield_("no error").await,
            Err(Interrupt::Throw(e)) => {
                co.yield_("handling").await;
                co.raise(Interrupt::Throw(e)).await
            }
            Err(close) => co.raise(close).await,
        }
    }));
    assert_eq!(g.start(), Step::Yielded("in try"));
    assert_eq!(g.throw(Oops("thrown")), Step::Yielded("handling"));
    assert_eq!(g.resume(), Step::Raised(Oops("thrown")));
    assert_eq!(g.state(), GenState::Closed);
}

// rule 10: a finally can yield while a return is pending; the consumer gets its values, then
// the return value.
#[test]
fn rule_10_finally_yields_with_return_pending() {
    let g = cogen::pin!(generator(async |mut co| {
        let value = {
            co.yield_("body").await;
            "returned"
        };
        // finally:
        co.yield_("finally 1").await;
        co.yield_("finally 2").await;
        value
    }));
    assert_eq!(g.resume(), Step::Yielded("body"));
    assert_eq!(g.resume(), Step::Yielded("finally 1"));
    assert_eq!(g.resume(), Step::Yielded("finally 2"));
    assert_eq!(g.resume(), Step::Complete("returned"));
}

// rule 10: with an error pending, the consumer first receives what the finally yields, and the
// error surfaces from the resume that goes past the finally.
#[test]
fn rule_10_finally_yields_with_error_pending() {
    let log = Log::new();
    let body_log = log.clone();
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, u32, (), Oops>| {
        let attempt: Result<(), Oops> = async {
            co.yield_(1).await;
            Err(Oops("pending"))
        }
        .await;
        // finally:
        co.yield_(100).await;
        body_log.push("leaving finally");
        if let Err(e) = attempt {
            co.raise::<()>(Interrupt::Throw(e)).await;
        }
        body_log.push("unreachable");
    }));
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(g.resume(), Step::Yielded(100));
    assert!(log.take().is_empty());
    assert_eq!(g.resume(), Step::Raised(Oops("pending")));
    assert_eq!(log.take(), ["leaving finally"]);
}

/// Yields `depth, depth-1, …, 0, …, depth-1, depth`, recursing through a boxed sub-generator.
fn nest(depth: u32) -> BoxGen<'static, u32> {
    generator(async move |mut co| {
        co.yield_(depth).await;
        if depth > 0 {
            co.yield_from(nest(depth - 1)).await;
        }
        co.yield_(depth).await;
    })
    .boxed_dyn()
}

// rule 11: recursive generators work at any depth.
#[test]
fn rule_11_recursion_at_depth() {
    let depth = if cfg!(miri) { 8 } else { 40 };
    let values: Vec<u32> = nest(depth).collect();
    let expected: Vec<u32> = (0..=depth).rev().chain(0..=depth).collect();
    assert_eq!(values, expected);
}

/// A binary tree, as in PEP 255's example.
enum Tree {
    Leaf,
    Node(Box<Tree>, u32, Box<Tree>),
}

/// A balanced tree of sorted keys.
fn build(keys: &[u32]) -> Tree {
    if keys.is_empty() {
        return Tree::Leaf;
    }
    let mid = keys.len() / 2;
    Tree::Node(
        Box::new(build(&keys[..mid])),
        keys[mid],
        Box::new(build(&keys[mid + 1..])),
    )
}

/// In-order walk by delegation; returns the number of nodes walked.
fn inorder(tree: &Tree) -> BoxGen<'_, u32, (), usize> {
    generator(async move |mut co| match tree {
        Tree::Leaf => 0,
        Tree::Node(left, key, right) => {
            let l = co.yield_from(inorder(left)).await;
            co.yield_(*key).await;
            let r = co.yield_from(inorder(right)).await;
            l + 1 + r
        }
    })
    .boxed_dyn()
}

/// In-order walk as PEP 255 wrote it: `for x in inorder(t.left): yield x`.
fn inorder_by_loop(tree: &Tree) -> BoxGen<'_, u32> {
    generator(async move |mut co| {
        if let Tree::Node(left, key, right) = tree {
            for x in inorder_by_loop(left) {
                co.yield_(x).await;
            }
            co.yield_(*key).await;
            for x in inorder_by_loop(right) {
                co.yield_(x).await;
            }
        }
    })
    .boxed_dyn()
}

// rule 11: a recursive tree walk, by delegation and by re-yielding in a loop.
#[test]
fn rule_11_tree_walk() {
    let keys: Vec<u32> = (1..=15).collect();
    let tree = build(&keys);
    let mut walk = inorder(&tree);
    assert_eq!(walk.by_ref().collect::<Vec<_>>(), keys);
    assert_eq!(walk.take_return(), Some(15));
    assert_eq!(inorder_by_loop(&tree).collect::<Vec<_>>(), keys);
}

// rule 11: a generator hands each value to whoever resumes it: started in one function,
// continued in another, and shared with another generator's body.
#[test]
fn rule_11_started_here_continued_there() {
    fn take_two(g: &mut impl Iterator<Item = u32>) -> Vec<u32> {
        g.take(2).collect()
    }
    fn finish(g: impl Iterator<Item = u32>) -> Vec<u32> {
        g.collect()
    }
    let mut g = nest(2);
    assert_eq!(take_two(&mut g), [2, 1]);
    assert_eq!(finish(g), [0, 0, 1, 2]);

    let source = cogen::pin!(generator(async |mut co| {
        for i in 1..=4 {
            co.yield_(i).await;
        }
    }));
    let relay = cogen::pin!(generator(async |mut co| {
        while let Step::Yielded(x) = source.resume() {
            co.yield_(x * 10).await;
        }
    }));
    assert_eq!(source.resume(), Step::Yielded(1));
    assert_eq!(relay.resume(), Step::Yielded(20));
    assert_eq!(source.resume(), Step::Yielded(3));
    assert_eq!(relay.resume(), Step::Yielded(40));
    assert_eq!(relay.resume(), Step::Complete(()));
    assert_eq!(source.state(), GenState::Closed);
}

// rule 12: `yield a, b` yields one tuple.
#[test]
fn rule_12_yield_tuple() {
    let g = cogen::pin!(generator(async |mut co| {
        co.yield_((1, "one")).await;
        co.yield_((2, "two")).await;
    }));
    assert_eq!(g.collect::<Vec<_>>(), [(1, "one"), (2, "two")]);
}

// rule 12: a yield inside a larger expression evaluates to the sent value, left to right:
// `x = (yield 1) + (yield 2) * 10`.
#[test]
fn rule_12_yield_in_expression_is_sent_value() {
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, i32, i32>| {
        let x = co.yield_(1).await + co.yield_(2).await * 10;
        co.yield_(x).await;
        x - 1
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(g.send(3), Step::Yielded(2));
    assert_eq!(g.send(4), Step::Yielded(43));
    assert_eq!(g.send(0), Step::Complete(42));
}

// rule 12: `d[(yield)] = d[(yield)] = v` evaluates the right-hand side first, then each target
// left to right, its yield just before its store. Rust has no chained assignment; the stand-in
// writes the stores out in that order.
#[test]
fn rule_12_chained_assignment_order_stand_in() {
    let log = Log::new();
    let body_log = log.clone();
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, (), &str>| {
        let mut d = BTreeMap::new();
        let v = {
            body_log.push("rhs");
            7
        };
        for _target in 0..2 {
            let key = co.yield_(()).await;
            body_log.push(format!("store {key}"));
            d.insert(key, v);
        }
        d
    }));
    assert_eq!(g.start(), Step::Yielded(()));
    assert_eq!(log.take(), ["rhs"]);
    assert_eq!(g.send("a"), Step::Yielded(()));
    assert_eq!(log.take(), ["store a"]);
    assert_eq!(
        g.send("b"),
        Step::Complete(BTreeMap::from([("a", 7), ("b", 7)]))
    );
    assert_eq!(log.take(), ["store b"]);
}

// rule 13: `return v` reports `Complete(v)` whether the final resume is `next` or `send`.
#[test]
fn rule_13_return_value_via_next_and_send() {
    let by_next = cogen::pin!(generator(async |mut co| {
        co.yield_(1).await;
        "by next"
    }));
    assert_eq!(by_next.resume(), Step::Yielded(1));
    assert_eq!(by_next.resume(), Step::Complete("by next"));

    let by_send = cogen::pin!(coroutine(async |mut co: Co<'_, u32, u32>| {
        let got = co.yield_(1).await;
        format!("got {got}")
    }));
    assert_eq!(by_send.start(), Step::Yielded(1));
    assert_eq!(by_send.send(9), Step::Complete("got 9".to_string()));

    let at_once = cogen::pin!(generator(async |_co: Co<'_, u32>| 5));
    assert_eq!(at_once.resume(), Step::Complete(5));
}

// rule 14: falling off the end gives `Complete(())`, exactly once; every later resume, by
// `next` or `send`, is `Exhausted`.
#[test]
fn rule_14_value_delivered_only_once() {
    let g = cogen::pin!(generator(async |mut co| co.yield_(1).await));
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(g.resume(), Step::Complete(()));
    assert_eq!(g.resume(), Step::Exhausted);
    assert_eq!(g.send(()), Step::Exhausted);
    assert_eq!(
        g.take_return(),
        None,
        "already delivered by the Complete step"
    );

    let c = cogen::pin!(coroutine(async |mut co: Co<'_, (), u32>| {
        co.yield_(()).await * 2
    }));
    assert_eq!(c.start(), Step::Yielded(()));
    assert_eq!(c.send(21), Step::Complete(42));
    assert_eq!(c.send(21), Step::Exhausted);
    assert_eq!(c.resume(), Step::Exhausted);
}

// rule 14: `for`, `collect` and `sum` discard the return value; `take_return` hands it over
// afterwards, exactly once, and has nothing before the end.
#[test]
fn rule_14_loops_discard_return_value_take_return_keeps_it() {
    let make = || {
        generator(async |mut co| {
            co.yield_(1).await;
            co.yield_(2).await;
            "total: 3"
        })
        .boxed()
    };

    let mut g = make();
    assert_eq!(g.next(), Some(1));
    assert_eq!(g.take_return(), None, "not finished yet");
    let mut seen = Vec::new();
    for x in &mut g {
        seen.push(x);
    }
    assert_eq!(seen, [2]);
    assert_eq!(g.take_return(), Some("total: 3"));
    assert_eq!(g.take_return(), None);
    assert_eq!(g.next(), None);
    assert_eq!(g.take_return(), None);

    let mut g = make();
    assert_eq!(g.by_ref().collect::<Vec<_>>(), [1, 2]);
    assert_eq!(g.take_return(), Some("total: 3"));

    let mut g = make();
    assert_eq!(g.by_ref().sum::<i32>(), 3);
    assert_eq!(g.take_return(), Some("total: 3"));
    assert_eq!(
        g.resume(),
        Step::Exhausted,
        "the value is not delivered twice"
    );
}

// rule 14: a return value kept for `take_return` belongs to the generator until taken: it is
// dropped exactly once, with the generator if nobody takes it, and not when it is taken.
#[test]
fn rule_14_a_kept_return_value_is_dropped_once() {
    let log = Log::new();
    // Yields once, then returns a value that logs when it is dropped.
    let returning_a_guard = || {
        let l = log.clone();
        generator(async move |mut co| {
            co.yield_(1).await;
            l.finally("return value")
        })
        .boxed()
    };
    let mut g = returning_a_guard();
    assert_eq!(g.by_ref().count(), 1);
    assert_eq!(log.take(), Vec::<&str>::new(), "kept, not dropped");
    drop(g);
    assert_eq!(log.take(), ["return value"], "dropped with the generator");

    let mut g = returning_a_guard();
    assert_eq!(g.by_ref().count(), 1);
    let value = g.take_return().expect("the return value was kept");
    drop(g);
    assert_eq!(
        log.take(),
        Vec::<&str>::new(),
        "taken, so not dropped with the generator"
    );
    drop(value);
    assert_eq!(log.take(), ["return value"]);
}

// rule 15: a returned tuple or list comes back unchanged, not unpacked; so does a value that
// looks like the protocol's own end markers (Python's returned `StopIteration` instance).
#[test]
fn rule_15_special_return_values_unchanged() {
    let tuple = cogen::pin!(generator(async |_co: Co<'_, u32>| (1, 2)));
    assert_eq!(tuple.resume(), Step::Complete((1, 2)));

    let mut list = cogen::pin!(generator(async |mut co: Co<'_, u32>| {
        co.yield_(0).await;
        vec![1, 2, 3]
    }));
    assert_eq!(list.by_ref().count(), 1);
    assert_eq!(list.take_return(), Some(vec![1, 2, 3]));

    let none = cogen::pin!(generator(async |_co: Co<'_, u32>| None::<u32>));
    assert_eq!(none.resume(), Step::Complete(None));
    assert_eq!(none.resume(), Step::Exhausted);

    let step = cogen::pin!(generator(async |_co: Co<'_, u32>| {
        Step::<u32, u32>::Exhausted
    }));
    assert_eq!(step.resume(), Step::Complete(Step::Exhausted));
}
