//! Group 1: the iterator protocol (rules 1-4). A generator handle is a plain Rust `Iterator`,
//! and plain iterators (Python's class-based iterators) work wherever a generator consumes one.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::ptr;
use std::rc::Rc;

use cogen::{BoxGen, Co, GenState, Generator, Interrupt, Step, coroutine, generator};

use crate::support::{Log, payload_text};

/// Python's class-based iterator: counts down from `n`, counting the calls of its `__next__`.
struct Countdown {
    n: u32,
    calls: Rc<Cell<u32>>,
}

impl Iterator for Countdown {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        self.calls.set(self.calls.get() + 1);
        let current = self.n;
        self.n = current.checked_sub(1)?;
        Some(current)
    }
}

/// Yields 1, 2, 3 with a `finally` guard around the loop.
fn numbers(log: Log) -> impl Generator<Yield = u32, Resume = (), Return = ()> {
    generator(async move |mut co| {
        let _finally = log.finally("finally");
        for i in 1..=3 {
            co.yield_(i).await;
        }
    })
}

// rule 1: `for` resumes until the end, which ends the loop quietly; nothing is resumed after.
#[test]
fn rule_01_for_resumes_until_exhausted() {
    let log = Log::new();
    let body_log = log.clone();
    let mut g = generator(async move |mut co| {
        for i in 1..=3 {
            body_log.push(format!("resumed for {i}"));
            co.yield_(i).await;
        }
        body_log.push("ran off the end");
        "returned"
    })
    .boxed();
    let mut seen = Vec::new();
    for x in &mut g {
        seen.push(x);
    }
    assert_eq!(seen, [1, 2, 3]);
    assert_eq!(
        log.take(),
        [
            "resumed for 1",
            "resumed for 2",
            "resumed for 3",
            "ran off the end"
        ]
    );
    assert_eq!(g.state(), GenState::Closed);
    // The loop discarded the return value; it is kept for whoever asks.
    assert_eq!(g.take_return(), Some("returned"));
    assert_eq!(g.next(), None);
    assert!(log.take().is_empty());
}

// rule 1: a hand-written iterator is delegated to; its `next` is called until it says stop,
// exactly once more than it has items, and never after.
#[test]
fn rule_01_class_iterator_in_yield_from_iter() {
    let calls = Rc::new(Cell::new(0));
    let countdown = Countdown {
        n: 3,
        calls: calls.clone(),
    };
    let mut g = generator(async move |mut co| {
        co.yield_(100).await;
        co.yield_from_iter(countdown).await;
        co.yield_(0).await;
    })
    .boxed();
    assert_eq!(g.next(), Some(100));
    assert_eq!(
        calls.get(),
        0,
        "delegation starts only when the body reaches it"
    );
    assert_eq!(g.by_ref().collect::<Vec<_>>(), [3, 2, 1, 0]);
    assert_eq!(calls.get(), 4);
    assert_eq!(g.next(), None);
    assert_eq!(calls.get(), 4);
}

// rule 1: a generator is an ordinary iterator for the std adapters, and mixes with others.
#[test]
fn rule_01_generator_with_std_adapters() {
    let evens = || {
        generator(async |mut co| {
            for i in (0..10).step_by(2) {
                co.yield_(i).await;
            }
        })
        .boxed()
    };
    let calls = Rc::new(Cell::new(0));
    let countdown = Countdown { n: 3, calls };

    let mapped: Vec<_> = evens().map(|x| x * 10).filter(|x| x % 40 != 0).collect();
    assert_eq!(mapped, [20, 60]);
    let zipped: Vec<_> = evens().zip(countdown).collect();
    assert_eq!(zipped, [(0, 3), (2, 2), (4, 1)]);
    let chained: Vec<_> = evens().take(2).chain(evens().skip(3)).collect();
    assert_eq!(chained, [0, 2, 6, 8]);
    assert_eq!(evens().sum::<u32>(), 20);
    assert_eq!(evens().max(), Some(8));
    assert_eq!(evens().position(|x| x == 6), Some(3));
}

