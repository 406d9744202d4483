//! Group 13 of the spec: native and generator-based coroutines, event loops (PEP 492),
//! rules 92-102.
//!
//! Rust's `async fn` is the native coroutine; a cogen generator that yields requests is the
//! generator-based coroutine (`types.coroutine`), awaited through `cogen::drive` (a handler
//! turns each request into a future, as an event loop does) or `cogen::awaitable` (the
//! generator yields the futures themselves). Rules 92 and 96 are mostly Rust's own type
//! system; their tests check what stands in their place.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::{Future, ready};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures::executor::block_on;

use cogen::{
    BoxGen, CloseError, Co, GenState, Generates, Input, Interrupt, ResumeError, Step, awaitable,
    coroutine, drive, generator,
};

use crate::async_gen::{CountingWaker, Signal, poll_once, yield_now};
use crate::support::{Log, panic_message};

/// An error thrown into the coroutines below (Python's `throw(E)`, `task.cancel()`).
#[derive(Debug, Clone, PartialEq)]
struct Oops(&'static str);

// ---------------------------------------------------------------------------------------------
// rule 92: coro_native_object

// rule 92: making a generator-based coroutine and its `Driven` future runs no body code, and
// neither does dropping it unpolled (Rust futures are lazy the same way; Python's "never
// awaited" warning is `#[must_use]` on `Driven`).
#[test]
fn rule_92_driven_is_lazy() {
    let log = Log::new();
    let driven = drive(
        coroutine(async |mut co: Co<'_, u32, u32>| {
            log.push("body");
            let _finally = log.finally("finally");
            co.yield_(1).await
        }),
        |request| {
            log.push("handler");
            ready(request)
        },
    );
    assert_eq!(driven.state(), GenState::Created);
    drop(driven);
    assert!(log.take().is_empty());
}

// ---------------------------------------------------------------------------------------------
// rule 93: coro_manual_drive

// rule 93: polled by hand, the first poll runs the body to its first request, which the
// handler turns into a future; the future's output becomes the request's result on a later
// poll; the return value is the output.
#[test]
fn rule_93_manual_drive_with_noop_waker() {
    let log = Log::new();
    let signal = Signal::default();
    let mut driven = pin!(drive(
        coroutine(async |mut co: Co<'_, &'static str, u32>| {
            log.push("body starts");
            let a = co.yield_("a").await;
            log.push(format!("got {a}"));
            let b = co.yield_("b").await;
            log.push(format!("got {b}"));
            a + b
        }),
        |request| {
            log.push(format!("handler {request}"));
            let wait = signal.wait();
            async move {
                wait.await;
                if request == "a" { 1 } else { 2 }
            }
        },
    ));
    assert!(log.take().is_empty());
    assert_eq!(poll_once(driven.as_mut()), Poll::Pending);
    assert_eq!(log.take(), ["body starts", "handler a"]);
    assert_eq!(driven.state(), GenState::Suspended);
    assert_eq!(poll_once(driven.as_mut()), Poll::Pending, "still waiting");
    assert!(log.take().is_empty());
    signal.set();
    assert_eq!(poll_once(driven.as_mut()), Poll::Pending);
    assert_eq!(log.take(), ["got 1", "handler b"]);
    signal.set();
    assert_eq!(poll_once(driven.as_mut()), Poll::Ready(3));
    assert_eq!(log.take(), ["got 2"]);
    assert_eq!(driven.state(), GenState::Closed);
}

// rule 93: awaiting a coroutine that never suspends does not suspend the caller: one poll
// completes it.
#[test]
fn rule_93_never_suspending_coroutine_completes_in_one_poll() {
    let mut no_requests = pin!(drive(
        coroutine(async |_co: Co<'_, u32, u32>| 5),
        |_| ready(0),
    ));
    assert_eq!(poll_once(no_requests.as_mut()), Poll::Ready(5));

    let mut ready_requests = pin!(drive(
        coroutine(async |mut co: Co<'_, u32, u32>| {
            let a = co.yield_(1).await;
            let b = co.yield_(2).await;
            a + b
        }),
        |request| ready(request * 10),
    ));
    assert_eq!(poll_once(ready_requests.as_mut()), Poll::Ready(30));
}

