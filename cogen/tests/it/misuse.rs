//! Misuse and soundness (STYLE.md practices 3, 6 and 9): every misuse of a generator or of its
//! `Co` handle ends in a compile error or a clear panic, never in undefined behaviour, and the
//! generators involved are closed afterwards.
//!
//! The compile errors (a `Co` escaping its body, two yields in flight, `Co`/`Gen` shared
//! between threads, a yielded value shorter-lived than the yield type) are `compile_fail`
//! doctests in `src/co.rs` and `src/generator.rs`; this file holds the run-time half: the
//! attacks that type-check and must be caught when they run.

use std::cell::RefCell;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use cogen::{
    BoxGen, Co, GenState, Generates, Generator, IdentitySlot, Interrupt, SendBoxGen, Step,
    coroutine, generator, generator_in,
};

use crate::support::{Log, panic_message, payload_text};

// ---------------------------------------------------------------------------------------------
// Fixtures

/// A foreign executor: polls `future` with a no-op waker (a few times at most).
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..3 {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
    }
    panic!("block_on: the future is still pending")
}

/// A foreign future that is pending once (and asks to be woken), then ready.
struct PendingOnce(bool);

impl Future for PendingOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

const WRONG_GENERATOR: &str = "was used outside its own generator's body";
const FOREIGN_AWAIT: &str = "awaited a future that is not one of its own yields";

// ---------------------------------------------------------------------------------------------
// A `Co` used inside another generator's body (async-stream #106)

/// How the smuggled outer handle is used inside the nested body.
#[derive(Clone, Copy, Debug)]
enum Use {
    Yield,
    CatchingYield,
    YieldFrom,
    YieldFromIter,
    Raise,
}

/// The outer generator (yields `i32`) moves its `Co` into a nested generator (yields `&str`)
/// that yields through it. Without the identity check, an `i32` would be written into the
/// nested generator's `&str` slot. The nested generator is resumed inside the outer body, which
/// catches the panic and reports it with the nested generator's state.
fn outer_co_in_nested_body(how: Use) -> (String, GenState) {
    let outer = cogen::pin!(coroutine(async move |co: Co<'_, i32, (), String>| {
        let nested = cogen::pin!(generator(async move |mut own: Co<'_, &'static str>| {
            let mut co = co; // the outer generator's handle
            match how {
                Use::Yield => co.yield_(1).await,
                Use::CatchingYield => {
                    let _ = co.yield_(1).catch().await;
                }
                Use::YieldFrom => {
                    let sub = coroutine(async |mut sub: Co<'_, i32, (), String>| {
                        sub.yield_(1).await;
                    });
                    co.yield_from(sub).await;
                }
                Use::YieldFromIter => co.yield_from_iter([1]).await,
                Use::Raise => co.raise(Interrupt::Throw("smuggled".into())).await,
            }
            own.yield_("the nested generator's own yield").await;
        }));
        let message = panic_message(|| nested.resume());
        (message, nested.state())
    }));
    match outer.resume() {
        Step::Complete(result) => {
            assert_eq!(outer.state(), GenState::Closed);
            result
        }
        other => panic!("{how:?}: the outer generator did not complete: {other:?}"),
    }
}

#[test]
fn co_used_in_another_generators_body_panics() {
    for how in [
        Use::Yield,
        Use::CatchingYield,
        Use::YieldFrom,
        Use::YieldFromIter,
        Use::Raise,
    ] {
        let (message, nested_state) = outer_co_in_nested_body(how);
        assert!(message.contains(WRONG_GENERATOR), "{how:?}: {message}");
        assert_eq!(nested_state, GenState::Closed, "{how:?}");
    }
}