// rule 1: "any other exception from `__next__` escapes the loop". The Rust idiom is an item of
// type `Result`: `collect` into a `Result` stops at the first error and pulls no further.
#[test]
fn rule_01_error_item_stops_collect() {
    let log = Log::new();
    let body_log = log.clone();
    let mut g = generator(async move |mut co| {
        co.yield_(Ok(1)).await;
        co.yield_(Err("bad record")).await;
        body_log.push("pulled past the error");
        co.yield_(Ok(3)).await;
    })
    .boxed();
    let collected: Result<Vec<u32>, &str> = g.by_ref().collect();
    assert_eq!(collected, Err("bad record"));
    assert!(log.take().is_empty());
    assert_eq!(g.state(), GenState::Suspended);
}

// rule 1: an error the body raises cannot be an item, so `Iterator::next` panics with it: the
// error escapes the `for` loop, after the body's finally ran, and the generator is closed.
#[test]
fn rule_01_raised_error_escapes_for_loop() {
    let log = Log::new();
    let body_log = log.clone();
    let mut g = coroutine(async move |mut co: Co<'_, u32, (), &str>| {
        let _finally = body_log.finally("finally");
        co.yield_(1).await;
        co.raise::<()>(Interrupt::Throw("boom")).await
    })
    .boxed();
    let mut seen = Vec::new();
    let escaped = catch_unwind(AssertUnwindSafe(|| {
        for x in &mut g {
            seen.push(x);
        }
        log.push("loop ended quietly");
    }));
    let payload = escaped.expect_err("the raised error escapes the loop");
    let message = payload_text(&*payload);
    assert!(message.contains("resume()"), "{message}");
    assert_eq!(seen, [1]);
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.resume(), Step::Exhausted);
}

// rule 1: an error the body *returns* is its return value, not an exception: a `for` loop ends
// quietly at it, and the error waits in `take_return`. (Use `co.raise` to make it escape.)
#[test]
fn rule_01_returned_error_ends_loop_quietly() {
    let mut g = generator(async |mut co| -> Result<(), &str> {
        co.yield_(1).await;
        Err("returned error")
    })
    .boxed();
    let mut seen = Vec::new();
    for x in &mut g {
        seen.push(x);
    }
    assert_eq!(seen, [1]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.take_return(), Some(Err("returned error")));
}

// rule 1: a type-erased generator (`BoxGen`, whose `Iterator::next` is one dynamic call that
// returns the item) iterates as the others do: its items, the return value kept for
// `take_return` at the end, and a raised error escaping the loop with the generator closed.
#[test]
fn rule_01_type_erased_generator_iterates_and_keeps_its_return_value() {
    fn counter(n: u32) -> BoxGen<'static, u32, (), &'static str, &'static str> {
        // Behind `black_box`, so that the optimiser cannot see which generator it is.
        std::hint::black_box(
            coroutine(async move |mut co: Co<'_, u32, (), &str>| {
                for i in 0..n {
                    co.yield_(i).await;
                }
                if n == 0 {
                    return co.raise(Interrupt::Throw("empty")).await;
                }
                "done"
            })
            .boxed_dyn(),
        )
    }
    let mut g = counter(3);
    assert_eq!((&mut g).collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(g.next(), None);
    assert_eq!(g.take_return(), Some("done"));
    assert_eq!(g.state(), GenState::Closed);

    let mut empty = counter(0);
    let escaped = catch_unwind(AssertUnwindSafe(|| empty.next()));
    let payload = escaped.expect_err("the raised error escapes `next`");
    assert!(payload_text(&*payload).contains("resume()"));
    assert_eq!(empty.state(), GenState::Closed);
    assert_eq!(empty.take_return(), None);
}