// rule 93: the same coroutine driven by hand with `start`/`send` (Python's `coro.send(None)`,
// `coro.send(value)`): the innermost request of a delegation chain is what `start` returns,
// and the return value comes as `Complete` (`StopIteration(v)`).
#[test]
fn rule_93_send_drive_reaches_the_innermost_request() {
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, &'static str, u32>| {
        let inner = coroutine(async |mut co: Co<'_, &'static str, u32>| {
            let x = co.yield_("inner request").await;
            x * 2
        });
        let doubled = co.yield_from(inner).await;
        let y = co.yield_("outer request").await;
        doubled + y
    }));
    assert_eq!(g.start(), Step::Yielded("inner request"));
    assert!(g.is_delegating());
    assert_eq!(g.send(5), Step::Yielded("outer request"));
    assert_eq!(g.send(1), Step::Complete(11));
    assert_eq!(g.send(1), Step::Exhausted);
}

// ---------------------------------------------------------------------------------------------
// rule 94: coro_types_coroutine_bridge

/// A generator-based coroutine: asks for two values by name, returns their sum.
fn fetch_pair() -> impl Generates<&'static str, u32, u32> {
    coroutine(async |mut co: Co<'_, &'static str, u32>| {
        let a = co.yield_("a").await;
        let b = co.yield_("b").await;
        a + b
    })
}

// rule 94: the same generator is a plain generator (resumed by hand, or iterated) and, through
// `drive`, an awaitable whose output is its return value.
#[test]
fn rule_94_same_generator_iterated_or_driven() {
    // As a plain generator, answered by hand.
    let g = cogen::pin!(fetch_pair());
    assert_eq!(g.start(), Step::Yielded("a"));
    assert_eq!(g.send(10), Step::Yielded("b"));
    assert_eq!(g.send(20), Step::Complete(30));

    // As an awaitable.
    let sum = block_on(drive(fetch_pair(), |name| async move {
        yield_now().await;
        if name == "a" { 1 } else { 2 }
    }));
    assert_eq!(sum, 3);

    // A generator of `()`-resumed requests is still an `Iterator`...
    let ticks = || {
        generator(async |mut co| {
            for i in 0..3 {
                co.yield_(i).await;
            }
            "ticked"
        })
    };
    assert_eq!(cogen::pin!(ticks()).collect::<Vec<u32>>(), [0, 1, 2]);
    // ... and an awaitable when a handler answers its requests.
    let served = RefCell::new(Vec::new());
    let done = block_on(drive(ticks(), |i| {
        served.borrow_mut().push(i);
        yield_now()
    }));
    assert_eq!(done, "ticked");
    assert_eq!(served.into_inner(), [0, 1, 2]);
}

// rule 94: the body of a generator-based coroutine may also await native futures: their waits
// go to the outermost driver (the executor's task is woken, the `Driven` is pending).
#[test]
fn rule_94_native_awaits_reach_the_outermost_driver() {
    let mut driven = pin!(drive(
        coroutine(async |mut co: Co<'_, u32, u32>| {
            yield_now().await;
            let x = co.yield_(1).await;
            yield_now().await;
            x + 1
        }),
        |request| ready(request * 100),
    ));
    let (counter, waker) = CountingWaker::new();
    let mut cx = Context::from_waker(&waker);
    assert_eq!(driven.as_mut().poll(&mut cx), Poll::Pending);
    assert_eq!(counter.wakes(), 1);
    assert_eq!(driven.as_mut().poll(&mut cx), Poll::Pending);
    assert_eq!(counter.wakes(), 2);
    assert_eq!(driven.as_mut().poll(&mut cx), Poll::Ready(101));
}

// ---------------------------------------------------------------------------------------------
// rule 95: coro_mixing_rules

/// A native coroutine awaiting a generator-based one.
async fn native_caller(log: &Log) -> u32 {
    log.push("native starts");
    let sum = drive(fetch_pair(), |name| {
        log.push(format!("request {name}"));
        ready(if name == "a" { 1 } else { 2 })
    })
    .await;
    log.push(format!("native got {sum}"));
    sum + 1
}

// rule 95: a native coroutine (`async fn`) awaits a generator-based coroutine.
#[test]
fn rule_95_native_awaits_generator_based() {
    let log = Log::new();
    assert_eq!(block_on(native_caller(&log)), 4);
    assert_eq!(
        log.take(),
        ["native starts", "request a", "request b", "native got 3"]
    );
}

