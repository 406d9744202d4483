//! Group 10: errors escaping the body; the generator is finished afterwards (rules 68-71).
//!
//! A Python exception leaves a body in one of three ways here: the body returns `Err(e)`
//! (`Step::Complete(Err(e))`), raises with `co.raise` (`Step::Raised(e)`), or panics (the
//! panic reaches the resumer). Each is checked.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind, panic_any};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use cogen::{BoxGen, Co, Delegate, GenState, Input, Interrupt, Step, coroutine};

use crate::support::Log;

/// An error thrown into or raised by the bodies below.
#[derive(Debug, Clone, PartialEq)]
struct Oops(&'static str);

/// Python's "a called function raised": fails on odd input.
fn check_even(n: u32) -> Result<u32, Oops> {
    if n % 2 == 0 { Ok(n) } else { Err(Oops("odd")) }
}

/// Python's "a called function raised", as a panic.
fn check_even_or_panic(n: u32) -> u32 {
    if n % 2 == 1 {
        panic_any(Oops("odd"));
    }
    n
}

// rule 68: an error returned by the body (here from a called function, with `?`) reaches the
// resumer after the body's finally ran; the generator is then closed.
#[test]
fn rule_68_returned_error_escapes_after_finally() {
    let log = Log::new();
    let body_log = log.clone();
    let g = cogen::pin!(coroutine(
        async move |mut co: Co<'_, u32, u32>| -> Result<(), Oops> {
            let _finally = body_log.finally("finally");
            let mut n = co.yield_(0).await;
            loop {
                n = co.yield_(check_even(n)?).await;
            }
        }
    ));
    assert_eq!(g.start(), Step::Yielded(0));
    assert_eq!(g.send(2), Step::Yielded(2));
    assert!(log.take().is_empty());
    assert_eq!(g.send(3), Step::Complete(Err(Oops("odd"))));
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.send(4), Step::Exhausted);
    assert_eq!(g.close(), Ok(None));
    assert!(log.take().is_empty());
}

// rule 68: an error raised with `co.raise` is reported as `Raised` by that resume (`next` or
// `send`), after the finally; the generator is then closed.
#[test]
fn rule_68_raised_error_escapes_after_finally() {
    let log = Log::new();
    let body_log = log.clone();
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, u32, u32, Oops>| {
        let _finally = body_log.finally("finally");
        let mut n = co.yield_(0).await;
        loop {
            match check_even(n) {
                Ok(even) => n = co.yield_(even).await,
                Err(e) => co.raise(Interrupt::Throw(e)).await,
            }
        }
    }));
    assert_eq!(g.start(), Step::Yielded(0));
    assert_eq!(g.send(2), Step::Yielded(2));
    assert_eq!(g.send(3), Step::Raised(Oops("odd")));
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.send(4), Step::Exhausted);
    assert_eq!(g.close(), Ok(None));
    assert!(log.take().is_empty());
}

// rule 68: a panic in the body (here in a called function) reaches the resumer after the
// finally ran; the generator is then closed.
#[test]
fn rule_68_panic_escapes_after_finally() {
    let log = Log::new();
    let body_log = log.clone();
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, u32, u32>| {
        let _finally = body_log.finally("finally");
        let mut n = co.yield_(0).await;
        loop {
            n = co.yield_(check_even_or_panic(n)).await;
        }
    }));
    assert_eq!(g.start(), Step::Yielded(0));
    assert_eq!(g.send(2), Step::Yielded(2));
    let payload = catch_unwind(AssertUnwindSafe(|| g.send(3))).expect_err("the panic escapes");
    log.push("caller caught");
    assert_eq!(payload.downcast_ref::<Oops>(), Some(&Oops("odd")));
    assert_eq!(log.take(), ["finally", "caller caught"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.send(4), Step::Exhausted);
    assert_eq!(g.close(), Ok(None));
}

