//! Shared fixtures: counting probes instead of eyeballing.

#![allow(dead_code)]
#![allow(unreachable_pub)] // a test crate: `pub` is how modules share fixtures

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Mutex, MutexGuard, PoisonError};

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

/// Held by every test that installs an unraisable hook (`cogen::set_unraisable_hook`): the
/// hook is process-wide, and tests run in parallel.
pub fn unraisable_hook_lock() -> MutexGuard<'static, ()> {
    static HOOK: Mutex<()> = Mutex::new(());
    HOOK.lock().unwrap_or_else(PoisonError::into_inner)
}
