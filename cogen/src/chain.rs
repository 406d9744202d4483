//! Deep delegation: a resume goes straight to the innermost generator of a `yield_from`
//! chain, instead of polling every delegating body on the way down.
//!
//! Every active `yield_from` is a node ([`Link`]) at the start of its `Delegation`, pinned
//! inside the body of the generator that delegates. When a delegating generator suspends, it
//! records its [`Chain`]: the node whose sub-generator actually yielded (innermost); each
//! node's `parent` points to the node one level up, and its own node (outermost) has none. The generator
//! being resumed steps its innermost node directly. Only when that node's sub-generator
//! finishes does control go back up: the node parks the outcome, the walk moves to the parent
//! node, which resumes the node's owner with a continuation, and the owner's body takes the
//! parked outcome at its `yield_from` (PEP 380's expansion, unchanged).
//!
//! # Invariants
//!
//! 1. **Live links.** A generator's chain is kept in the same word as its phase
//!    (`PhaseWord`), so every change of phase writes it: the chain just recorded (or `None`)
//!    on a move into one of the two phases of a body stopped inside a `yield_from`
//!    (`SuspendedDelegating`, `AwaitingSub`), `None` on a move into any other. It is read only
//!    in those two phases. While it is `Some` there, every node on the path from
//!    its innermost to its outermost link is alive and pinned: each lives in the body of a
//!    generator that is owned (by value, or by an exclusive borrow) by the node above, so
//!    nothing but this generator's resume can reach them, and none is dropped or moved while
//!    the outermost generator stays suspended.
//! 2. **Fresh pointers.** Link pointers are made (by `link_sub`) from a raw pointer to the whole
//!    delegation, during the poll or step in which its sub-generator yielded, and are only used
//!    until the owner's body is polled again, which makes new ones. Nothing writes to a
//!    delegation through a reference in between.
//! 3. **Only the resumed generator walks.** A generator reached through a parent node is told
//!    what to do: a new input only ever reaches a generator that is not delegating (it is the
//!    innermost), and a continuation (`None`) to a delegating generator means its own node
//!    finished, so it polls its body. When a node links a sub-generator's chain into its own,
//!    it *takes* it (`__take_chain`): the sub-generator's record is cleared, so a chain that
//!    the generator above advances can never be walked from a stale record, even if the
//!    sub-generator is resumed on its own later (a `&mut` handle outlives the delegation that
//!    borrowed it); it then takes the ordinary path, polling its body.

use core::cell::Cell;
use core::ptr::NonNull;
use core::task::{Context, Poll};

use crate::step::Input;

/// A node of the delegation chain: the start of a `Delegation` (`repr(C)`).
///
/// Aligned to 16 (which a `Delegation` is anyway, for its `CloseOnDrop` marker), so that the
/// low 4 bits of a link's address are zero and a generator keeps its phase there, beside the
/// innermost link of its chain (`PhaseWord`).
#[repr(C, align(16))]
pub(crate) struct Link<Y, S, E> {
    /// Steps this node's sub-generator; knows the concrete `Delegation` type.
    pub(crate) step: StepFn<Y, S, E>,
    /// The node one level up, if this node's generator is itself delegated to.
    pub(crate) parent: Cell<Option<NonNull<Link<Y, S, E>>>>,
}

/// Steps a node's sub-generator with `input` (`None`: continue a wait). `closing` says the
/// operation being carried out is a close.
///
/// # Safety
///
/// The pointer is a live, registered link (see the module invariants).
pub(crate) type StepFn<Y, S, E> = unsafe fn(
    NonNull<Link<Y, S, E>>,
    Option<Input<S, E>>,
    bool,
    &mut Context<'_>,
) -> Poll<LinkStep<Y, S, E>>;

// SAFETY: a link's pointers point into the state of the generator that holds the link (its
// own delegation, or ones inside the sub-generators it owns), so they move between threads
// together with that state, and are only dereferenced by whoever resumes the generator, which
// `Gen: !Sync` confines to one thread at a time. The pointed-to delegations are `Send` exactly
// when the generator's state is, which the body future's own auto traits already decide.
unsafe impl<Y, S, E> Send for Link<Y, S, E> {}

impl<Y, S, E> Link<Y, S, E> {
    pub(crate) fn new(step: StepFn<Y, S, E>) -> Self {
        Link {
            step,
            parent: Cell::new(None),
        }
    }
}

