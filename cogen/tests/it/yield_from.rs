//! Group 7 of the spec: `yield from` (PEP 380), rules 35-56. Every clause of the formal
//! expansion (the coverage table at the end of the group) has at least one test named after
//! its rules.
//!
//! Rules 41 and 56 cannot be expressed in Rust; their tests check what stands in their place.

use std::cell::{Cell, OnceCell};
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt::Debug;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use cogen::{
    BoxGen, Boxed, CloseError, Co, Delegate, GenState, Generates, Generator, Input, Interrupt,
    Pinned, ResumeError, Step, coroutine, generator,
};

use crate::support::{Log, panic_message};

// ---------------------------------------------------------------------------------------------
// Fixtures

/// Yields `from..to`, then returns how many items it yielded.
fn count(from: i32, to: i32) -> impl Generates<i32, (), i32> {
    generator(async move |mut co: Co<'_, i32>| {
        for i in from..to {
            co.yield_(i).await;
        }
        to - from
    })
}

/// A shared handle to a boxed generator that can be delegated to (it is a [`Generator`], so
/// every `Generator` rule of `yield_from` applies), while the test keeps another handle to
/// watch the sub-generator's state.
struct Shared<G: ?Sized>(Rc<Boxed<G>>);

impl<G: Generator + ?Sized> Generator for Shared<G> {
    type Yield = G::Yield;
    type Resume = G::Resume;
    type Return = G::Return;
    type Error = G::Error;

    fn try_resume(
        self: Pin<&Self>,
        input: Input<G::Resume, G::Error>,
    ) -> Result<Step<G::Yield, G::Return, G::Error>, ResumeError<G::Resume, G::Error>> {
        self.get_ref().0.try_resume(input)
    }

    fn poll_resume(
        self: Pin<&Self>,
        input: Option<Input<G::Resume, G::Error>>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Step<G::Yield, G::Return, G::Error>, ResumeError<G::Resume, G::Error>>> {
        self.get_ref().0.as_pin().poll_resume(input, cx)
    }

    fn state(&self) -> GenState {
        self.0.state()
    }

    fn is_delegating(&self) -> bool {
        self.0.is_delegating()
    }

    fn take_return(self: Pin<&Self>) -> Option<G::Return> {
        self.get_ref().0.take_return()
    }

    fn __keep_return(self: Pin<&Self>, value: G::Return) {
        self.get_ref().0.as_pin().__keep_return(value);
    }
}

type Script<Y, S, R, E> = Box<dyn FnMut(Input<S, E>) -> Step<Y, R, E>>;

/// Python's class-based subiterator with `__next__`, `send`, `throw` and `close`: a
/// hand-written [`Delegate`] that logs every call it gets (`Start` is the first `__next__`) and
/// answers with `script`.
struct Scripted<Y, S, R, E> {
    log: Log,
    script: Script<Y, S, R, E>,
}

impl<Y, S, R, E> Scripted<Y, S, R, E> {
    fn new(log: &Log, script: impl FnMut(Input<S, E>) -> Step<Y, R, E> + 'static) -> Self {
        Scripted {
            log: log.clone(),
            script: Box::new(script),
        }
    }
}

impl<Y, S: Debug, R, E: Debug> Delegate for Scripted<Y, S, R, E> {
    type Yield = Y;
    type Resume = S;
    type Return = R;
    type Error = E;

    fn step(self: Pin<&mut Self>, input: Input<S, E>) -> Step<Y, R, E> {
        let this = self.get_mut();
        this.log.push(format!("sub got {input:?}"));
        (this.script)(input)
    }
}

/// An iterable that counts its `into_iter` calls (Python's `iter()`).
struct CountedIterable {
    into_iter_calls: Rc<Cell<u32>>,
    log: Log,
    items: Vec<u32>,
}

impl IntoIterator for CountedIterable {
    type Item = u32;
    type IntoIter = CountedIter;

    fn into_iter(self) -> CountedIter {
        self.into_iter_calls.set(self.into_iter_calls.get() + 1);
        self.log.push("iter()");
        counted_iter(&self.log, self.items)
    }
}

/// An iterator that logs each `next` call and its drop (an iterator's only "close").
struct CountedIter {
    log: Log,
    items: std::vec::IntoIter<u32>,
}

fn counted_iter(log: &Log, items: Vec<u32>) -> CountedIter {
    CountedIter {
        log: log.clone(),
        items: items.into_iter(),
    }
}

impl Iterator for CountedIter {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        self.log.push("next");
        self.items.next()
    }
}

impl Drop for CountedIter {
    fn drop(&mut self) {
        self.log.push("iterator dropped");
    }
}

/// Sorts a log, for events whose relative order the spec does not fix.
fn sorted(mut events: Vec<String>) -> Vec<String> {
    events.sort();
    events
}

// ---------------------------------------------------------------------------------------------
// `_i = iter(EXPR)`; `_y = next(_i)`; `_s = yield _y`: rules 35, 37, 38, 52

// rule 35 yf_delegates_values
#[test]
fn rule_35_initial_next_goes_straight_to_the_sub() {
    let log = Log::new();
    let l = log.clone();
    let sub = generator(async move |mut co: Co<'_, i32>| {
        l.push("sub starts");
        co.yield_(1).await;
        l.push("sub resumed");
        co.yield_(2).await;
        l.push("sub returns");
    });
    let l = log.clone();
    let g = cogen::pin!(generator(async move |mut co: Co<'_, i32>| {
        l.push("delegator starts");
        co.yield_from(sub).await;
        l.push("delegator continues");
        co.yield_(3).await;
    }));
    assert!(
        log.take().is_empty(),
        "no body code runs before the first resume"
    );
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(log.take(), ["delegator starts", "sub starts"]);
    assert_eq!(g.resume(), Step::Yielded(2));
    assert_eq!(log.take(), ["sub resumed"]);
    // The sub finishes, and the delegator runs on to its own yield within the same resume.
    assert_eq!(g.resume(), Step::Yielded(3));
    assert_eq!(log.take(), ["sub returns", "delegator continues"]);
    assert_eq!(g.resume(), Step::Complete(()));
    assert_eq!(g.resume(), Step::Exhausted);
}

// rule 35 yf_delegates_values, with every kind of sub-iterator cogen accepts
#[test]
fn rule_35_delegates_to_every_kind_of_sub() {
    /// Hand-written `Delegate`: yields `next..end`, returns how many.
    struct Upto {
        next: i32,
        end: i32,
        yielded: i32,
    }
    impl Delegate for Upto {
        type Yield = i32;
        type Resume = ();
        type Return = i32;
        type Error = Infallible;
        fn step(mut self: Pin<&mut Self>, input: Input<(), Infallible>) -> Step<i32, i32> {
            match input {
                Input::Start | Input::Send(()) if self.next < self.end => {
                    self.next += 1;
                    self.yielded += 1;
                    Step::Yielded(self.next - 1)
                }
                Input::Close => Step::Exhausted,
                _ => Step::Complete(self.yielded),
            }
        }
    }

    let mut g = cogen::pin!(generator(async |mut co: Co<'_, i32>| {
        let mut returned = Vec::new();
        returned.push(co.yield_from(count(0, 2)).await); // a generator by value
        let pinned = cogen::pin!(count(10, 12));
        returned.push(co.yield_from(pinned).await); // a `Pinned` handle
        returned.push(co.yield_from(count(20, 22).boxed()).await); // a `Boxed` handle
        returned.push(co.yield_from(count(30, 32).boxed_dyn()).await); // a `BoxGen`
        co.yield_from_iter([40, 41]).await; // an iterable
        let custom = Upto {
            next: 50,
            end: 52,
            yielded: 0,
        };
        returned.push(co.yield_from(custom).await); // a hand-written `Delegate`
        returned
    }));
    let items: Vec<i32> = g.by_ref().collect();
    assert_eq!(items, [0, 1, 10, 11, 20, 21, 30, 31, 40, 41, 50, 51]);
    assert_eq!(g.take_return(), Some(vec![2, 2, 2, 2, 2]));
}