#[test]
fn co_used_in_another_generators_body_closes_both_when_uncaught() {
    let log = Log::new();
    let (l, l2) = (log.clone(), log.clone());
    let outer = cogen::pin!(generator(async move |co: Co<'_, i32>| {
        let _finally = l.finally("outer finally");
        let nested = cogen::pin!(generator(async move |_own: Co<'_, &str>| {
            let _finally = l2.finally("nested finally");
            let mut co = co;
            co.yield_(1).await;
        }));
        let _ = nested.resume();
        l.push("unreachable: the nested resume returned");
    }));
    let message = panic_message(|| outer.resume());
    assert!(message.contains(WRONG_GENERATOR), "{message}");
    assert_eq!(log.take(), ["nested finally", "outer finally"]);
    assert_eq!(outer.state(), GenState::Closed);
    assert_eq!(outer.resume(), Step::Exhausted);
    assert_eq!(outer.close(), Ok(None));
}

#[test]
fn co_used_in_a_generator_made_on_another_thread_panics() {
    // Identities come from per-thread blocks: the first generator made on one fresh thread and
    // the first made on another must still differ, or this misuse would go unnoticed.
    let outer = std::thread::spawn(|| {
        generator(async |co: Co<'_, i32>| {
            let nested = cogen::pin!(generator(async move |_own: Co<'_, i32>| {
                let mut co = co;
                co.yield_(1).await;
            }));
            panic_message(|| nested.resume())
        })
        .boxed()
    })
    .join()
    .expect("the first thread makes the outer generator");
    let message = std::thread::spawn(move || match outer.resume() {
        Step::Complete(message) => message,
        other => panic!("the outer generator did not complete: {other:?}"),
    })
    .join()
    .expect("the second thread resumes it");
    assert!(message.contains(WRONG_GENERATOR), "{message}");
}

#[test]
fn yield_future_smuggled_into_another_generators_body_panics() {
    let outer = cogen::pin!(generator(async |mut co: Co<'_, i32>| {
        let smuggled = co.yield_(1); // a yield of the outer generator...
        let nested = cogen::pin!(generator(async move |_own: Co<'_, &str>| {
            smuggled.await; // ...awaited in the nested body
        }));
        let message = panic_message(|| nested.resume());
        (message, nested.state())
    }));
    let Step::Complete((message, nested_state)) = outer.resume() else {
        panic!("the outer generator did not complete")
    };
    assert!(message.contains(WRONG_GENERATOR), "{message}");
    assert_eq!(nested_state, GenState::Closed);
}

// A generator named by an `IdentitySlot` (`generator_in`) takes the slot's even address as its
// identity, the others an odd number: the attack is caught in every mix of the two kinds.

/// A generator of `$body` with the identity of the given kind: `counter` (`generator`) or
/// `slot` (`generator_in` on `$slot`, which `counter` leaves unused).
macro_rules! generator_of_kind {
    (counter, $slot:ident, $body:expr) => {{
        let _ = &mut $slot;
        generator($body)
    }};
    (slot, $slot:ident, $body:expr) => {
        generator_in(&mut $slot, $body)
    };
}

/// The message of resuming, inside an outer generator's body, a nested generator that yields
/// through the outer generator's `Co`; each generator's identity of the kind named.
macro_rules! smuggled_message {
    ($outer:ident, $nested:ident) => {{
        let outer_body = async |co: Co<'_, i32>| {
            let mut nested_slot = IdentitySlot::new();
            let nested_body = async move |_own: Co<'_, &str>| {
                let mut co = co; // the outer generator's handle
                co.yield_(1).await;
            };
            let nested = cogen::pin!(generator_of_kind!($nested, nested_slot, nested_body));
            panic_message(|| nested.resume())
        };
        let mut outer_slot = IdentitySlot::new();
        let outer = cogen::pin!(generator_of_kind!($outer, outer_slot, outer_body));
        match outer.resume() {
            Step::Complete(message) => message,
            other => panic!("the outer generator did not complete: {other:?}"),
        }
    }};
}