/// What stepping a node did.
pub(crate) enum LinkStep<Y, S, E> {
    /// The sub-generator yielded; the chain's innermost node is now this one.
    Yielded(Y, NonNull<Link<Y, S, E>>),
    /// The sub-generator finished (returned, raised, closed); the outcome is parked in the node.
    Finished,
}

/// The chain a delegating generator recorded when it suspended: its innermost node. The
/// generator's own node (the outermost) is the one whose `parent` is `None`, since a
/// generator's chain is taken (`__take_chain`) when a parent links it (invariant 3).
#[doc(hidden)]
pub struct Chain<Y, S, E> {
    pub(crate) innermost: NonNull<Link<Y, S, E>>,
}

impl<Y, S, E> Chain<Y, S, E> {
    /// The generator's own node: up from the innermost, the first node without a parent.
    ///
    /// # Safety
    ///
    /// The chain's nodes are live (invariant 1).
    pub(crate) unsafe fn outermost(self) -> NonNull<Link<Y, S, E>> {
        let mut link = self.innermost;
        // SAFETY: per the caller; every node on the way up is live.
        while let Some(parent) = unsafe { link.as_ref() }.parent.get() {
            link = parent;
        }
        link
    }
}

// SAFETY: as for `Link`: a chain points into the state of the generator that records it.
unsafe impl<Y, S, E> Send for Chain<Y, S, E> {}

impl<Y, S, E> Clone for Chain<Y, S, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Y, S, E> Copy for Chain<Y, S, E> {}

impl<Y, S, E> core::fmt::Debug for Chain<Y, S, E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Chain").finish_non_exhaustive()
    }
}

/// Where a walk down a chain stopped.
pub(crate) enum Walked<Y, S, E> {
    /// The innermost generator awaits a foreign future; the chain's innermost node is this one.
    Pending(NonNull<Link<Y, S, E>>),
    /// A sub-generator yielded; the chain's innermost node is this one.
    Yielded(Y, NonNull<Link<Y, S, E>>),
    /// The walking generator's own node finished: its body takes the parked outcome.
    OwnNodeFinished,
}

/// Steps the innermost node of `chain` with `input`, and goes up the chain while nodes finish.
///
/// Inlined into the synchronous resume, where a tree walk resumes its root: out of line, the
/// call and the `Walked` it returned through memory cost 45 instructions per key of a tree
/// walk by value (callgrind, depth 18). It takes the chain's link pointers and the context,
/// never the generator, whose address would then escape (`ARCHITECTURE.md`, "Staying in
/// registers"), and a body that cannot delegate has it compiled out of that resume
/// (`Gen::walks_sync`). The asynchronous resume calls [`walk_out_of_line`].
///
/// # Safety
///
/// The chain is live (invariant 1) and only the caller's resume touches it (invariant 3).
#[inline(always)]
pub(crate) unsafe fn walk<Y, S, E>(
    chain: Chain<Y, S, E>,
    mut input: Option<Input<S, E>>,
    cx: &mut Context<'_>,
) -> Walked<Y, S, E> {
    let closing = matches!(input, Some(Input::Close));
    let mut link = chain.innermost;
    loop {
        // SAFETY: per the caller, every node from the innermost up to the outermost is live,
        // pinned, and not otherwise borrowed.
        let step = unsafe { (link.as_ref().step)(link, input.take(), closing, cx) };
        match step {
            Poll::Pending => return Walked::Pending(link),
            Poll::Ready(LinkStep::Yielded(value, innermost)) => {
                return Walked::Yielded(value, innermost);
            }
            // SAFETY: as above.
            Poll::Ready(LinkStep::Finished) => match unsafe { link.as_ref() }.parent.get() {
                // A node below ours: its owner is resumed through its parent node.
                Some(parent) => link = parent,
                // Our own node (the outermost has no parent, invariant 3).
                None => return Walked::OwnNodeFinished,
            },
        }
    }
}

/// [`walk`], out of line: the asynchronous resume keeps every async generator's walk path,
/// whether or not its body can delegate, and a stream's `poll_next` is sensitive to what is
/// moved into it (see `Gen::walks_sync`).
///
/// # Safety
///
/// As for [`walk`].
#[inline(never)]
pub(crate) unsafe fn walk_out_of_line<Y, S, E>(
    chain: Chain<Y, S, E>,
    input: Option<Input<S, E>>,
    cx: &mut Context<'_>,
) -> Walked<Y, S, E> {
    // SAFETY: per the caller.
    unsafe { walk(chain, input, cx) }
}