// rule 95: a generator-based coroutine delegates to another one (`yield from`): the inner's
// requests go to the outer's driver, its return value to the outer; and it awaits a native
// coroutine directly (which a plain Python generator cannot `yield from`).
#[test]
fn rule_95_generator_based_delegates_and_awaits_native() {
    let log = Log::new();
    let outer = coroutine(async |mut co: Co<'_, &'static str, u32>| {
        let pair = co.yield_from(fetch_pair()).await;
        log.push(format!("pair {pair}"));
        let native = native_caller(&log).await;
        let c = co.yield_("c").await;
        pair + native + c
    });
    let requests = RefCell::new(Vec::new());
    let total = block_on(drive(outer, |name| {
        requests.borrow_mut().push(name);
        async move {
            yield_now().await;
            match name {
                "a" => 10,
                "b" => 20,
                _ => 1000,
            }
        }
    }));
    assert_eq!(total, 30 + 4 + 1000);
    assert_eq!(requests.into_inner(), ["a", "b", "c"]);
    assert_eq!(
        log.take(),
        [
            "pair 30",
            "native starts",
            "request a",
            "request b",
            "native got 3"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// rule 96: coro_await_protocol

type Awaitable = Pin<Box<dyn Future<Output = u32>>>;

// rule 96: `awaitable` awaits each yielded future exactly once (its `__await__` delegated to
// as in `yield from`) and sends its output back. Awaiting a non-awaitable is a compile error
// in Rust (`Gen` is not a `Future`), so the TypeErrors have no run-time counterpart.
#[test]
fn rule_96_awaitable_awaits_each_yielded_future_once() {
    let log = Log::new();
    let traced = |name: &'static str, value: u32| -> Awaitable {
        let log = log.clone();
        Box::pin(async move {
            log.push(format!("{name} starts"));
            yield_now().await;
            log.push(format!("{name} ends"));
            value
        })
    };
    let old_style = awaitable(coroutine(async |mut co: Co<'_, Awaitable, u32>| {
        let a = co.yield_(traced("first", 1)).await;
        let b = co.yield_(traced("second", 2)).await;
        a * 10 + b
    }));
    assert_eq!(block_on(old_style), 12);
    assert_eq!(
        log.take(),
        ["first starts", "first ends", "second starts", "second ends"]
    );
}

// ---------------------------------------------------------------------------------------------
// rule 97: coro_misuse

// rule 97: awaiting a finished coroutine again panics ("cannot reuse already awaited
// coroutine"); `close()` on it is a no-op.
#[test]
fn rule_97_poll_after_completion_panics_and_close_is_noop() {
    let mut driven = pin!(drive(
        coroutine(async |mut co: Co<'_, u32, u32>| co.yield_(1).await + 1),
        ready,
    ));
    assert_eq!(poll_once(driven.as_mut()), Poll::Ready(2));
    panic_message(|| poll_once(driven.as_mut()));
    assert_eq!(driven.as_mut().close(), Ok(None));
    assert_eq!(driven.as_mut().close(), Ok(None));
    assert_eq!(driven.state(), GenState::Closed);
}

// rule 97: the panic names the misuse, as `Driven`'s docs promise ("awaited after it
// finished"), after completion and after `close()`.
#[test]

fn rule_97_poll_after_completion_panic_names_the_misuse() {
    let mut finished = pin!(drive(
        coroutine(async |mut co: Co<'_, u32, u32>| co.yield_(1).await + 1),
        ready,
    ));
    assert_eq!(poll_once(finished.as_mut()), Poll::Ready(2));
    let message = panic_message(|| poll_once(finished.as_mut()));
    assert!(message.contains("after it finished"), "{message}");

    let mut closed = pin!(drive(
        coroutine(async |mut co: Co<'_, u32, u32>| co.yield_(1).await + 1),
        |_| std::future::pending::<u32>(),
    ));
    assert_eq!(poll_once(closed.as_mut()), Poll::Pending);
    assert_eq!(closed.as_mut().close(), Ok(None));
    let message = panic_message(|| poll_once(closed.as_mut()));
    assert!(message.contains("after it finished"), "{message}");
}

// rule 97: sending a value into a fresh coroutine is refused (the value comes back) and leaves
// it usable; resuming a finished one reports `Exhausted` (Python's RuntimeError).
#[test]
fn rule_97_send_to_fresh_refused_and_finished_exhausted() {
    let g = cogen::pin!(fetch_pair());
    assert_eq!(g.try_send(5), Err(ResumeError::JustStarted(5)));
    assert_eq!(g.state(), GenState::Created);
    assert_eq!(g.start(), Step::Yielded("a"));
    assert_eq!(g.send(1), Step::Yielded("b"));
    assert_eq!(g.send(1), Step::Complete(2));
    assert_eq!(g.try_send(1), Ok(Step::Exhausted));
    assert_eq!(g.close(), Ok(None));
}

// rule 97: resuming a coroutine that is running (here: waiting on a future its body awaits,
// which cogen reports as Running) is refused with `Running`.
#[test]
fn rule_97_resume_while_running_is_refused() {
    let signal = Signal::default();
    let g = pin!(cogen::async_coroutine(async |mut co: Co<'_, u32, u32>| {
        let x = co.yield_(1).await;
        signal.wait().await;
        co.yield_(x).await;
    }));
    let g = g.into_ref();
    assert_eq!(block_on(g.anext()), Ok(Step::Yielded(1)));
    let mut first = g.asend(5);
    assert!(poll_once(Pin::new(&mut first)).is_pending());
    assert_eq!(
        cogen::Generator::try_resume(g, Input::Send(6)),
        Err(ResumeError::Running(Input::Send(6)))
    );
    signal.set();
    assert_eq!(
        poll_once(Pin::new(&mut first)),
        Poll::Ready(Ok(Step::Yielded(5)))
    );
}

// ---------------------------------------------------------------------------------------------
// rules 98-99: coro_throw_down_chain, coro_close_chain

/// outer → middle → inner, each with a `finally`; inner waits at a plain yield. `middle`
/// handles an `Oops("recover")` that reaches it by yielding "middle recovering" and returning
/// twice the answer; outer returns what middle returned plus one.
fn chain(log: &Log) -> impl Generates<&'static str, u32, u32, Oops> + '_ {
    coroutine(async move |mut co: Co<'_, &'static str, u32, Oops>| {
        let _finally = log.finally("outer finally");
        let middle = coroutine(async move |mut co: Co<'_, &'static str, u32, Oops>| {
            let _finally = log.finally("middle finally");
            let inner = coroutine(async move |mut co: Co<'_, &'static str, u32, Oops>| {
                let _finally = log.finally("inner finally");
                co.yield_("inner request").await
            });
            match co.yield_from(inner).catch().await {
                Ok(answer) => answer,
                Err(Interrupt::Throw(Oops("recover"))) => {
                    log.push("middle handles");
                    co.yield_("middle recovering").await * 2
                }
                Err(other) => {
                    log.push(format!("middle re-raises {other:?}"));
                    co.raise(other).await
                }
            }
        });
        let returned = co.yield_from(middle).await;
        log.push(format!("outer got {returned}"));
        returned + 1
    })
}

/// Logs each request and answers 21 once the signal is set.
fn gated_handler<'a>(
    log: &'a Log,
    signal: &'a Signal,
) -> impl FnMut(&'static str) -> Pin<Box<dyn Future<Output = u32>>> + 'a {
    move |request| {
        log.push(format!("request {request}"));
        let wait = signal.wait();
        Box::pin(async move {
            wait.await;
            21
        })
    }
}

// rule 98: `Driven::throw` goes to the innermost suspended coroutine and propagates outward
// through the handlers: inner (no handler) unwinds, middle handles it and makes its next
// request, which is what the driver sees next; the coroutine then completes normally.
#[test]
fn rule_98_throw_travels_down_and_the_handler_continues() {
    let log = Log::new();
    let signal = Signal::default();
    let mut driven = pin!(drive(chain(&log), gated_handler(&log, &signal)));
    assert_eq!(poll_once(driven.as_mut()), Poll::Pending);
    assert_eq!(log.take(), ["request inner request"]);

    driven.as_mut().throw(Oops("recover"));
    assert_eq!(poll_once(driven.as_mut()), Poll::Pending);
    assert_eq!(
        log.take(),
        [
            "inner finally",
            "middle handles",
            "request middle recovering"
        ]
    );
    assert_eq!(driven.state(), GenState::Suspended);
    signal.set();
    assert_eq!(poll_once(driven.as_mut()), Poll::Ready(43));
    assert_eq!(
        log.take(),
        ["middle finally", "outer got 42", "outer finally"]
    );
}

// rule 98: the same through the generator's own `throw`: its result is the handling
// coroutine's next suspension.
#[test]
fn rule_98_throw_result_is_the_next_suspension() {
    let log = Log::new();
    let g = cogen::pin!(chain(&log));
    assert_eq!(g.start(), Step::Yielded("inner request"));
    assert_eq!(g.throw(Oops("recover")), Step::Yielded("middle recovering"));
    assert_eq!(log.take(), ["inner finally", "middle handles"]);
    assert_eq!(g.send(5), Step::Complete(11));
}

/// What `chain` logs when `Oops("fatal")` is thrown at its first request and nobody handles
/// it: every level unwinds, innermost first.
const FATAL_THROW_UNWINDS_THE_CHAIN: [&str; 5] = [
    "request inner request",
    "inner finally",
    "middle re-raises Throw(Oops(\"fatal\"))",
    "middle finally",
    "outer finally",
];

// rule 98: an error nobody handles unwinds every level, innermost first, and comes out of the
// `Driven` as a panic (its output is the return value alone; `into_result` gives it as `Err`,
// see below).
#[test]
fn rule_98_unhandled_throw_unwinds_the_whole_chain() {
    let log = Log::new();
    let signal = Signal::default();
    let mut driven = pin!(drive(chain(&log), gated_handler(&log, &signal)));
    assert_eq!(poll_once(driven.as_mut()), Poll::Pending);
    driven.as_mut().throw(Oops("fatal"));
    let message = panic_message(|| poll_once(driven.as_mut()));
    assert!(message.contains("raised an error"), "{message}");
    assert_eq!(log.take(), FATAL_THROW_UNWINDS_THE_CHAIN);
    assert_eq!(driven.state(), GenState::Closed);
}

// rule 98: awaited through `into_result`, an error nobody handles unwinds every level,
// innermost first, and is the awaiter's `Err` (Python's `await coro` raises it there); the
// coroutine is closed and awaiting it again panics.
#[test]
fn rule_98_unhandled_throw_is_the_awaiters_error_with_into_result() {
    let log = Log::new();
    let signal = Signal::default();
    let mut driven = pin!(drive(chain(&log), gated_handler(&log, &signal)).into_result());
    assert_eq!(poll_once(driven.as_mut()), Poll::Pending);
    driven.as_mut().throw(Oops("fatal"));
    assert_eq!(poll_once(driven.as_mut()), Poll::Ready(Err(Oops("fatal"))));
    assert_eq!(log.take(), FATAL_THROW_UNWINDS_THE_CHAIN);
    assert_eq!(driven.state(), GenState::Closed);
    let message = panic_message(|| poll_once(driven.as_mut()));
    assert!(message.contains("after it finished"), "{message}");
}

// rule 98: through `into_result`, a handled throw changes nothing: the coroutine goes on and
// its return value is the awaiter's `Ok`.
#[test]
fn rule_98_handled_throw_then_ok_with_into_result() {
    let log = Log::new();
    let signal = Signal::default();
    let mut driven = pin!(drive(chain(&log), gated_handler(&log, &signal)).into_result());
    assert_eq!(poll_once(driven.as_mut()), Poll::Pending);
    driven.as_mut().throw(Oops("recover"));
    assert_eq!(poll_once(driven.as_mut()), Poll::Pending);
    signal.set();
    assert_eq!(poll_once(driven.as_mut()), Poll::Ready(Ok(43)));
}

// rules 94 and 98: native async code awaits `into_result()` and handles the error with `?`-style
// matching, as a Python caller would `try: await coro except E:`.
#[test]
fn rule_94_native_code_awaits_into_result_and_sees_the_error() {
    async fn caller(coro: impl std::future::Future<Output = Result<u32, Oops>>) -> String {
        match coro.await {
            Ok(value) => format!("ok {value}"),
            Err(Oops(message)) => format!("caught {message}"),
        }
    }
    let failing = drive(
        coroutine(async |mut co: Co<'_, u32, u32, Oops>| {
            let x = co.yield_(1).await;
            if x > 10 {
                co.raise(Interrupt::Throw(Oops("too big"))).await
            }
            x
        }),
        |request| std::future::ready(request * 100),
    );
    assert_eq!(block_on(caller(failing.into_result())), "caught too big");
    let fine = drive(
        coroutine(async |mut co: Co<'_, u32, u32, Oops>| co.yield_(1).await),
        |request| std::future::ready(request * 7),
    );
    assert_eq!(block_on(caller(fine.into_result())), "ok 7");
}

// rule 99: `Driven::close` unwinds the whole chain, innermost `finally` first, drops the
// awaitable in flight, and returns `None`; awaiting it afterwards panics.
#[test]
fn rule_99_close_unwinds_the_chain_innermost_first() {
    let log = Log::new();
    let signal = Signal::default();
    let mut driven = pin!(drive(chain(&log), gated_handler(&log, &signal)));
    assert_eq!(poll_once(driven.as_mut()), Poll::Pending);
    assert_eq!(log.take(), ["request inner request"]);
    assert_eq!(driven.as_mut().close(), Ok(None));
    assert_eq!(
        log.take(),
        [
            "inner finally",
            "middle re-raises Close",
            "middle finally",
            "outer finally"
        ]
    );
    assert_eq!(driven.state(), GenState::Closed);
    panic_message(|| poll_once(driven.as_mut()));
    assert_eq!(driven.as_mut().close(), Ok(None));
}

// rule 99: `close()` on a never-started coroutine runs nothing.
#[test]
fn rule_99_close_never_started_runs_nothing() {
    let log = Log::new();
    let signal = Signal::default();
    let mut driven = pin!(drive(chain(&log), gated_handler(&log, &signal)));
    assert_eq!(driven.as_mut().close(), Ok(None));
    assert!(log.take().is_empty());
    assert_eq!(driven.state(), GenState::Closed);
}

// rule 99: a coroutine waiting on a native future its body awaits is suspended in Python's
// sense (its await chain reached the loop): `close()` unwinds it like a suspended one.
#[test]

fn rule_99_close_while_awaiting_a_native_future() {
    let log = Log::new();
    let signal = Signal::default();
    let mut driven = pin!(drive(
        coroutine(async |mut co: Co<'_, u32, u32>| {
            let _finally = log.finally("finally");
            let x = co.yield_(1).await;
            signal.wait().await;
            log.push("not reached");
            x
        }),
        ready,
    ));
    assert_eq!(poll_once(driven.as_mut()), Poll::Pending);
    let closed = catch_unwind(AssertUnwindSafe(|| driven.as_mut().close()));
    assert_eq!(closed.ok(), Some(Ok(None)));
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(driven.state(), GenState::Closed);
}

// rule 98: a throw into a coroutine waiting on a native future its body awaits (Python's
// `task.cancel()` of a task in `await asyncio.sleep(..)`) is raised at that await: with no
// handler there, the body unwinds (its `finally` runs) and the error comes out of the poll.
#[test]

fn rule_98_throw_while_awaiting_a_native_future() {
    let log = Log::new();
    let signal = Signal::default();
    let mut driven = pin!(drive(
        coroutine(async |mut co: Co<'_, u32, u32, Oops>| {
            let _finally = log.finally("finally");
            let x = co.yield_(1).await;
            signal.wait().await;
            x
        }),
        ready,
    ));
    assert_eq!(poll_once(driven.as_mut()), Poll::Pending);
    driven.as_mut().throw(Oops("cancel"));
    let message = panic_message(|| poll_once(driven.as_mut()));
    assert!(message.contains("raised an error"), "{message}");
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(driven.state(), GenState::Closed);
}

// ---------------------------------------------------------------------------------------------
// rule 100: coro_states

// rule 100: Created → Suspended (at a request whose future is in flight) → Closed. While the
// body awaits a native future directly, cogen reports Running (Python says CORO_SUSPENDED
// there: its await chain yielded to the loop).
#[test]
fn rule_100_states_while_driven() {
    let signal = Signal::default();
    let mut driven = pin!(drive(
        coroutine(async |mut co: Co<'_, (), ()>| {
            co.yield_(()).await;
            signal.wait().await;
            5
        }),
        |()| signal.wait(),
    ));
    assert_eq!(driven.state(), GenState::Created);
    assert_eq!(poll_once(driven.as_mut()), Poll::Pending);
    assert_eq!(
        driven.state(),
        GenState::Suspended,
        "the handler's future waits"
    );
    signal.set();
    assert_eq!(poll_once(driven.as_mut()), Poll::Pending);
    assert_eq!(
        driven.state(),
        GenState::Running,
        "the body's own await waits"
    );
    signal.set();
    assert_eq!(poll_once(driven.as_mut()), Poll::Ready(5));
    assert_eq!(driven.state(), GenState::Closed);
}

