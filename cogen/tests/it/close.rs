//! Group 6 of the spec: `close`, `GeneratorExit` and finalization (PEP 342), rules 27-34.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use cogen::{CloseError, Co, GenState, Interrupt, Step, UnraisableKind, coroutine, generator};

use crate::support::Log;

// rule 27: `close()` at a plain yield runs the `finally` blocks innermost first, returns
// `Ok(None)`, and the generator is closed.
#[test]
fn rule_27_close_suspended_runs_finally_innermost_first() {
    let log = Log::new();
    let g = cogen::pin!(generator(async |mut co| {
        let _outer = log.finally("outer finally");
        {
            let _inner = log.finally("inner finally");
            co.yield_(1).await;
            log.push("after yield");
        }
        co.yield_(2).await;
    }));
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(g.close(), Ok(None));
    assert_eq!(log.take(), ["inner finally", "outer finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.resume(), Step::Exhausted);
    assert_eq!(g.send(()), Step::Exhausted);
    // The `finally` blocks ran once: a second close (and the drop at the end) runs nothing.
    assert_eq!(g.close(), Ok(None));
    assert!(log.take().is_empty());
}

// rule 27: with a handler (`except GeneratorExit: ...; raise`), the inner `finally` runs
// first, then the handler, then the outer `finally`.
#[test]
fn rule_27_close_runs_handler_between_finally_blocks() {
    let log = Log::new();
    let g = cogen::pin!(generator(async |mut co| {
        let _outer = log.finally("outer finally");
        let resumed = {
            let _inner = log.finally("inner finally");
            co.yield_(1).catch().await
        };
        if let Err(interrupt) = resumed {
            log.push(format!("handler saw {interrupt:?}"));
            co.raise::<()>(interrupt).await;
        }
        log.push("not reached");
    }));
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(g.close(), Ok(None));
    assert_eq!(
        log.take(),
        ["inner finally", "handler saw Close", "outer finally"]
    );
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.resume(), Step::Exhausted);
}

// rule 27: the same through the boxed handle.
#[test]
fn rule_27_close_suspended_boxed() {
    let log = Log::new();
    let g = generator(async |mut co| {
        let _f = log.finally("finally");
        loop {
            co.yield_(1).await;
        }
    })
    .boxed();
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(g.resume(), Step::Yielded(1));
    assert!(log.take().is_empty());
    assert_eq!(g.close(), Ok(None));
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(g.state(), GenState::Closed);
    drop(g);
    assert!(log.take().is_empty());
}

// rule 28: `close()` on a never-started generator runs no body code (no `finally`) and closes
// it. The captures are dropped: that is not body code.
#[test]
fn rule_28_close_created_runs_nothing() {
    let log = Log::new();
    let body_log = log.clone();
    let captured = log.finally("captures dropped");
    let g = cogen::pin!(coroutine(async move |mut co: Co<'_, i32>| {
        let _captured = captured;
        body_log.push("body ran");
        let _f = body_log.finally("finally");
        if co.yield_(1).catch().await.is_err() {
            body_log.push("handler");
        }
    }));
    assert_eq!(g.close(), Ok(None));
    assert_eq!(log.take(), ["captures dropped"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.resume(), Step::Exhausted);
    assert!(log.take().is_empty());
}

// rule 28: `close()` on a finished or already-closed generator is a no-op returning `None`
// (even when the body returned a value: that was reported by the resume that finished it).
#[test]
fn rule_28_close_finished_or_closed_is_noop() {
    let log = Log::new();
    let returned = cogen::pin!(generator(async |mut co| {
        let _f = log.finally("finally");
        co.yield_(1).await;
        7
    }));
    assert_eq!(returned.resume(), Step::Yielded(1));
    assert_eq!(returned.resume(), Step::Complete(7));
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(returned.close(), Ok(None));
    assert_eq!(returned.close(), Ok(None));
    assert_eq!(returned.state(), GenState::Closed);

    let thrown = cogen::pin!(coroutine(async |mut co: Co<'_, i32, (), &str>| {
        let _f = log.finally("finally");
        co.yield_(1).await;
    }));
    assert_eq!(thrown.start(), Step::Yielded(1));
    assert_eq!(thrown.throw("boom"), Step::Raised("boom"));
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(thrown.close(), Ok(None));
    assert!(log.take().is_empty());
}