// rule 35 (cogen restriction): Python's `yield from g` on a started `g` calls `next(g)`, which
// sends `None` into its pending yield; cogen has no value to send for an arbitrary resume type,
// so it refuses with a clear panic instead.
#[test]
fn rule_35_yield_from_a_started_generator_panics_clearly() {
    let sub = count(0, 3).boxed();
    assert_eq!(sub.resume(), Step::Yielded(0));
    let g = cogen::pin!(generator(async move |mut co: Co<'_, i32>| {
        co.yield_from(sub).await
    }));
    let message = panic_message(|| g.resume());
    assert!(message.contains("already started"), "{message}");
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.resume(), Step::Exhausted);
}

// rules 35-46, one delegation after another in one body: a sub-generator, a plain yield, an
// iterator, another sub-generator, then a catching yield, each resumed in turn, with a throw
// and a close at the end (each delegation records its own chain; none is walked after it
// finished).
#[test]
fn rule_35_successive_delegations_around_plain_yields() {
    let log = Log::new();
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, i32, (), String>| {
        let first = co.yield_from(coroutine(async |mut co: Co<'_, i32, (), String>| {
            co.yield_(1).await;
            co.yield_(2).await;
            "first done"
        }));
        log.push(first.await);
        co.yield_(3).await;
        log.push("after the plain yield");
        co.yield_from_iter([4, 5]).await;
        co.yield_from(coroutine(async |mut co: Co<'_, i32, (), String>| {
            co.yield_(5).await;
            co.yield_(6).await;
        }))
        .await;
        match co.yield_(7).catch().await {
            Err(Interrupt::Throw(e)) => log.push(format!("caught {e}")),
            other => log.push(format!("unexpected {other:?}")),
        }
        co.yield_(8).await;
        "end"
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(g.send(()), Step::Yielded(2));
    assert_eq!(g.send(()), Step::Yielded(3));
    assert_eq!(g.send(()), Step::Yielded(4));
    assert_eq!(g.send(()), Step::Yielded(5));
    assert_eq!(g.send(()), Step::Yielded(5));
    assert_eq!(g.send(()), Step::Yielded(6));
    assert_eq!(g.send(()), Step::Yielded(7));
    assert_eq!(g.throw("oops".to_string()), Step::Yielded(8));
    assert_eq!(g.close(), Ok(None));
    assert_eq!(
        log.take(),
        ["first done", "after the plain yield", "caught oops"]
    );
}

// rule 36 yf_result_is_return_value: `RESULT = _r`, unchanged, `()` for falling off the end
#[test]
fn rule_36_result_is_the_subs_return_value_unchanged() {
    let g = cogen::pin!(generator(async |mut co: Co<'_, i32>| {
        let unit: () = co
            .yield_from(generator(async |mut co: Co<'_, i32>| co.yield_(1).await))
            .await;
        let tuple = co
            .yield_from(generator(async |_co: Co<'_, i32>| (1, "two", 3.5)))
            .await;
        let text = co
            .yield_from(generator(async |_co: Co<'_, i32>| String::from("text")))
            .await;
        // An `Err` or a `Step` is a plain value here: it is not raised or interpreted.
        let error = co
            .yield_from(generator(async |_co: Co<'_, i32>| {
                Err::<u8, _>("not raised")
            }))
            .await;
        let step = co
            .yield_from(generator(async |_co: Co<'_, i32>| {
                Step::<u8, u8>::Exhausted
            }))
            .await;
        (unit, tuple, text, error, step)
    }));
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(
        g.resume(),
        Step::Complete((
            (),
            (1, "two", 3.5),
            String::from("text"),
            Err("not raised"),
            Step::Exhausted
        ))
    );
}

// rule 37 yf_empty_and_finished_sub: `yield from ()` yields nothing, without suspending
#[test]
fn rule_37_empty_iterable_yields_nothing_without_suspending() {
    let log = Log::new();
    let l = log.clone();
    let g = cogen::pin!(generator(async move |mut co: Co<'_, i32>| {
        l.push("before");
        let nothing: () = co.yield_from_iter(std::iter::empty()).await;
        co.yield_from_iter(Vec::new()).await;
        co.yield_from_iter(None).await;
        l.push("after");
        co.yield_(1).await;
        nothing
    }));
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(log.take(), ["before", "after"]);
    assert!(!g.is_delegating());
    assert_eq!(g.resume(), Step::Complete(()));
}

// rule 37 yf_empty_and_finished_sub: a sub that returns at once does not suspend the delegator
#[test]
fn rule_37_sub_returning_at_once_does_not_suspend() {
    let g = cogen::pin!(generator(async |mut co: Co<'_, i32>| {
        let r = co.yield_from(generator(async |_co: Co<'_, i32>| 7)).await;
        co.yield_(r).await;
    }));
    assert_eq!(g.resume(), Step::Yielded(7));
    assert!(!g.is_delegating());
}

// rule 37 yf_empty_and_finished_sub: Python gives `None` for `yield from` a finished generator;
// cogen has no return value to give, and refuses with a clear panic.
#[test]
fn rule_37_yield_from_a_finished_generator_panics_clearly() {
    let sub = count(0, 1).boxed();
    assert_eq!(sub.resume(), Step::Yielded(0));
    assert_eq!(sub.resume(), Step::Complete(1));
    let log = Log::new();
    let l = log.clone();
    let g = cogen::pin!(generator(async move |mut co: Co<'_, i32>| {
        let _finally = l.finally("delegator finally");
        co.yield_from(sub).await
    }));
    let message = panic_message(|| g.resume());
    assert!(message.contains("already finished"), "{message}");
    assert_eq!(log.take(), ["delegator finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.resume(), Step::Exhausted);
}

// rule 38 yf_iter_called_once: `_i = iter(EXPR)` once, when the delegation starts; then only
// `__next__`
#[test]
fn rule_38_into_iter_called_once_then_only_next() {
    let log = Log::new();
    let calls = Rc::new(Cell::new(0));
    let iterable = CountedIterable {
        into_iter_calls: calls.clone(),
        log: log.clone(),
        items: vec![1, 2],
    };
    let l = log.clone();
    let g = cogen::pin!(generator(async move |mut co: Co<'_, u32>| {
        l.push("body starts");
        co.yield_from_iter(iterable).await;
        l.push("body continues");
        co.yield_(99).await;
    }));
    assert_eq!(
        calls.get(),
        0,
        "iter() is not called before the body reaches yield_from"
    );
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(log.take(), ["body starts", "iter()", "next"]);
    assert_eq!(g.resume(), Step::Yielded(2));
    assert_eq!(log.take(), ["next"]);
    assert_eq!(g.resume(), Step::Yielded(99));
    assert_eq!(
        log.take(),
        ["next", "iterator dropped", "body continues"],
        "exhausting the iterator ends the delegation; no extra next() call"
    );
    assert_eq!(g.resume(), Step::Complete(()));
    assert_eq!(calls.get(), 1);
    assert!(log.take().is_empty());
}

// rule 38 yf_iter_called_once: any iterable works (ranges, strings, maps, collections)
#[test]
fn rule_38_any_iterable_works() {
    let g = cogen::pin!(generator(async |mut co: Co<'_, String>| {
        co.yield_from_iter((1..3).map(|i| i.to_string())).await;
        co.yield_from_iter("ab".chars().map(String::from)).await;
        let map = BTreeMap::from([(1, "x"), (2, "y")]);
        co.yield_from_iter(map.iter().map(|(k, v)| format!("{k}={v}")))
            .await;
        co.yield_from_iter(vec![String::from("vec")]).await;
        co.yield_from_iter(Some(String::from("option"))).await;
    }));
    assert_eq!(
        g.collect::<Vec<_>>(),
        ["1", "2", "a", "b", "1=x", "2=y", "vec", "option"]
    );
}

// ---------------------------------------------------------------------------------------------
// `_s is None`: `next(_i)`, otherwise `_i.send(_s)`: rules 39, 40, 41, 52

// rule 39 yf_send_forwarded
#[test]
fn rule_39_send_reaches_the_subs_pending_yield() {
    let log = Log::new();
    let l = log.clone();
    let sub = coroutine(async move |mut co: Co<'_, String, i32>| {
        let a = co.yield_("ready".into()).await;
        l.push(format!("sub got {a}"));
        let b = co.yield_(format!("echo {a}")).await;
        l.push(format!("sub got {b}"));
        a + b
    })
    .boxed();
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, String, i32>| {
        let sum = co.yield_from(sub).await;
        co.yield_(format!("sum {sum}")).await
    }));
    assert_eq!(g.start(), Step::Yielded("ready".into()));
    assert_eq!(g.send(1), Step::Yielded("echo 1".into()));
    assert_eq!(log.take(), ["sub got 1"]);
    assert_eq!(g.send(2), Step::Yielded("sum 3".into()));
    assert_eq!(log.take(), ["sub got 2"]);
    assert_eq!(g.send(7), Step::Complete(7));
}

