//! Group 5 of the spec: `throw` (PEP 342), rules 20-26.
//!
//! Errors are `Rc<String>` where identity matters: Python's "the same object" is
//! `Rc::ptr_eq`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use cogen::{Co, GenState, Interrupt, Step, coroutine};

use crate::support::Log;

fn error(text: &str) -> Rc<String> {
    Rc::new(text.to_string())
}

/// The error a step raised; fails the test on any other step.
fn raised<Y: std::fmt::Debug, R: std::fmt::Debug, E>(step: Step<Y, R, E>) -> E {
    match step {
        Step::Raised(e) => e,
        Step::Yielded(y) => panic!("expected Step::Raised, got Step::Yielded({y:?})"),
        Step::Complete(r) => panic!("expected Step::Raised, got Step::Complete({r:?})"),
        Step::Exhausted => panic!("expected Step::Raised, got Step::Exhausted"),
    }
}

// rule 20: a caught throw that yields: `throw()` returns that value and the generator keeps
// working.
#[test]
fn rule_20_throw_caught_yields() {
    let log = Log::new();
    let g = cogen::pin!(coroutine(
        async |mut co: Co<'_, &'static str, (), Rc<String>>| {
            loop {
                match co.yield_("ready").catch().await {
                    Ok(()) => log.push("sent"),
                    Err(Interrupt::Throw(e)) => {
                        log.push(format!("caught {e}"));
                        co.yield_("handled").await;
                    }
                    Err(Interrupt::Close) => return,
                }
            }
        }
    ));
    assert_eq!(g.start(), Step::Yielded("ready"));
    assert_eq!(g.throw(error("boom")), Step::Yielded("handled"));
    assert_eq!(log.take(), ["caught boom"]);
    assert_eq!(g.state(), GenState::Suspended);

    // Keeps working: sends, and further throws.
    assert_eq!(g.send(()), Step::Yielded("ready"));
    assert_eq!(g.send(()), Step::Yielded("ready"));
    assert_eq!(log.take(), ["sent"]);
    assert_eq!(g.throw(error("again")), Step::Yielded("handled"));
    assert_eq!(log.take(), ["caught again"]);
    assert_eq!(g.send(()), Step::Yielded("ready"));
    assert_eq!(g.close(), Ok(Some(()))); // the body's `Close` arm returns
}

// rule 21: an uncaught throw comes back as the same object after the `finally` blocks ran
// innermost first; the generator is closed.
#[test]
fn rule_21_throw_uncaught_finishes() {
    let log = Log::new();
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, i32, (), Rc<String>>| {
        let _outer = log.finally("outer finally");
        {
            let _inner = log.finally("inner finally");
            co.yield_(1).await;
            log.push("after yield");
        }
        log.push("after block");
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    let e = error("boom");
    let back = raised(g.throw(e.clone()));
    assert!(
        Rc::ptr_eq(&e, &back),
        "throw must give back the same error value"
    );
    assert_eq!(log.take(), ["inner finally", "outer finally"]);
    assert_eq!(g.state(), GenState::Closed);

    // Closed: next and send report exhaustion, a later throw re-raises its argument without
    // running code, and close is a no-op.
    assert_eq!(g.resume(), Step::Exhausted);
    assert_eq!(g.send(()), Step::Exhausted);
    let later = error("later");
    let back = raised(g.throw(later.clone()));
    assert!(Rc::ptr_eq(&later, &back));
    assert_eq!(g.close(), Ok(None));
    assert!(log.take().is_empty());
}

// rule 21: the same through a boxed, type-erased handle.
#[test]
fn rule_21_throw_uncaught_finishes_boxed() {
    let log = Log::new();
    let g = coroutine(async |mut co: Co<'_, i32, (), Rc<String>>| {
        let _f = log.finally("finally");
        co.yield_(1).await;
        co.yield_(2).await;
    })
    .boxed_dyn();
    assert_eq!(g.start(), Step::Yielded(1));
    let e = error("boom");
    assert!(Rc::ptr_eq(&e, &raised(g.throw(e.clone()))));
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.resume(), Step::Exhausted);
}

