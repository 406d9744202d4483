//! Group 12 of the spec: async generators (PEP 525), rules 78-91.
//!
//! Most tests run on `futures::executor::block_on` (Miri runs them); where a test must see an
//! exact `Pending` it polls by hand with [`poll_once`]. The tokio tests at the end prove the
//! same on a real runtime (`Send` across a multi-thread runtime, timers, `select!`).
//!
//! Rules 88 and 89 (finalizer hooks, loop-scheduled `aclose` of abandoned generators) have no
//! counterpart: cogen has no garbage collector, and a drop cannot await. Their tests check what
//! stands in their place, `aclosing`.

use std::cell::{Cell, RefCell};
use std::future::{Future, ready};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use futures::executor::block_on;
use futures::stream::{FusedStream, Stream, StreamExt};

use cogen::{
    CloseError, Co, GenState, Generator, Input, Interrupt, ResumeError, Step, aclosing,
    async_coroutine, async_generator, generator,
};

use crate::support::{Log, panic_message};

// ---------------------------------------------------------------------------------------------
// Fixtures (also used by `coro.rs`)

/// Polls `future` once with a waker that does nothing.
pub(crate) fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

/// A waker that counts its wake-ups.
#[derive(Default)]
pub(crate) struct CountingWaker(AtomicUsize);

impl CountingWaker {
    pub(crate) fn new() -> (Arc<Self>, Waker) {
        let counter = Arc::new(CountingWaker::default());
        let waker = Waker::from(counter.clone());
        (counter, waker)
    }