// rule 39 yf_send_forwarded: a tuple is sent as one value
#[test]
fn rule_39_tuple_is_sent_as_one_value() {
    let sub = coroutine(async |mut co: Co<'_, (i32, &str), (i32, &str)>| {
        let got = co.yield_((0, "start")).await;
        co.yield_(got).await;
    });
    let g = cogen::pin!(coroutine(
        async move |mut co: Co<'_, (i32, &str), (i32, &str)>| co.yield_from(sub).await
    ));
    assert_eq!(g.start(), Step::Yielded((0, "start")));
    assert_eq!(g.send((1, "one")), Step::Yielded((1, "one")));
}

// rule 40 yf_send_none_uses_next: the first resume reaches the sub as its `__next__`
// (`Input::Start`); `next()` is `send(Default)` (`None` here) and `send(x)` sends `x`, including
// falsy values.
#[test]
fn rule_40_next_and_send_reach_a_custom_sub() {
    let log = Log::new();
    let sub = Scripted::new(&log, |input: Input<Option<i32>, Infallible>| match input {
        Input::Start => Step::Yielded(0),
        Input::Send(None) => Step::Yielded(1),
        Input::Send(Some(v)) => Step::Yielded(100 + v),
        Input::Throw(e) => match e {},
        Input::Close => Step::<i32, (), Infallible>::Exhausted,
    });
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, i32, Option<i32>>| co
        .yield_from(sub)
        .await));
    assert_eq!(g.resume(), Step::Yielded(0));
    assert_eq!(log.take(), ["sub got Start"]);
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(log.take(), ["sub got Send(None)"]);
    assert_eq!(g.send(Some(0)), Step::Yielded(100));
    assert_eq!(log.take(), ["sub got Send(Some(0))"]);
    assert_eq!(g.send(None), Step::Yielded(1));
    assert_eq!(log.take(), ["sub got Send(None)"]);
}

// rule 40 yf_send_none_uses_next: a return from either path ends the delegation with its value
#[test]
fn rule_40_return_from_next_or_send_ends_the_delegation() {
    let log = Log::new();
    let ends_on_next = Scripted::new(&log, |input: Input<Option<i32>, Infallible>| match input {
        Input::Start => Step::Yielded(1),
        _ => Step::Complete(String::from("from next")),
    });
    let ends_on_send = Scripted::new(&log, |input: Input<Option<i32>, Infallible>| match input {
        Input::Start => Step::Yielded(2),
        Input::Send(Some(v)) => Step::Complete(format!("from send {v}")),
        _ => Step::Yielded(-1),
    });
    let l = log.clone();
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, i32, Option<i32>>| {
        let first = co.yield_from(ends_on_next).await;
        l.push(format!("delegator got {first}"));
        let second = co.yield_from(ends_on_send).await;
        l.push(format!("delegator got {second}"));
    }));
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(g.resume(), Step::Yielded(2));
    assert_eq!(
        log.take(),
        [
            "sub got Start",
            "sub got Send(None)",
            "delegator got from next",
            "sub got Start"
        ]
    );
    assert_eq!(g.send(Some(5)), Step::Complete(()));
    assert_eq!(
        log.take(),
        ["sub got Send(Some(5))", "delegator got from send 5"]
    );
}

// rule 41 yf_send_without_send_method: not expressible. Python raises `AttributeError` when a
// non-None value is sent while delegating to an iterator; in cogen `yield_from_iter` only
// exists when the resume type is `()`, so such a send does not compile. What remains is
// `send(None)`, which is `send(())` here and works.
#[test]
fn rule_41_iterator_sub_accepts_unit_sends() {
    let g = cogen::pin!(generator(async |mut co: Co<'_, i32>| {
        co.yield_from_iter([1, 2]).await
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(g.send(()), Step::Yielded(2));
    assert_eq!(g.send(()), Step::Complete(()));
}

// rule 52 yf_custom_iterator_values: a custom sub's return on the very first call is the result,
// with nothing yielded
#[test]
fn rule_52_custom_sub_returning_on_the_first_call() {
    let log = Log::new();
    let sub = Scripted::new(&log, |_: Input<(), Infallible>| {
        Step::<String, _, _>::Complete(String::from("at once"))
    });
    let l = log.clone();
    let g = cogen::pin!(generator(async move |mut co: Co<'_, String>| {
        let r = co.yield_from(sub).await;
        l.push("delegator continues");
        co.yield_(r).await;
    }));
    assert_eq!(g.resume(), Step::Yielded(String::from("at once")));
    assert_eq!(log.take(), ["sub got Start", "delegator continues"]);
    assert!(!g.is_delegating());
}

// rule 52 yf_custom_iterator_values: a return from `send` is the result too
#[test]
fn rule_52_custom_sub_returning_from_send() {
    let log = Log::new();
    let sub = Scripted::new(&log, |input: Input<i32, Infallible>| match input {
        Input::Start => Step::Yielded(1),
        Input::Send(v) => Step::Complete(v * 10),
        _ => Step::Exhausted,
    });
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, i32, i32>| {
        let r = co.yield_from(sub).await;
        co.yield_(r).await
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(g.send(4), Step::Yielded(40));
    assert_eq!(log.take(), ["sub got Start", "sub got Send(4)"]);
    assert_eq!(g.send(0), Step::Complete(0));
}

// ---------------------------------------------------------------------------------------------
// `except BaseException`: `_i.throw(...)`: rules 42, 43, 44, 45, 56

// rule 42 yf_throw_sub_catches_yields
#[test]
fn rule_42_sub_catches_the_throw_and_yields() {
    let log = Log::new();
    let l = log.clone();
    let sub = coroutine(async move |mut co: Co<'_, String, (), String>| {
        let _finally = l.finally("sub finally");
        match co.yield_("first".into()).catch().await {
            Err(Interrupt::Throw(e)) => co.yield_(format!("sub handled {e}")).await,
            other => panic!("unexpected {other:?}"),
        }
        String::from("sub done")
    });
    let l = log.clone();
    let g = cogen::pin!(coroutine(
        async move |mut co: Co<'_, String, (), String>| {
            let _finally = l.finally("delegator finally");
            let r = co.yield_from(sub).await; // a plain delegation: it never sees the throw
            l.push(format!("delegator got {r}"));
        }
    ));
    assert_eq!(g.start(), Step::Yielded("first".into()));
    assert_eq!(
        g.throw("boom".into()),
        Step::Yielded("sub handled boom".into())
    );
    assert!(log.take().is_empty(), "the delegator never saw the error");
    assert_eq!(g.state(), GenState::Suspended);
    assert!(g.is_delegating());
    assert_eq!(g.resume(), Step::Complete(()));
    assert_eq!(
        log.take(),
        ["sub finally", "delegator got sub done", "delegator finally"]
    );
}

