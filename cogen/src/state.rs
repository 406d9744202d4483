//! The generator's state machine. Every `unsafe` block in the crate that touches a
//! generator's body cites an invariant of [`Phase`] by number.

use core::cell::Cell;

use crate::airlock::Identity;

/// The state of a generator, as Python's `inspect.getgeneratorstate` reports it.
///
/// # Examples
///
/// ```
/// use cogen::{GenState, generator};
///
/// let g = cogen::pin!(generator(async |mut co| co.yield_(1).await));
/// assert_eq!(g.state(), GenState::Created);
/// let _ = g.resume();
/// assert_eq!(g.state(), GenState::Suspended);
/// let _ = g.resume();
/// assert_eq!(g.state(), GenState::Closed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GenState {
    /// Created and never resumed: no body code has run (`GEN_CREATED`).
    Created,
    /// Running its body: observable from inside the body, through a shared handle
    /// (`GEN_RUNNING`); and, for a generator driven asynchronously, while an operation waits on
    /// a future its body awaits (Python's `ag_running`).
    Running,
    /// Suspended at a `yield` (`GEN_SUSPENDED`).
    Suspended,
    /// Finished: returned, raised, panicked, or closed (`GEN_CLOSED`). Every later resume
    /// reports [`Step::Exhausted`](crate::Step::Exhausted).
    Closed,
}

/// How a suspended body waits, which decides who handles a throw or a close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Suspension {
    /// At `co.yield_(v)`: the body does not see interrupts. A throw or close drops the body
    /// (its destructors are its `finally` blocks) without polling it.
    Plain,
    /// At `co.yield_(v).catch()`: the body receives the interrupt as an `Err` and decides.
    Catching,
    /// Inside `co.yield_from(..)`: the delegation future forwards the interrupt to the
    /// sub-generator first (PEP 380), so the body is polled.
    Delegating,
}

/// The internal state of a [`Gen`](crate::Gen), kept in a `Cell` beside the body.
///
/// # Invariants
///
/// 1. **Running is exclusive.** The body (`Gen::body`) is borrowed mutably only by
///    `Gen::poll_body`, between setting `Running` and leaving `Running`. Every other access
///    to the body (dropping it, taking a stored return value) first checks that the phase is
///    not `Running`. Since `Gen` is `!Sync` and the phase is read and written on one thread,
///    no two borrows of the body can overlap: a resume from inside the body (re-entrancy) sees
///    `Running` and is refused with `ResumeError::Running`. The two resumes that start from a
///    `Pin<&mut Gen>` (`Generator::__resume_next_mut`, the handles' `Iterator::next`, and
///    `Gen::poll_stream_next`, `Stream::poll_next`) skip the `Running` store: for them the
///    exclusive borrow is the proof, since no other reference to the generator, and so no
///    other access to the body or the phase, can exist until they return.
/// 2. **The slot follows the phase.** The body's slot (`Gen::body`, an untagged union) holds
///    the future in `Created`, the `Suspended*` and `Awaiting*` phases and `Running`; nothing
///    in `Closed`; the return value kept for `take_return` in `Returned`. Code that ends the
///    future or takes the value sets the new phase *first*, so a panic in a destructor can
///    never drop anything twice. A closed generator's future is never polled again, and a
///    panic while `Running` moves to `Closed` and drops the future (a guard does it during
///    unwinding), so a resumed-after-panic future is never polled.
/// 3. **Pinned once polled.** The future is polled only through `Pin<&Gen>`, so from the first
///    poll on (every phase but `Created`) the generator does not move until it is dropped, and
///    the future is dropped in place.
/// 4. **One airlock per poll.** While `Running`, the waker in the `Context` given to the
///    body carries a pointer to that poll's `Airlock`, a stack value of `poll_body` that
///    outlives the poll; its header names this generator's identity and the outer waker. Only
///    `&Waker` borrows of it are handed out, and clones of it are clones of the outer waker
///    (see `airlock.rs`), so nothing keeps the pointer after the poll returns.
/// 5. **Awaiting is a paused poll.** `AwaitingOwn`/`AwaitingSub` mean the body returned
///    `Pending` from a foreign future (an async operation is in flight). A continuation (a
///    poll with no new input) polls it again. A new value (`Start`, `Send`) is refused with
///    `ResumeError::Running`. A throw or close interrupts the wait as it would a plain yield:
///    a direct wait (`AwaitingOwn`) is dropped with the body, a wait inside `yield_from`
///    (`AwaitingSub`) is forwarded down the chain. (`AsyncGen` refuses every new operation
///    while another one's future is alive, as Python refuses a second `asend`.)
///
/// One flat byte rather than nested enums: the hot path tests it with one compare, and every
/// store and load of it is a whole byte (the nested form, two bytes read back one at a time,
/// measured 4.2× a hand-written `Stream` against 3.7× for this one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Phase {
    Created,
    Running,
    /// Waiting on a foreign future the body awaits itself.
    AwaitingOwn,
    /// Waiting on a foreign future that a sub-generator awaits, inside a `yield_from` (an
    /// interrupt is then forwarded down the chain).
    AwaitingSub,
    /// Suspended at a [`Suspension::Plain`] yield (and so on for the next two).
    SuspendedPlain,
    SuspendedCatching,
    SuspendedDelegating,
    /// Finished, holding nothing.
    Closed,
    /// Finished, keeping the return value for `take_return` (an `Iterator` that ran to the end).
    Returned,
}