// rule 29: catching the close request and returning is a clean exit. cogen follows Python
// 3.13 (gh-104770), not 3.11: `close()` returns the generator's return value.
#[test]
fn rule_29_close_generator_returns_value() {
    let log = Log::new();
    let g = cogen::pin!(generator(async |mut co| {
        let _f = log.finally("finally");
        let mut total = 0;
        loop {
            match co.yield_(total).catch().await {
                Ok(()) => total += 4,
                Err(Interrupt::Close) => {
                    log.push("handler");
                    return total;
                }
            }
        }
    }));
    assert_eq!(g.resume(), Step::Yielded(0));
    assert_eq!(g.resume(), Step::Yielded(4));
    assert_eq!(g.resume(), Step::Yielded(8));
    assert_eq!(g.close(), Ok(Some(8)));
    assert_eq!(log.take(), ["handler", "finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.resume(), Step::Exhausted);
    // The value is reported once.
    assert_eq!(g.close(), Ok(None));
}

// rule 29: a bare return after the close request (3.11 and 3.13 both give `None`) is
// `Ok(Some(()))`.
#[test]
fn rule_29_close_generator_bare_return() {
    let g = cogen::pin!(generator(async |mut co| {
        if co.yield_(1).catch().await.is_err() {
            return;
        }
        co.yield_(2).await;
    }));
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(g.close(), Ok(Some(())));
    assert_eq!(g.state(), GenState::Closed);
}

// rule 30: yielding in response to `close()` is "generator ignored GeneratorExit": the
// generator stays suspended at that new yield, and a second `close()` can succeed.
#[test]
fn rule_30_close_ignored_then_second_close_succeeds() {
    let log = Log::new();
    let g = cogen::pin!(generator(async |mut co| {
        let _f = log.finally("finally");
        if let Err(Interrupt::Close) = co.yield_(1).catch().await {
            log.push("ignoring close");
        }
        co.yield_(2).await;
        log.push("not reached");
    }));
    assert_eq!(g.resume(), Step::Yielded(1));
    assert_eq!(g.close(), Err(CloseError::IgnoredClose(2)));
    assert_eq!(log.take(), ["ignoring close"]);
    assert_eq!(g.state(), GenState::Suspended);
    assert_eq!(g.close(), Ok(None));
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(g.state(), GenState::Closed);
}

// rule 30: after an ignored close, the generator is an ordinary suspended generator: `next`
// continues from the new yield, and a later close can succeed.
#[test]
fn rule_30_close_ignored_generator_keeps_running() {
    let log = Log::new();
    let g = cogen::pin!(generator(async |mut co| {
        let _f = log.finally("finally");
        let mut n = 0;
        loop {
            n += 1;
            if co.yield_(n).catch().await.is_err() {
                if n >= 3 {
                    log.push(format!("closing at {n}"));
                    return n;
                }
                log.push(format!("ignored close at {n}"));
            }
        }
    }));
    assert_eq!(g.resume(), Step::Yielded(1));
    let err = g.close().expect_err("the body yields instead of closing");
    assert_eq!(err, CloseError::IgnoredClose(2));
    assert_eq!(err.to_string(), "generator ignored the close request");
    assert_eq!(g.state(), GenState::Suspended);
    assert_eq!(log.take(), ["ignored close at 1"]);
    assert_eq!(g.resume(), Step::Yielded(3));
    assert_eq!(g.close(), Ok(Some(3)));
    assert_eq!(log.take(), ["closing at 3", "finally"]);
    assert_eq!(g.state(), GenState::Closed);
}

// rule 31: another error raised while closing escapes `close()`, and the generator is closed.
#[test]
fn rule_31_close_raises_other() {
    let log = Log::new();
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, i32, (), String>| {
        let _f = log.finally("finally");
        if let Err(Interrupt::Close) = co.yield_(1).catch().await {
            co.raise::<()>(Interrupt::Throw("cleanup failed".to_string()))
                .await;
        }
        co.yield_(2).await;
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    let err = g.close().expect_err("the body raises while closing");
    assert_eq!(err, CloseError::Raised("cleanup failed".to_string()));
    assert_eq!(
        err.to_string(),
        "generator raised while closing: cleanup failed"
    );
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.resume(), Step::Exhausted);
    assert_eq!(g.close(), Ok(None));
}

// rule 31: a Rust panic while handling the close request propagates out of `close()` and
// leaves the generator closed.
#[test]
fn rule_31_panic_while_closing_propagates_and_closes() {
    let log = Log::new();
    let g = cogen::pin!(generator(async |mut co| {
        let _f = log.finally("finally");
        if let Err(Interrupt::Close) = co.yield_(1).catch().await {
            panic!("cleanup panicked");
        }
    }));
    assert_eq!(g.resume(), Step::Yielded(1));
    let payload = catch_unwind(AssertUnwindSafe(|| g.close()))
        .expect_err("the panic must reach the caller of close");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"cleanup panicked"));
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.resume(), Step::Exhausted);
    assert_eq!(g.close(), Ok(None));
}