#[test]
fn co_of_a_slot_generator_used_in_another_slot_generator_panics() {
    let message = smuggled_message!(slot, slot);
    assert!(message.contains(WRONG_GENERATOR), "{message}");
}

#[test]
fn co_of_a_slot_generator_used_in_a_counter_generator_panics() {
    let message = smuggled_message!(slot, counter);
    assert!(message.contains(WRONG_GENERATOR), "{message}");
}

#[test]
fn co_of_a_counter_generator_used_in_a_slot_generator_panics() {
    let message = smuggled_message!(counter, slot);
    assert!(message.contains(WRONG_GENERATOR), "{message}");
}

#[test]
fn a_slot_generator_is_send_and_resumes_on_another_thread() {
    // A slot's address names the generator on every thread: the identity check passes where
    // the generator goes, and still catches a `Co` from elsewhere (above).
    let mut slot = IdentitySlot::new();
    let mut g = cogen::pin!(generator_in(&mut slot, async |mut co: Co<'_, String>| {
        co.yield_(String::from("made here")).await;
        co.yield_(String::from("resumed there")).await;
    }));
    assert_eq!(g.next().as_deref(), Some("made here"));
    let mut g = g.as_pin_mut();
    assert_send(&g);
    let rest: Vec<String> = std::thread::scope(|scope| {
        scope
            .spawn(move || cogen::Pinned::new(g.as_mut()).collect())
            .join()
            .expect("the other thread resumes it")
    });
    assert_eq!(rest, ["resumed there"]);
}

#[test]
fn one_slot_names_one_generator_after_another() {
    // Each generator is gone before the slot names the next: the same identity, never two
    // live generators with it. Each yields through its own `Co`, so each check passes.
    let mut slot = IdentitySlot::new();
    let mut items = Vec::new();
    for i in 0..3 {
        let g = cogen::pin!(generator_in(&mut slot, async move |mut co: Co<'_, i32>| {
            co.yield_(i).await;
            co.yield_(i + 10).await;
        }));
        items.extend(g);
    }
    assert_eq!(items, [0, 10, 1, 11, 2, 12]);
}

// ---------------------------------------------------------------------------------------------
// A `Co`'s yield polled by a foreign executor

#[test]
fn yield_polled_by_a_foreign_executor_panics() {
    let log = Log::new();
    let l = log.clone();
    let g = cogen::pin!(generator(async move |mut co: Co<'_, i32>| {
        let _finally = l.finally("finally");
        co.yield_(0).await;
        block_on(co.yield_(1));
    }));
    assert_eq!(g.resume(), Step::Yielded(0));
    let message = panic_message(|| g.resume());
    assert!(message.contains(WRONG_GENERATOR), "{message}");
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.resume(), Step::Exhausted);
}

#[test]
fn yield_polled_by_a_foreign_executor_on_another_thread_panics() {
    // `Co` is `Send` when its types are, so `&mut Co` can go to a scoped thread; polling its
    // yield there, outside the generator's resume, is refused.
    let g = cogen::pin!(generator(async |mut co: Co<'_, i32>| {
        let joined = std::thread::scope(|s| s.spawn(|| block_on(co.yield_(1))).join());
        let message = payload_text(&*joined.expect_err("the thread should have panicked"));
        co.yield_(2).await; // the handle still works in its own body afterwards
        message
    }));
    assert_eq!(g.resume(), Step::Yielded(2));
    let Step::Complete(message) = g.resume() else {
        panic!("the generator did not complete")
    };
    assert!(message.contains(WRONG_GENERATOR), "{message}");
}

#[test]
fn yield_polled_with_a_cloned_waker_panics() {
    // A clone of the waker a body is polled with is not the generator's airlock waker.
    let g = cogen::pin!(generator(async |mut co: Co<'_, i32>| {
        std::future::poll_fn(|cx| {
            let clone = cx.waker().clone();
            let mut yield_ = co.yield_(1);
            Pin::new(&mut yield_).poll(&mut Context::from_waker(&clone))
        })
        .await;
    }));
    let message = panic_message(|| g.resume());
    assert!(message.contains(WRONG_GENERATOR), "{message}");
    assert_eq!(g.state(), GenState::Closed);
}