// ---------------------------------------------------------------------------------------------
// rule 101: coro_event_loop

/// What a task asks its scheduler for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Syscall {
    /// Give up the rest of this tick.
    Yield,
    /// Sleep this many ticks.
    Sleep(u64),
}

/// A task: sent the current tick, thrown `Oops` to cancel it.
type Task = BoxGen<'static, Syscall, u64, Result<String, String>, Oops>;

/// A round-robin trampoline: each tick steps every task that was ready at its start, in queue
/// order; sleepers join the back of the queue on their wake-up tick. `cancel` throws into a
/// task at a tick. Logs what each task ends with into `log`.
fn run(tasks: Vec<(&'static str, Task)>, cancel: (u64, &'static str), log: &Log) {
    let mut ready: VecDeque<(&'static str, Task, Input<u64, Oops>)> = tasks
        .into_iter()
        .map(|(name, task)| (name, task, Input::Start))
        .collect();
    let mut sleeping: Vec<(u64, &'static str, Task)> = Vec::new();
    let mut tick = 0;
    while !(ready.is_empty() && sleeping.is_empty()) {
        let mut i = 0;
        while i < sleeping.len() {
            if sleeping[i].0 == tick {
                let (_, name, task) = sleeping.remove(i);
                ready.push_back((name, task, Input::Send(tick)));
            } else {
                i += 1;
            }
        }
        if tick == cancel.0 {
            for entry in &mut ready {
                if entry.0 == cancel.1 {
                    entry.2 = Input::Throw(Oops("cancelled"));
                }
            }
        }
        for _ in 0..ready.len() {
            let (name, task, input) = ready.pop_front().expect("counted");
            let step = catch_unwind(AssertUnwindSafe(|| task.try_resume(input)));
            match step {
                Ok(Ok(Step::Yielded(Syscall::Yield))) => {
                    ready.push_back((name, task, Input::Send(tick)));
                }
                Ok(Ok(Step::Yielded(Syscall::Sleep(n)))) => sleeping.push((tick + n, name, task)),
                Ok(Ok(Step::Complete(Ok(value)))) => log.push(format!("{tick}: {name} -> {value}")),
                Ok(Ok(Step::Complete(Err(error)))) => {
                    log.push(format!("{tick}: {name} failed: {error}"));
                }
                Ok(Ok(Step::Raised(error))) => log.push(format!("{tick}: {name} raised {error:?}")),
                Ok(Ok(Step::Exhausted) | Err(_)) => unreachable!("tasks are stepped once each"),
                Err(_) => {
                    assert_eq!(task.state(), GenState::Closed);
                    log.push(format!("{tick}: {name} panicked"));
                }
            }
        }
        tick += 1;
    }
}

/// Logs each step, yields `steps` times, returns how many.
fn counter(log: Log, name: &'static str, steps: u32) -> Task {
    coroutine(
        async move |mut co: Co<'_, Syscall, u64, Oops>| -> Result<String, String> {
            for i in 0..steps {
                log.push(format!("{name} step {i}"));
                co.yield_(Syscall::Yield).await;
            }
            Ok(format!("{steps} steps"))
        },
    )
    .boxed_dyn()
}

// rule 101: a hand-written scheduler drives several coroutines; return values arrive as
// `Complete`; a task that fails (an error return, a raised error, a panic) does not disturb
// the others; cancelling is a throw, which a task may handle. The interleaving is exact.
#[test]
fn rule_101_round_robin_trampoline() {
    let log = Log::new();
    let sleeper = {
        let log = log.clone();
        coroutine(
            async move |mut co: Co<'_, Syscall, u64, Oops>| -> Result<String, String> {
                log.push("sleeper sleeps 2");
                let woke = co.yield_(Syscall::Sleep(2)).await;
                log.push(format!("sleeper woke at {woke}"));
                Ok(format!("slept until {woke}"))
            },
        )
        .boxed_dyn()
    };
    let failing = {
        let log = log.clone();
        coroutine(
            async move |mut co: Co<'_, Syscall, u64, Oops>| -> Result<String, String> {
                log.push("failing step");
                co.yield_(Syscall::Yield).await;
                Err("bad input".to_string())
            },
        )
        .boxed_dyn()
    };
    let raising = coroutine(
        async move |mut co: Co<'_, Syscall, u64, Oops>| -> Result<String, String> {
            co.yield_(Syscall::Yield).await;
            co.raise(Interrupt::Throw(Oops("raised"))).await
        },
    )
    .boxed_dyn();
    let panicking = coroutine(
        async move |mut co: Co<'_, Syscall, u64, Oops>| -> Result<String, String> {
            co.yield_(Syscall::Sleep(1)).await;
            panic!("task bug")
        },
    )
    .boxed_dyn();
    let forever = {
        let log = log.clone();
        coroutine(
            async move |mut co: Co<'_, Syscall, u64, Oops>| -> Result<String, String> {
                let _finally = log.finally("forever finally");
                loop {
                    match co.yield_(Syscall::Yield).catch().await {
                        Ok(tick) => log.push(format!("forever at {tick}")),
                        Err(Interrupt::Throw(Oops(why))) => return Ok(format!("stopped: {why}")),
                        Err(Interrupt::Close) => return Err("closed".to_string()),
                    }
                }
            },
        )
        .boxed_dyn()
    };
    run(
        vec![
            ("counter", counter(log.clone(), "counter", 3)),
            ("sleeper", sleeper),
            ("failing", failing),
            ("raising", raising),
            ("panicking", panicking),
            ("forever", forever),
        ],
        (2, "forever"),
        &log,
    );
    assert_eq!(
        log.take(),
        [
            // tick 0: every task starts
            "counter step 0",
            "sleeper sleeps 2",
            "failing step",
            // tick 1
            "counter step 1",
            "1: failing failed: bad input",
            "1: raising raised Oops(\"raised\")",
            "forever at 0",
            "1: panicking panicked",
            // tick 2: `forever` is cancelled
            "counter step 2",
            "forever finally",
            "2: forever -> stopped: cancelled",
            "sleeper woke at 2",
            "2: sleeper -> slept until 2",
            // tick 3
            "3: counter -> 3 steps",
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// rule 102: coro_asyncio_interop

/// A generator-based coroutine whose bare yields give up one loop iteration (its handler is
/// `tokio::task::yield_now`), logging each step.
fn polite(
    trace: Arc<Mutex<Vec<String>>>,
    name: &'static str,
) -> impl Future<Output = &'static str> + Send {
    drive(
        coroutine(async move |mut co: Co<'_, (), ()>| {
            for i in 0..3 {
                trace.lock().unwrap().push(format!("{name} {i}"));
                co.yield_(()).await; // Python: a bare `yield` in a `types.coroutine`
            }
            name
        }),
        |()| tokio::task::yield_now(),
    )
}