    pub(crate) fn wakes(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Pending once (waking its task at once), then ready: the smallest "await something on the
/// executor", Python's `await asyncio.sleep(0)`.
pub(crate) fn yield_now() -> impl Future<Output = ()> {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
}

/// A one-shot-per-wait event a test sets by hand: `wait()` is pending until `set()`, and
/// consumes the event (the next `wait()` is pending again).
#[derive(Clone, Default)]
pub(crate) struct Signal(Rc<(Cell<bool>, RefCell<Option<Waker>>)>);

impl Signal {
    pub(crate) fn set(&self) {
        self.0.0.set(true);
        if let Some(waker) = self.0.1.borrow_mut().take() {
            waker.wake();
        }
    }

    pub(crate) fn wait(&self) -> impl Future<Output = ()> + use<> {
        let signal = self.clone();
        std::future::poll_fn(move |cx| {
            if signal.0.0.replace(false) {
                Poll::Ready(())
            } else {
                *signal.0.1.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        })
    }
}

/// An error thrown into the bodies below.
#[derive(Debug, Clone, PartialEq)]
struct Oops(&'static str);

// ---------------------------------------------------------------------------------------------
// rule 78: agen_async_for

// rule 78: `async for` sees only the yielded items; the body's awaits suspend the task, and a
// `return` ends the iteration (its value is kept for `take_return`).
#[test]
fn rule_78_async_for_sees_items_not_awaits() {
    let log = Log::new();
    let g = pin!(async_generator(async |mut co| {
        for i in 0..3 {
            log.push(format!("await {i}"));
            yield_now().await;
            co.yield_(i).await;
        }
        "returned"
    }));
    assert!(
        log.take().is_empty(),
        "no body code runs before the first poll"
    );
    let mut g = g;
    let items = block_on(async {
        let mut items = Vec::new();
        while let Some(item) = g.next().await {
            log.push(format!("got {item}"));
            items.push(item);
        }
        items
    });
    assert_eq!(items, [0, 1, 2]);
    assert_eq!(
        log.take(),
        ["await 0", "got 0", "await 1", "got 1", "await 2", "got 2"]
    );
    assert_eq!(g.state(), GenState::Closed);
    assert!(g.is_terminated());
    assert_eq!(g.as_ref().take_return(), Some("returned"));
    assert_eq!(g.as_ref().take_return(), None, "kept once");
}

// rule 78: a body's await reaches the driver: `poll_next` is `Pending` and the task is woken
// by the awaited future, and the consumer gets the item on the next poll.
#[test]
fn rule_78_await_in_body_suspends_the_task() {
    let mut g = pin!(async_generator(async |mut co| {
        yield_now().await;
        co.yield_('a').await;
    }));
    let (counter, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    assert_eq!(g.as_mut().poll_next(&mut cx), Poll::Pending);
    assert_eq!(
        counter.wakes(),
        1,
        "the awaited future woke the consumer's task"
    );
    assert_eq!(g.state(), GenState::Running);
    assert_eq!(g.as_mut().poll_next(&mut cx), Poll::Ready(Some('a')));
    assert_eq!(g.as_mut().poll_next(&mut cx), Poll::Ready(None));
    assert_eq!(g.as_mut().poll_next(&mut cx), Poll::Ready(None));
}

// rule 78: a bare early `return` ends the iteration.
#[test]
fn rule_78_bare_return_ends_iteration() {
    let g = async_generator(async |mut co| {
        for i in 0.. {
            if i == 2 {
                return;
            }
            co.yield_(i).await;
        }
    });
    assert_eq!(block_on(g.collect::<Vec<u32>>()), [0, 1]);
}

// ---------------------------------------------------------------------------------------------
// rule 79: agen_anext_protocol

// rule 79: an `anext()` future has two channels: `Pending` (with the task woken) while the body
// awaits, and the yielded item as its output. At the end, `Complete` once, then `Exhausted`
// at once on every later call.
#[test]
fn rule_79_anext_pending_then_item_then_end() {
    let log = Log::new();
    let g = pin!(async_generator(async |mut co| {
        log.push("start");
        yield_now().await;
        log.push("after await");
        co.yield_(1).await;
        "done"
    }));
    let g = g.into_ref();
    let (counter, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);

    let mut op = g.anext();
    assert!(Pin::new(&mut op).poll(&mut cx).is_pending());
    assert_eq!(log.take(), ["start"]);
    assert_eq!(counter.wakes(), 1);
    assert_eq!(g.state(), GenState::Running, "ag_running while it awaits");
    assert_eq!(
        Pin::new(&mut op).poll(&mut cx),
        Poll::Ready(Ok(Step::Yielded(1)))
    );
    assert_eq!(log.take(), ["after await"]);
    assert_eq!(g.state(), GenState::Suspended);

    let mut op = g.anext();
    assert_eq!(
        Pin::new(&mut op).poll(&mut cx),
        Poll::Ready(Ok(Step::Complete("done")))
    );
    for _ in 0..2 {
        let mut op = g.anext();
        assert_eq!(
            Pin::new(&mut op).poll(&mut cx),
            Poll::Ready(Ok(Step::Exhausted)),
            "StopAsyncIteration at once"
        );
    }
    assert_eq!(counter.wakes(), 1);
}

// ---------------------------------------------------------------------------------------------
// rule 80: agen_asend

// rule 80: `asend(v)` delivers `v` to the suspended yield and evaluates to the next item; the
// body may await in between. The end is `Complete`, then `Exhausted`.
#[test]
fn rule_80_asend_delivers_value() {
    let g = pin!(async_coroutine(async |mut co: Co<'_, String, u32>| {
        let mut total = 0;
        for _ in 0..2 {
            let sent = co.yield_(format!("total {total}")).await;
            yield_now().await;
            total += sent;
        }
        total
    }));
    let g = g.into_ref();
    block_on(async {
        assert_eq!(g.anext().await, Ok(Step::Yielded("total 0".to_string())));
        assert_eq!(g.asend(5).await, Ok(Step::Yielded("total 5".to_string())));
        assert_eq!(g.asend(7).await, Ok(Step::Complete(12)));
        assert_eq!(g.asend(9).await, Ok(Step::Exhausted));
        assert_eq!(g.anext().await, Ok(Step::Exhausted));
    });
}

// rule 80: `asend(v)` into a fresh generator is refused (the value comes back), runs no body
// code, and leaves it usable.
#[test]
fn rule_80_asend_to_fresh_is_refused_and_leaves_it_usable() {
    let log = Log::new();
    let g = pin!(async_coroutine(async |mut co: Co<'_, u32, u32>| {
        log.push("body");
        let x = co.yield_(1).await;
        co.yield_(x + 1).await;
    }));
    let g = g.into_ref();
    block_on(async {
        assert_eq!(g.asend(5).await, Err(ResumeError::JustStarted(5)));
        assert!(log.take().is_empty());
        assert_eq!(g.state(), GenState::Created);
        assert_eq!(g.anext().await, Ok(Step::Yielded(1)));
        assert_eq!(g.asend(10).await, Ok(Step::Yielded(11)));
    });
    assert_eq!(log.take(), ["body"]);
}

// ---------------------------------------------------------------------------------------------
// rule 81: agen_athrow

/// An async generator that handles `Oops("recover")` by awaiting, then yielding (or returning
/// for `Oops("finish")`), and lets anything else propagate.
fn handler_body(
    log: &Log,
) -> cogen::AsyncGen<&'static str, (), Oops, impl Future<Output = &'static str> + '_> {
    async_coroutine(async move |mut co: Co<'_, &'static str, (), Oops>| {
        let _finally = log.finally("finally");
        loop {
            match co.yield_("ready").catch().await {
                Ok(()) => {}
                Err(Interrupt::Throw(Oops("recover"))) => {
                    log.push("handler awaits");
                    yield_now().await;
                    co.yield_("recovered").await;
                }
                Err(Interrupt::Throw(Oops("finish"))) => return "finished",
                Err(other) => co.raise(other).await,
            }
        }
    })
}

// rule 81: a caught error followed by a yield gives that value, and the handler's await
// reaches the driver.
#[test]
fn rule_81_athrow_caught_then_yield() {
    let log = Log::new();
    let g = pin!(handler_body(&log));
    let g = g.into_ref();
    assert_eq!(block_on(g.anext()), Ok(Step::Yielded("ready")));
    let (counter, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    let mut op = g.athrow(Oops("recover"));
    assert!(Pin::new(&mut op).poll(&mut cx).is_pending());
    assert_eq!(counter.wakes(), 1);
    assert_eq!(log.take(), ["handler awaits"]);
    assert_eq!(
        Pin::new(&mut op).poll(&mut cx),
        Poll::Ready(Ok(Step::Yielded("recovered")))
    );
    assert_eq!(block_on(g.anext()), Ok(Step::Yielded("ready")));
    assert!(log.take().is_empty());
}

// rule 81: a caught error followed by the end of the body ends the generator
// (`StopAsyncIteration`; cogen reports the return value).
#[test]
fn rule_81_athrow_caught_then_end() {
    let log = Log::new();
    let g = pin!(handler_body(&log));
    let g = g.into_ref();
    block_on(async {
        assert_eq!(g.anext().await, Ok(Step::Yielded("ready")));
        assert_eq!(
            g.athrow(Oops("finish")).await,
            Ok(Step::Complete("finished"))
        );
        assert_eq!(g.state(), GenState::Closed);
        assert_eq!(g.anext().await, Ok(Step::Exhausted));
    });
    assert_eq!(log.take(), ["finally"]);
}

// rule 81: an uncaught error propagates (after the `finally` blocks) and finishes the
// generator.
#[test]
fn rule_81_athrow_uncaught_propagates_and_finishes() {
    let log = Log::new();
    let g = pin!(handler_body(&log));
    let g = g.into_ref();
    block_on(async {
        assert_eq!(g.anext().await, Ok(Step::Yielded("ready")));
        assert_eq!(
            g.athrow(Oops("other")).await,
            Ok(Step::Raised(Oops("other")))
        );
        assert_eq!(log.take(), ["finally"]);
        assert_eq!(g.state(), GenState::Closed);
        assert_eq!(g.anext().await, Ok(Step::Exhausted));
        // Into a finished generator, the error comes straight back (rule 24's choice; see the
        // spec's version note on 3.11).
        assert_eq!(g.athrow(Oops("late")).await, Ok(Step::Raised(Oops("late"))));
    });
}

// rule 81: into a never-started generator the error is raised without running the body.
#[test]
fn rule_81_athrow_into_fresh_runs_nothing() {
    let log = Log::new();
    let g = pin!(handler_body(&log));
    let g = g.into_ref();
    block_on(async {
        assert_eq!(
            g.athrow(Oops("recover")).await,
            Ok(Step::Raised(Oops("recover")))
        );
        assert_eq!(g.state(), GenState::Closed);
        assert_eq!(g.anext().await, Ok(Step::Exhausted));
    });
    assert!(log.take().is_empty(), "no body code, not even `finally`");
}

// rule 81 with delegation (which Python's async generators lack, rule 91): the error travels
// into the async sub-generator, whose handler awaits and yields.
#[test]
fn rule_81_athrow_travels_into_async_sub_generator() {
    let log = Log::new();
    let g = pin!(async_coroutine(async |mut co: Co<'_, &str, (), Oops>| {
        let sub = async_coroutine(async |mut co: Co<'_, &str, (), Oops>| {
            match co.yield_("sub ready").catch().await {
                Err(Interrupt::Throw(e)) => {
                    log.push(format!("sub handles {e:?}"));
                    yield_now().await;
                    co.yield_("sub recovered").await;
                    "sub returned"
                }
                _ => "sub not thrown into",
            }
        });
        let returned = co.yield_from(sub).await;
        log.push(format!("outer got {returned}"));
    }));
    let g = g.into_ref();
    block_on(async {
        assert_eq!(g.anext().await, Ok(Step::Yielded("sub ready")));
        assert!(g.is_delegating());
        assert_eq!(
            g.athrow(Oops("x")).await,
            Ok(Step::Yielded("sub recovered"))
        );
        assert_eq!(g.anext().await, Ok(Step::Complete(())));
    });
    assert_eq!(
        log.take(),
        ["sub handles Oops(\"x\")", "outer got sub returned"]
    );
}

// ---------------------------------------------------------------------------------------------
// rule 82: agen_aclose_finally_await

// rule 82: `aclose()` raises the close request; the handler awaits (the await reaches the
// driver: `Pending`, state Running), re-raises, the `finally` runs, `aclose` gives `None`
// and the generator is closed.
#[test]
fn rule_82_aclose_cleanup_awaits() {
    let log = Log::new();
    let g = pin!(async_generator(async |mut co| {
        let _finally = log.finally("finally");
        if let Err(interrupt) = co.yield_(1).catch().await {
            log.push("cleanup starts");
            yield_now().await;
            log.push("cleanup awaited");
            co.raise::<()>(interrupt).await;
        }
        log.push("not reached");
    }));
    let g = g.into_ref();
    assert_eq!(block_on(g.anext()), Ok(Step::Yielded(1)));
    let (counter, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    let mut close = g.aclose();
    assert!(Pin::new(&mut close).poll(&mut cx).is_pending());
    assert_eq!(counter.wakes(), 1);
    assert_eq!(g.state(), GenState::Running);
    assert_eq!(log.take(), ["cleanup starts"]);
    assert_eq!(Pin::new(&mut close).poll(&mut cx), Poll::Ready(Ok(None)));
    assert_eq!(log.take(), ["cleanup awaited", "finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(block_on(g.anext()), Ok(Step::Exhausted));
}

// rule 82 (with rule 29's 3.13 choice): a handler that returns after awaiting makes `aclose`
// give the return value.
#[test]
fn rule_82_aclose_handler_returns_value() {
    let g = pin!(async_generator(async |mut co| {
        match co.yield_(1).catch().await {
            Err(Interrupt::Close) => {
                yield_now().await;
                "cleaned up"
            }
            _ => "not closed",
        }
    }));
    let g = g.into_ref();
    block_on(async {
        assert_eq!(g.anext().await, Ok(Step::Yielded(1)));
        assert_eq!(g.aclose().await, Ok(Some("cleaned up")));
        assert_eq!(g.state(), GenState::Closed);
    });
}

// rule 82: at a plain yield, `aclose` drops the body (its destructors are its `finally`).
#[test]
fn rule_82_aclose_plain_yield_runs_destructors() {
    let log = Log::new();
    let g = pin!(async_generator(async |mut co| {
        let _outer = log.finally("outer");
        let _inner = log.finally("inner");
        co.yield_(1).await;
        log.push("not reached");
    }));
    let g = g.into_ref();
    block_on(async {
        assert_eq!(g.anext().await, Ok(Step::Yielded(1)));
        assert_eq!(g.aclose().await, Ok(None));
    });
    assert_eq!(log.take(), ["inner", "outer"]);
}

// rule 82 with delegation: the close travels down the chain innermost first, and the cleanup
// of both levels awaits.
#[test]
fn rule_82_aclose_delegating_closes_innermost_first() {
    let log = Log::new();
    let g = pin!(async_generator(async |mut co| {
        let _finally = log.finally("outer finally");
        let sub = async_generator(async |mut co| {
            let _finally = log.finally("sub finally");
            if let Err(interrupt) = co.yield_(1).catch().await {
                yield_now().await;
                log.push("sub cleanup awaited");
                co.raise::<()>(interrupt).await;
            }
        });
        if let Err(interrupt) = co.yield_from(sub).catch().await {
            yield_now().await;
            log.push("outer cleanup awaited");
            co.raise::<()>(interrupt).await;
        }
    }));
    let g = g.into_ref();
    block_on(async {
        assert_eq!(g.anext().await, Ok(Step::Yielded(1)));
        assert_eq!(g.aclose().await, Ok(None));
    });
    assert_eq!(
        log.take(),
        [
            "sub cleanup awaited",
            "sub finally",
            "outer cleanup awaited",
            "outer finally"
        ]
    );
    assert_eq!(g.state(), GenState::Closed);
}

// rules 51 and 82: an async sub-generator that raises the close request when none was asked
// of it (after awaiting, so on a poll that continues its operation) raises it in the async
// delegator at its `yield_from`, as CPython raises `GeneratorExit` there; the delegator
// handles it and goes on.
#[test]
fn rule_51_async_sub_raising_the_close_request_unasked_raises_it_in_the_delegator() {
    let log = Log::new();
    let g = pin!(async_generator(async |mut co| {
        let sub = async_generator(async |mut co| {
            let _finally = log.finally("sub finally");
            co.yield_(1).await;
            yield_now().await;
            co.raise::<()>(Interrupt::Close).await;
        });
        match co.yield_from(sub).catch().await {
            Err(Interrupt::Close) => log.push("delegator caught exit"),
            other => log.push(format!("delegator got {other:?}")),
        }
        co.yield_(2).await;
    }));
    let items: Vec<u32> = block_on(g.collect());
    assert_eq!(items, [1, 2]);
    assert_eq!(log.take(), ["sub finally", "delegator caught exit"]);
}

// ---------------------------------------------------------------------------------------------
// rule 83: agen_aclose_ignored

// rule 83: a handler that swallows the close request and yields (after awaiting) makes
// `aclose` fail with `IgnoredClose`; the generator stays suspended at that yield, and a later
// `aclose` can succeed.
#[test]
fn rule_83_aclose_ignored_by_yield() {
    let log = Log::new();
    let g = pin!(async_generator(async |mut co| {
        let _finally = log.finally("finally");
        if co.yield_(1).catch().await.is_err() {
            yield_now().await;
            co.yield_(2).await; // Python: `yield` in `except GeneratorExit`
        }
        log.push("not reached");
    }));
    let g = g.into_ref();
    block_on(async {
        assert_eq!(g.anext().await, Ok(Step::Yielded(1)));
        assert_eq!(g.aclose().await, Err(CloseError::IgnoredClose(2)));
        assert_eq!(g.state(), GenState::Suspended);
        assert!(log.take().is_empty());
        // Suspended at the plain `yield 2` now: the next close just drops the body.
        assert_eq!(g.aclose().await, Ok(None));
    });
    assert_eq!(log.take(), ["finally"]);
}

// ---------------------------------------------------------------------------------------------
// rule 84: agen_aclose_idempotent

// rule 84: `aclose()` on a never-started generator runs no body code, and closes it.
#[test]
fn rule_84_aclose_fresh_runs_nothing() {
    let log = Log::new();
    let g = pin!(async_generator(async |mut co| {
        let _finally = log.finally("finally");
        co.yield_(1).await;
    }));
    let g = g.into_ref();
    block_on(async {
        assert_eq!(g.aclose().await, Ok(None));
        assert_eq!(g.state(), GenState::Closed);
        assert_eq!(g.anext().await, Ok(Step::Exhausted));
    });
    assert!(log.take().is_empty());
}

// rule 84: on an exhausted or closed generator `aclose()` gives `None`, each call a new
// future; outside an operation the state is never Running.
#[test]
fn rule_84_aclose_after_end_is_none_every_time() {
    let g = pin!(async_generator(async |mut co| {
        yield_now().await;
        co.yield_(1).await;
    }));
    let g = g.into_ref();
    block_on(async {
        assert_eq!(g.state(), GenState::Created);
        assert_eq!(g.anext().await, Ok(Step::Yielded(1)));
        assert_eq!(g.state(), GenState::Suspended);
        assert_eq!(g.anext().await, Ok(Step::Complete(())));
        let first = g.aclose();
        let second = g.aclose();
        assert_eq!(first.await, Ok(None));
        assert_eq!(second.await, Ok(None));
        assert_eq!(g.aclose().await, Ok(None));
        assert_eq!(g.state(), GenState::Closed);
    });
}

// ---------------------------------------------------------------------------------------------
// rule 85: agen_awaitable_single_use

// rule 85: a completed `anext()`/`asend()`/`athrow()` future cannot be awaited again (a panic,
// Python's "cannot reuse already awaited"); nor can a completed `aclose()`; a new `aclose()`
// is fine.
#[test]
fn rule_85_completed_op_future_polled_again_panics() {
    let g = pin!(async_coroutine(async |mut co: Co<'_, u32, u32, Oops>| {
        let mut x = 0;
        loop {
            match co.yield_(x).catch().await {
                Ok(sent) => x = sent,
                Err(Interrupt::Throw(_)) => x = 99,
                Err(Interrupt::Close) => return,
            }
        }
    }));
    let g = g.into_ref();
    let mut next = g.anext();
    assert_eq!(
        poll_once(Pin::new(&mut next)),
        Poll::Ready(Ok(Step::Yielded(0)))
    );
    let message = panic_message(|| poll_once(Pin::new(&mut next)));
    assert!(
        message.contains("awaited again after it completed"),
        "{message}"
    );

    let mut send = g.asend(4);
    assert_eq!(
        poll_once(Pin::new(&mut send)),
        Poll::Ready(Ok(Step::Yielded(4)))
    );
    panic_message(|| poll_once(Pin::new(&mut send)));

    let mut throw = g.athrow(Oops("x"));
    assert_eq!(
        poll_once(Pin::new(&mut throw)),
        Poll::Ready(Ok(Step::Yielded(99)))
    );
    panic_message(|| poll_once(Pin::new(&mut throw)));

    // The refused re-awaits did not touch the generator.
    assert_eq!(g.state(), GenState::Suspended);
    let mut close = g.aclose();
    assert_eq!(poll_once(Pin::new(&mut close)), Poll::Ready(Ok(Some(()))));
    panic_message(|| poll_once(Pin::new(&mut close)));
    let mut close = g.aclose();
    assert_eq!(poll_once(Pin::new(&mut close)), Poll::Ready(Ok(None)));
}

// ---------------------------------------------------------------------------------------------
// rule 86: agen_already_running

/// Yields 0, then for each value sent: waits for the signal, yields ten times the value.
fn waits_for_signal(
    signal: &Signal,
) -> cogen::AsyncGen<i32, i32, Oops, impl Future<Output = ()> + '_> {
    async_coroutine(async |mut co: Co<'_, i32, i32, Oops>| {
        let mut v = co.yield_(0).await;
        loop {
            signal.wait().await;
            v = co.yield_(v * 10).await;
        }
    })
}

// rule 86: while an `asend` waits on an await in the body, the generator is Running; a new
// `asend`/`athrow`/`anext` is refused with `ResumeError::Running` (the input comes back), an
// `aclose` panics; the first operation still completes.
#[test]
fn rule_86_second_operation_while_awaiting_is_refused() {
    let signal = Signal::default();
    let g = pin!(waits_for_signal(&signal));
    let g = g.into_ref();
    assert_eq!(block_on(g.anext()), Ok(Step::Yielded(0)));

    let mut first = g.asend(7);
    assert!(poll_once(Pin::new(&mut first)).is_pending());
    assert_eq!(g.state(), GenState::Running);

    assert_eq!(
        block_on(g.asend(8)),
        Err(ResumeError::Running(Input::Send(8)))
    );
    assert_eq!(
        block_on(g.athrow(Oops("x"))),
        Err(ResumeError::Running(Input::Throw(Oops("x"))))
    );
    // `anext` has no value to hand back: it is reported as a refused start.
    assert_eq!(block_on(g.anext()), Err(ResumeError::Running(Input::Start)));
    let message = panic_message(|| block_on(g.aclose()));
    assert!(message.contains("already executing"), "{message}");

    assert_eq!(g.state(), GenState::Running);
    signal.set();
    assert_eq!(
        poll_once(Pin::new(&mut first)),
        Poll::Ready(Ok(Step::Yielded(70)))
    );
    assert_eq!(g.state(), GenState::Suspended);
}

// rule 86: an operation future dropped mid-wait (cancelled) leaves the wait in flight; only
// `anext` adopts it (the dropped `asend`'s value was already delivered), and the item is not
// lost.
#[test]
fn rule_86_dropped_op_leaves_the_wait_for_the_next_anext() {
    let signal = Signal::default();
    let g = pin!(waits_for_signal(&signal));
    let g = g.into_ref();
    assert_eq!(block_on(g.anext()), Ok(Step::Yielded(0)));

    let mut cancelled = g.asend(7);
    assert!(poll_once(Pin::new(&mut cancelled)).is_pending());
    drop(cancelled);
    assert_eq!(g.state(), GenState::Running);
    assert_eq!(
        block_on(g.asend(9)),
        Err(ResumeError::Running(Input::Send(9))),
        "a new asend would lose its value: refused"
    );

    let mut adopted = g.anext();
    assert!(
        poll_once(Pin::new(&mut adopted)).is_pending(),
        "still waiting"
    );
    signal.set();
    assert_eq!(
        poll_once(Pin::new(&mut adopted)),
        Poll::Ready(Ok(Step::Yielded(70))),
        "the wait of `asend(7)` finished, not a new `anext`"
    );
    signal.set();
    assert_eq!(block_on(g.asend(2)), Ok(Step::Yielded(20)));
}

// rule 86: the same through the `Stream` API (Miri-friendly form of the `select!` test below):
// a `next()` future dropped mid-wait leaves the wait, and the next `next()` finishes it.
#[test]
fn rule_86_dropped_next_leaves_the_wait_for_the_next_next() {
    let signal = Signal::default();
    let mut g = pin!(async_generator(async |mut co| {
        co.yield_(1).await;
        signal.wait().await;
        co.yield_(2).await;
    }));
    assert_eq!(block_on(g.next()), Some(1));
    {
        let mut cancelled = g.next();
        assert!(poll_once(Pin::new(&mut cancelled)).is_pending());
    }
    assert_eq!(g.state(), GenState::Running);
    signal.set();
    assert_eq!(block_on(g.next()), Some(2));
    assert_eq!(block_on(g.next()), None);
}

// rule 86: after a `Stream::next()` was cancelled mid-wait, no other operation can be in flight
// (the `next()` future held `&mut`), so an `anext()` should adopt the wait as it adopts a
// cancelled `anext()`'s.
#[test]

fn rule_86_anext_adopts_a_wait_left_by_a_cancelled_next() {
    let signal = Signal::default();
    let mut g = pin!(async_generator(async |mut co| {
        co.yield_(1).await;
        signal.wait().await;
        co.yield_(2).await;
    }));
    assert_eq!(block_on(g.next()), Some(1));
    {
        let mut cancelled = g.next();
        assert!(poll_once(Pin::new(&mut cancelled)).is_pending());
    }
    signal.set();
    assert_eq!(block_on(g.as_ref().anext()), Ok(Step::Yielded(2)));
}

// rules 80-82 and 86 with the exclusive forms: `anext_mut`/`asend_mut`/`athrow_mut`/
// `aclose_mut` follow the same rules as the shared ones, and a cancelled `asend_mut` leaves its
// wait for the next `anext_mut` (the shared bookkeeping), not lost and not restarted.
#[test]
fn rule_86_exclusive_operations_share_the_rules_and_the_adoption_of_a_cancelled_wait() {
    let signal = Signal::default();
    let mut g = pin!(waits_for_signal(&signal));
    assert_eq!(
        block_on(g.as_mut().asend_mut(1)),
        Err(ResumeError::JustStarted(1)),
        "rule 80: a value into a fresh generator"
    );
    assert_eq!(block_on(g.as_mut().anext_mut()), Ok(Step::Yielded(0)));
    {
        let mut cancelled = g.as_mut().asend_mut(7);
        assert!(poll_once(Pin::new(&mut cancelled)).is_pending());
    }
    assert_eq!(g.state(), GenState::Running);
    signal.set();
    assert_eq!(
        block_on(g.as_mut().anext_mut()),
        Ok(Step::Yielded(70)),
        "the wait of `asend_mut(7)` finished, not a new `anext_mut`"
    );
    assert_eq!(
        block_on(g.as_mut().athrow_mut(Oops("thrown"))),
        Ok(Step::Raised(Oops("thrown"))),
        "rule 81: a plain yield does not catch"
    );
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(block_on(g.as_mut().aclose_mut()), Ok(None), "rule 84");
}

// rule 82: `aclose_mut` runs cleanup that awaits and reports a value the body returns.
#[test]
fn rule_82_aclose_mut_cleanup_awaits_and_returns() {
    let mut g = pin!(async_generator(async |mut co| {
        if co.yield_(1).catch().await.is_err() {
            ready(()).await;
            return "cleaned up";
        }
        "ended"
    }));
    assert_eq!(block_on(g.next()), Some(1));
    assert_eq!(block_on(g.as_mut().aclose_mut()), Ok(Some("cleaned up")));
    assert_eq!(g.state(), GenState::Closed);
}

// rules 80-82: the exclusive operation futures are `Send` exactly when the generator is
// (checked at compile time, so that it runs under Miri too); the shared ones never are.
#[test]
fn rule_80_exclusive_operation_futures_are_send_when_the_generator_is() {
    fn assert_send<T: Send>(_: &T) {}
    let mut g = Box::pin(async_coroutine(async |mut co: Co<'_, u64, u64, String>| {
        let mut total = 0;
        while let Ok(value) = co.yield_(total).catch().await {
            total += value;
        }
        total
    }));
    assert_send(&g);
    let next = g.as_mut().anext_mut();
    assert_send(&next);
    assert_eq!(block_on(next), Ok(Step::Yielded(0)));
    let send = g.as_mut().asend_mut(4);
    assert_send(&send);
    assert_eq!(block_on(send), Ok(Step::Yielded(4)));
    let throw = g.as_mut().athrow_mut("stop".to_string());
    assert_send(&throw);
    assert_eq!(block_on(throw), Ok(Step::Complete(4)));
    let close = g.as_mut().aclose_mut();
    assert_send(&close);
    assert_eq!(block_on(close), Ok(None));
}

