//! Where errors of a drop-time close go (Python's `sys.unraisablehook`).
//!
//! Dropping a suspended generator closes it. A body that handles interrupts runs its close
//! handlers then; if it yields instead ("ignored the close request") or raises, there is no
//! caller to give the error to, and `Drop` must not panic. The event goes to the hook set with
//! [`set_unraisable_hook`]; the default hook prints one line to stderr with `std`, and does
//! nothing without it. The program continues, as in Python.

use core::fmt;
use core::sync::atomic::{AtomicPtr, Ordering};

/// What went wrong while a dropped generator was being closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnraisableKind {
    /// The body yielded in response to the close request (Python's
    /// `RuntimeError: generator ignored GeneratorExit`). The body was then dropped.
    IgnoredClose,
    /// The body raised an error while closing. The error was dropped.
    RaisedWhileClosing,
    /// The body's close handler awaited a future (an async generator dropped without
    /// `aclose().await`): `Drop` cannot wait, so the body was dropped at that point.
    AwaitedWhileClosing,
}

impl fmt::Display for UnraisableKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnraisableKind::IgnoredClose => "generator ignored the close request",
            UnraisableKind::RaisedWhileClosing => "generator raised an error while closing",
            UnraisableKind::AwaitedWhileClosing => {
                "generator awaited while closing in `Drop` (use `aclose().await`)"
            }
        })
    }
}

/// The hook's signature.
pub type UnraisableHook = fn(UnraisableKind);

static HOOK: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());

/// Sets the function that receives errors of drop-time closes, for the whole program; returns
/// the previous one (`None` for the default).
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use cogen::{Co, UnraisableKind, generator, set_unraisable_hook};
///
/// static IGNORED: AtomicUsize = AtomicUsize::new(0);
/// fn count(kind: UnraisableKind) {
///     if kind == UnraisableKind::IgnoredClose {
///         IGNORED.fetch_add(1, Ordering::Relaxed);
///     }
/// }
/// set_unraisable_hook(Some(count));
///
/// {
///     let g = cogen::pin!(generator(async |mut co: Co<'_, u32>| {
///         loop {
///             let _ = co.yield_(1).catch().await; // swallows the close request and yields
///         }
///     }));
///     let _ = g.resume();
/// } // dropped here: the close is ignored, reported, and the program goes on
/// assert_eq!(IGNORED.load(Ordering::Relaxed), 1);
/// ```
pub fn set_unraisable_hook(hook: Option<UnraisableHook>) -> Option<UnraisableHook> {
    let new = hook.map_or(core::ptr::null_mut(), |f| f as *mut ());
    let old = HOOK.swap(new, Ordering::AcqRel);
    // SAFETY: the only non-null values stored in `HOOK` are `UnraisableHook` fn pointers cast
    // to `*mut ()` just above, and fn pointers round-trip through data pointers on every
    // platform Rust supports with atomics of pointer size.
    (!old.is_null()).then(|| unsafe { core::mem::transmute::<*mut (), UnraisableHook>(old) })
}

pub(crate) fn report(kind: UnraisableKind) {
    let hook = HOOK.load(Ordering::Acquire);
    if hook.is_null() {
        #[cfg(feature = "std")]
        std::eprintln!("cogen: error ignored while dropping a generator: {kind}");
        return;
    }
    // SAFETY: as in `set_unraisable_hook`.
    let hook = unsafe { core::mem::transmute::<*mut (), UnraisableHook>(hook) };
    hook(kind);
}

/// Whether the current thread is unwinding; a drop-time close is skipped then, since a panic
/// in it would abort.
pub(crate) fn thread_panicking() -> bool {
    #[cfg(feature = "std")]
    {
        std::thread::panicking()
    }
    #[cfg(not(feature = "std"))]
    {
        false
    }
}