/// How the nested-finally body fails.
#[derive(Clone, Copy, Debug)]
enum Failure {
    Returns,
    Raises,
    Panics,
}

/// A called function with its own finally, that fails the chosen way after one yield.
async fn helper(
    co: &mut Co<'_, u32, (), Rc<Oops>>,
    log: &Log,
    failure: Failure,
    error: Rc<Oops>,
) -> Result<(), Rc<Oops>> {
    let _finally = log.finally("helper finally");
    co.yield_(1).await;
    match failure {
        Failure::Returns => Err(error),
        Failure::Raises => co.raise(Interrupt::Throw(error)).await,
        Failure::Panics => panic_any(Arc::new(error.0)),
    }
}

// rule 69: every finally runs innermost first (the called function's, then the inner block's,
// then the outer one's) before the caller handles the error, which is the identical object.
#[test]
fn rule_69_finally_order_innermost_first() {
    for failure in [Failure::Returns, Failure::Raises, Failure::Panics] {
        let log = Log::new();
        let error = Rc::new(Oops("identical"));
        let (body_log, body_error) = (log.clone(), error.clone());
        let g = cogen::pin!(coroutine(
            async move |mut co: Co<'_, u32, (), Rc<Oops>>| -> Result<(), Rc<Oops>> {
                let _outer = body_log.finally("outer finally");
                {
                    let _inner = body_log.finally("inner finally");
                    helper(&mut co, &body_log, failure, body_error).await?;
                }
                body_log.push("unreachable");
                Ok(())
            }
        ));
        assert_eq!(g.resume(), Step::Yielded(1));
        let outcome = catch_unwind(AssertUnwindSafe(|| g.resume()));
        log.push("caller handler");
        match (failure, outcome) {
            (Failure::Returns, Ok(Step::Complete(Err(e)))) => assert!(Rc::ptr_eq(&e, &error)),
            (Failure::Raises, Ok(Step::Raised(e))) => assert!(Rc::ptr_eq(&e, &error)),
            (Failure::Panics, Err(payload)) => {
                let payload = payload
                    .downcast::<Arc<&str>>()
                    .expect("the panic's own payload");
                assert_eq!(**payload, "identical");
            }
            (failure, outcome) => panic!("{failure:?}: unexpected {outcome:?}"),
        }
        assert_eq!(
            log.take(),
            [
                "helper finally",
                "inner finally",
                "outer finally",
                "caller handler"
            ],
            "{failure:?}"
        );
        assert_eq!(g.state(), GenState::Closed);
    }
}

// rule 69: a panic payload reaches the caller as the identical object.
#[test]
fn rule_69_panic_payload_is_identical() {
    let payload = Arc::new(7);
    let thrown = payload.clone();
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, u32>| {
        co.yield_(1).await;
        panic_any(thrown)
    }));
    assert_eq!(g.resume(), Step::Yielded(1));
    let caught = catch_unwind(AssertUnwindSafe(|| g.resume())).expect_err("panics");
    let caught = caught
        .downcast::<Arc<i32>>()
        .expect("the panic's own payload");
    assert!(Arc::ptr_eq(&caught, &payload));
}

/// An error that can chain the error being handled when it was raised: the explicit stand-in
/// for Python's implicit `__context__`.
#[derive(Debug, Clone, PartialEq)]
struct Chained {
    what: &'static str,
    context: Option<Box<Chained>>,
}

impl Chained {
    fn new(what: &'static str) -> Self {
        Chained {
            what,
            context: None,
        }
    }

    fn during(what: &'static str, handling: Chained) -> Self {
        Chained {
            what,
            context: Some(Box::new(handling)),
        }
    }
}

impl fmt::Display for Chained {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.what)
    }
}

