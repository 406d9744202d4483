//! Group 9: states and reentrancy (rules 63-67).
//!
//! A body reaches its own generator through a shared handle: `Rc::new_cyclic` gives the body a
//! `Weak` to the `Rc<BoxGen>` the test holds, so there is no reference cycle to leak.

use std::cell::OnceCell;
use std::convert::Infallible;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::{Rc, Weak};

use cogen::{BoxGen, Co, GenState, Input, Interrupt, ResumeError, Step};
use cogen::{coroutine, generator};

use crate::support::{Log, payload_text};

/// A generator whose body can reach it through a weak handle.
type Shared<Y, S = (), R = (), E = Infallible> = Rc<BoxGen<'static, Y, S, R, E>>;

/// Makes a [`Shared`] generator; `make` receives the weak handle the body may use.
fn shared<Y: 'static, S: 'static, R: 'static, E: 'static>(
    make: impl FnOnce(Weak<BoxGen<'static, Y, S, R, E>>) -> BoxGen<'static, Y, S, R, E>,
) -> Shared<Y, S, R, E> {
    Rc::new_cyclic(|me| make(me.clone()))
}

/// The generator behind a weak handle, while the test holds it.
fn upgrade<G: ?Sized>(me: &Weak<G>) -> Rc<G> {
    me.upgrade().expect("the test holds the generator")
}

/// An error thrown into or raised by the bodies below.
#[derive(Debug, Clone, PartialEq)]
struct Oops(&'static str);

// rule 63: Created → Suspended → Closed, never Running from outside; once finished the frame
// (the body's locals and captures) is released even though the handle is still alive.
#[test]
fn rule_63_lifecycle() {
    let log = Log::new();
    let body_log = log.clone();
    let frame = Rc::new(());
    let captured = frame.clone();
    let g = cogen::pin!(generator(async move |mut co| {
        let _captured = captured;
        let _finally = body_log.finally("frame released");
        co.yield_(1).await;
        co.yield_(2).await;
    }));
    assert_eq!(g.state(), GenState::Created);
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(g.state(), GenState::Suspended);
    assert_eq!(g.resume(), Step::Yielded(2));
    assert_eq!(g.state(), GenState::Suspended);
    assert_eq!(Rc::strong_count(&frame), 2);
    assert!(log.take().is_empty());
    assert_eq!(g.resume(), Step::Complete(()));
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(Rc::strong_count(&frame), 1, "the finished body is released");
    assert_eq!(log.take(), ["frame released"]);
}

// rule 63: from outside, the state is never Running, whatever the last operation did.
#[test]
fn rule_63_never_running_from_outside() {
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, u32, u32, Oops>| {
        let mut n = 0;
        loop {
            match co.yield_(n).catch().await {
                Ok(v) => n += v,
                Err(Interrupt::Throw(_)) => n = 0,
                Err(Interrupt::Close) => return n,
            }
        }
    }));
    let mut states = vec![g.state()];
    assert_eq!(g.start(), Step::Yielded(0));
    states.push(g.state());
    assert_eq!(g.send(5), Step::Yielded(5));
    states.push(g.state());
    assert_eq!(g.throw(Oops("reset")), Step::Yielded(0));
    states.push(g.state());
    assert_eq!(g.try_resume(Input::Start), Err(ResumeError::AlreadyStarted));
    states.push(g.state());
    assert_eq!(g.close(), Ok(Some(0)));
    states.push(g.state());
    use GenState::*;
    assert_eq!(
        states,
        [Created, Suspended, Suspended, Suspended, Suspended, Closed]
    );
}

// rule 64: inside its own body a generator sees itself Running, on the first run and after a
// resume.
#[test]
fn rule_64_running_inside_own_body() {
    let g: Shared<GenState, (), GenState> = shared(|me| {
        generator(async move |mut co| {
            let state = || upgrade(&me).state();
            co.yield_(state()).await;
            co.yield_(state()).await;
            state()
        })
        .boxed_dyn()
    });
    assert_eq!(g.state(), GenState::Created);
    assert_eq!(g.resume(), Step::Yielded(GenState::Running));
    assert_eq!(g.state(), GenState::Suspended);
    assert_eq!(g.resume(), Step::Yielded(GenState::Running));
    assert_eq!(g.resume(), Step::Complete(GenState::Running));
    assert_eq!(g.state(), GenState::Closed);
}

// rule 64: a delegating generator is Running while its sub-generator runs; outside, it is
// suspended and delegating.
#[test]
fn rule_64_delegator_running_while_sub_runs() {
    let g: Shared<(GenState, bool)> = shared(|me| {
        generator(async move |mut co| {
            let sub = generator(async move |mut co| {
                let outer = upgrade(&me);
                co.yield_((outer.state(), outer.is_delegating())).await;
            });
            co.yield_from(sub).await;
        })
        .boxed_dyn()
    });
    assert_eq!(g.resume(), Step::Yielded((GenState::Running, false)));
    assert_eq!(g.state(), GenState::Suspended);
    assert!(g.is_delegating());
    assert_eq!(g.resume(), Step::Complete(()));
    assert!(!g.is_delegating());
}