// rule 32: raising the close request when no close was asked for (Python's
// `raise GeneratorExit` in a running body, which CPython raises out of `next()`) ends the
// generator, its `finally` run, and the resume reports `Step::Exhausted`: there is no error
// value to stand for `GeneratorExit` (documented at `Co::raise`).
#[test]
fn rule_32_raising_the_close_request_unasked_ends_the_generator_exhausted() {
    let log = Log::new();
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, i32, (), String>| {
        let _finally = log.finally("finally");
        co.yield_(1).await;
        co.raise::<()>(Interrupt::Close).await;
        log.push("not reached");
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(g.resume(), Step::Exhausted);
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(g.state(), GenState::Closed);
    assert_eq!(g.close(), Ok(None));
}

// rule 32: the close request is not one of the body's errors (`Interrupt::Close` is apart from
// `Interrupt::Throw(E)`), so a handler for thrown errors (`except Exception`) does not
// intercept it, while the `finally` still runs.
#[test]
fn rule_32_error_handler_does_not_intercept_close() {
    let log = Log::new();
    let g = cogen::pin!(coroutine(async |mut co: Co<'_, i32, (), String>| {
        let _f = log.finally("finally");
        loop {
            match co.yield_(1).catch().await {
                Ok(()) => {}
                Err(Interrupt::Throw(e)) => log.push(format!("except Exception: {e}")),
                Err(close) => co.raise(close).await,
            }
        }
    }));
    assert_eq!(g.start(), Step::Yielded(1));
    assert_eq!(g.throw("boom".to_string()), Step::Yielded(1));
    assert_eq!(log.take(), ["except Exception: boom"]);
    assert_eq!(g.close(), Ok(None));
    assert_eq!(log.take(), ["finally"]);
    assert_eq!(g.state(), GenState::Closed);
}

// rule 33: a suspended generator pinned on the stack is closed when its scope ends: its
// `finally` blocks run then, not before.
#[test]
fn rule_33_drop_pinned_suspended_closes_it() {
    let log = Log::new();
    {
        let g = cogen::pin!(generator(async |mut co| {
            let _outer = log.finally("outer finally");
            let _inner = log.finally("inner finally");
            co.yield_(1).await;
            log.push("not reached");
        }));
        assert_eq!(g.resume(), Step::Yielded(1));
        assert!(log.take().is_empty());
    }
    assert_eq!(log.take(), ["inner finally", "outer finally"]);
}

// rule 33: a boxed suspended generator is closed when it is dropped (Python's `del g`).
#[test]
fn rule_33_drop_boxed_suspended_closes_it() {
    let log = Log::new();
    let g = generator(async |mut co| {
        let _f = log.finally("finally");
        co.yield_(1).await;
        co.yield_(2).await;
    })
    .boxed_dyn();
    assert_eq!(g.resume(), Step::Yielded(1));
    assert!(log.take().is_empty());
    drop(g);
    assert_eq!(log.take(), ["finally"]);
}