impl std::error::Error for Chained {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.context
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

// rule 69: raising a new error while handling one chains it (explicitly, through `source`).
#[test]
fn rule_69_reraise_with_new_error_chains_context() {
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, u32, (), Chained>| {
        if let Err(Interrupt::Throw(handling)) = co.yield_(1).catch().await {
            let new = Chained::during("while handling", handling);
            co.raise::<()>(Interrupt::Throw(new)).await;
        }
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    let raised = g.throw(Chained::new("thrown")).raised().expect("raises");
    assert_eq!(raised.what, "while handling");
    let context = std::error::Error::source(&raised).expect("chained");
    assert_eq!(context.to_string(), "thrown");
    assert_eq!(g.state(), GenState::Closed);
}

/// How the pipeline's source fails.
#[derive(Clone, Copy, Debug)]
enum SourceFails {
    ByRaise,
    ByPanic,
}

/// A pipeline stage the test keeps a handle to, to check its state afterwards.
type Stage = Rc<BoxGen<'static, u32, (), (), Oops>>;

/// Yields 1, 2, 3, … and fails when it reaches `fail_at`.
fn source(log: &Log, fail_at: u32, fails: SourceFails) -> Stage {
    let log = log.clone();
    Rc::new(
        coroutine(async move |mut co: Co<'_, u32, (), Oops>| {
            let _finally = log.finally("source finally");
            for i in 1.. {
                if i == fail_at {
                    match fails {
                        SourceFails::ByRaise => {
                            co.raise::<()>(Interrupt::Throw(Oops("source failed")))
                                .await
                        }
                        SourceFails::ByPanic => panic_any(Oops("source failed")),
                    }
                }
                co.yield_(i).await;
            }
        })
        .boxed_dyn(),
    )
}

/// Pulls from `upstream` (Python's `for x in upstream:`), passing on what `keep` accepts,
/// mapped; an error from upstream is re-raised.
fn stage(log: &Log, name: &'static str, upstream: Stage, map: fn(u32) -> Option<u32>) -> Stage {
    let log = log.clone();
    Rc::new(
        coroutine(async move |mut co: Co<'_, u32, (), Oops>| {
            let _finally = log.finally(name);
            loop {
                match upstream.resume() {
                    Step::Yielded(x) => {
                        if let Some(y) = map(x) {
                            co.yield_(y).await;
                        }
                    }
                    Step::Raised(e) => co.raise(Interrupt::Throw(e)).await,
                    Step::Complete(()) | Step::Exhausted => return,
                }
            }
        })
        .boxed_dyn(),
    )
}

// rule 70: an error in the source of a pipeline propagates through every generator pulling
// from it; each finally runs, starting at the source, and all end closed.
#[test]
fn rule_70_error_through_pipeline() {
    for fails in [SourceFails::ByRaise, SourceFails::ByPanic] {
        let log = Log::new();
        let src = source(&log, 6, fails);
        let odd = stage(&log, "filter finally", src.clone(), |x| {
            (x % 2 == 1).then_some(x)
        });
        let sink = stage(&log, "sink finally", odd.clone(), |x| Some(x * 10));
        assert_eq!(sink.resume(), Step::Yielded(10));
        assert_eq!(sink.resume(), Step::Yielded(30));
        assert_eq!(sink.resume(), Step::Yielded(50));
        assert!(log.take().is_empty());
        let outcome = catch_unwind(AssertUnwindSafe(|| sink.resume()));
        match (fails, outcome) {
            (SourceFails::ByRaise, Ok(step)) => {
                assert_eq!(step, Step::Raised(Oops("source failed")));
            }
            (SourceFails::ByPanic, Err(payload)) => {
                assert_eq!(payload.downcast_ref(), Some(&Oops("source failed")));
            }
            (fails, outcome) => panic!("{fails:?}: unexpected {outcome:?}"),
        }
        assert_eq!(
            log.take(),
            ["source finally", "filter finally", "sink finally"],
            "{fails:?}"
        );
        for stage in [&src, &odd, &sink] {
            assert_eq!(stage.state(), GenState::Closed, "{fails:?}");
            assert_eq!(stage.resume(), Step::Exhausted);
        }
    }
}