// rule 102: two tasks whose bare yields give up one loop iteration interleave step by step on
// a current-thread runtime (neither takes two steps while the other waits), and `block_on`
// (`asyncio.run`) returns the main coroutine's value.
//
// The exact order is deterministic (the same on every run) but is tokio's, not asyncio's. It
// relies on two behaviours of the current-thread scheduler (tokio 1.54): ready tasks run in
// FIFO spawn/wake order, so the first round is `a 0`, `b 0`; and `yield_now` defers its
// wake-up until the scheduler runs out of ready tasks, then wakes the deferred tasks in LIFO
// order (`Defer::wake` pops a `Vec`), so each later round runs in the reverse order of the one
// before. asyncio's FIFO ready queue would give a 0, b 0, a 1, b 1, a 2, b 2.
#[test]
#[cfg_attr(miri, ignore)]
fn rule_102_tokio_bare_yields_alternate() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let trace = Arc::new(Mutex::new(Vec::new()));
    let names = runtime.block_on(async {
        let a = tokio::spawn(polite(trace.clone(), "a"));
        let b = tokio::spawn(polite(trace.clone(), "b"));
        (a.await.expect("task a"), b.await.expect("task b"))
    });
    assert_eq!(names, ("a", "b"));
    assert_eq!(
        *trace.lock().unwrap(),
        ["a 0", "b 0", "b 1", "a 1", "a 2", "b 2"]
    );
}

