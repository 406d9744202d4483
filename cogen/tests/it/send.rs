//! Group 4 of the spec: `send` (PEP 342), rules 16-19.

use std::convert::Infallible;

use cogen::{Co, GenState, Generator, Input, ResumeError, Step, coroutine, generator};

use crate::support::Log;

/// Python: `def total(): t = 0; while (x := yield) is not None: t += x; return t`
fn summer() -> impl Generator<Yield = (), Resume = Option<i32>, Return = i32, Error = Infallible> {
    coroutine(async |mut co: Co<'_, (), Option<i32>>| {
        let mut total = 0;
        while let Some(x) = co.yield_(()).await {
            total += x;
        }
        total
    })
}

// rule 16: the pending `yield` evaluates to the sent value; `send` returns the next yield.
#[test]
fn rule_16_send_value_becomes_yield_result() {
    let log = Log::new();
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, u32, &'static str>| {
        let a = co.yield_(1).await;
        log.push(format!("got {a}"));
        let b = co.yield_(2).await;
        log.push(format!("got {b}"));
        "end"
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert!(log.take().is_empty());
    assert_eq!(g.send("a"), Step::Yielded(2));
    // The body's side effects happened before `send` returned.
    assert_eq!(log.take(), ["got a"]);
    assert_eq!(g.send("b"), Step::Complete("end"));
    assert_eq!(log.take(), ["got b"]);
    assert_eq!(g.state(), GenState::Closed);
}

// rule 16: `next()` is `send(None)`: `resume()` sends `Resume::default()`.
#[test]
fn rule_16_resume_is_send_of_default() {
    // Python: def echo(): x = None; while True: x = yield x
    let g = cogen::pin!(coroutine(
        async |mut co: Co<'_, Option<i32>, Option<i32>>| {
            let mut x = None;
            loop {
                x = co.yield_(x).await;
            }
        }
    ));
    assert_eq!(g.resume(), Step::Yielded(None)); // starts it
    assert_eq!(g.send(Some(3)), Step::Yielded(Some(3)));
    assert_eq!(g.resume(), Step::Yielded(None)); // sent None
    assert_eq!(g.send(Some(4)), Step::Yielded(Some(4)));
    assert_eq!(g.send(None), Step::Yielded(None)); // the same as `resume()`
}

// rule 16: `send(None)` may start a new generator: cogen's spellings are `start()`, `resume()`
// and `try_resume(Input::Start)`.
#[test]
fn rule_16_first_resume_starts_the_generator() {
    let log = Log::new();
    let make = || {
        coroutine(async |mut co: Co<'_, u32, Option<u32>>| {
            log.push("started");
            co.yield_(1).await;
        })
    };

    let a = cogen::pin!(make());
    assert_eq!(a.start(), Step::Yielded(1));
    assert_eq!(log.take(), ["started"]);

    let b = cogen::pin!(make());
    assert_eq!(b.resume(), Step::Yielded(1));
    assert_eq!(log.take(), ["started"]);

    let c = cogen::pin!(make());
    assert_eq!(c.try_resume(Input::Start), Ok(Step::Yielded(1)));
    assert_eq!(log.take(), ["started"]);
    assert_eq!(c.try_resume(Input::Start), Err(ResumeError::AlreadyStarted));
    assert_eq!(c.state(), GenState::Suspended);
}

// rule 17: a value sent to a just-created generator is refused and handed back; no body code
// runs, the generator stays created and usable.
#[test]
fn rule_17_try_send_to_new_generator_is_refused() {
    let log = Log::new();
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, i32, i32>| {
        log.push("body ran");
        let x = co.yield_(0).await;
        co.yield_(x * 2).await;
    }));
    assert_eq!(g.try_send(21), Err(ResumeError::JustStarted(21)));
    assert!(log.take().is_empty());
    assert_eq!(g.state(), GenState::Created);

    // Still usable: start it, then send.
    assert_eq!(g.start(), Step::Yielded(0));
    assert_eq!(log.take(), ["body ran"]);
    assert_eq!(g.send(21), Step::Yielded(42));
}

// rule 17: even `None` is refused by `try_send` (Python accepts `send(None)` here); the
// stand-in for `send(None)` on a new generator is `resume()`.
#[test]
fn rule_17_try_send_none_to_new_generator_is_refused_too() {
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, i32, Option<i32>>| {
        co.yield_(0).await;
    }));
    assert_eq!(g.try_send(None), Err(ResumeError::JustStarted(None)));
    assert_eq!(g.state(), GenState::Created);
    assert_eq!(g.resume(), Step::Yielded(0));
}

