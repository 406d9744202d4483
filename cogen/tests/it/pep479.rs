//! Group 11: PEP 479, `StopIteration` inside generators (rules 72-77).
//!
//! Rust has no `StopIteration` to leak: a body ends by returning, and `?` on an `Option` or a
//! `Result` is an ordinary return (the README's Python → cogen table). What PEP 479 protects,
//! that a generator cut short by an inner iterator running dry is not mistaken for one that
//! finished, holds here through the return value: the consumer sees how the body ended. These
//! tests pin that stand-in, rule by rule.

use std::convert::Infallible;
use std::panic::{AssertUnwindSafe, catch_unwind, panic_any};

use cogen::{Co, GenState, Interrupt, Step, coroutine, generator, iter};

use crate::support::Log;

/// An error thrown into or raised by the bodies below.
#[derive(Debug, Clone, PartialEq)]
struct Oops(&'static str);

/// Yields what `inner` gives, taking each item with `?`: an inner `next()` that finds the
/// iterator exhausted ends the body with `None`, where running to the end returns `Some(())`.
fn relay(
    inner: impl Iterator<Item = u32>,
    stop_after: usize,
) -> impl cogen::Generator<Yield = u32, Resume = (), Return = Option<()>, Error = Infallible> {
    generator(async move |mut co: Co<'_, u32>| -> Option<()> {
        let mut inner = inner;
        for _ in 0..stop_after {
            let item = inner.next()?;
            co.yield_(item).await;
        }
        Some(())
    })
}

// rules 72, 73: an inner `next()` on an exhausted iterator delivers the values so far, then
// ends the body with a return value that says so: not a silent truncation that looks like the
// end of the data, since a body that ran to its end returns something else.
#[test]
fn rule_73_exhausted_inner_iterator_ends_the_body_visibly() {
    let cut_short = cogen::pin!(relay([1, 2].into_iter(), 5));
    assert_eq!(cut_short.resume(), Step::Yielded(1));
    assert_eq!(cut_short.resume(), Step::Yielded(2));
    assert_eq!(cut_short.resume(), Step::Complete(None));
    assert_eq!(cut_short.state(), GenState::Closed);
    assert_eq!(cut_short.resume(), Step::Exhausted);

    let ran_to_its_end = cogen::pin!(relay([1, 2].into_iter(), 2));
    assert_eq!(ran_to_its_end.resume(), Step::Yielded(1));
    assert_eq!(ran_to_its_end.resume(), Step::Yielded(2));
    assert_eq!(ran_to_its_end.resume(), Step::Complete(Some(())));
}

// rules 72, 73: consumed as an `Iterator`, both end the loop, and `take_return` tells them
// apart (Python's consumer would see `RuntimeError` for the first).
#[test]
fn rule_73_iterator_consumer_can_tell_a_cut_short_body() {
    let mut cut_short = cogen::pin!(relay([1, 2].into_iter(), 5));
    assert_eq!(cut_short.by_ref().collect::<Vec<_>>(), [1, 2]);
    assert_eq!(cut_short.take_return(), Some(None));

    let mut finished = cogen::pin!(relay([1, 2, 3].into_iter(), 3));
    assert_eq!(finished.by_ref().collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(finished.take_return(), Some(Some(())));
}

// rule 74: `return` is a plain end (its value delivered once), and an inner iterator's end
// handled inside the body is ordinary: the body goes on.
#[test]
fn rule_74_return_and_handled_inner_end_are_ordinary() {
    let g = cogen::pin!(generator(async |mut co: Co<'_, u32>| {
        let mut inner = [7].into_iter();
        co.yield_(inner.next().unwrap_or(0)).await;
        // The inner iterator is exhausted; the body handles it (`next(it, default)`).
        co.yield_(inner.next().unwrap_or(0)).await;
        "done"
    }));
    assert_eq!(g.resume(), Step::Yielded(7));
    assert_eq!(g.resume(), Step::Yielded(0));
    assert_eq!(g.resume(), Step::Complete("done"));
    assert_eq!(g.resume(), Step::Exhausted);
}

// rule 75: an error thrown in and not handled ends the generator, which reports it and is
// closed; handled around the yield, it is like any other error.
#[test]
fn rule_75_thrown_error_unhandled_closes_handled_continues() {
    let unhandled = cogen::pin!(coroutine(async |mut co: Co<'_, u32, (), Oops>| {
        co.yield_(1).await;
        co.yield_(2).await;
    }));
    assert_eq!(unhandled.resume(), Step::Yielded(1));
    assert_eq!(unhandled.throw(Oops("stop")), Step::Raised(Oops("stop")));
    assert_eq!(unhandled.state(), GenState::Closed);
    assert_eq!(unhandled.resume(), Step::Exhausted);

    let handled = cogen::pin!(coroutine(async |mut co: Co<'_, u32, (), Oops>| {
        match co.yield_(1).catch().await {
            Err(Interrupt::Throw(Oops(what))) => co.yield_(what.len() as u32).await,
            other => panic!("expected the thrown error, got {other:?}"),
        }
    }));
    assert_eq!(handled.resume(), Step::Yielded(1));
    assert_eq!(handled.throw(Oops("stop")), Step::Yielded(4));
    assert_eq!(handled.state(), GenState::Suspended);
}

// rule 76: the body ends after its finally blocks ran, and what they saw is what the consumer
// gets: the original error, not a converted one.
#[test]
fn rule_76_end_comes_after_finally_with_the_original_error() {
    let log = Log::new();
    let body_log = log.clone();
    let g = cogen::pin!(generator(
        async move |mut co: Co<'_, u32>| -> Result<(), Oops> {
            let _finally = body_log.finally("finally");
            for step in [Ok(1), Err(Oops("inner failed"))] {
                co.yield_(step?).await;
            }
            Ok(())
        }
    ));
    assert_eq!(g.resume(), Step::Yielded(1));
    assert!(log.take().is_empty());
    assert_eq!(g.resume(), Step::Complete(Err(Oops("inner failed"))));
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(g.state(), GenState::Closed);
}

// rule 77: a generator expression whose element expression fails delivers the values before
// the failure, then the failure reaches the consumer (a panic: an element expression has no
// error channel) and nothing after it is computed.
#[test]
fn rule_77_genexp_failure_after_the_available_values() {
    let computed = Log::new();
    let seen = computed.clone();
    let mut g = iter!({
        seen.push(format!("{x}"));
        if x == 3 {
            panic_any(Oops("element failed"));
        }
        x * 10
    } for x in 1..=5);
    assert_eq!(g.next(), Some(10));
    assert_eq!(g.next(), Some(20));
    let payload = catch_unwind(AssertUnwindSafe(|| g.next())).expect_err("the failure escapes");
    assert_eq!(payload.downcast_ref(), Some(&Oops("element failed")));
    assert_eq!(computed.take(), ["1", "2", "3"]);
}