#[test]
fn waker_kept_after_the_resume_is_inert() {
    // A waker clone that outlives the resume (and the generator) must not point into it.
    let kept: Rc<RefCell<Option<Waker>>> = Rc::default();
    let k = kept.clone();
    {
        let g = cogen::pin!(generator(async move |mut co: Co<'_, i32>| {
            std::future::poll_fn(|cx| {
                *k.borrow_mut() = Some(cx.waker().clone());
                Poll::Ready(())
            })
            .await;
            co.yield_(1).await;
        }));
        assert_eq!(g.resume(), Step::Yielded(1));
    }
    let waker = kept.borrow_mut().take().expect("the body kept a waker");
    waker.wake_by_ref();
    let clone = waker.clone();
    waker.wake();
    drop(clone);
}

// ---------------------------------------------------------------------------------------------
// Foreign futures and hand-polled yields in a sync body

#[test]
fn awaiting_a_pending_foreign_future_panics_and_closes() {
    let log = Log::new();
    let l = log.clone();
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, i32, (), String>| {
        let _finally = l.finally("finally");
        co.yield_(1).await;
        std::future::pending::<()>().await;
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    let message = panic_message(|| g.send(()));
    assert!(message.contains(FOREIGN_AWAIT), "{message}");
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.send(()), Step::Exhausted);
    assert_eq!(g.throw("late".into()), Step::Raised("late".into()));
    assert_eq!(g.close(), Ok(None));
}

#[test]
fn awaiting_a_future_pending_once_panics_and_closes() {
    let mut g = cogen::pin!(generator(async |mut co: Co<'_, i32>| {
        PendingOnce(false).await;
        co.yield_(1).await;
    }));
    let message = panic_message(|| g.resume());
    assert!(message.contains(FOREIGN_AWAIT), "{message}");
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.resume(), Step::Exhausted);
    assert_eq!(g.next(), None);
}

#[test]
fn ready_futures_and_nested_async_blocks_work_in_a_body() {
    // The checks are not over-eager: futures that complete at once, nested `async` blocks and
    // helper `async fn`s awaited by the body (same waker) are fine.
    async fn twice(co: &mut Co<'_, i32>, value: i32) {
        co.yield_(value).await;
        co.yield_(value).await;
    }
    let g = cogen::pin!(generator(async |mut co: Co<'_, i32>| {
        let one = std::future::ready(1).await;
        co.yield_(one).await;
        async {
            co.yield_(2).await;
        }
        .await;
        twice(&mut co, 3).await;
    }));
    assert_eq!(g.collect::<Vec<_>>(), [1, 2, 3, 3]);
}

#[test]
fn two_yields_in_one_resume_panic() {
    let log = Log::new();
    let l = log.clone();
    let g = cogen::pin!(generator(async move |mut co: Co<'_, i32>| {
        let _finally = l.finally("finally");
        std::future::poll_fn(|cx| {
            let mut first = co.yield_(1);
            let _ = Pin::new(&mut first).poll(cx); // starts a yield, then drops it
            Poll::Ready(())
        })
        .await;
        co.yield_(2).await;
    }));
    let message = panic_message(|| g.resume());
    assert!(
        message.contains("suspended twice in one resume"),
        "{message}"
    );
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.resume(), Step::Exhausted);
}

#[test]
fn yield_polled_twice_in_one_resume_panics() {
    let g = cogen::pin!(generator(async |mut co: Co<'_, i32>| {
        std::future::poll_fn(|cx| {
            let mut yield_ = co.yield_(1);
            let _ = Pin::new(&mut yield_).poll(cx);
            Pin::new(&mut yield_).poll(cx) // before the generator was resumed
        })
        .await;
    }));
    let message = panic_message(|| g.resume());
    assert!(message.contains("polled again before"), "{message}");
    assert_eq!(g.state(), GenState::Closed);
}

