//! What a resume reports, and the errors of misuse.

use core::fmt;

/// What a resume put into the generator: Python's `next()`/`send()`/`throw()`/`close()`.
///
/// Most code uses the methods of [`Pinned`](crate::Pinned) and [`Boxed`](crate::Boxed)
/// (`start`, `resume`, `send`, `throw`, `close`) instead of building an `Input` by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input<S, E> {
    /// The first resume of a created generator (Python's first `next()`), which carries no
    /// value because no `yield` is waiting for one.
    Start,
    /// A value for the suspended `yield` (Python's `send(v)`; `next()` is `send(None)`).
    Send(S),
    /// An error raised at the suspended `yield` (Python's `throw(e)`).
    Throw(E),
    /// The close request raised at the suspended `yield` (Python's `close()`, which raises
    /// `GeneratorExit` there).
    Close,
}

impl<S, E> Input<S, E> {
    /// What Python's `next()` sends to a generator in `state`: `Start` to a created one, else
    /// `value()` (`None` in Python).
    #[inline]
    pub(crate) fn next(state: crate::GenState, value: impl FnOnce() -> S) -> Self {
        match state {
            crate::GenState::Created => Input::Start,
            _ => Input::Send(value()),
        }
    }
}

/// The outcome of one resume: Python's "yielded a value", `StopIteration(value)`, a raised
/// exception, or `StopIteration` with no value.
///
/// # Examples
///
/// ```
/// use cogen::{Step, generator};
///
/// let g = cogen::pin!(generator(async |mut co| {
///     co.yield_(1).await;
///     "done"
/// }));
/// assert_eq!(g.resume(), Step::Yielded(1));
/// assert_eq!(g.resume(), Step::Complete("done")); // the return value, exactly once
/// assert_eq!(g.resume(), Step::Exhausted); // then exhausted forever
/// ```
#[must_use = "a `Step` tells whether the generator yielded, returned or raised"]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step<Y, R, E = core::convert::Infallible> {
    /// The body suspended at a `yield` with this value.
    Yielded(Y),
    /// The body returned this value (Python's `StopIteration.value`). Reported once; the
    /// generator is closed afterwards.
    Complete(R),
    /// An error of the generator's error type left the body: a thrown error it did not
    /// handle, or one it raised with [`Co::raise`](crate::Co::raise). The generator is closed.
    Raised(E),
    /// The generator had already finished (or was closed): Python's `StopIteration` with
    /// `value None`.
    Exhausted,
}

impl<Y, R, E> Step<Y, R, E> {
    /// The yielded value, if the body yielded.
    pub fn yielded(self) -> Option<Y> {
        match self {
            Step::Yielded(y) => Some(y),
            _ => None,
        }
    }

    /// The return value, if the body returned in this resume.
    pub fn complete(self) -> Option<R> {
        match self {
            Step::Complete(r) => Some(r),
            _ => None,
        }
    }

    /// The raised error, if one left the body.
    pub fn raised(self) -> Option<E> {
        match self {
            Step::Raised(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the generator is finished after this step (it returned, raised, or already was).
    pub fn is_finished(&self) -> bool {
        !matches!(self, Step::Yielded(_))
    }
}

/// Why [`close`](crate::Pinned::close) did not end cleanly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseError<Y, E> {
    /// The body yielded this value while being closed: Python's
    /// `RuntimeError: generator ignored GeneratorExit`. A body that ignores the close request
    /// stays suspended at that new yield (a later `close` can succeed); a delegating body whose
    /// sub-generator ignored it is closed, as in PEP 380.
    IgnoredClose(Y),
    /// The body raised this error while being closed (Python: another exception escapes
    /// `close()`). The generator is closed.
    Raised(E),
}

impl<Y, E: fmt::Display> fmt::Display for CloseError<Y, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseError::IgnoredClose(_) => f.write_str("generator ignored the close request"),
            CloseError::Raised(e) => write!(f, "generator raised while closing: {e}"),
        }
    }
}

/// A resume that was refused without touching the generator; the input comes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResumeError<S, E> {
    /// The generator is running: it was resumed from inside its own body, directly or through a
    /// chain of generators (Python's `ValueError: generator already executing`).
    Running(Input<S, E>),
    /// A value was sent to a generator that has not started: no `yield` is waiting for it
    /// (Python's `TypeError: can't send non-None value to a just-started generator`). Start it
    /// first with `start()`/`resume()`.
    JustStarted(S),
    /// `Input::Start` was given to a generator that has already started: a suspended `yield`
    /// needs a value (use `send`, or `resume` when the resume type has a `Default`).
    AlreadyStarted,
}

impl<S, E> fmt::Display for ResumeError<S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ResumeError::Running(_) => "generator already executing",
            ResumeError::JustStarted(_) => {
                "can't send a value to a just-started generator: start it with `start()` first"
            }
            ResumeError::AlreadyStarted => {
                "generator already started: its suspended `yield` needs a value, use `send`"
            }
        })
    }
}

#[cfg(feature = "std")]
impl<S: fmt::Debug, E: fmt::Debug> std::error::Error for ResumeError<S, E> {}

#[cfg(feature = "std")]
impl<Y: fmt::Debug, E: fmt::Debug + fmt::Display> std::error::Error for CloseError<Y, E> {}
