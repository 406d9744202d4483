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
///    in `Closed` and `Exited`; the return value kept for `take_return` in `Returned`. Code
///    that ends the future or takes the value sets the new phase *first*, so a panic in a
///    destructor can never drop anything twice. (`Exited` is only ever set after the future
///    was dropped in `Closed`.) A closed generator's future is never polled again, and a
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
    /// Suspended at a [`Suspension::Plain`] yield (and so on for the next two). The two
    /// suspensions that a `send` resumes by polling the body come first, as 0 and 1, so that
    /// the hot path's test for them is one compare of the whole phase word
    /// (`PhaseWord::is_at_yield`): a boxed coroutine's `send` loop (`send_echo`) ran 36
    /// instructions per item with a range test of the tag, 42 with them as 4 and 5
    /// (callgrind).
    SuspendedPlain,
    SuspendedCatching,
    SuspendedDelegating,
    Created,
    Running,
    /// Waiting on a foreign future the body awaits itself.
    AwaitingOwn,
    /// Waiting on a foreign future that a sub-generator awaits, inside a `yield_from` (an
    /// interrupt is then forwarded down the chain).
    AwaitingSub,
    /// Finished, holding nothing.
    Closed,
    /// Finished, keeping the return value for `take_return` (an `Iterator` that ran to the end).
    Returned,
    /// Finished, holding nothing, because the body raised the close request when no close was
    /// asked of it (`co.raise(Interrupt::Close)`, Python's `raise GeneratorExit` outside a
    /// close). `Closed` in every respect but one: a `yield_from` that receives its
    /// `Step::Exhausted` takes this mark (leaving `Closed`) and raises the close request in its
    /// own body, as Python raises `GeneratorExit` in the delegator, where a sub-generator that
    /// had already finished makes it panic. (An async body that awaits between catching a close
    /// and re-raising it is continued by a poll that no close reached, so it ends `Exited` too;
    /// only a later `yield_from` of that finished generator could tell, by raising the close
    /// request instead of panicking.)
    Exited,
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
        !matches!(self, Phase::Closed | Phase::Returned | Phase::Exited)
    }

    pub(crate) fn public(self) -> GenState {
        match self {
            Phase::Created => GenState::Created,
            Phase::Running | Phase::AwaitingOwn | Phase::AwaitingSub => GenState::Running,
            Phase::SuspendedPlain | Phase::SuspendedCatching | Phase::SuspendedDelegating => {
                GenState::Suspended
            }
            Phase::Closed | Phase::Returned | Phase::Exited => GenState::Closed,
        }
    }
}

/// A generator's phase, its delegation chain and its identity: 16 bytes beside the body.
///
/// The phase and the chain share one word, a pointer to the chain's innermost link (or null)
/// with the phase in its low 4 bits: a link is aligned to 16 (`chain::Link`), so those bits
/// of its address are zero. The identity has a word of its own, written once when the
/// generator is made.
///
/// Every phase change stores the whole first word, as a constant or beside a chain just
/// recorded, never as a read-modify-write of what it held: a resume loop then carries no
/// dependency from one item's store to the next item's load (a `send` to a coroutine made in
/// another function and moved into the loop measured 2.7x a hand-written state machine with
/// the phase and the identity in one word, rewritten around the phase byte, against 1.0x).
/// Leaving a delegating phase (`SuspendedDelegating`, `AwaitingSub`) so drops the chain, which
/// is read only in those phases (chain invariant 1).
pub(crate) struct PhaseWord {
    /// The chain's innermost link, or null, with the phase in its low bits.
    word: Cell<TaggedLink>,
    identity: Identity,
}

/// The first word of a [`PhaseWord`]: written as a plain number when there is no chain, so
/// that the optimiser folds a phase it just stored into the next test of it (a pointer made
/// from a number, read back as a number, is not folded: a pinned counting loop measured 4.5x
/// the hand-written one with the word kept as a pointer), and as a pointer when there is one,
/// so that the chain keeps its provenance.
#[derive(Clone, Copy)]
union TaggedLink {
    bits: usize,
    link: *const (),
}

// SAFETY: the word's pointer points into the state of the generator that holds it (its own
// delegation, or ones inside the sub-generators it owns, chain invariant 1), so it moves
// between threads together with that state and is only dereferenced by whoever resumes the
// generator, which `Gen: !Sync` confines to one thread at a time; as for `chain::Chain`.
unsafe impl Send for PhaseWord {}

/// The bits of the first word that hold the phase.
const PHASE_BITS: usize = 0xf;

// Every phase fits in the tag bits.
const _: () = assert!(Phase::Exited as usize <= PHASE_BITS);

impl PhaseWord {
    #[inline(always)]
    pub(crate) fn new(phase: Phase, identity: Identity) -> Self {
        PhaseWord {
            word: Cell::new(TaggedLink {
                bits: phase as usize,
            }),
            identity,
        }
    }