// rule 17: the boxed handle behaves the same, and the refused value comes back intact.
#[test]
fn rule_17_try_send_to_new_boxed_generator_hands_value_back() {
    let log = Log::new();
    let g = coroutine(async |mut co: Co<'_, usize, Vec<u8>>| {
        log.push("body ran");
        let v = co.yield_(0).await;
        co.yield_(v.len()).await;
    })
    .boxed();
    let Err(ResumeError::JustStarted(back)) = g.try_send(vec![1, 2, 3]) else {
        panic!("a send to a created generator must be refused");
    };
    assert_eq!(back, [1, 2, 3]);
    assert!(log.take().is_empty());
    assert_eq!(g.state(), GenState::Created);
    assert_eq!(g.start(), Step::Yielded(0));
    assert_eq!(g.send(back), Step::Yielded(3));
}

// rule 17: `send` (the panicking form) names the misuse.
#[test]
#[should_panic(expected = "can't send a value to a just-started generator")]
fn rule_17_send_to_new_generator_panics() {
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, i32, i32>| {
        co.yield_(0).await;
    }));
    let _ = g.send(1);
}

// rule 18: `count += yield count`.
#[test]
fn rule_18_augmented_assignment_accumulates() {
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, i32, i32>| {
        let mut count = 0;
        loop {
            count += co.yield_(count).await;
        }
    }));
    assert_eq!(g.start(), Step::Yielded(0));
    assert_eq!(g.send(5), Step::Yielded(5));
    assert_eq!(g.send(10), Step::Yielded(15));
    assert_eq!(g.send(-3), Step::Yielded(12));
}

// rule 18: a primed consumer keeps its state across sends and returns a value, which `send`
// reports as `Step::Complete` (Python's `StopIteration.value`).
#[test]
fn rule_18_primed_consumer_returns_value() {
    let a = cogen::pin!(summer());
    let b = cogen::pin!(summer());
    assert_eq!(a.start(), Step::Yielded(()));
    assert_eq!(b.start(), Step::Yielded(()));
    // Interleaved: each keeps its own state.
    assert_eq!(a.send(Some(1)), Step::Yielded(()));
    assert_eq!(b.send(Some(100)), Step::Yielded(()));
    assert_eq!(a.send(Some(2)), Step::Yielded(()));
    assert_eq!(a.send(None), Step::Complete(3));
    assert_eq!(a.state(), GenState::Closed);
    // Finished stays finished: the return value is reported once.
    assert_eq!(a.send(Some(4)), Step::Exhausted);
    assert_eq!(b.send(None), Step::Complete(100));
}

// rule 19: a value produced for `send` goes to the `send` caller; a loop of `next` calls over
// the same generator does not see it.
#[test]
fn rule_19_next_and_send_share_one_generator() {
    // Python: def g():
    //             for i in range(4):
    //                 x = yield i
    //                 if x is not None: yield x * 100
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, i32, Option<i32>>| {
        for i in 0..4 {
            if let Some(x) = co.yield_(i).await {
                co.yield_(x * 100).await;
            }
        }
        "done"
    }));
    assert_eq!(g.resume(), Step::Yielded(0));
    assert_eq!(g.send(Some(7)), Step::Yielded(700));
    // `for v in g` over a generator that receives `Option`s: next() sends None.
    let rest: Vec<i32> = std::iter::from_fn(|| g.resume().yielded()).collect();
    assert_eq!(rest, [1, 2, 3]);
    assert_eq!(g.state(), GenState::Closed);
}

// rule 19: with `Resume = ()` the handle is an `Iterator`; a `for` loop resumed after a `send`
// skips the value `send` received.
#[test]
fn rule_19_for_loop_after_send_skips_sent_value() {
    let mut g = generator(async |mut co| {
        for i in 0..5 {
            co.yield_(i).await;
        }
        "done"
    })
    .boxed();
    assert_eq!(g.next(), Some(0));
    assert_eq!(g.send(()), Step::Yielded(1));
    let mut seen = Vec::new();
    // Python's `for v in g:` with `g.send(None)` in the loop body.
    while let Some(v) = g.next() {
        seen.push(v);
        if v == 2 {
            assert_eq!(g.send(()), Step::Yielded(3)); // taken by `send`, not by the loop
        }
    }
    assert_eq!(seen, [2, 4]);
    assert_eq!(g.take_return(), Some("done"));
    assert_eq!(g.by_ref().count(), 0); // fused
}