// ---------------------------------------------------------------------------------------------
// Panics in bodies

#[test]
fn resuming_after_a_panic_reports_exhausted() {
    let log = Log::new();
    let l = log.clone();
    let mut g = cogen::pin!(coroutine(async move |mut co: Co<'_, i32, (), String>| {
        let _finally = l.finally("finally");
        co.yield_(1).await;
        panic!("boom");
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(panic_message(|| g.send(())), "boom");
    assert_eq!(
        log.take(),
        ["finally"],
        "the body's locals are dropped once"
    );
    assert_eq!(g.state(), GenState::Closed);
    // Never re-polled ("`async fn` resumed after panicking"): a finished generator answers.
    assert_eq!(g.send(()), Step::Exhausted);
    assert_eq!(g.resume(), Step::Exhausted);
    assert_eq!(g.throw("late".into()), Step::Raised("late".into()));
    assert_eq!(g.close(), Ok(None));
    assert_eq!(g.next(), None);
    assert_eq!(g.take_return(), None);
    assert!(log.take().is_empty());
}

#[test]
fn panic_in_a_sub_closes_the_delegator() {
    let log = Log::new();
    let l = log.clone();
    let sub = generator(async move |mut co: Co<'_, i32>| {
        let _finally = l.finally("sub finally");
        co.yield_(1).await;
        panic!("sub panicked");
    });
    let l = log.clone();
    let g = cogen::pin!(generator(async move |mut co: Co<'_, i32>| {
        let _finally = l.finally("delegator finally");
        co.yield_from(sub).await;
    }));
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(panic_message(|| g.resume()), "sub panicked");
    assert_eq!(log.take(), ["sub finally", "delegator finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert!(!g.is_delegating());
    assert_eq!(g.resume(), Step::Exhausted);
}

#[test]
fn dropping_a_catching_generator_while_panicking_skips_its_close_handler() {
    // The drop-time close runs the body's close handler, which could panic: while the thread
    // is already unwinding (a second panic would abort), only the destructors run.
    fn catching(log: &Log) -> impl Generates<i32, (), (), String> {
        let log = log.clone();
        coroutine(async move |mut co: Co<'_, i32, (), String>| {
            let _finally = log.finally("finally");
            if let Err(Interrupt::Close) = co.yield_(1).catch().await {
                log.push("close handler");
            }
        })
    }

    let log = Log::new();
    {
        let g = cogen::pin!(catching(&log));
        assert_eq!(g.start(), Step::Yielded(1));
    }
    assert_eq!(
        log.take(),
        ["close handler", "finally"],
        "a normal drop closes"
    );

    let message = panic_message(|| {
        let g = cogen::pin!(catching(&log));
        assert_eq!(g.start(), Step::Yielded(1));
        panic!("unrelated panic");
    });
    assert_eq!(message, "unrelated panic");
    assert_eq!(log.take(), ["finally"]);
}

// ---------------------------------------------------------------------------------------------
// Auto traits, both ways (STYLE.md practice 6)

/// Whether the type of `$value` implements the bounds, decided at compile time and usable for
/// negative cases on stable: an inherent method (preferred by method resolution) exists only
/// when the bounds hold; otherwise the trait method of the fallback answers.
macro_rules! implements {
    ($value:expr => $($bound:tt)+) => {{
        #[allow(dead_code)]
        struct Probe<T: ?Sized>(PhantomData<T>);
        #[allow(dead_code)]
        trait Fallback {
            fn implements(&self) -> bool {
                false
            }
        }
        impl<T: ?Sized> Fallback for Probe<T> {}
        #[allow(dead_code)]
        impl<T: ?Sized + $($bound)+> Probe<T> {
            fn implements(&self) -> bool {
                true
            }
        }
        fn probe<T: ?Sized>(_: &T) -> Probe<T> {
            Probe(PhantomData)
        }
        probe(&$value).implements()
    }};
}

fn assert_send<T: Send>(_: &T) {}
fn assert_static<T: 'static>(_: &T) {}

#[test]
fn implements_probe_answers_both_ways() {
    assert!(implements!(String::new() => Send));
    assert!(!implements!(Rc::new(1) => Send));
    assert!(!implements!(std::cell::Cell::new(1) => Sync));
}

/// A generator whose state is `Send`: `'static` captures, locals and yield type.
fn words(words: Vec<String>) -> impl Generates<String, (), usize> + Send {
    generator(async move |mut co: Co<'_, String>| {
        let n = words.len();
        for word in words {
            co.yield_(word).await;
        }
        n
    })
}