    #[inline(always)]
    pub(crate) fn get(&self) -> Phase {
        // SAFETY: both fields are plain data of the same size, and every write stores one of
        // them whole; reading a pointer's bits as a number only drops its provenance.
        let bits = unsafe { self.word.get().bits };
        let tag = (bits & PHASE_BITS) as u8;
        debug_assert!(tag <= Phase::Exited as u8);
        // SAFETY: the tag bits are only ever written from a `Phase` (`new`, `set`,
        // `set_with_chain`), a `repr(u8)` enum whose discriminants fit in them, so they hold
        // one of its discriminants.
        unsafe { core::mem::transmute::<u8, Phase>(tag) }
    }

    /// Whether the phase is `SuspendedPlain` or `SuspendedCatching` (the suspensions that a
    /// `send` resumes by polling the body) with no chain, which these phases never record:
    /// one compare of the whole word, which is at most 1 exactly then (a link's address is at
    /// least 16). Masking the phase out first, as [`get`](Self::get) does, costs two
    /// instructions more on every resume (a boxed counting loop 35 -> 34 instructions per
    /// item, a stream 43 -> 41, callgrind).
    #[inline(always)]
    pub(crate) fn is_at_yield(&self) -> bool {
        // SAFETY: as in `get`.
        let bits = unsafe { self.word.get().bits };
        bits <= Phase::SuspendedCatching as usize
    }

    /// Moves to `phase`, with no chain.
    #[inline(always)]
    pub(crate) fn set(&self, phase: Phase) {
        self.word.set(TaggedLink {
            bits: phase as usize,
        });
    }

    /// Moves to `phase` with `innermost` as the chain's innermost link: a pointer aligned to
    /// 16 (`chain::Link`), or null for no chain.
    #[inline(always)]
    pub(crate) fn set_with_chain(&self, phase: Phase, innermost: *const ()) {
        debug_assert_eq!(
            innermost.addr() & PHASE_BITS,
            0,
            "a chain link is aligned to 16"
        );
        self.word.set(TaggedLink {
            link: innermost.map_addr(|address| address | phase as usize),
        });
    }

    /// The chain's innermost link, recorded by [`set_with_chain`](Self::set_with_chain) with
    /// its provenance; null if there is none. Meaningful only in a phase that
    /// `set_with_chain` wrote.
    #[inline(always)]
    pub(crate) fn chain(&self) -> *const () {
        // SAFETY: as in `get`; a number read as a pointer has no provenance, and is only ever
        // used as a pointer when `set_with_chain` stored it (chain invariant 1).
        let link = unsafe { self.word.get().link };
        link.map_addr(|address| address & !PHASE_BITS)
    }

    /// The generator's identity.
    #[inline(always)]
    pub(crate) fn identity(&self) -> Identity {
        self.identity
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in for a chain link: aligned to 16, as `chain::Link` is.
    #[repr(align(16))]
    struct Aligned(#[allow(dead_code, reason = "only its address is used")] u8);

    static LINK: Aligned = Aligned(0);

    /// The address of a stand-in link.
    fn link() -> *const () {
        (&raw const LINK).cast()
    }

    const ALL_PHASES: [Phase; 9] = [
        Phase::SuspendedPlain,
        Phase::SuspendedCatching,
        Phase::SuspendedDelegating,
        Phase::Created,
        Phase::Running,
        Phase::AwaitingOwn,
        Phase::AwaitingSub,
        Phase::Closed,
        Phase::Returned,
    ];

    #[test]
    fn a_phase_store_keeps_a_chain_only_when_given_one() {
        let word = PhaseWord::new(Phase::Created, Identity::next());
        let identity = word.identity();
        assert_eq!(word.get(), Phase::Created);
        assert!(word.chain().is_null());

        let innermost = link();
        for phase in [
            Phase::SuspendedDelegating,
            Phase::AwaitingSub,
            Phase::Returned,
        ] {
            word.set_with_chain(phase, innermost);
            assert_eq!(word.get(), phase);
            assert_eq!(word.chain(), innermost);
        }

        // Any other move drops the chain (chain invariant 1).
        word.set(Phase::SuspendedPlain);
        assert_eq!(word.get(), Phase::SuspendedPlain);
        assert!(word.chain().is_null());
        word.set_with_chain(Phase::SuspendedDelegating, core::ptr::null());
        assert_eq!(word.get(), Phase::SuspendedDelegating);
        assert!(word.chain().is_null());
        // The identity is written once, whatever the phase does.
        assert_eq!(word.identity(), identity);
    }

    #[test]
    fn the_hot_path_test_is_the_two_yield_phases_without_a_chain() {
        let word = PhaseWord::new(Phase::Created, Identity::next());
        for phase in ALL_PHASES {
            let at_yield = matches!(phase, Phase::SuspendedPlain | Phase::SuspendedCatching);
            word.set(phase);
            assert_eq!(word.is_at_yield(), at_yield, "{phase:?}");
            word.set_with_chain(phase, core::ptr::null());
            assert_eq!(word.is_at_yield(), at_yield, "{phase:?}, null chain");
            // Never written by the generator (a chain goes with a delegating phase), and not
            // taken for the hot path if it were.
            word.set_with_chain(phase, link());
            assert!(!word.is_at_yield(), "{phase:?} with a chain");
        }
    }
}