/// Lets a body `yield_from` a stage the test still holds.
struct Shared(Stage);

impl Delegate for Shared {
    type Yield = u32;
    type Resume = ();
    type Return = ();
    type Error = Oops;

    fn step(self: Pin<&mut Self>, input: Input<(), Oops>) -> Step<u32, (), Oops> {
        self.0.try_resume(input).expect("the stage is not running")
    }
}

// rule 70: the same through a chain of delegations (`yield from`): the error raised in the
// source leaves every delegator, innermost finally first.
#[test]
fn rule_70_error_through_delegation_chain() {
    let log = Log::new();
    let src = source(&log, 3, SourceFails::ByRaise);
    let delegate = |name: &'static str, upstream: &Stage| -> Stage {
        let (log, upstream) = (log.clone(), upstream.clone());
        Rc::new(
            coroutine(async move |mut co: Co<'_, u32, (), Oops>| {
                let _finally = log.finally(name);
                co.yield_from(Shared(upstream)).await;
            })
            .boxed_dyn(),
        )
    };
    let middle = delegate("middle finally", &src);
    let outer = delegate("outer finally", &middle);
    assert_eq!(outer.resume(), Step::Yielded(1));
    assert!(outer.is_delegating() && middle.is_delegating());
    assert_eq!(outer.resume(), Step::Yielded(2));
    assert_eq!(outer.resume(), Step::Raised(Oops("source failed")));
    assert_eq!(
        log.take(),
        ["source finally", "middle finally", "outer finally"]
    );
    for stage in [&src, &middle, &outer] {
        assert_eq!(stage.state(), GenState::Closed);
        assert!(!stage.is_delegating());
    }
}

// rule 71: the error a body is handling survives a yield: after resuming, re-raising it gives
// the caller the identical object, whatever the caller did in between.
#[test]
fn rule_71_handled_error_survives_yield() {
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, &str, (), Rc<Oops>>| {
        if let Err(Interrupt::Throw(handling)) = co.yield_("ready").catch().await {
            co.yield_("handling").await;
            co.yield_("still handling").await;
            co.raise::<()>(Interrupt::Throw(handling)).await;
        }
    }));
    let error = Rc::new(Oops("first"));
    assert_eq!(g.start(), Step::Yielded("ready"));
    assert_eq!(g.throw(error.clone()), Step::Yielded("handling"));
    // The caller handles an error of its own meanwhile; nothing of it reaches the body.
    let _caller_handling = Rc::new(Oops("caller's own"));
    assert_eq!(g.resume(), Step::Yielded("still handling"));
    let raised = g.resume().raised().expect("re-raises");
    assert!(Rc::ptr_eq(&raised, &error));
}

// rule 71: a delegator suspended in `yield_from` inside its handler gives a thrown error that
// its sub-generator lets through the error it is handling as context (explicitly).
#[test]
fn rule_71_delegator_in_handler_gives_context() {
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, &str, (), Chained>| {
        if let Err(Interrupt::Throw(handling)) = co.yield_("ready").catch().await {
            let sub = coroutine(async |mut co: Co<'_, &str, (), Chained>| {
                co.yield_("sub").await;
            });
            if let Err(Interrupt::Throw(e)) = co.yield_from(sub).catch().await {
                let chained = Chained {
                    context: Some(Box::new(handling)),
                    ..e
                };
                co.raise::<()>(Interrupt::Throw(chained)).await;
            }
        }
    }));
    assert_eq!(g.start(), Step::Yielded("ready"));
    assert_eq!(g.throw(Chained::new("first")), Step::Yielded("sub"));
    assert!(g.is_delegating());
    assert_eq!(
        g.throw(Chained::new("second")),
        Step::Raised(Chained::during("second", Chained::new("first")))
    );
}