// rule 1: internal iteration on a pinned handle (`fold`, and `sum`, `for_each`, `count`,
// which use it) gives exactly what repeated `next` gives: from the start for a generator that
// has not started, from where it is for one that has, the return value kept for
// `take_return`, and nothing from a finished one.
#[test]
fn rule_01_pinned_fold_is_repeated_next() {
    let numbers = || {
        generator(async |mut co| {
            for i in 1..=4u32 {
                co.yield_(i).await;
            }
            "done"
        })
    };
    let push = |mut seen: Vec<u32>, x| {
        seen.push(x);
        seen
    };

    let mut fresh = pin!(numbers());
    let seen = cogen::Pinned::new(fresh.as_mut()).fold(Vec::new(), push);
    assert_eq!(seen, [1, 2, 3, 4]);
    let after = cogen::Pinned::new(fresh.as_mut());
    assert_eq!(after.state(), GenState::Closed);
    assert_eq!(after.take_return(), Some("done"));
    assert_eq!(
        cogen::Pinned::new(fresh.as_mut()).fold(Vec::new(), push),
        [] as [u32; 0],
        "a finished generator folds to the initial value"
    );

    let mut started = pin!(numbers());
    assert_eq!(cogen::Pinned::new(started.as_mut()).next(), Some(1));
    let seen = cogen::Pinned::new(started.as_mut()).fold(Vec::new(), push);
    assert_eq!(
        seen,
        [2, 3, 4],
        "a started generator goes on from where it is"
    );

    let mut at_once = pin!(generator(async |_co: Co<'_, u32>| "at once"));
    let seen = cogen::Pinned::new(at_once.as_mut()).fold(Vec::new(), push);
    assert!(seen.is_empty());
    let after = cogen::Pinned::new(at_once.as_mut());
    assert_eq!(after.take_return(), Some("at once"));

    assert_eq!(cogen::pin!(numbers()).sum::<u32>(), 10);
    assert_eq!(cogen::pin!(numbers()).count(), 4);
}

// rule 1: an error raised into internal iteration escapes it as it escapes `next`, whether it
// comes from the first resume or a later one, after the body's finally ran.
#[test]
fn rule_01_raised_error_escapes_pinned_fold() {
    for items_before in [0, 2] {
        let log = Log::new();
        let body_log = log.clone();
        let mut slot = pin!(coroutine(async move |mut co: Co<'_, u32, (), &str>| {
            let _finally = body_log.finally("finally");
            for i in 0..items_before {
                co.yield_(i).await;
            }
            co.raise::<()>(Interrupt::Throw("boom")).await
        }));
        let mut seen = Vec::new();
        let escaped = catch_unwind(AssertUnwindSafe(|| {
            cogen::Pinned::new(slot.as_mut()).for_each(|x| seen.push(x));
        }));
        let payload = escaped.expect_err("the raised error escapes the fold");
        let message = payload_text(&*payload);
        assert!(message.contains("resume()"), "{message}");
        assert_eq!(seen.len(), items_before as usize);
        assert_eq!(log.take(), ["finally"]);
        assert_eq!(cogen::Pinned::new(slot.as_mut()).state(), GenState::Closed);
    }
}

// rule 2: `iter(callable, sentinel)` is `from_fn(callable).take_while(|v| v != sentinel)`:
// it stops at the sentinel without producing it and never calls the callable again.
#[test]
fn rule_02_callable_with_sentinel() {
    let calls = Cell::new(0);
    let mut values = [3, 1, 0, 5].into_iter();
    let mut it = std::iter::from_fn(|| {
        calls.set(calls.get() + 1);
        values.next()
    })
    .take_while(|&v| v != 0);
    assert_eq!(it.by_ref().collect::<Vec<_>>(), [3, 1]);
    assert_eq!(calls.get(), 3);
    assert_eq!(it.next(), None);
    assert_eq!(it.next(), None);
    assert_eq!(
        calls.get(),
        3,
        "the callable is not called after the sentinel"
    );
}

// rule 2: the callable can be a generator's `resume` (Python's `iter(g.__next__, sentinel)`),
// and the sentinel iterator can be delegated to.
#[test]
fn rule_02_generator_resume_as_callable() {
    let source = cogen::pin!(generator(async |mut co| {
        for v in [1, 2, 0, 3] {
            co.yield_(v).await;
        }
    }));
    let until_zero = std::iter::from_fn(|| source.resume().yielded()).take_while(|&v| v != 0);
    let g = cogen::pin!(generator(async |mut co| {
        co.yield_from_iter(until_zero).await;
        co.yield_(-1).await;
    }));
    assert_eq!(g.collect::<Vec<_>>(), [1, 2, -1]);
    // The sentinel was consumed, and the source was not resumed again after it.
    assert_eq!(source.state(), GenState::Suspended);
    assert_eq!(source.resume(), Step::Yielded(3));
}

// rule 2: Python's `__getitem__(0, 1, …)`-until-`IndexError` fallback has no Rust equivalent
// (iteration is by trait); the stand-in is indexing until `get` returns `None`.
#[test]
fn rule_02_sequence_protocol_stand_in() {
    let lookups = Cell::new(0);
    let seq = ["a", "b", "c"];
    let get = |i: usize| {
        lookups.set(lookups.get() + 1);
        seq.get(i).copied()
    };
    let g = cogen::pin!(generator(async |mut co| {
        co.yield_from_iter((0..).map_while(get)).await;
    }));
    assert_eq!(g.collect::<Vec<_>>(), ["a", "b", "c"]);
    assert_eq!(
        lookups.get(),
        4,
        "indices 0..=3, stopping at the first missing one"
    );
}

/// Python's `iter()`.
fn iter<I: IntoIterator>(iterable: I) -> I::IntoIter {
    iterable.into_iter()
}

// rule 3: `iter(g) is g`: a handle is its own iterator, so `by_ref`, `&mut g` and
// `into_iter` all continue the same generator.
#[test]
fn rule_03_handle_is_its_own_iterator() {
    let mut g = generator(async |mut co| {
        for i in 1..=6 {
            co.yield_(i).await;
        }
    })
    .boxed();
    let address = ptr::from_ref(g.as_pin().get_ref());
    assert_eq!(g.by_ref().take(2).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(g.state(), GenState::Suspended);
    for x in &mut g {
        if x == 3 {
            break;
        }
    }
    let mut it = iter(g);
    assert!(ptr::eq(it.as_pin().get_ref(), address), "iter(g) is g");
    assert_eq!(it.next(), Some(4));
    assert_eq!(it.collect::<Vec<_>>(), [5, 6]);
}

/// An iterable (not an iterator): each `iter()` hands out a fresh generator.
struct Bag(Vec<u32>);

impl<'a> IntoIterator for &'a Bag {
    type Item = &'a u32;
    type IntoIter = BoxGen<'a, &'a u32>;

    fn into_iter(self) -> Self::IntoIter {
        generator(async move |mut co| {
            for x in &self.0 {
                co.yield_(x).await;
            }
        })
        .boxed_dyn()
    }
}

// rule 3: an iterable hands out a new, independent iterator on every `iter()`.
#[test]
fn rule_03_iterable_gives_independent_iterators() {
    let bag = Bag(vec![1, 2, 3]);
    let mut a = bag.into_iter();
    let mut b = bag.into_iter();
    assert_eq!(b.state(), GenState::Created);
    assert_eq!(a.next(), Some(&1));
    assert_eq!(a.next(), Some(&2));
    assert_eq!(
        b.state(),
        GenState::Created,
        "advancing one leaves the other alone"
    );
    assert_eq!(b.next(), Some(&1));
    assert_eq!(a.next(), Some(&3));
    assert_eq!(b.copied().collect::<Vec<_>>(), [2, 3]);
    // A `for` loop over the iterable starts from the beginning each time.
    for _ in 0..2 {
        let mut total = 0;
        for x in &bag {
            total += x;
        }
        assert_eq!(total, 6);
    }
}

// rule 3: a finished generator stays finished for `next`, `resume`, `send(())` and
// `send(x)`; `next(it, default)` is `next().unwrap_or(default)`.
#[test]
fn rule_03_finished_generator_stays_finished() {
    let mut g = generator(async |mut co| co.yield_(1).await).boxed();
    assert_eq!(g.next(), Some(1));
    assert_eq!(g.next(), None);
    for _ in 0..2 {
        assert_eq!(g.next(), None);
        assert_eq!(g.resume(), Step::Exhausted);
        assert_eq!(g.send(()), Step::Exhausted);
    }
    assert_eq!(g.next().unwrap_or(42), 42);

    let c = cogen::pin!(coroutine(async |mut co: Co<'_, u32, u32>| {
        co.yield_(1).await + 1
    }));
    assert_eq!(c.start(), Step::Yielded(1));
    assert_eq!(c.send(5), Step::Complete(6));
    assert_eq!(c.send(5), Step::Exhausted);
    assert_eq!(c.try_send(7), Ok(Step::Exhausted));
    assert_eq!(c.state(), GenState::Closed);
}

// rule 4: `for`/`else` runs the `else` only when the iterator is exhausted. Rust has no
// `for`/`else`; the stand-in is a labelled block that a `break` leaves with a value.
#[test]
fn rule_04_for_else_runs_only_on_exhaustion() {
    for (target, else_expected) in [(2, false), (9, true)] {
        let log = Log::new();
        let mut g = numbers(log.clone()).boxed();
        let else_ran = 'for_else: {
            for x in &mut g {
                if x == target {
                    break 'for_else false;
                }
            }
            log.push("else");
            true
        };
        assert_eq!(else_ran, else_expected);
        if else_expected {
            // The generator finished (its finally ran) before the `else`.
            assert_eq!(log.take(), ["finally", "else"]);
            assert_eq!(g.state(), GenState::Closed);
        } else {
            assert!(log.take().is_empty());
            assert_eq!(g.state(), GenState::Suspended);
        }
    }
}