// rule 33: a generator suspended where it handles interrupts gets the close protocol when
// dropped, so its handler runs, then its `finally` (pinned and boxed).
#[test]
fn rule_33_drop_catching_suspended_runs_handler() {
    let log = Log::new();
    let make = || {
        generator(async |mut co| {
            let _f = log.finally("finally");
            loop {
                if let Err(Interrupt::Close) = co.yield_(1).catch().await {
                    log.push("handler saw close");
                    return "cleaned up";
                }
            }
        })
    };
    {
        let g = cogen::pin!(make());
        assert_eq!(g.resume(), Step::Yielded(1));
        assert_eq!(g.resume(), Step::Yielded(1));
        assert!(log.take().is_empty());
    }
    assert_eq!(log.take(), ["handler saw close", "finally"]);

    let g = make().boxed();
    assert_eq!(g.resume(), Step::Yielded(1));
    assert!(log.take().is_empty());
    drop(g);
    assert_eq!(log.take(), ["handler saw close", "finally"]);
}

// rule 33: dropping a never-started generator runs no body code (only its captures drop).
#[test]
fn rule_33_drop_created_runs_nothing() {
    let log = Log::new();
    let body_log = log.clone();
    let captured = log.finally("captures dropped");
    let g = generator(async move |mut co| {
        let _captured = captured;
        body_log.push("body ran");
        let _f = body_log.finally("finally");
        if co.yield_(1).catch().await.is_err() {
            body_log.push("handler");
        }
    })
    .boxed();
    assert_eq!(g.state(), GenState::Created);
    drop(g);
    assert_eq!(log.take(), ["captures dropped"]);
}

// rule 33: dropping a finished generator runs nothing more.
#[test]
fn rule_33_drop_finished_runs_nothing() {
    let log = Log::new();
    {
        let g = cogen::pin!(generator(async |mut co| {
            let _f = log.finally("finally");
            if co.yield_(1).catch().await.is_err() {
                log.push("handler");
            }
        }));
        assert_eq!(g.collect::<Vec<_>>(), [1]);
        assert_eq!(log.take(), ["finally"]);
    }
    assert!(log.take().is_empty());
}

// rule 33 (cogen's choice): a generator dropped while the thread is already panicking skips
// its handlers, since a second panic there would abort; its `finally` blocks still run.
#[test]
fn rule_33_drop_while_unwinding_skips_handlers() {
    let log = Log::new();
    let result = catch_unwind(AssertUnwindSafe(|| {
        let g = cogen::pin!(generator(async |mut co| {
            let _f = log.finally("finally");
            if co.yield_(1).catch().await.is_err() {
                log.push("handler");
            }
        }));
        assert_eq!(g.resume(), Step::Yielded(1));
        panic!("unwinding through the generator");
    }));
    assert!(result.is_err());
    assert_eq!(log.take(), ["finally"]);
}

thread_local! {
    // Per thread: tests run in parallel, and a generator dropped on another test's thread
    // while our hook is installed must not count here.
    static IGNORED: Cell<usize> = const { Cell::new(0) };
    static RAISED: Cell<usize> = const { Cell::new(0) };
}

fn counting_hook(kind: UnraisableKind) {
    let counter = match kind {
        UnraisableKind::IgnoredClose => &IGNORED,
        UnraisableKind::RaisedWhileClosing => &RAISED,
        _ => panic!("unexpected unraisable kind {kind:?}"),
    };
    counter.with(|c| c.set(c.get() + 1));
}

fn counts() -> (usize, usize) {
    (IGNORED.with(Cell::get), RAISED.with(Cell::get))
}

/// The reports made on this thread since `base`.
fn since(base: (usize, usize)) -> (usize, usize) {
    let now = counts();
    (now.0 - base.0, now.1 - base.1)
}