// rules 78 and 91: a delegation whose sub-generator waits on a future, after an earlier
// delegation and a plain yield: the wait is continued through the body (the generator records
// no chain for it) until the sub yields, and nothing is lost or repeated.
#[test]
fn rule_91_sub_generator_waits_after_an_earlier_delegation() {
    let signal = Signal::default();
    let mut g = pin!(async_generator(async |mut co| {
        co.yield_from(generator(async |mut co| {
            co.yield_(1).await;
            co.yield_(2).await;
        }))
        .await;
        co.yield_(3).await;
        co.yield_from(async_generator(async |mut co| {
            signal.wait().await;
            co.yield_(4).await;
        }))
        .await;
        co.yield_(5).await;
    }));
    for expected in 1..=3 {
        assert_eq!(
            poll_once(Pin::new(&mut g.next())),
            Poll::Ready(Some(expected))
        );
    }
    assert_eq!(poll_once(Pin::new(&mut g.next())), Poll::Pending);
    assert_eq!(g.state(), GenState::Running);
    assert_eq!(
        poll_once(Pin::new(&mut g.next())),
        Poll::Pending,
        "still waiting"
    );
    signal.set();
    assert_eq!(poll_once(Pin::new(&mut g.next())), Poll::Ready(Some(4)));
    assert_eq!(poll_once(Pin::new(&mut g.next())), Poll::Ready(Some(5)));
    assert_eq!(poll_once(Pin::new(&mut g.next())), Poll::Ready(None));
}