// rule 42 yf_throw_sub_catches_yields, with a hand-written sub (a class with a `throw` method)
#[test]
fn rule_42_custom_sub_catches_the_throw() {
    let log = Log::new();
    let sub = Scripted::new(&log, |input: Input<(), String>| match input {
        Input::Start => Step::Yielded(0),
        Input::Throw(e) => Step::Yielded(e.len()),
        _ => Step::<usize, (), String>::Exhausted,
    });
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, usize, (), String>| {
        co.yield_from(sub).await
    }));
    assert_eq!(g.start(), Step::Yielded(0));
    assert_eq!(g.throw("four".into()), Step::Yielded(4));
    assert_eq!(log.take(), ["sub got Start", "sub got Throw(\"four\")"]);
    assert!(g.is_delegating());
}

// rule 43 yf_throw_sub_returns: the delegator resumes after `yield from` with the sub's return
// value, and its next yield is what `throw` returns
#[test]
fn rule_43_sub_returns_on_throw() {
    let sub = coroutine(async |mut co: Co<'_, String, (), String>| {
        match co.yield_("first".into()).catch().await {
            Err(Interrupt::Throw(e)) => format!("sub returned after {e}"),
            other => panic!("unexpected {other:?}"),
        }
    });
    let g = cogen::pin!(coroutine(
        async move |mut co: Co<'_, String, (), String>| {
            let r = co.yield_from(sub).await;
            co.yield_(format!("delegator got: {r}")).await;
        }
    ));
    assert_eq!(g.start(), Step::Yielded("first".into()));
    assert_eq!(
        g.throw("x".into()),
        Step::Yielded("delegator got: sub returned after x".into())
    );
    assert!(!g.is_delegating());
    assert_eq!(g.resume(), Step::Complete(()));
}

// rule 44 yf_throw_propagates: the sub's finally runs, then the error is raised at the
// delegator's `yield_from`, where `.catch()` lets it continue
#[test]
fn rule_44_unhandled_throw_is_raised_in_the_delegator_which_catches_it() {
    let log = Log::new();
    let l = log.clone();
    let sub = coroutine(async move |mut co: Co<'_, &str, (), String>| {
        let _finally = l.finally("sub finally");
        co.yield_("sub").await;
        "sub done"
    });
    let l = log.clone();
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, &str, (), String>| {
        let mut sub = std::pin::pin!(sub);
        let result = co.yield_from(Pinned::new(sub.as_mut())).catch().await;
        l.push(format!("delegator got {result:?}, sub {:?}", sub.state()));
        co.yield_("recovered").await;
    }));
    assert_eq!(g.start(), Step::Yielded("sub"));
    assert_eq!(g.throw("boom".into()), Step::Yielded("recovered"));
    assert_eq!(
        log.take(),
        [
            "sub finally",
            "delegator got Err(Throw(\"boom\")), sub Closed"
        ]
    );
    assert_eq!(g.state(), GenState::Suspended);
    assert!(!g.is_delegating());
    assert_eq!(g.resume(), Step::Complete(()));
}

// rule 44 yf_throw_propagates: not handled anywhere, the error escapes through the delegator's
// finally
#[test]
fn rule_44_unhandled_throw_escapes_through_the_delegators_finally() {
    let log = Log::new();
    let l = log.clone();
    let sub = coroutine(async move |mut co: Co<'_, &str, (), String>| {
        let _finally = l.finally("sub finally");
        co.yield_("sub").await;
    })
    .boxed();
    let l = log.clone();
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, &str, (), String>| {
        let _finally = l.finally("delegator finally");
        co.yield_from(sub).await;
        l.push("unreachable: delegator continued");
    }));
    assert_eq!(g.start(), Step::Yielded("sub"));
    assert_eq!(g.throw("boom".into()), Step::Raised("boom".into()));
    assert_eq!(log.take(), ["sub finally", "delegator finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.resume(), Step::Exhausted);
}

// rule 45 yf_iterator_without_throw_or_close: an iterator has no `throw`; the error is raised
// directly in the delegator, and the iterator is not called again (it is just dropped)
#[test]
fn rule_45_throw_with_an_iterator_sub_is_raised_in_the_delegator() {
    let log = Log::new();
    let iter = counted_iter(&log, vec![1, 2, 3]);
    let l = log.clone();
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, u32, (), String>| {
        let result = co.yield_from_iter(iter).catch().await;
        l.push(format!("delegator got {result:?}"));
        co.yield_(100).await;
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(log.take(), ["next"]);
    assert_eq!(g.throw("boom".into()), Step::Yielded(100));
    assert_eq!(
        log.take(),
        ["iterator dropped", "delegator got Err(Throw(\"boom\"))"]
    );
}

// rule 45 yf_iterator_without_throw_or_close: uncaught, the error escapes the delegator
#[test]
fn rule_45_throw_with_an_iterator_sub_escapes_a_plain_delegator() {
    let log = Log::new();
    let iter = counted_iter(&log, vec![1, 2, 3]);
    let l = log.clone();
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, u32, (), String>| {
        let _finally = l.finally("delegator finally");
        co.yield_from_iter(iter).await;
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(g.throw("boom".into()), Step::Raised("boom".into()));
    assert_eq!(
        sorted(log.take()),
        ["delegator finally", "iterator dropped", "next"]
    );
    assert_eq!(g.state(), GenState::Closed);
}

// rule 45 yf_iterator_without_throw_or_close: an iterator has no `close`; `close()` just raises
// the close request in the delegator, without any error
#[test]
fn rule_45_close_with_an_iterator_sub() {
    let log = Log::new();
    let iter = counted_iter(&log, vec![1, 2, 3]);
    let l = log.clone();
    let plain = cogen::pin!(coroutine(async move |mut co: Co<'_, u32, (), String>| {
        let _finally = l.finally("delegator finally");
        co.yield_from_iter(iter).await;
    }));
    assert_eq!(plain.start(), Step::Yielded(1));
    assert_eq!(log.take(), ["next"]);
    assert_eq!(plain.close(), Ok(None));
    assert_eq!(
        sorted(log.take()),
        ["delegator finally", "iterator dropped"],
        "no next() call during close"
    );
    assert_eq!(plain.state(), GenState::Closed);

    // A delegator that catches sees the close request at `yield_from_iter`.
    let iter = counted_iter(&log, vec![1, 2, 3]);
    let l = log.clone();
    let catching = cogen::pin!(coroutine(async move |mut co: Co<'_, u32, (), String>| {
        match co.yield_from_iter(iter).catch().await {
            Err(Interrupt::Close) => {
                l.push("delegator sees close");
                "closed cleanly"
            }
            other => panic!("unexpected {other:?}"),
        }
    }));
    assert_eq!(catching.start(), Step::Yielded(1));
    assert_eq!(catching.close(), Ok(Some("closed cleanly")));
    assert_eq!(
        log.take(),
        ["next", "iterator dropped", "delegator sees close"]
    );
}

// rule 56 yf_throw_stopiteration: not expressible (there is no `StopIteration` exception to
// throw, and no PEP 479 conversion). What stands in: a thrown error is never taken for the
// sub's return, even when it has the return type's value.
#[test]
fn rule_56_thrown_error_never_ends_the_delegation_as_a_return() {
    let sub = coroutine(async |mut co: Co<'_, i32, (), String>| {
        co.yield_(1).await;
        String::from("stop")
    });
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, i32, (), String>| {
        match co.yield_from(sub).catch().await {
            Ok(returned) => panic!("the throw ended the delegation as a return: {returned}"),
            Err(interrupt) => interrupt,
        }
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(
        g.throw("stop".into()),
        Step::Complete(Interrupt::Throw("stop".into()))
    );
}

// ---------------------------------------------------------------------------------------------
// `except GeneratorExit`: `_i.close()`, then `raise _e`: rules 46, 47, 48, 49, 50

/// A sub that sees the close request, logs it, and re-raises it.
fn closing_sub(log: &Log) -> BoxGen<'static, i32> {
    let log = log.clone();
    generator(async move |mut co: Co<'_, i32>| {
        let _finally = log.finally("sub finally");
        if let Err(interrupt) = co.yield_(1).catch().await {
            log.push(format!("sub sees {interrupt:?}"));
            co.raise(interrupt).await
        }
    })
    .boxed_dyn()
}