impl Phase {
    /// The phase of a body suspended at a yield of this kind.
    #[inline(always)]
    pub(crate) fn suspended(suspension: Suspension) -> Phase {
        match suspension {
            Suspension::Plain => Phase::SuspendedPlain,
            Suspension::Catching => Phase::SuspendedCatching,
            Suspension::Delegating => Phase::SuspendedDelegating,
        }
    }

    /// Whether the body's slot holds the future (`Phase` invariant 2).
    #[inline(always)]
    pub(crate) fn holds_future(self) -> bool {
        !matches!(self, Phase::Closed | Phase::Returned)
    }

    pub(crate) fn public(self) -> GenState {
        match self {
            Phase::Created => GenState::Created,
            Phase::Running | Phase::AwaitingOwn | Phase::AwaitingSub => GenState::Running,
            Phase::SuspendedPlain | Phase::SuspendedCatching | Phase::SuspendedDelegating => {
                GenState::Suspended
            }
            Phase::Closed | Phase::Returned => GenState::Closed,
        }
    }
}

/// A generator's phase and identity in one 8-byte word: the low byte is the phase, the rest
/// the identity (identities stay below 2^55). Together with the chain they take 16 bytes
/// beside the body.
///
/// The word is always written whole: a narrower store followed by a whole-word load (the
/// identity is read in every resume, to fill the airlock's header) is not forwarded by the
/// processor and stalls.
pub(crate) struct PhaseWord {
    word: Cell<u64>,
}

impl PhaseWord {
    #[inline(always)]
    pub(crate) fn new(phase: Phase, identity: Identity) -> Self {
        PhaseWord {
            word: Cell::new(identity.word() | phase as u64),
        }
    }

    #[inline(always)]
    pub(crate) fn get(&self) -> Phase {
        let byte = self.word.get() as u8;
        debug_assert!(byte <= Phase::Returned as u8);
        // SAFETY: the low byte is only ever written from a `Phase` (`new`, `set`), a
        // `repr(u8)` enum, so it holds one of its discriminants.
        unsafe { core::mem::transmute::<u8, Phase>(byte) }
    }

    #[inline(always)]
    pub(crate) fn set(&self, phase: Phase) {
        self.word.set((self.word.get() & !0xff) | phase as u64);
    }

    /// The generator's identity.
    #[inline(always)]
    pub(crate) fn identity(&self) -> Identity {
        Identity::from_word(self.word.get())
    }
}

impl core::fmt::Debug for PhaseWord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PhaseWord")
            .field("phase", &self.get())
            .field("identity", &self.identity())
            .finish()
    }
}