// rule 102: a generator-based coroutine awaiting a future resumes when a callback (another
// task) sets its result; `block_on` returns the coroutine's return value.
#[test]
#[cfg_attr(miri, ignore)]
fn rule_102_tokio_future_set_by_callback() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    let answer = runtime.block_on(async {
        let (tx, rx) = futures::channel::oneshot::channel::<u32>();
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            tx.send(41).expect("the coroutine waits");
        });
        type Waiting = Pin<Box<dyn Future<Output = u32> + Send>>;
        awaitable(coroutine(async move |mut co: Co<'_, Waiting, u32>| {
            let value = co
                .yield_(Box::pin(
                    async move { rx.await.expect("the callback sends") },
                ))
                .await;
            value + 1
        }))
        .await
    });
    assert_eq!(answer, 42);
}

// rule 99 (with rule 32): a sub-coroutine that ignores the close request makes `close()` fail;
// the delegator is closed (PEP 380).
#[test]
fn rule_99_close_ignored_by_the_chain() {
    let mut driven = pin!(drive(
        coroutine(async |mut co: Co<'_, u32, u32>| {
            let inner = coroutine(async |mut co: Co<'_, u32, u32>| {
                let _ = co.yield_(1).catch().await;
                co.yield_(2).await // ignores the close request
            });
            co.yield_from(inner).await
        }),
        |_| std::future::pending::<u32>(),
    ));
    assert_eq!(poll_once(driven.as_mut()), Poll::Pending);
    assert_eq!(
        driven.as_mut().close(),
        Err(CloseError::IgnoredClose(2)),
        "PEP 380: the sub ignored it, the delegator is closed"
    );
    assert_eq!(driven.state(), GenState::Closed);
}