// rule 21: a handler that re-raises the thrown error (`except E: ...; raise`) also gives back
// the same object, after its own code and the `finally` blocks.
#[test]
fn rule_21_throw_reraised_by_handler_is_same_object() {
    let log = Log::new();
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, i32, (), Rc<String>>| {
        let _f = log.finally("finally");
        if let Err(interrupt) = co.yield_(1).catch().await {
            log.push("handler");
            co.raise::<()>(interrupt).await;
        }
        log.push("not reached");
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    let e = error("boom");
    assert!(Rc::ptr_eq(&e, &raised(g.throw(e.clone()))));
    assert_eq!(log.take(), ["handler", "finally"]);
    assert_eq!(g.state(), GenState::Closed);
}

// rule 22: the handler raises a different error: that one escapes `throw()`, the generator is
// closed. (Python also chains `__context__`; here the new error carries what it wants.)
#[test]
fn rule_22_throw_caught_raises_other() {
    let log = Log::new();
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, i32, (), String>| {
        let _f = log.finally("finally");
        match co.yield_(1).catch().await {
            Err(Interrupt::Throw(e)) => {
                co.raise(Interrupt::Throw(format!("handler failed on {e}")))
                    .await
            }
            Err(Interrupt::Close) | Ok(()) => log.push("not reached"),
        }
        co.yield_(2).await;
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(
        g.throw("boom".to_string()),
        Step::Raised("handler failed on boom".to_string())
    );
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.resume(), Step::Exhausted);
}

// rule 22: a body whose return type is a `Result` can also "raise" by returning `Err`; that is a
// return as far as the generator is concerned (`Step::Complete(Err(..))`), and it is closed.
#[test]
fn rule_22_throw_caught_returns_err() {
    let g = cogen::pin!(coroutine(
        async |mut co: Co<'_, i32, (), String>| -> Result<(), String> {
            if let Err(Interrupt::Throw(e)) = co.yield_(1).catch().await {
                return Err(format!("handler failed on {e}"));
            }
            Ok(())
        }
    ));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(
        g.throw("boom".to_string()),
        Step::Complete(Err("handler failed on boom".to_string()))
    );
    assert_eq!(g.state(), GenState::Closed);
}

// rule 22: a Rust panic in the handler propagates out of `throw()` and closes the generator.
#[test]
fn rule_22_panic_in_handler_propagates_and_closes() {
    let log = Log::new();
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, i32, (), String>| {
        let _f = log.finally("finally");
        if co.yield_(1).catch().await.is_err() {
            panic!("handler panicked");
        }
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    let payload = catch_unwind(AssertUnwindSafe(|| g.throw("boom".to_string())))
        .expect_err("the panic must reach the thrower");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"handler panicked"));
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.resume(), Step::Exhausted);
}

