//! Shared fixtures: counting probes instead of eyeballing.

#![allow(dead_code)]
#![allow(unreachable_pub)] // a test crate: `pub` is how modules share fixtures

use std::any::Any;
use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::{Mutex, MutexGuard, PoisonError};

use cogen::{UnraisableHook, set_unraisable_hook};

/// An ordered log of events, shared between a test and the bodies it drives.
#[derive(Clone, Default)]
pub struct Log(Rc<RefCell<Vec<String>>>);

impl Log {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&self, event: impl Into<String>) {
        self.0.borrow_mut().push(event.into());
    }

    /// Takes the events logged so far.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.borrow_mut())
    }

    /// A guard that logs `event` when dropped: a `finally` block.
    pub fn finally(&self, event: &str) -> Finally {
        Finally {
            log: self.clone(),
            event: event.to_string(),
            dropped: false,
        }
    }
}

/// Logs its event exactly once, when dropped.
pub struct Finally {
    log: Log,
    event: String,
    dropped: bool,
}

impl Drop for Finally {
    fn drop(&mut self) {
        assert!(!self.dropped, "a finally guard was dropped twice");
        self.dropped = true;
        self.log.push(self.event.clone());
    }
}

/// An unraisable hook installed for the length of a test (`install_unraisable_hook`).
pub struct InstalledHook {
    previous: Option<UnraisableHook>,
    // The hook is process-wide and tests run in parallel: one test installs one at a time.
    _only: MutexGuard<'static, ()>,
}

/// Installs `hook` (`cogen::set_unraisable_hook`) until the returned guard is dropped, which
/// puts the previous hook back; every test that installs a hook does it through this.
pub fn install_unraisable_hook(hook: UnraisableHook) -> InstalledHook {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let only = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    InstalledHook {
        previous: set_unraisable_hook(Some(hook)),
        _only: only,
    }
}

impl InstalledHook {
    /// The hook that was installed before.
    pub fn previous(&self) -> Option<UnraisableHook> {
        self.previous
    }
}

impl Drop for InstalledHook {
    fn drop(&mut self) {
        set_unraisable_hook(self.previous);
    }
}

/// The text of a panic payload (`panic!` gives a `&str` or a `String`).
pub fn payload_text(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        String::from("<non-text panic payload>")
    }
}

/// Runs `f`, which must panic, and returns the panic message.
pub fn panic_message<R>(f: impl FnOnce() -> R) -> String {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(_) => panic!("expected a panic"),
        Err(payload) => payload_text(&*payload),
    }
}