/// How the closed-path generator ends, if it is left to run.
#[derive(Clone, Copy)]
enum Ending {
    Returns,
    RaisesAt(u32),
    PanicsAt(u32),
}

/// The closed-path generator: yields 0 and 1, logs its start and its finally, and holds the
/// `frame` probe in its body.
fn closable(
    log: &Log,
    frame: &Rc<()>,
    ending: Ending,
) -> BoxGen<'static, u32, (), &'static str, Oops> {
    let (log, frame) = (log.clone(), frame.clone());
    coroutine(async move |mut co: Co<'_, u32, (), Oops>| {
        let _frame = frame;
        log.push("started");
        let _finally = log.finally("finally");
        for i in 0..2 {
            match ending {
                Ending::RaisesAt(at) if at == i => co.raise(Interrupt::Throw(Oops("raised"))).await,
                Ending::PanicsAt(at) if at == i => panic!("body panicked"),
                _ => {}
            }
            co.yield_(i).await;
        }
        "returned"
    })
    .boxed_dyn()
}

/// Closed for good: every later resume reports the end, close is a no-op, a throw comes back,
/// and the frame has been released.
fn assert_closed_for_good(g: &BoxGen<'static, u32, (), &'static str, Oops>, frame: &Rc<()>) {
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(Rc::strong_count(frame), 1, "the closed body is released");
    for _ in 0..2 {
        assert_eq!(g.resume(), Step::Exhausted);
    }
    assert_eq!(g.close(), Ok(None));
    assert_eq!(g.throw(Oops("late")), Step::Raised(Oops("late")));
    assert_eq!(g.try_resume(Input::Start), Ok(Step::Exhausted));
    assert_eq!(g.state(), GenState::Closed);
}

// rule 65: close when created: no body code runs, not even the finally.
#[test]
fn rule_65_closed_after_close_when_created() {
    let (log, frame) = (Log::new(), Rc::new(()));
    let g = closable(&log, &frame, Ending::Returns);
    assert_eq!(g.close(), Ok(None));
    assert!(log.take().is_empty());
    assert_closed_for_good(&g, &frame);
}

// rule 65: close when suspended runs the finally.
#[test]
fn rule_65_closed_after_close_when_suspended() {
    let (log, frame) = (Log::new(), Rc::new(()));
    let g = closable(&log, &frame, Ending::Returns);
    assert_eq!(g.resume(), Step::Yielded(0));
    assert_eq!(g.close(), Ok(None));
    assert_eq!(log.take(), ["started", "finally"]);
    assert_closed_for_good(&g, &frame);
}

// rule 65: throw when created: the error comes straight back, no body code runs.
#[test]
fn rule_65_closed_after_throw_when_created() {
    let (log, frame) = (Log::new(), Rc::new(()));
    let g = closable(&log, &frame, Ending::Returns);
    assert_eq!(g.throw(Oops("thrown")), Step::Raised(Oops("thrown")));
    assert!(log.take().is_empty());
    assert_closed_for_good(&g, &frame);
}

// rule 65: an error raised on the first run.
#[test]
fn rule_65_closed_after_error_on_first_run() {
    let (log, frame) = (Log::new(), Rc::new(()));
    let g = closable(&log, &frame, Ending::RaisesAt(0));
    assert_eq!(g.resume(), Step::Raised(Oops("raised")));
    assert_eq!(log.take(), ["started", "finally"]);
    assert_closed_for_good(&g, &frame);
}

// rule 65: a panic on the first run.
#[test]
fn rule_65_closed_after_panic_on_first_run() {
    let (log, frame) = (Log::new(), Rc::new(()));
    let g = closable(&log, &frame, Ending::PanicsAt(0));
    let payload = catch_unwind(AssertUnwindSafe(|| g.resume())).expect_err("the panic escapes");
    assert_eq!(payload_text(&*payload), "body panicked");
    assert_eq!(log.take(), ["started", "finally"]);
    assert_closed_for_good(&g, &frame);
}

// rule 65: an error raised after a yield.
#[test]
fn rule_65_closed_after_later_error() {
    let (log, frame) = (Log::new(), Rc::new(()));
    let g = closable(&log, &frame, Ending::RaisesAt(1));
    assert_eq!(g.resume(), Step::Yielded(0));
    assert_eq!(g.resume(), Step::Raised(Oops("raised")));
    assert_eq!(log.take(), ["started", "finally"]);
    assert_closed_for_good(&g, &frame);
}