/// The premise of the two tests below: the body's type holds no delegation (a delegation held
/// across an await would align it to 16 bytes), so the generator's synchronous resume has no
/// chain walk.
fn assert_no_delegation_in_body_type<G>(generator: &G) {
    assert!(
        std::mem::align_of_val(generator) < 16,
        "the premise: no delegation in the body's type"
    );
}

// rules 78 and 91: a delegation boxed inside the body, so that the body's type shows none,
// whose sub-generator only waits and returns: the wait (recorded without a chain) is continued
// through the body, and the body takes the return.
#[test]
fn rule_91_boxed_delegation_to_a_waiting_sub_is_continued_through_the_body() {
    let signal = Signal::default();
    let mut g = pin!(async_generator(async |mut co| {
        let sub = async_generator(async |_co: Co<'_, u32>| {
            signal.wait().await;
            7
        });
        let returned = Box::pin(co.yield_from(sub)).await;
        co.yield_(returned).await;
    }));
    assert_no_delegation_in_body_type(&*g);
    assert_eq!(poll_once(Pin::new(&mut g.next())), Poll::Pending);
    assert_eq!(g.state(), GenState::Running);
    assert_eq!(poll_once(Pin::new(&mut g.next())), Poll::Pending);
    signal.set();
    assert_eq!(poll_once(Pin::new(&mut g.next())), Poll::Ready(Some(7)));
    assert_eq!(poll_once(Pin::new(&mut g.next())), Poll::Ready(None));
    assert_eq!(g.state(), GenState::Closed);
}