// rule 23: the handler returns: `throw()` reports the return value, the generator is closed.
#[test]
fn rule_23_throw_caught_returns() {
    let log = Log::new();
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, i32, (), String>| {
        let _f = log.finally("finally");
        loop {
            if let Err(Interrupt::Throw(e)) = co.yield_(1).catch().await {
                log.push(format!("handler {e}"));
                return 42;
            }
        }
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(g.throw("stop".to_string()), Step::Complete(42));
    assert_eq!(log.take(), ["handler stop", "finally"]);
    assert_eq!(g.state(), GenState::Closed);
    // The return value is reported once.
    assert_eq!(g.resume(), Step::Exhausted);
}

// rule 23: a bare return (Python's `StopIteration` with `value None`) is `Complete(())`.
#[test]
fn rule_23_throw_caught_bare_return() {
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, i32, (), String>| {
        if co.yield_(1).catch().await.is_err() {
            return;
        }
        co.yield_(2).await;
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(g.throw("stop".to_string()), Step::Complete(()));
    assert_eq!(g.state(), GenState::Closed);
}

// rule 24: `throw` into a just-created generator runs no body code, not even the drop guards
// the body would create (its `finally`), and closes it. The body's captures are dropped: that
// is not body code.
#[test]
fn rule_24_throw_into_created_runs_nothing() {
    let log = Log::new();
    let body_log = log.clone();
    let captured = log.finally("captures dropped");
    let g = cogen::pin!(coroutine(
        async move |mut co: Co<'_, i32, (), Rc<String>>| {
            let _captured = captured;
            body_log.push("body ran");
            let _f = body_log.finally("finally");
            if co.yield_(1).catch().await.is_err() {
                body_log.push("handler");
            }
        }
    ));
    let e = error("boom");
    assert!(Rc::ptr_eq(&e, &raised(g.throw(e.clone()))));
    assert_eq!(log.take(), ["captures dropped"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.resume(), Step::Exhausted);
    assert!(log.take().is_empty());
}

// rule 24: `throw` into a finished generator just gives its argument back.
#[test]
fn rule_24_throw_into_finished_raises_argument() {
    let log = Log::new();
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, i32, (), Rc<String>>| {
        let _f = log.finally("finally");
        if co.yield_(1).catch().await.is_err() {
            log.push("handler");
        }
        "done"
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(g.send(()), Step::Complete("done"));
    assert_eq!(log.take(), ["finally"]);
    for _ in 0..2 {
        let e = error("late");
        assert!(Rc::ptr_eq(&e, &raised(g.throw(e.clone()))));
    }
    assert!(log.take().is_empty());
    assert_eq!(g.state(), GenState::Closed);
}

// rule 25: `throw(instance)` raises that exact instance: the body's handler receives the very
// value that was thrown.
#[test]
fn rule_25_handler_receives_the_thrown_instance() {
    let g = cogen::pin!(coroutine(
        async |mut co: Co<'_, Option<Rc<String>>, (), Rc<String>>| {
            if let Err(Interrupt::Throw(e)) = co.yield_(None).catch().await {
                co.yield_(Some(e)).await;
            }
        }
    ));
    assert_eq!(g.start(), Step::Yielded(None));
    let e = error("boom");
    let Step::Yielded(Some(seen)) = g.throw(e.clone()) else {
        panic!("the handler should have yielded the error");
    };
    assert!(
        Rc::ptr_eq(&e, &seen),
        "the body must see the thrown instance"
    );
    // Both handles to it are the only ones left: nothing was cloned or kept.
    assert_eq!(Rc::strong_count(&e), 2);
}

// rule 26: a thrown error is matched by the handlers around the yield like a raise at that
// point: a handler that matches handles it, anything else goes on.
#[test]
fn rule_26_handlers_match_the_thrown_value() {
    #[derive(Debug, PartialEq)]
    enum Error {
        Retry,
        Fatal,
    }
    let log = Log::new();
    let g = cogen::pin!(coroutine(
        async |mut co: Co<'_, &'static str, (), Error>| {
            let _f = log.finally("finally");
            loop {
                match co.yield_("ready").catch().await {
                    Ok(()) => {}
                    Err(Interrupt::Throw(Error::Retry)) => log.push("retry handled"),
                    Err(other) => co.raise(other).await,
                }
            }
        }
    ));
    assert_eq!(g.start(), Step::Yielded("ready"));
    assert_eq!(g.throw(Error::Retry), Step::Yielded("ready"));
    assert_eq!(log.take(), ["retry handled"]);
    assert_eq!(g.throw(Error::Fatal), Step::Raised(Error::Fatal));
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(g.state(), GenState::Closed);
}

// rule 26: an interrupt propagated with `?` unwinds the inner scope (its `finally` runs) before
// an outer handler sees it, as a raise at the yield would.
#[test]
fn rule_26_inner_finally_runs_before_outer_handler() {
    let log = Log::new();
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, i32, (), String>| {
        let _outer = log.finally("outer finally");
        let inner: Result<(), Interrupt<String>> = async {
            let _inner = log.finally("inner finally");
            co.yield_(1).catch().await?;
            log.push("not reached");
            Ok(())
        }
        .await;
        match inner {
            Err(Interrupt::Throw(e)) => log.push(format!("outer handler: {e}")),
            other => log.push(format!("unexpected {other:?}")),
        }
        co.yield_(2).await;
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(g.throw("boom".to_string()), Step::Yielded(2));
    assert_eq!(log.take(), ["inner finally", "outer handler: boom"]);
    assert_eq!(g.resume(), Step::Complete(()));
    assert_eq!(log.take(), ["outer finally"]);
}