// rule 65: a panic after a yield.
#[test]
fn rule_65_closed_after_later_panic() {
    let (log, frame) = (Log::new(), Rc::new(()));
    let g = closable(&log, &frame, Ending::PanicsAt(1));
    assert_eq!(g.resume(), Step::Yielded(0));
    let payload = catch_unwind(AssertUnwindSafe(|| g.resume())).expect_err("the panic escapes");
    assert_eq!(payload_text(&*payload), "body panicked");
    assert_eq!(log.take(), ["started", "finally"]);
    assert_closed_for_good(&g, &frame);
}

// rule 65: a panic during `Iterator::next`, which resumes through the handle's exclusive borrow
// and so does not mark the generator running: the generator closes all the same, its finally
// runs once, and its body is released.
#[test]
fn rule_65_closed_after_panic_during_iterator_next() {
    let (log, frame) = (Log::new(), Rc::new(()));
    let mut g = closable(&log, &frame, Ending::PanicsAt(1));
    assert_eq!(g.next(), Some(0));
    let payload = catch_unwind(AssertUnwindSafe(|| g.next())).expect_err("the panic escapes");
    assert_eq!(payload_text(&*payload), "body panicked");
    assert_eq!(log.take(), ["started", "finally"]);
    assert_closed_for_good(&g, &frame);
    assert_eq!(g.next(), None);
}

// rule 65: the same through a pinned handle, whose resume is inlined into the caller.
#[test]
fn rule_65_pinned_closed_after_panic_during_iterator_next() {
    let log = Log::new();
    let mut g = cogen::pin!(generator(async |mut co: Co<'_, u32>| {
        let _finally = log.finally("finally");
        co.yield_(0).await;
        panic!("body panicked");
    }));
    assert_eq!(g.next(), Some(0));
    assert_eq!(g.state(), GenState::Suspended);
    let payload = catch_unwind(AssertUnwindSafe(|| g.next())).expect_err("the panic escapes");
    assert_eq!(payload_text(&*payload), "body panicked");
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.next(), None);
    assert_eq!(g.resume(), Step::Exhausted);
}

// rule 65: a return.
#[test]
fn rule_65_closed_after_return() {
    let (log, frame) = (Log::new(), Rc::new(()));
    let g = closable(&log, &frame, Ending::Returns);
    assert_eq!(g.resume(), Step::Yielded(0));
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(g.resume(), Step::Complete("returned"));
    assert_eq!(log.take(), ["started", "finally"]);
    assert_closed_for_good(&g, &frame);
}

// rule 65: exhaustion by `Iterator::next`.
#[test]
fn rule_65_closed_after_exhaustion() {
    let (log, frame) = (Log::new(), Rc::new(()));
    let mut g = closable(&log, &frame, Ending::Returns);
    assert_eq!(g.by_ref().collect::<Vec<_>>(), [0, 1]);
    assert_eq!(g.take_return(), Some("returned"));
    assert_eq!(log.take(), ["started", "finally"]);
    assert_closed_for_good(&g, &frame);
}

// rule 66: resuming a running generator from its own body is refused at the inner call; the
// body can go on.
#[test]
fn rule_66_reentrant_resume_refused() {
    let g: Shared<u32> = shared(|me| {
        generator(async move |mut co| {
            let refused = upgrade(&me).try_resume(Input::Send(()));
            assert_eq!(refused, Err(ResumeError::Running(Input::Send(()))));
            co.yield_(1).await;
            let refused = upgrade(&me).try_resume(Input::Send(()));
            assert_eq!(refused, Err(ResumeError::Running(Input::Send(()))));
            co.yield_(2).await;
        })
        .boxed_dyn()
    });
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(g.resume(), Step::Yielded(2));
    assert_eq!(g.resume(), Step::Complete(()));
}

// rule 66: a refusal the body does not handle ends the generator: as an error value it
// propagates with `?` and the generator is closed.
#[test]
fn rule_66_unhandled_refusal_as_error_closes() {
    type Refused = ResumeError<(), Infallible>;
    let log = Log::new();
    let g: Shared<u32, (), Result<(), Refused>> = shared(|me| {
        let log = log.clone();
        generator(async move |mut co| {
            let _finally = log.finally("finally");
            co.yield_(1).await;
            let _ = upgrade(&me).try_resume(Input::Send(()))?;
            co.yield_(2).await;
            Ok(())
        })
        .boxed_dyn()
    });
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(
        g.resume(),
        Step::Complete(Err(ResumeError::Running(Input::Send(()))))
    );
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.resume(), Step::Exhausted);
}