// rules 46 and 91: the same wait, met by a synchronous `close`. For a body whose type shows no
// delegation, the synchronous resume has no chain walk at all (decided at compile time): the
// close goes through the body's boxed delegation to the waiting sub-generator, whose `finally`
// runs before the body's, and both end closed.
#[test]
fn rule_46_sync_close_reaches_a_sub_waiting_inside_a_boxed_delegation() {
    let log = Log::new();
    let signal = Signal::default();
    let g = pin!(generator(async |mut co: Co<'_, u32>| {
        let _finally = log.finally("outer finally");
        let sub = generator(async |_co: Co<'_, u32>| {
            let _finally = log.finally("sub finally");
            signal.wait().await;
            7
        });
        let returned = Box::pin(co.yield_from(sub)).await;
        co.yield_(returned).await;
    }));
    assert_no_delegation_in_body_type(&*g);
    let g = g.into_ref();
    let mut cx = Context::from_waker(Waker::noop());
    assert!(g.poll_resume(Some(Input::Start), &mut cx).is_pending());
    assert!(log.take().is_empty());
    assert_eq!(g.try_resume(Input::Close), Ok(Step::Exhausted));
    assert_eq!(log.take(), ["sub finally", "outer finally"]);
    assert_eq!(g.state(), GenState::Closed);
}