// rule 34: errors of a drop-time close do not panic in `Drop`: they go to the unraisable hook
// and the program continues. The hook is process-wide, so every hook check of this file is in
// this one test (`install_unraisable_hook` keeps other tests' hooks out meanwhile).
#[test]
fn rule_34_drop_time_close_errors_go_to_unraisable_hook() {
    let _hook = crate::support::install_unraisable_hook(counting_hook);
    let log = Log::new();
    // Counted from here: with `--test-threads=1` other tests may have run on this thread.
    let base = counts();

    // A body that ignores the close request (yields again): reported, then dropped.
    let ignoring = || {
        generator(async |mut co| {
            let _f = log.finally("finally");
            loop {
                if co.yield_(1).catch().await.is_err() {
                    log.push("ignoring close");
                }
            }
        })
    };
    {
        let g = cogen::pin!(ignoring());
        assert_eq!(g.resume(), Step::Yielded(1));
    }
    assert_eq!(since(base), (1, 0));
    assert_eq!(log.take(), ["ignoring close", "finally"]);

    let g = ignoring().boxed_dyn();
    assert_eq!(g.resume(), Step::Yielded(1));
    drop(g);
    assert_eq!(since(base), (2, 0));
    assert_eq!(log.take(), ["ignoring close", "finally"]);

    // A body that raises while closing: reported, the error is dropped.
    {
        let g = cogen::pin!(coroutine(async |mut co: Co<'_, i32, (), String>| {
            let _f = log.finally("finally");
            if let Err(Interrupt::Close) = co.yield_(1).catch().await {
                co.raise::<()>(Interrupt::Throw("cleanup failed".to_string()))
                    .await;
            }
        }));
        assert_eq!(g.start(), Step::Yielded(1));
    }
    assert_eq!(since(base), (2, 1));
    assert_eq!(log.take(), ["finally"]);

    // Clean closes report nothing: a handler that returns, one that re-raises the close, and
    // a plain yield.
    {
        let returns = cogen::pin!(generator(async |mut co| {
            if co.yield_(1).catch().await.is_err() {
                log.push("returns");
                return 5;
            }
            0
        }));
        let reraises = cogen::pin!(generator(async |mut co| {
            if let Err(close) = co.yield_(1).catch().await {
                log.push("re-raises");
                co.raise::<()>(close).await;
            }
        }));
        let plain = cogen::pin!(generator(async |mut co| {
            let _f = log.finally("plain finally");
            co.yield_(1).await;
        }));
        assert_eq!(returns.resume(), Step::Yielded(1));
        assert_eq!(reraises.resume(), Step::Yielded(1));
        assert_eq!(plain.resume(), Step::Yielded(1));
    }
    assert_eq!(since(base), (2, 1));
    // Dropped in reverse order of declaration.
    assert_eq!(log.take(), ["plain finally", "re-raises", "returns"]);
}

/// A local with an unusual alignment (as large as the marker a catching yield carries).
#[repr(align(64))]
struct OverAligned(u32);

// rule 33: a body whose type looks as if it could catch (an over-aligned local, or a catching
// yield further on) but is suspended at a plain yield is closed by dropping it, as any plain
// body; one suspended where it catches runs its handler.
#[test]
fn rule_33_drop_over_aligned_body_closes_by_its_suspension() {
    let log = Log::new();
    {
        let g = cogen::pin!(generator(async |mut co| {
            let local = OverAligned(7);
            let _f = log.finally("finally");
            co.yield_(local.0).await;
            log.push("not reached");
        }));
        assert_eq!(g.resume(), Step::Yielded(7));
    }
    assert_eq!(log.take(), ["finally"]);
    let catching_later = || {
        generator(async |mut co| {
            let local = OverAligned(7);
            let _f = log.finally("finally");
            co.yield_(local.0).await;
            if let Err(Interrupt::Close) = co.yield_(local.0 + 1).catch().await {
                log.push("handler saw close");
            }
        })
    };
    {
        let g = cogen::pin!(catching_later());
        assert_eq!(g.resume(), Step::Yielded(7));
    }
    assert_eq!(log.take(), ["finally"]);
    {
        let g = cogen::pin!(catching_later());
        assert_eq!(g.resume(), Step::Yielded(7));
        assert_eq!(g.resume(), Step::Yielded(8));
    }
    assert_eq!(log.take(), ["handler saw close", "finally"]);
}