// rule 66: `resume()` on a running generator panics ("generator already executing"); if the
// body does not catch it, the panic escapes and the generator is closed.
#[test]
fn rule_66_unhandled_refusal_as_panic_closes() {
    let log = Log::new();
    let g: Shared<u32> = shared(|me| {
        let log = log.clone();
        generator(async move |mut co| {
            let _finally = log.finally("finally");
            co.yield_(1).await;
            let _ = upgrade(&me).resume();
            co.yield_(2).await;
        })
        .boxed_dyn()
    });
    assert_eq!(g.resume(), Step::Yielded(1));
    let payload = catch_unwind(AssertUnwindSafe(|| g.resume())).expect_err("the refusal escapes");
    assert!(
        payload_text(&*payload).contains("generator already executing"),
        "{}",
        payload_text(&*payload)
    );
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.resume(), Step::Exhausted);
}

// rule 66: indirect re-entry (A resumes B, which resumes A) is refused the same way.
#[test]
fn rule_66_indirect_reentry_refused() {
    let a_slot: Rc<OnceCell<BoxGen<'static, String>>> = Rc::new(OnceCell::new());
    let weak_a = Rc::downgrade(&a_slot);
    let b = generator(async move |mut co| {
        loop {
            let a = weak_a.upgrade().expect("the test holds A");
            let a = a.get().expect("A is set before it runs");
            let report = format!("{:?} {:?}", a.state(), a.try_resume(Input::Send(())));
            co.yield_(report).await;
        }
    })
    .boxed_dyn();
    let a = generator(async move |mut co| {
        for _ in 0..2 {
            let from_b = b.resume().yielded().expect("B yields");
            co.yield_(format!("B says: {from_b}")).await;
        }
    })
    .boxed_dyn();
    assert!(a_slot.set(a).is_ok());
    let a = a_slot.get().expect("just set");
    let expected = "B says: Running Err(Running(Send(())))";
    assert_eq!(a.resume(), Step::Yielded(expected.to_string()));
    assert_eq!(a.resume(), Step::Yielded(expected.to_string()));
    assert_eq!(a.resume(), Step::Complete(()));
}

// rule 67: start, send, throw and close on a running generator are each refused with their
// input handed back, without disturbing it: the sent value in flight and the body's progress
// are intact, and it keeps yielding.
#[test]
fn rule_67_reentrant_send_throw_close_refused_without_disturbing() {
    let log = Log::new();
    let g: Shared<u32, u32, u32, Oops> = shared(|me| {
        let log = log.clone();
        coroutine(async move |mut co: Co<'_, u32, u32, Oops>| {
            let sent = co.yield_(1).await;
            let me = upgrade(&me);
            for input in [
                Input::Start,
                Input::Send(7),
                Input::Throw(Oops("re-entrant")),
                Input::Close,
            ] {
                let refused = me.try_resume(input.clone());
                assert_eq!(refused, Err(ResumeError::Running(input)));
                log.push(format!("{:?}", me.state()));
            }
            drop(me);
            let second = co.yield_(sent * 10).await;
            sent + second
        })
        .boxed_dyn()
    });
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(g.send(4), Step::Yielded(40));
    assert_eq!(log.take(), ["Running"; 4]);
    assert_eq!(g.state(), GenState::Suspended);
    assert_eq!(g.send(2), Step::Complete(6));
}

// rule 67: the panicking forms (`close()` here) can be caught in the body, which keeps
// yielding.
#[test]
fn rule_67_body_catches_refusal_and_keeps_yielding() {
    let g: Shared<&'static str, (), (), Oops> = shared(|me| {
        coroutine(async move |mut co: Co<'_, &'static str, (), Oops>| {
            let closed = catch_unwind(AssertUnwindSafe(|| upgrade(&me).close()));
            let said = if closed.is_err() {
                "refused"
            } else {
                "closed?"
            };
            co.yield_(said).await;
            co.yield_("still going").await;
        })
        .boxed_dyn()
    });
    assert_eq!(g.resume(), Step::Yielded("refused"));
    assert_eq!(g.resume(), Step::Yielded("still going"));
    assert_eq!(g.resume(), Step::Complete(()));
}

// rule 67: delegating generators claim to be running: a sub-generator's body cannot resume,
// throw into or close its delegator.
#[test]
fn rule_67_delegator_refuses_from_sub() {
    let g: Shared<bool, (), (), Oops> = shared(|me| {
        coroutine(async move |mut co: Co<'_, bool, (), Oops>| {
            let sub = coroutine(async move |mut co: Co<'_, bool, (), Oops>| {
                let outer = upgrade(&me);
                let all_refused = [Input::Send(()), Input::Throw(Oops("x")), Input::Close]
                    .into_iter()
                    .all(|input| matches!(outer.try_resume(input), Err(ResumeError::Running(_))));
                drop(outer);
                co.yield_(all_refused).await;
            });
            co.yield_from(sub).await;
        })
        .boxed_dyn()
    });
    assert_eq!(g.resume(), Step::Yielded(true));
    assert!(g.is_delegating());
    assert_eq!(g.resume(), Step::Complete(()));
}