// rules 82 and 86: reading with a timeout inside `aclosing` (the timeout wins, the `next()` is
// cancelled while the body waits), then closing: nothing is in flight any more, so `aclose`
// should close the generator (its destructors run) instead of panicking.
#[test]

fn rule_82_aclose_after_a_cancelled_read() {
    let log = Log::new();
    let signal = Signal::default();
    let g = pin!(async_generator(async |mut co| {
        let _finally = log.finally("finally");
        co.yield_(1).await;
        signal.wait().await;
        co.yield_(2).await;
    }));
    let closed = catch_unwind(AssertUnwindSafe(|| {
        block_on(aclosing(g, async |mut g| {
            assert_eq!(g.next().await, Some(1));
            let mut read = g.next();
            // the "timeout" wins: the read is dropped while the body waits
            assert!(poll_once(Pin::new(&mut read)).is_pending());
        }))
    }));
    assert_eq!(closed.ok().map(|((), closed)| closed), Some(Ok(None)));
    assert_eq!(log.take(), ["finally"]);
}

// ---------------------------------------------------------------------------------------------
// rule 87: agen_exceptions

// rule 87: an error raised in the body (after an await) comes out of the awaited `anext` and
// finishes the generator: the next call is `Exhausted` (`StopAsyncIteration`).
#[test]
fn rule_87_error_in_body_propagates_and_finishes() {
    let log = Log::new();
    let g = pin!(async_coroutine(async |mut co: Co<'_, u32, (), Oops>| {
        let _finally = log.finally("finally");
        co.yield_(1).await;
        yield_now().await;
        co.raise::<()>(Interrupt::Throw(Oops("bad"))).await;
        co.yield_(2).await;
    }));
    let g = g.into_ref();
    block_on(async {
        assert_eq!(g.anext().await, Ok(Step::Yielded(1)));
        assert_eq!(g.anext().await, Ok(Step::Raised(Oops("bad"))));
        assert_eq!(log.take(), ["finally"]);
        assert_eq!(g.state(), GenState::Closed);
        assert_eq!(g.anext().await, Ok(Step::Exhausted));
    });
}

// rule 87: the idiomatic error channel is the return value: a body returning `Result` ends the
// stream, and the error is its return value.
#[test]
fn rule_87_result_body_ends_stream_with_error() {
    fn parse(text: &str) -> Result<u32, Oops> {
        text.parse().map_err(|_| Oops("not a number"))
    }
    let mut g = pin!(async_generator(async |mut co| {
        for text in ["1", "2", "x", "4"] {
            yield_now().await;
            co.yield_(parse(text)?).await;
        }
        Ok(())
    }));
    let items: Vec<u32> = block_on(g.as_mut().collect());
    assert_eq!(items, [1, 2]);
    assert_eq!(g.as_ref().take_return(), Some(Err(Oops("not a number"))));
}

// rule 87: a `Stream` has no channel for a raised error: `poll_next` panics (naming `anext`),
// and the generator is closed.
#[test]
fn rule_87_error_raised_during_poll_next_panics() {
    let mut g = pin!(async_coroutine(async |mut co: Co<'_, u32, (), Oops>| {
        co.yield_(1).await;
        co.raise::<()>(Interrupt::Throw(Oops("bad"))).await;
    }));
    assert_eq!(block_on(g.next()), Some(1));
    let message = panic_message(|| block_on(g.next()));
    assert!(message.contains("anext()"), "{message}");
    assert_eq!(g.state(), GenState::Closed);
    assert!(g.is_terminated());
    assert_eq!(block_on(g.next()), None);
}

/// Yields 1, awaits once, then panics; its `finally` logs.
fn panics_after_one_item(
    log: &Log,
) -> cogen::AsyncGen<u32, (), std::convert::Infallible, impl Future<Output = ()> + '_> {
    async_generator(async |mut co| {
        let _finally = log.finally("finally");
        co.yield_(1).await;
        yield_now().await;
        panic!("body failed");
    })
}

// rule 87: a panic in the body (Rust's uncatchable "exception") reaches the awaiter, runs the
// destructors, and leaves the generator closed.
#[test]
fn rule_87_panic_in_body_closes_the_generator() {
    let log = Log::new();
    let g = pin!(panics_after_one_item(&log));
    let g = g.into_ref();
    assert_eq!(block_on(g.anext()), Ok(Step::Yielded(1)));
    let message = panic_message(|| block_on(g.anext()));
    assert_eq!(message, "body failed");
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(block_on(g.anext()), Ok(Step::<u32, ()>::Exhausted));
}

// rule 87: the same through `Stream::poll_next`, which resumes through `&mut` and does not mark
// the generator running meanwhile: closed all the same, and the stream ends.
#[test]
fn rule_87_panic_during_poll_next_closes_the_generator() {
    let log = Log::new();
    let mut g = pin!(panics_after_one_item(&log));
    assert_eq!(block_on(g.next()), Some(1));
    let message = panic_message(|| block_on(g.next()));
    assert_eq!(message, "body failed");
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert!(g.is_terminated());
    assert_eq!(block_on(g.next()), None::<u32>);
}

// ---------------------------------------------------------------------------------------------
// rules 88-89: agen_hooks, agen_asyncio_finalization (no GC: `aclosing` stands in)

// rules 88-89: the consumer "breaks" after one item, and `aclosing` closes the generator with
// `aclose().await`, so its cleanup can await (what asyncio's finalizer hook schedules).
#[test]
fn rule_88_aclosing_runs_awaiting_cleanup_after_break() {
    let log = Log::new();
    let g = pin!(async_generator(async |mut co| {
        let _finally = log.finally("finally");
        for i in 0.. {
            if let Err(interrupt) = co.yield_(i).catch().await {
                yield_now().await;
                log.push("cleanup awaited");
                co.raise::<()>(interrupt).await;
            }
        }
    }));
    let (first, closed) = block_on(aclosing(g, async |mut g| {
        let first = g.next().await;
        log.push("consumer breaks");
        first
    }));
    assert_eq!(first, Some(0));
    assert_eq!(closed, Ok(None));
    assert_eq!(
        log.take(),
        ["consumer breaks", "cleanup awaited", "finally"]
    );
}