// rule 46 yf_close_forwarded: the sub is closed first, then the delegator; `close()` returns
// `None` and both end closed
#[test]
fn rule_46_close_is_forwarded_to_the_sub_first() {
    let log = Log::new();
    let sub = Rc::new(closing_sub(&log));
    let shared = Shared(sub.clone());
    let l = log.clone();
    let g = cogen::pin!(generator(async move |mut co: Co<'_, i32>| {
        let _finally = l.finally("delegator finally");
        co.yield_from(shared).await;
        l.push("unreachable: delegator continued");
    }));
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(sub.state(), GenState::Suspended);
    assert_eq!(g.close(), Ok(None));
    assert_eq!(
        log.take(),
        ["sub sees Close", "sub finally", "delegator finally"]
    );
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(sub.state(), GenState::Closed);
}

// rule 46 yf_close_forwarded ("Finalization"): dropping a delegator suspended in `yield_from`
// closes the sub first, then the delegator
#[test]
fn rule_46_dropping_a_delegator_closes_the_sub_first() {
    let log = Log::new();
    let sub = Rc::new(closing_sub(&log));
    {
        let shared = Shared(sub.clone());
        let l = log.clone();
        let g = cogen::pin!(generator(async move |mut co: Co<'_, i32>| {
            let _finally = l.finally("delegator finally");
            co.yield_from(shared).await;
        }));
        assert_eq!(g.resume(), Step::Yielded(1));
    }
    assert_eq!(
        log.take(),
        ["sub sees Close", "sub finally", "delegator finally"]
    );
    assert_eq!(sub.state(), GenState::Closed);
}

// rule 47 yf_throw_generatorexit_uses_close: a close reaches the sub as a close, never as a
// throw; other errors reach it as throws. (Python's `throw(GeneratorExit)` has no counterpart:
// the close request is not a value of the error type, so `close()` is the only way to send it.)
#[test]
fn rule_47_close_reaches_the_sub_as_close_and_errors_as_throw() {
    let log = Log::new();
    let sub = Scripted::new(&log, |input: Input<(), String>| match input {
        Input::Start | Input::Throw(_) => Step::Yielded(1),
        _ => Step::<i32, (), String>::Exhausted,
    });
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, i32, (), String>| {
        co.yield_from(sub).await
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(g.throw("error".into()), Step::Yielded(1));
    assert_eq!(g.close(), Ok(None));
    assert_eq!(
        log.take(),
        ["sub got Start", "sub got Throw(\"error\")", "sub got Close"]
    );
    assert_eq!(g.state(), GenState::Closed);
}

// rule 48 yf_close_sub_raises: an error raised while the sub closes escapes `close()`, after the
// delegator's finally
#[test]
fn rule_48_error_raised_by_the_closing_sub_escapes_close() {
    let log = Log::new();
    let l = log.clone();
    let sub = coroutine(async move |mut co: Co<'_, i32, (), String>| {
        let _finally = l.finally("sub finally");
        if let Err(Interrupt::Close) = co.yield_(1).catch().await {
            co.raise(Interrupt::Throw("cleanup failed".into())).await
        }
    });
    let l = log.clone();
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, i32, (), String>| {
        let _finally = l.finally("delegator finally");
        co.yield_from(sub).await;
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(
        g.close(),
        Err(CloseError::Raised(String::from("cleanup failed")))
    );
    assert_eq!(log.take(), ["sub finally", "delegator finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.resume(), Step::Exhausted);
}

// rule 48 yf_close_sub_raises: the error replaces the close request in the delegator, which can
// catch it at `yield_from`
#[test]
fn rule_48_delegator_can_catch_the_error_raised_while_closing() {
    let sub = coroutine(async |mut co: Co<'_, i32, (), String>| {
        if let Err(Interrupt::Close) = co.yield_(1).catch().await {
            co.raise(Interrupt::Throw("cleanup failed".into())).await
        }
    });
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, i32, (), String>| {
        match co.yield_from(sub).catch().await {
            Err(Interrupt::Throw(e)) => format!("delegator caught {e}"),
            other => panic!("unexpected {other:?}"),
        }
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(
        g.close(),
        Ok(Some(String::from("delegator caught cleanup failed")))
    );
}

// rule 49 yf_generatorexit_sub_yields: "ignored GeneratorExit" passes through the delegator (its
// finally runs) to the caller of `close`, and the delegator ends closed
#[test]
fn rule_49_sub_yielding_during_close_passes_through_the_delegator() {
    let log = Log::new();
    let l = log.clone();
    let sub = generator(async move |mut co: Co<'_, i32>| {
        let _finally = l.finally("sub finally");
        if let Err(Interrupt::Close) = co.yield_(1).catch().await {
            l.push("sub ignores close");
            co.yield_(2).await;
        }
    });
    let l = log.clone();
    let g = cogen::pin!(generator(async move |mut co: Co<'_, i32>| {
        let _finally = l.finally("delegator finally");
        co.yield_from(sub).await;
        l.push("unreachable: delegator continued");
    }));
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(g.close(), Err(CloseError::IgnoredClose(2)));
    let events = log.take();
    assert_eq!(events[0], "sub ignores close");
    assert_eq!(
        sorted(events[1..].to_vec()),
        ["delegator finally", "sub finally"]
    );
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.resume(), Step::Exhausted);
    assert_eq!(g.close(), Ok(None));
}