#[test]
fn generator_with_send_state_is_send() {
    let g = words(vec!["a".into()]);
    assert_send(&g);
    assert!(implements!(g => Send));
    let boxed = g.boxed();
    assert_send(&boxed);
    assert!(implements!(boxed => Send));
    let erased: SendBoxGen<'static, String, (), usize> = words(vec![]).boxed_send();
    assert_send(&erased);
}

#[test]
fn generator_with_send_state_can_finish_on_another_thread() {
    let g = words(vec!["a".into(), "b".into(), "c".into()]).boxed_send();
    assert_eq!(g.resume(), Step::Yielded("a".into()));
    let (rest, returned) = std::thread::spawn(move || {
        let mut g = g;
        let rest: Vec<String> = g.by_ref().collect();
        (rest, g.take_return())
    })
    .join()
    .unwrap();
    assert_eq!(rest, ["b", "c"]);
    assert_eq!(returned, Some(3));
}

#[test]
fn co_is_send_when_its_types_are_and_never_sync() {
    let g = cogen::pin!(generator(async |co: Co<'_, String>| {
        (implements!(co => Send), implements!(co => Sync))
    }));
    assert_eq!(g.resume(), Step::Complete((true, false)));
    let g = cogen::pin!(generator(
        async |co: Co<'_, Rc<i32>>| implements!(co => Send)
    ));
    assert_eq!(g.resume(), Step::Complete(false));
}

// The probed generators are made in their own functions: a probe in the function that defines
// the body's future cannot see its auto traits yet (they leak only out of the defining scope).
fn capturing_an_rc() -> impl Generates<i32> {
    let shared = Rc::new(1);
    generator(async move |mut co: Co<'_, i32>| co.yield_(*shared).await)
}

fn holding_an_rc_across_a_yield() -> impl Generates<i32> {
    generator(async |mut co: Co<'_, i32>| {
        let local = Rc::new(1);
        co.yield_(*local).await;
        drop(local);
    })
}

#[test]
fn generator_capturing_an_rc_is_not_send() {
    let g = capturing_an_rc();
    assert!(!implements!(g => Send));
    assert!(!implements!(g.boxed() => Send));
    assert!(!implements!(capturing_an_rc().boxed_dyn() => Send));
}

#[test]
fn generator_holding_an_rc_across_a_yield_is_not_send() {
    assert!(!implements!(holding_an_rc_across_a_yield() => Send));
}

#[test]
fn generators_are_never_sync() {
    let g = words(vec![]);
    assert!(!implements!(g => Sync));
    assert!(!implements!(g.boxed() => Sync));
}

#[test]
fn gen_is_not_unpin_but_its_handles_are() {
    // A `Gen` is resumed in place through `Pin<&Gen>`: were it `Unpin`, `Pin::new(&gen)` would
    // let a polled body move. The handles own or borrow it pinned, and can move freely.
    let g = words(vec![]);
    assert!(!implements!(g => Unpin));
    assert!(implements!(words(vec![]).boxed() => Unpin));
    assert!(implements!(words(vec![]).boxed_dyn() => Unpin));
    let pinned = cogen::pin!(words(vec![]));
    assert!(implements!(pinned => Unpin));
}