// rules 88-89: without `aclosing`, dropping a partially consumed generator suspended at a plain
// yield runs its destructors only.
#[test]
fn rule_89_drop_runs_destructors_only() {
    let log = Log::new();
    {
        let mut g = pin!(async_generator(async |mut co| {
            let _finally = log.finally("finally");
            co.yield_(1).await;
            yield_now().await;
            log.push("not reached");
            co.yield_(2).await;
        }));
        assert_eq!(block_on(g.next()), Some(1));
    }
    assert_eq!(log.take(), ["finally"]);
}

// rules 88-89: a generator dropped while suspended at `.catch()` gets the synchronous close
// protocol (rule 34): its handler runs, but an await in it cannot complete in a drop; the
// destructors still run, and the drop does not panic. (Python reports "async generator ignored
// GeneratorExit" to the unraisable hook when no finalizer hook is installed.)
#[test]

fn rule_89_drop_with_awaiting_handler_runs_destructors_without_panic() {
    let log = Log::new();
    let dropped = catch_unwind(AssertUnwindSafe(|| {
        let mut g = pin!(async_generator(async |mut co| {
            let _finally = log.finally("finally");
            if let Err(interrupt) = co.yield_(1).catch().await {
                log.push("handler starts");
                yield_now().await;
                log.push("cleanup awaited");
                co.raise::<()>(interrupt).await;
            }
        }));
        assert_eq!(block_on(g.next()), Some(1));
    }));
    assert!(dropped.is_ok(), "dropping the generator panicked");
    assert_eq!(log.take(), ["handler starts", "finally"]);
}

// ---------------------------------------------------------------------------------------------
// rule 90: agen_comprehensions_builtins

/// Yields `0..n`, awaiting before each item and logging what it produces.
fn numbers(log: &Log, n: u32) -> impl futures::Stream<Item = u32> + '_ {
    async_generator(async move |mut co| {
        for i in 0..n {
            yield_now().await;
            log.push(format!("yield {i}"));
            co.yield_(i).await;
        }
    })
}

// rule 90: async comprehensions are `StreamExt` adapters on the generator (it is a `Stream`),
// and they pull lazily: the body and the adapters interleave item by item.
#[test]
fn rule_90_stream_adapters_are_async_comprehensions() {
    let log = Log::new();
    // [x * x async for x in numbers() if x % 2 == 0][:2]
    let squares = numbers(&log, 10)
        .filter(|x| ready(x % 2 == 0))
        .map(|x| {
            log.push(format!("map {x}"));
            x * x
        })
        .take(2);
    assert!(log.take().is_empty(), "lazy until awaited");
    assert_eq!(block_on(squares.collect::<Vec<_>>()), [0, 4]);
    assert_eq!(
        log.take(),
        ["yield 0", "map 0", "yield 1", "yield 2", "map 2"]
    );

    // (await f(x) async for x in numbers()): a genexp containing `await` is `then`.
    let plus_one = numbers(&log, 3).then(async |x| {
        yield_now().await;
        x + 1
    });
    assert_eq!(block_on(plus_one.collect::<Vec<_>>()), [1, 2, 3]);
}

// rule 90: `anext(ag, default)` is `next().await.unwrap_or(default)`, and `aiter(ag) is ag`:
// the generator is its own stream, so a partial consumption through `by_ref` continues where
// it stopped.
#[test]
fn rule_90_anext_default_and_aiter_is_identity() {
    let log = Log::new();
    let mut g = pin!(numbers(&log, 4));
    block_on(async {
        let firsts: Vec<u32> = g.by_ref().take(2).collect().await;
        assert_eq!(firsts, [0, 1]);
        assert_eq!(g.next().await.unwrap_or(99), 2);
        assert_eq!(g.next().await.unwrap_or(99), 3);
        assert_eq!(g.next().await.unwrap_or(99), 99);
        assert_eq!(g.next().await.unwrap_or(99), 99);
    });
}

// ---------------------------------------------------------------------------------------------
// rule 91: agen_syntax_restrictions (cogen lifts them)