// rule 49 yf_generatorexit_sub_yields: a delegator that catches at `yield_from` is closed too
// (cogen does not hand it the "ignored close" error; see `CloseError::IgnoredClose`)
#[test]
fn rule_49_sub_yielding_during_close_closes_a_catching_delegator() {
    let log = Log::new();
    let sub = generator(async |mut co: Co<'_, i32>| {
        if let Err(Interrupt::Close) = co.yield_(1).catch().await {
            co.yield_(2).await;
        }
    });
    let l = log.clone();
    let g = cogen::pin!(generator(async move |mut co: Co<'_, i32>| {
        let _finally = l.finally("delegator finally");
        let result = co.yield_from(sub).catch().await;
        l.push(format!("unreachable: delegator got {result:?}"));
    }));
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(g.close(), Err(CloseError::IgnoredClose(2)));
    assert_eq!(log.take(), ["delegator finally"]);
    assert_eq!(g.state(), GenState::Closed);
}

// rule 50 yf_generatorexit_sub_returns: the sub swallows the close request and returns; the
// delegator is not resumed with that value, it gets the close request regardless
#[test]
fn rule_50_sub_returning_on_close_does_not_resume_the_delegator() {
    let log = Log::new();
    let l = log.clone();
    let sub = generator(async move |mut co: Co<'_, i32>| {
        let _finally = l.finally("sub finally");
        if let Err(Interrupt::Close) = co.yield_(1).catch().await {
            l.push("sub swallows close");
        }
        "sub value"
    });
    let l = log.clone();
    let g = cogen::pin!(generator(async move |mut co: Co<'_, i32>| {
        let _finally = l.finally("delegator finally");
        let r = co.yield_from(sub).await;
        l.push(format!("unreachable: delegator resumed with {r}"));
    }));
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(g.close(), Ok(None));
    assert_eq!(
        log.take(),
        ["sub swallows close", "sub finally", "delegator finally"]
    );
    assert_eq!(g.state(), GenState::Closed);
}

// rule 50 yf_generatorexit_sub_returns: a catching delegator sees `Interrupt::Close`, not the
// sub's return value
#[test]
fn rule_50_catching_delegator_sees_the_close_request() {
    let sub = generator(async |mut co: Co<'_, i32>| {
        let _ = co.yield_(1).catch().await;
        "sub value"
    });
    let g = cogen::pin!(generator(async move |mut co: Co<'_, i32>| {
        match co.yield_from(sub).catch().await {
            Err(Interrupt::Close) => "delegator saw close",
            Ok(r) => r,
            Err(Interrupt::Throw(e)) => match e {},
        }
    }));
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(g.close(), Ok(Some("delegator saw close")));
}

// ---------------------------------------------------------------------------------------------
// Exceptions from the sub's own code: rule 51

/// A sub that raises `message` from its own code at its `at`-th resume (0 = the initial next).
fn raising_sub(log: &Log, at: u32) -> impl Generates<i32, i32, i32, String> {
    let log = log.clone();
    coroutine(async move |mut co: Co<'_, i32, i32, String>| {
        let _finally = log.finally("sub finally");
        let mut total = 0;
        for i in 0.. {
            if i == at {
                co.raise::<()>(Interrupt::Throw(format!("sub failed at {i}")))
                    .await;
            }
            total += co.yield_(i as i32).await;
        }
        total
    })
}

// rule 51 yf_sub_exception_propagates: from the initial next, through the delegator's finally
#[test]
fn rule_51_sub_error_in_the_initial_next_escapes_the_delegator() {
    let log = Log::new();
    let sub = raising_sub(&log, 0);
    let l = log.clone();
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, i32, i32, String>| {
        let _finally = l.finally("delegator finally");
        co.yield_from(sub).await
    }));
    assert_eq!(g.start(), Step::Raised("sub failed at 0".into()));
    assert_eq!(log.take(), ["sub finally", "delegator finally"]);
    assert_eq!(g.state(), GenState::Closed);
}

// rule 51 yf_sub_exception_propagates: from a later send, caught by the delegator
#[test]
fn rule_51_sub_error_in_a_later_send_is_caught_by_the_delegator() {
    let log = Log::new();
    let sub = raising_sub(&log, 2);
    let l = log.clone();
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, i32, i32, String>| {
        let result = co.yield_from(sub).catch().await;
        l.push(format!("delegator got {result:?}"));
        co.yield_(-1).await
    }));
    assert_eq!(g.start(), Step::Yielded(0));
    assert_eq!(g.send(10), Step::Yielded(1));
    assert_eq!(g.send(20), Step::Yielded(-1));
    assert_eq!(
        log.take(),
        [
            "sub finally",
            "delegator got Err(Throw(\"sub failed at 2\"))"
        ]
    );
    assert_eq!(g.send(5), Step::Complete(5));
}

// rule 51 yf_sub_exception_propagates: a sub that "raises" by returning `Err` hands it to the
// delegator's `?`
#[test]
fn rule_51_sub_returning_err_propagates_with_question_mark() {
    let sub = generator(async |mut co: Co<'_, i32>| {
        co.yield_(1).await;
        Err::<i32, _>(String::from("sub failed"))
    });
    let g = cogen::pin!(generator(async move |mut co: Co<'_, i32>| {
        let v = co.yield_from(sub).await?;
        co.yield_(v).await;
        Ok::<_, String>(())
    }));
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(g.resume(), Step::Complete(Err(String::from("sub failed"))));
}

// rule 51 (with rule 32): a sub that raises the close request when no close was asked for
// (Python's `raise GeneratorExit` in the sub) ends closed, and the close request is raised in
// the delegator at its `yield_from`, as CPython raises `GeneratorExit` there: a catching
// delegation sees it (`except GeneratorExit`) and may return. (Python:
// `def sub(): try: yield 1; raise GeneratorExit  finally: log("sub finally")`, and a delegator
// `try: try: yield from sub()  except GeneratorExit: log(..); return 7  finally: log(..)`.)
#[test]
fn rule_51_sub_raising_the_close_request_unasked_raises_it_in_the_delegator() {
    let log = Log::new();
    let l = log.clone();
    let sub = coroutine(async move |mut co: Co<'_, i32, (), String>| {
        let _finally = l.finally("sub finally");
        co.yield_(1).await;
        co.raise::<()>(Interrupt::Close).await;
        100
    });
    let l = log.clone();
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, i32, (), String>| {
        let _finally = l.finally("delegator finally");
        match co.yield_from(sub).catch().await {
            Err(Interrupt::Close) => l.push("delegator caught exit"),
            other => l.push(format!("delegator got {other:?}")),
        }
        7
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(g.resume(), Step::Complete(7));
    assert_eq!(
        log.take(),
        ["sub finally", "delegator caught exit", "delegator finally"]
    );
    assert_eq!(g.state(), GenState::Closed);
}

// rule 51: uncaught, the close request raised by the innermost of a chain passes out of every
// level, each `finally` running innermost first, and the root's resume reports
// `Step::Exhausted` (CPython raises `GeneratorExit` out of `next()`: rule 32). The chain is
// three deep and linked (subs held by value), so the innermost is stepped directly and the
// outcome walks back up through the parked outcomes of the chain.
#[test]
fn rule_51_close_request_raised_unasked_leaves_a_whole_chain() {
    let log = Log::new();
    let l = log.clone();
    let innermost = coroutine(async move |mut co: Co<'_, i32, (), String>| {
        let _finally = l.finally("innermost finally");
        co.yield_(1).await;
        co.yield_(2).await;
        co.raise::<()>(Interrupt::Close).await;
    });
    let l = log.clone();
    let middle = coroutine(async move |mut co: Co<'_, i32, (), String>| {
        let _finally = l.finally("middle finally");
        co.yield_from(innermost).await;
        l.push("middle: not reached");
    });
    let l = log.clone();
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, i32, (), String>| {
        let _finally = l.finally("outer finally");
        co.yield_from(middle).await;
        l.push("outer: not reached");
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(g.resume(), Step::Yielded(2));
    assert!(g.is_delegating());
    assert_eq!(g.resume(), Step::Exhausted);
    assert_eq!(
        log.take(),
        ["innermost finally", "middle finally", "outer finally"]
    );
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.resume(), Step::Exhausted);
    assert_eq!(g.close(), Ok(None));
}