// rule 4: `break` leaves a generator the caller still holds suspended and resumable, with its
// finally not run yet.
#[test]
fn rule_04_break_leaves_generator_suspended() {
    let log = Log::new();
    let mut g = cogen::pin!(numbers(log.clone()));
    for x in &mut g {
        if x == 1 {
            break;
        }
    }
    assert_eq!(g.state(), GenState::Suspended);
    assert!(log.take().is_empty(), "finally must not run on break");
    assert_eq!(g.next(), Some(2));
    assert_eq!(g.by_ref().collect::<Vec<_>>(), [3]);
    assert_eq!(log.take(), ["finally"]);
}

// rule 4: a generator that only the loop referenced is closed as soon as the loop ends, by
// `break` or by exhaustion, boxed or pinned in the loop head.
#[test]
fn rule_04_loop_owned_generator_closed_when_loop_ends() {
    let log = Log::new();
    for x in numbers(log.clone()).boxed() {
        log.push(format!("got {x}"));
        if x == 2 {
            break;
        }
    }
    log.push("after loop");
    assert_eq!(log.take(), ["got 1", "got 2", "finally", "after loop"]);

    for x in cogen::pin!(numbers(log.clone())) {
        log.push(format!("got {x}"));
        if x == 1 {
            break;
        }
    }
    log.push("after loop");
    assert_eq!(log.take(), ["got 1", "finally", "after loop"]);
}

// rule 4: closing at the end of the loop is a real close: a body that handles the close
// request runs its handler (PEP 342 `__del__`), then its finally.
#[test]
fn rule_04_loop_end_runs_close_handler() {
    let log = Log::new();
    let body_log = log.clone();
    let g = coroutine(async move |mut co: Co<'_, u32, (), &str>| {
        let _finally = body_log.finally("finally");
        for i in 1..=3 {
            if let Err(Interrupt::Close) = co.yield_(i).catch().await {
                body_log.push("GeneratorExit");
                return;
            }
        }
    });
    for x in g.boxed() {
        log.push(format!("got {x}"));
        if x == 1 {
            break;
        }
    }
    log.push("after loop");
    assert_eq!(
        log.take(),
        ["got 1", "GeneratorExit", "finally", "after loop"]
    );
}