// rule 91: Python forbids `yield from` and `return value` in async generators; cogen allows
// both: an async body delegates to sync and async generators and to streams (their awaits
// reach the driver), and its return value is kept.
#[test]
fn rule_91_async_generator_may_delegate_and_return() {
    let g = pin!(async_generator(async |mut co| {
        let from_sync = co
            .yield_from(generator(async |mut co| {
                co.yield_(1).await;
                "sync sub"
            }))
            .await;
        let from_async = co
            .yield_from(async_generator(async |mut co| {
                yield_now().await;
                co.yield_(2).await;
                yield_now().await;
                "async sub"
            }))
            .await;
        co.yield_from_stream(futures::stream::iter([3, 4]).then(async |x| {
            yield_now().await;
            x
        }))
        .await;
        (from_sync, from_async)
    }));
    let g = g.into_ref();
    block_on(async {
        assert_eq!(g.anext().await, Ok(Step::Yielded(1)));
        assert!(g.is_delegating());
        let mut items = Vec::new();
        loop {
            match g.anext().await {
                Ok(Step::Yielded(item)) => items.push(item),
                Ok(Step::Complete(returned)) => {
                    assert_eq!(returned, ("sync sub", "async sub"));
                    break;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(items, [2, 3, 4]);
    });
}

// rule 91: delegation in an async body, seen as a stream; the return value is kept.
#[test]
fn rule_91_delegating_async_generator_as_stream() {
    let log = Log::new();
    let mut g = pin!(async_generator(async |mut co| {
        co.yield_from_stream(numbers(&log, 2)).await;
        co.yield_(10).await;
        "end"
    }));
    assert_eq!(block_on(g.as_mut().collect::<Vec<_>>()), [0, 1, 10]);
    assert_eq!(g.as_ref().take_return(), Some("end"));
}

// ---------------------------------------------------------------------------------------------
// On tokio

/// A multi-thread runtime with timers.
fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("a runtime")
}

// rules 78 and 82 on tokio: a generator made on one thread is consumed by a spawned task on a
// multi-thread runtime (`tokio::spawn` requires `Send`: the body's state is `Send`), and its
// body sleeps on tokio's timer. Its cleanup also sleeps, during `aclose`.
//
// The `aclose()` runs in the main task, not the spawned one: the shared operation futures borrow
// the generator as `Pin<&AsyncGen>`, and `AsyncGen` is never `Sync`, so a task holding an
// `anext`/`asend`/`athrow`/`aclose` future across an await is not `Send` (the `Stream` methods
// and the `_mut` operations, which take `&mut`, can be used in a spawned task: see
// `rule_80_exclusive_operations_in_a_spawned_task`).
#[test]
#[cfg_attr(miri, ignore)]
fn rule_78_tokio_spawned_consumer_with_sleep() {
    fn assert_send<T: Send>(_: &T) {}
    let events = Arc::new(std::sync::Mutex::new(Vec::new()));
    let body_events = events.clone();
    let ticks = async_generator(async move |mut co| {
        for i in 0..3 {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            co.yield_(i).await;
        }
        if co.yield_(100).catch().await.is_err() {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            body_events.lock().unwrap().push("cleanup slept");
        }
        "done"
    });
    assert_send(&ticks);
    multi_thread().block_on(async {
        let consumer = tokio::spawn(async move {
            let mut ticks = Box::pin(ticks);
            let mut items = Vec::new();
            while let Some(item) = ticks.next().await {
                if item == 100 {
                    break;
                }
                items.push(item);
            }
            (items, ticks)
        });
        let (items, ticks) = consumer.await.expect("the consumer task");
        assert_eq!(items, [0, 1, 2]);
        assert_eq!(ticks.state(), GenState::Suspended);
        assert_eq!(ticks.as_ref().aclose().await, Ok(Some("done")));
    });
    assert_eq!(*events.lock().unwrap(), ["cleanup slept"]);
}

// rules 80-82 on tokio: a coroutine driven with `asend_mut`/`athrow_mut`/`aclose_mut` inside a
// task spawned on a multi-thread runtime (the spawned future holds the operation futures across
// awaits, so it must be `Send`); the body and its cleanup sleep on tokio's timer.
#[test]
#[cfg_attr(miri, ignore)]
fn rule_80_exclusive_operations_in_a_spawned_task() {
    let events = Arc::new(std::sync::Mutex::new(Vec::new()));
    let body_events = events.clone();
    let totals = async_coroutine(async move |mut co: Co<'_, u64, u64, String>| {
        let mut total = 0;
        loop {
            match co.yield_(total).catch().await {
                Ok(value) => {
                    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                    total += value;
                }
                Err(Interrupt::Throw(message)) => {
                    body_events.lock().unwrap().push(message);
                    total = 0;
                }
                Err(Interrupt::Close) => {
                    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                    body_events
                        .lock()
                        .unwrap()
                        .push("cleanup slept".to_string());
                    return total;
                }
            }
        }
    });
    let steps = multi_thread().block_on(async {
        tokio::spawn(async move {
            let mut totals = Box::pin(totals);
            let mut steps = vec![totals.as_mut().anext_mut().await];
            steps.push(totals.as_mut().asend_mut(5).await);
            steps.push(totals.as_mut().asend_mut(6).await);
            steps.push(totals.as_mut().athrow_mut("reset".to_string()).await);
            steps.push(totals.as_mut().asend_mut(2).await);
            let closed = totals.as_mut().aclose_mut().await;
            (steps, closed, totals.state())
        })
        .await
        .expect("the spawned task")
    });
    let (steps, closed, state) = steps;
    assert_eq!(
        steps,
        [0, 5, 11, 0, 2].map(|total| Ok(Step::Yielded(total)))
    );
    assert_eq!(closed, Ok(Some(2)));
    assert_eq!(state, GenState::Closed);
    assert_eq!(*events.lock().unwrap(), ["reset", "cleanup slept"]);
}

// rules 82 and 83 on tokio: `aclosing` runs in a task spawned on a multi-thread runtime (its
// future is `Send`: the close holds the generator through the exclusive borrow `aclosing` was
// given), and the cleanup sleeps on tokio's timer there. The future is boxed as `dyn Send`
// first: rustc cannot yet prove it `Send` inside the spawned future directly (see `aclosing`).
#[test]
#[cfg_attr(miri, ignore)]
fn rule_82_aclosing_runs_in_a_spawned_task() {
    let events = Arc::new(std::sync::Mutex::new(Vec::new()));
    let body_events = events.clone();
    let ticks = async_generator(async move |mut co| {
        co.yield_(1).await;
        if co.yield_(2).catch().await.is_err() {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            body_events.lock().unwrap().push("cleanup slept");
        }
        "done"
    });
    let (first, closed) = multi_thread().block_on(async {
        tokio::spawn(async move {
            let mut ticks = Box::pin(ticks);
            let closing: Pin<Box<dyn Future<Output = _> + Send + '_>> =
                Box::pin(cogen::aclosing(ticks.as_mut(), async |mut ticks| {
                    (ticks.next().await, ticks.next().await)
                }));
            closing.await
        })
        .await
        .expect("the spawned task")
    });
    assert_eq!(first, (Some(1), Some(2)));
    assert_eq!(closed, Ok(Some("done")));
    assert_eq!(*events.lock().unwrap(), ["cleanup slept"]);
}

// rule 82: the `aclosing` future is `Send` exactly when the generator is (checked at compile
// time, without an executor, so that it runs under Miri too).
#[test]
fn rule_82_aclosing_future_is_send_when_the_generator_is() {
    fn assert_send<T: Send>(_: &T) {}
    let mut g = Box::pin(async_generator(async |mut co| {
        co.yield_(1u32).await;
    }));
    let closing = cogen::aclosing(g.as_mut(), async |mut g| g.next().await);
    assert_send(&closing);
    let (first, closed) = block_on(closing);
    assert_eq!(first, Some(1));
    assert_eq!(closed, Ok(None));
}

// rule 86 on tokio: `select!` cancels a `next()` while the body waits; the item is not lost:
// the next `next()` continues the same wait.
#[test]
#[cfg_attr(miri, ignore)]
fn rule_86_tokio_select_cancelled_next_keeps_the_wait() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let (tx, rx) = futures::channel::oneshot::channel::<u32>();
        let mut g = pin!(async_generator(async move |mut co| {
            co.yield_(1).await;
            let value = rx.await.expect("the sender sends");
            co.yield_(value).await;
        }));
        assert_eq!(g.next().await, Some(1));
        tokio::select! {
            biased;
            item = g.next() => panic!("nothing was sent yet, got {item:?}"),
            () = tokio::task::yield_now() => {}
        }
        assert_eq!(
            g.state(),
            GenState::Running,
            "the cancelled wait is in flight"
        );
        tx.send(2).expect("the receiver waits");
        assert_eq!(g.next().await, Some(2));
        assert_eq!(g.next().await, None);
    });
}

// rule 86 on tokio: the same with `anext()` futures: a cancelled `anext` is adopted by the
// next one.
#[test]
#[cfg_attr(miri, ignore)]
fn rule_86_tokio_select_cancelled_anext_is_adopted() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let (tx, rx) = futures::channel::oneshot::channel::<u32>();
        let g = pin!(async_generator(async move |mut co| {
            let value = rx.await.expect("the sender sends");
            co.yield_(value).await;
        }));
        let g = g.into_ref();
        tokio::select! {
            biased;
            step = g.anext() => panic!("nothing was sent yet, got {step:?}"),
            () = tokio::time::sleep(std::time::Duration::from_millis(1)) => {}
        }
        assert_eq!(g.state(), GenState::Running);
        tx.send(5).expect("the receiver waits");
        assert_eq!(g.anext().await, Ok(Step::Yielded(5)));
        assert_eq!(g.anext().await, Ok(Step::Complete(())));
    });
}