// rule 51: a close request raised in response to a real close (`except GeneratorExit: raise`)
// is that close going on, not one raised unasked: the delegator's `close()` succeeds, and a
// later delegation to the (borrowed) sub finds it finished, as before.
#[test]
fn rule_51_close_request_reraised_during_a_close_is_the_close() {
    let log = Log::new();
    let l = log.clone();
    let mut sub = cogen::pin!(coroutine(async move |mut co: Co<'_, i32, (), String>| {
        if let Err(interrupt) = co.yield_(1).catch().await {
            l.push("sub caught exit");
            co.raise::<()>(interrupt).await;
        }
    }));
    {
        let l = log.clone();
        let sub = &mut sub;
        let g = cogen::pin!(coroutine(async move |mut co: Co<'_, i32, (), String>| {
            let result = co.yield_from(sub).catch().await;
            l.push(format!("delegator got {result:?}"));
            co.raise::<()>(Interrupt::Close).await;
        }));
        assert_eq!(g.start(), Step::Yielded(1));
        assert_eq!(g.close(), Ok(None));
        assert_eq!(g.state(), GenState::Closed);
    }
    assert_eq!(log.take(), ["sub caught exit", "delegator got Err(Close)"]);
    let again = cogen::pin!(coroutine(async move |mut co: Co<'_, i32, (), String>| {
        co.yield_from(&mut sub).await;
    }));
    let message = panic_message(|| again.resume());
    assert!(message.contains("already finished"), "{message}");
}

// rule 51: the mark a sub leaves by raising the close request unasked is taken by the first
// delegation that sees its end: a second delegation to the same (borrowed) sub finds a
// finished generator, as rule 37's test does.
#[test]
fn rule_51_an_unasked_close_request_is_raised_in_one_delegator_only() {
    let mut sub = cogen::pin!(coroutine(async |mut co: Co<'_, i32, (), String>| {
        co.yield_(1).await;
        co.raise::<()>(Interrupt::Close).await;
    }));
    {
        let sub = &mut sub;
        let g = cogen::pin!(coroutine(async move |mut co: Co<'_, i32, (), String>| {
            co.yield_from(sub).catch().await.err()
        }));
        assert_eq!(g.start(), Step::Yielded(1));
        assert_eq!(g.resume(), Step::Complete(Some(Interrupt::Close)));
    }
    assert_eq!(sub.state(), GenState::Closed);
    let again = cogen::pin!(coroutine(async move |mut co: Co<'_, i32, (), String>| {
        co.yield_from(&mut sub).await;
    }));
    let message = panic_message(|| again.resume());
    assert!(message.contains("already finished"), "{message}");
}

// ---------------------------------------------------------------------------------------------
// Chains: rule 53

fn inner(log: &Log) -> impl Generates<i32, i32, i32, String> {
    let log = log.clone();
    coroutine(async move |mut co: Co<'_, i32, i32, String>| {
        let _finally = log.finally("inner finally");
        let a = co.yield_(1).await;
        log.push(format!("inner got {a}"));
        let b = co.yield_(2).await;
        log.push(format!("inner got {b}"));
        a + b
    })
}

fn middle(log: &Log) -> impl Generates<i32, i32, i32, String> {
    let log = log.clone();
    coroutine(async move |mut co: Co<'_, i32, i32, String>| {
        let _finally = log.finally("middle finally");
        let r = co.yield_from(inner(&log)).await;
        log.push(format!("middle got {r}"));
        co.yield_(r * 10).await
    })
}

/// The outer level catches what reaches it.
fn outer(log: &Log) -> impl Generates<i32, i32, i32, String> {
    let log = log.clone();
    coroutine(async move |mut co: Co<'_, i32, i32, String>| {
        let _finally = log.finally("outer finally");
        match co.yield_from(middle(&log)).catch().await {
            Ok(r) => {
                log.push(format!("outer got {r}"));
                r
            }
            Err(Interrupt::Throw(e)) => {
                log.push(format!("outer caught {e}"));
                co.yield_(-1).await
            }
            Err(Interrupt::Close) => {
                log.push("outer sees close");
                co.raise(Interrupt::Close).await
            }
        }
    })
}

// rule 53 yf_nested_chain: values and sends go to and from the innermost generator
#[test]
fn rule_53_chain_values_and_sends_reach_the_innermost() {
    let log = Log::new();
    let g = cogen::pin!(outer(&log));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(g.send(3), Step::Yielded(2));
    assert_eq!(log.take(), ["inner got 3"]);
    assert_eq!(g.send(4), Step::Yielded(70));
    assert_eq!(log.take(), ["inner got 4", "inner finally", "middle got 7"]);
    assert_eq!(g.send(5), Step::Complete(5));
    assert_eq!(
        log.take(),
        ["middle finally", "outer got 5", "outer finally"]
    );
}

// rule 53 yf_nested_chain: a throw is raised innermost first and propagates outward until
// handled
#[test]
fn rule_53_chain_throw_propagates_outward_until_handled() {
    let log = Log::new();
    let g = cogen::pin!(outer(&log));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(g.throw("boom".into()), Step::Yielded(-1));
    assert_eq!(
        log.take(),
        ["inner finally", "middle finally", "outer caught boom"]
    );
    assert!(!g.is_delegating());
    assert_eq!(g.send(9), Step::Complete(9));
    assert_eq!(log.take(), ["outer finally"]);
}