/// A `BoxGen` made from `'static` captures is `'static`: it can live in a struct field and be
/// returned from a function.
struct Holder {
    names: BoxGen<'static, String, (), usize>,
}

fn make_holder() -> Holder {
    let owned = vec![String::from("x"), String::from("y")];
    Holder {
        names: words(owned).boxed_dyn(),
    }
}

#[test]
fn boxgen_from_static_captures_is_static() {
    let holder = make_holder();
    assert_static(&holder.names);
    let mut names = holder.names;
    assert_eq!(names.by_ref().collect::<Vec<_>>(), ["x", "y"]);
    assert_eq!(names.take_return(), Some(2));
}

// ---------------------------------------------------------------------------------------------
// Borrowing the environment

fn each<'a, T>(items: &'a [T]) -> impl Generates<&'a T> + 'a {
    generator(async move |mut co: Co<'_, &'a T>| {
        for item in items {
            co.yield_(item).await;
        }
    })
}

#[test]
fn generator_over_a_slice_yields_references_into_it() {
    let items = vec![String::from("a"), String::from("b")];
    let g = cogen::pin!(each(&items));
    let first = g.resume().yielded().unwrap();
    assert!(
        std::ptr::eq(first, &items[0]),
        "a reference into the slice, not a copy"
    );
    assert_eq!(
        items.len(),
        2,
        "the slice stays readable while the generator borrows it"
    );
    let second = g.resume().yielded().unwrap();
    assert!(std::ptr::eq(second, &items[1]));
    assert_eq!(g.resume(), Step::Complete(()));

    let boxed: BoxGen<'_, &String> = each(&items).boxed_dyn();
    assert_eq!(boxed.collect::<Vec<_>>(), [&items[0], &items[1]]);
}

// rule 33 (finalize_on_drop) needs the generator to know, when it is dropped, whether its body
// waits at a `.catch()` yield or a delegation. It knows that from the body's type, so a
// catching yield or a delegation hidden behind a pointer (boxed, or inside another future)
// would silently lose its drop-time close: it is refused when the body suspends there, with a
// clear panic, and the generator is closed (its destructors run).
#[test]
fn rule_33_catching_yield_behind_a_box_is_refused_at_the_suspension() {
    let log = Log::new();
    let g = cogen::pin!(generator(async |mut co: Co<'_, u32>| {
        let _f = log.finally("finally");
        let _ = Box::pin(co.yield_(1).catch()).await;
        log.push("not reached");
    }));
    let message = panic_message(|| g.resume());
    assert!(message.contains("does not hold by value"), "{message}");
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.resume(), Step::Exhausted);
}

#[test]
fn rule_33_delegation_behind_a_box_is_refused_at_the_suspension() {
    let g = cogen::pin!(generator(async |mut co: Co<'_, u32>| {
        Box::pin(co.yield_from_iter([1, 2])).await;
    }));
    let message = panic_message(|| g.resume());
    assert!(message.contains("does not hold by value"), "{message}");
    assert_eq!(g.state(), GenState::Closed);
}

// The same yields awaited in place are fine, and a plain yield behind a box needs no
// drop-time close, so it is allowed.
#[test]
fn rule_33_plain_yield_behind_a_box_is_allowed() {
    let log = Log::new();
    {
        let g = cogen::pin!(generator(async |mut co: Co<'_, u32>| {
            let _f = log.finally("finally");
            Box::pin(co.yield_(1)).await;
            Box::pin(co.yield_(2)).await;
        }));
        assert_eq!(g.resume(), Step::Yielded(1));
        assert_eq!(g.resume(), Step::Yielded(2));
    }
    assert_eq!(log.take(), ["finally"]);
}