// rule 53 yf_nested_chain: handled nowhere, the throw leaves every level's finally in order
#[test]
fn rule_53_chain_unhandled_throw_leaves_every_level() {
    let log = Log::new();
    let l = log.clone();
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, i32, i32, String>| {
        let _finally = l.finally("outer finally");
        co.yield_from(middle(&l)).await
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(g.throw("boom".into()), Step::Raised("boom".into()));
    assert_eq!(
        log.take(),
        ["inner finally", "middle finally", "outer finally"]
    );
    assert_eq!(g.state(), GenState::Closed);
}

// rule 53 yf_nested_chain: `close()` finalizes from the innermost outward
#[test]
fn rule_53_chain_close_finalizes_innermost_first() {
    let log = Log::new();
    let g = cogen::pin!(outer(&log));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(g.close(), Ok(None));
    assert_eq!(
        log.take(),
        [
            "inner finally",
            "middle finally",
            "outer sees close",
            "outer finally"
        ]
    );
    assert_eq!(g.state(), GenState::Closed);
}

// ---------------------------------------------------------------------------------------------
// Running flag, cycles, `gi_yieldfrom`: rules 54, 55

// rule 54 yf_running_flag_and_loop: every generator of an active chain is running; resuming
// one of them from inside the innermost is refused, input handed back; the innermost's close
// handler, run by the outer close, sees them running too
#[test]
fn rule_54_every_generator_of_an_active_chain_is_running() {
    let log = Log::new();
    let outer_cell: Rc<OnceCell<BoxGen<'static, i32>>> = Rc::default();
    let middle_cell: Rc<OnceCell<Rc<BoxGen<'static, i32>>>> = Rc::default();
    // Weak handles: no reference cycle between the cells and the bodies.
    let (outer_weak, middle_weak) = (Rc::downgrade(&outer_cell), Rc::downgrade(&middle_cell));
    let l = log.clone();
    let observe = move |when: &str| {
        let outer = outer_weak.upgrade().unwrap();
        let outer = outer.get().unwrap();
        let middle = middle_weak.upgrade().unwrap();
        let middle = middle.get().unwrap();
        l.push(format!(
            "{when}: outer {:?}, middle {:?}",
            outer.state(),
            middle.state()
        ));
        // (`Infallible` has no value to throw.)
        for input in [Input::Send(()), Input::Close] {
            let refused = matches!(
                outer.try_resume(input.clone()),
                Err(ResumeError::Running(back)) if back == input
            ) && matches!(
                middle.try_resume(input.clone()),
                Err(ResumeError::Running(back)) if back == input
            );
            l.push(format!("{when}: {input:?} refused: {refused}"));
        }
    };
    let inner = generator(async move |mut co: Co<'_, i32>| {
        observe("run");
        if let Err(Interrupt::Close) = co.yield_(1).catch().await {
            observe("close");
        }
    });
    let middle =
        Rc::new(generator(async move |mut co: Co<'_, i32>| co.yield_from(inner).await).boxed_dyn());
    assert!(middle_cell.set(middle.clone()).is_ok());
    let shared = Shared(middle);
    let outer = generator(async move |mut co: Co<'_, i32>| co.yield_from(shared).await);
    assert!(outer_cell.set(outer.boxed_dyn()).is_ok());

    let outer = outer_cell.get().unwrap();
    let middle = middle_cell.get().unwrap();
    assert_eq!(outer.resume(), Step::Yielded(1));
    assert_eq!(
        log.take(),
        [
            "run: outer Running, middle Running",
            "run: Send(()) refused: true",
            "run: Close refused: true"
        ]
    );
    assert_eq!(outer.state(), GenState::Suspended);
    assert_eq!(middle.state(), GenState::Suspended);

    assert_eq!(outer.close(), Ok(None));
    assert_eq!(
        log.take(),
        [
            "close: outer Running, middle Running",
            "close: Send(()) refused: true",
            "close: Close refused: true"
        ]
    );
    assert_eq!(outer.state(), GenState::Closed);
    assert_eq!(middle.state(), GenState::Closed);
}

// rule 54 yf_running_flag_and_loop: a `yield from` cycle is refused with a clear panic, and
// leaves the generators closed
#[test]
fn rule_54_yield_from_cycle_panics_clearly() {
    let log = Log::new();
    let a_cell: Rc<OnceCell<Rc<BoxGen<'static, i32>>>> = Rc::default();
    let a_weak = Rc::downgrade(&a_cell);
    let l = log.clone();
    let b = generator(async move |mut co: Co<'_, i32>| {
        let _finally = l.finally("b finally");
        let a = a_weak.upgrade().unwrap().get().unwrap().clone();
        co.yield_from(Shared(a)).await; // b delegates to a, which delegates to b
    });
    let l = log.clone();
    let a = generator(async move |mut co: Co<'_, i32>| {
        let _finally = l.finally("a finally");
        co.yield_from(b).await;
    });
    let a = Rc::new(a.boxed_dyn());
    assert!(a_cell.set(a.clone()).is_ok());
    let message = panic_message(|| a.resume());
    assert!(message.contains("already executing"), "{message}");
    assert_eq!(log.take(), ["b finally", "a finally"]);
    assert_eq!(a.state(), GenState::Closed);
    assert_eq!(a.resume(), Step::Exhausted);
}

// rule 55 yf_gi_yieldfrom: `is_delegating` exactly while suspended inside a delegation: not when
// created, running, at a plain yield or finished
#[test]
fn rule_55_is_delegating_exactly_while_suspended_in_yield_from() {
    let log = Log::new();
    let cell: Rc<OnceCell<BoxGen<'static, i32>>> = Rc::default();
    let weak = Rc::downgrade(&cell);
    let l = log.clone();
    let sub = generator(async move |mut co: Co<'_, i32>| {
        let delegator = weak.upgrade().unwrap();
        let delegator = delegator.get().unwrap();
        l.push(format!(
            "{:?}, delegating: {}",
            delegator.state(),
            delegator.is_delegating()
        ));
        co.yield_(2).await;
    });
    let g = generator(async move |mut co: Co<'_, i32>| {
        co.yield_(1).await;
        co.yield_from(sub).await;
        co.yield_(3).await;
        co.yield_from_iter([4]).await;
    });
    assert!(cell.set(g.boxed_dyn()).is_ok());
    let g = cell.get().unwrap();
    assert!(!g.is_delegating(), "created");
    assert_eq!(g.resume(), Step::Yielded(1));
    assert!(!g.is_delegating(), "at a plain yield");
    assert_eq!(g.resume(), Step::Yielded(2));
    assert!(g.is_delegating(), "in yield_from");
    assert_eq!(log.take(), ["Running, delegating: false"], "while running");
    assert_eq!(g.resume(), Step::Yielded(3));
    assert!(!g.is_delegating(), "at a plain yield after the delegation");
    assert_eq!(g.resume(), Step::Yielded(4));
    assert!(g.is_delegating(), "in yield_from_iter");
    assert_eq!(g.resume(), Step::Complete(()));
    assert!(!g.is_delegating(), "finished");
}

// rule 53 (nested chain) with a borrowed sub-generator: the delegating generator steps the
// innermost generator of the chain directly, so the borrowed sub-generator's own record of the
// chain goes stale. If the delegator dies by a panic (no close protocol runs), the borrowed
// sub-generator is usable on its own again, and must not follow that record: under Miri this
// checks that no stale chain pointer is followed.
#[test]
fn rule_53_borrowed_sub_generator_resumes_alone_after_its_delegator_panicked() {
    use cogen::BoxGen;
    use std::panic::{AssertUnwindSafe, catch_unwind};

    fn leaf() -> BoxGen<'static, u32> {
        cogen::generator(async |mut co| {
            co.yield_(10).await;
            co.yield_(11).await;
        })
        .boxed_dyn()
    }
    fn middle() -> BoxGen<'static, u32> {
        cogen::generator(async |mut co| {
            co.yield_from(leaf()).await; // the chain is three deep at the first resume
            co.yield_(2).await; // the node that delegated to `leaf` is gone
            panic!("middle fails");
        })
        .boxed_dyn()
    }
    let mut b = cogen::generator(async |mut co| {
        co.yield_from(middle()).await;
        co.yield_(100).await;
    })
    .boxed();
    {
        let a = cogen::pin!(cogen::generator(async |mut co: cogen::Co<'_, u32>| {
            co.yield_from(&mut b).await;
        }));
        assert_eq!(a.resume().yielded(), Some(10));
        assert_eq!(a.resume().yielded(), Some(11));
        assert_eq!(a.resume().yielded(), Some(2));
        let failed = catch_unwind(AssertUnwindSafe(|| a.resume()));
        assert!(failed.is_err());
        assert_eq!(a.state(), cogen::GenState::Closed);
    }
    // `b` was suspended inside its `yield_from` when its delegator died; it goes on by itself,
    // down the ordinary path, and finds `middle` closed by its panic.
    assert!(b.is_delegating());
    let message = panic_message(|| b.resume());
    assert!(message.contains("already finished"), "{message}");
    assert_eq!(b.state(), cogen::GenState::Closed);
}
