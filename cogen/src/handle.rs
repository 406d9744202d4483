//! The handles users hold: pinned on the stack, or boxed. Both are `Iterator`s and carry
//! Python's generator methods.

use core::fmt;
use core::iter::FusedIterator;
use core::pin::Pin;

use crate::generator::Generator;
use crate::state::GenState;
use crate::step::{Input, ResumeError, Step};

/// Pins a generator on the stack and gives its [`Pinned`] handle: an `Iterator` with Python's
/// generator methods, with no heap allocation.
///
/// Use it in a `let` statement (like [`core::pin::pin!`], the generator lives until the end of
/// the enclosing block).
///
/// # Examples
///
/// ```
/// let g = cogen::pin!(cogen::generator(async |mut co| {
///     for c in ["a", "b", "c"] {
///         co.yield_(c).await;
///     }
/// }));
/// for v in g {
///     println!("{v}");
/// }
/// ```
///
/// # Performance
///
/// A generator pinned in the function that iterates it compiles to the loop a hand-written
/// iterator gives, whether it was made there or made in another function and moved in
/// (returned by a function the optimiser did not inline): the optimiser peels the first
/// resume off the loop, where the body's unknown starting state is dispatched on once. The
/// exception is a body that delegates (`yield_from`) or catches (`.catch()`): made elsewhere,
/// it dispatches on its state at every item (a counter moved in: about 6 times the
/// instructions of a hand-written loop). The README's "Performance" section has the figures.
#[macro_export]
macro_rules! pin {
    ($generator:expr $(,)?) => {
        $crate::Pinned {
            __pin: ::core::pin::pin!($generator),
        }
    };
}

/// A generator pinned on the stack by [`cogen::pin!`](crate::pin!): zero allocation.
///
/// Its methods are Python's: [`resume`](Pinned::resume) (`next`), [`start`](Pinned::start),
/// [`send`](Pinned::send), [`throw`](Pinned::throw), [`close`](Pinned::close),
/// [`state`](Pinned::state), [`is_delegating`](Pinned::is_delegating). It is an `Iterator`
/// (and `FusedIterator`) when the generator receives `()`.
pub struct Pinned<'a, G: ?Sized> {
    #[doc(hidden)]
    // Public only for the `pin!` macro, whose struct literal keeps the pinned temporary alive.
    pub __pin: Pin<&'a mut G>,
}

impl<'a, G: ?Sized> Pinned<'a, G> {
    /// A handle to a generator pinned elsewhere.
    pub fn new(pin: Pin<&'a mut G>) -> Self {
        Pinned { __pin: pin }
    }

    /// The pinned generator, shared: what [`Generator`]'s methods take.
    #[inline]
    pub fn as_pin(&self) -> Pin<&G> {
        self.__pin.as_ref()
    }

    /// The pinned generator, exclusive.
    #[inline]
    pub fn as_pin_mut(&mut self) -> Pin<&mut G> {
        self.__pin.as_mut()
    }
}

/// A generator in a heap allocation: an `Iterator` with Python's generator methods that can be
/// stored and returned. `Send` exactly when the generator is.
///
/// [`BoxGen`] and [`SendBoxGen`] are its type-erased forms, for struct fields and recursion.
#[cfg(feature = "alloc")]
pub struct Boxed<G: ?Sized> {
    generator: Pin<alloc::boxed::Box<G>>,
}

/// A type-erased boxed generator, nameable anywhere (struct fields, recursive functions):
/// `BoxGen<'a, Yield, Resume = (), Return = (), Error = Infallible>`.
///
/// # Cost
///
/// One heap allocation per generator, and a dynamic call per resume into a body poll that the
/// optimiser cannot inline: a counting loop through a `BoxGen` takes about 3× as long as
/// through a [`Boxed`] generator of a known type (`yield_sum` in the README's "Performance"),
/// unless the optimiser sees where it was made (made and iterated in one function, after
/// inlining): then the call is devirtualised, and it costs what a `Boxed` one costs.
/// Prefer [`pin!`](crate::pin!) or [`Generator::boxed`] where the type need not be named.
/// Recursion is where `BoxGen` belongs: a `yield_from` chain resumes its innermost generator
/// directly, so a walk costs the same per item at any depth.
///
/// # Examples
///
/// A recursive generator: an in-order tree walk, each subtree delegating to its children.
///
/// ```
/// use cogen::{BoxGen, generator};
///
/// enum Tree { Leaf, Node(Box<Tree>, u32, Box<Tree>) }
///
/// fn walk(tree: &Tree) -> BoxGen<'_, &u32> {
///     generator(async move |mut co| {
///         if let Tree::Node(left, key, right) = tree {
///             co.yield_from(walk(left)).await;
///             co.yield_(key).await;
///             co.yield_from(walk(right)).await;
///         }
///     })
///     .boxed_dyn()
/// }
///
/// let leaf = || Box::new(Tree::Leaf);
/// let tree = Tree::Node(Box::new(Tree::Node(leaf(), 1, leaf())), 2, leaf());
/// assert_eq!(walk(&tree).copied().collect::<Vec<_>>(), [1, 2]);
/// ```
#[cfg(feature = "alloc")]
pub type BoxGen<'a, Y, S = (), R = (), E = core::convert::Infallible> =
    Boxed<dyn Generator<Yield = Y, Resume = S, Return = R, Error = E> + 'a>;

/// [`BoxGen`] that is `Send`.
#[cfg(feature = "alloc")]
pub type SendBoxGen<'a, Y, S = (), R = (), E = core::convert::Infallible> =
    Boxed<dyn Generator<Yield = Y, Resume = S, Return = R, Error = E> + Send + 'a>;

#[cfg(feature = "alloc")]
impl<G: Generator> Boxed<G> {
    /// Moves `generator` into a new heap allocation.
    pub fn new(generator: G) -> Self {
        Boxed {
            generator: alloc::boxed::Box::pin(generator),
        }
    }
}

#[cfg(feature = "alloc")]
impl<G: ?Sized> Boxed<G> {
    /// Wraps a generator that is already pinned in a box.
    pub fn from_pin(generator: Pin<alloc::boxed::Box<G>>) -> Self {
        Boxed { generator }
    }

    /// The pinned generator, shared: what [`Generator`]'s methods take.
    #[inline]
    pub fn as_pin(&self) -> Pin<&G> {
        self.generator.as_ref()
    }

    /// The pinned generator, exclusive.
    #[inline]
    pub fn as_pin_mut(&mut self) -> Pin<&mut G> {
        self.generator.as_mut()
    }
}

/// The methods both handles share, written once.
macro_rules! handle_methods {
    () => {
        /// The generator's state (Python's `inspect.getgeneratorstate`).
        #[inline]
        pub fn state(&self) -> GenState {
            self.as_pin().get_ref().state()
        }

        /// Whether it is suspended inside a `yield_from` (Python's `gi_yieldfrom`).
        pub fn is_delegating(&self) -> bool {
            self.as_pin().get_ref().is_delegating()
        }

        /// Resumes with any [`Input`]; refuses misuse with an error instead of a panic.
        ///
        /// # Errors
        ///
        /// See [`Generator::try_resume`].
        #[inline]
        pub fn try_resume(
            &self,
            input: Input<G::Resume, G::Error>,
        ) -> Result<Step<G::Yield, G::Return, G::Error>, ResumeError<G::Resume, G::Error>> {
            self.as_pin().try_resume(input)
        }

        /// Starts a generator that has not run yet: runs its body to the first `yield`
        /// (Python's first `next()`). On a finished generator it reports
        /// [`Step::Exhausted`].
        ///
        /// # Panics
        ///
        /// If the generator has already started (its `yield` needs a value: use
        /// [`send`](Self::send)), or is running.
        #[inline]
        pub fn start(&self) -> Step<G::Yield, G::Return, G::Error> {
            self.try_resume(Input::Start).unwrap_or_else(|e| misuse(&e))
        }

        /// Python's `next()`: starts the generator, or resumes it with `Resume::default()`
        /// (`()` for iterators, `None` when the resume type is an `Option`).
        ///
        /// # Panics
        ///
        /// If the generator is running (resumed from inside its own body).
        #[inline]
        pub fn resume(&self) -> Step<G::Yield, G::Return, G::Error>
        where
            G::Resume: Default,
        {
            self.try_resume(Input::next(self.state(), G::Resume::default))
                .unwrap_or_else(|e| misuse(&e))
        }

        /// Python's `send(value)`: `value` becomes the result of the suspended `yield`; runs to
        /// the next suspension.
        ///
        /// # Panics
        ///
        /// If the generator has not started (Python's "can't send non-None value to a
        /// just-started generator"; the generator is left untouched, use
        /// [`try_send`](Self::try_send) to get the value back), or is running.
        #[inline]
        pub fn send(&self, value: G::Resume) -> Step<G::Yield, G::Return, G::Error> {
            self.try_send(value).unwrap_or_else(|e| misuse(&e))
        }

        /// [`send`](Self::send) that reports misuse as an error, handing the value back.
        ///
        /// # Errors
        ///
        /// [`ResumeError::JustStarted`] for a generator that has not started,
        /// [`ResumeError::Running`] for a running one.
        #[inline]
        pub fn try_send(
            &self,
            value: G::Resume,
        ) -> Result<Step<G::Yield, G::Return, G::Error>, ResumeError<G::Resume, G::Error>> {
            self.try_resume(Input::Send(value))
        }

        /// Python's `throw(error)`: raises `error` at the suspended `yield`. If the body
        /// handles it, reports what the body does next (yield or return); if not, the body is
        /// closed (destructors run innermost first) and the error comes back as
        /// [`Step::Raised`]. Into a generator that has not started or has finished, the error
        /// comes back at once and no body code runs.
        ///
        /// # Panics
        ///
        /// If the generator is running.
        pub fn throw(&self, error: G::Error) -> Step<G::Yield, G::Return, G::Error> {
            self.try_resume(Input::Throw(error))
                .unwrap_or_else(|e| misuse(&e))
        }

        /// Python's `close()`: raises the close request at the suspended `yield`, so that the
        /// body's cleanup runs innermost first. Returns the body's return value if it handled
        /// the request by returning (Python 3.13), `Ok(None)` otherwise. Does nothing on a
        /// generator that has not started or has finished.
        ///
        /// # Errors
        ///
        /// [`CloseError::IgnoredClose`](crate::CloseError::IgnoredClose) if the body yielded
        /// instead, [`CloseError::Raised`](crate::CloseError::Raised) if it raised.
        ///
        /// # Panics
        ///
        /// If the generator is running.
        pub fn close(&self) -> Result<Option<G::Return>, crate::CloseError<G::Yield, G::Error>> {
            match self.try_resume(Input::Close).unwrap_or_else(|e| misuse(&e)) {
                Step::Yielded(y) => Err(crate::CloseError::IgnoredClose(y)),
                Step::Complete(r) => Ok(Some(r)),
                Step::Raised(e) => Err(crate::CloseError::Raised(e)),
                Step::Exhausted => Ok(None),
            }
        }

        /// Takes the return value that `Iterator::next` kept when the generator finished
        /// (Python's `StopIteration.value`): `Some` exactly once.
        pub fn take_return(&self) -> Option<G::Return> {
            self.as_pin().take_return()
        }
    };
}

#[cold]
#[inline(never)]
#[track_caller]
fn misuse<S, E>(error: &ResumeError<S, E>) -> ! {
    panic!("{error}")
}

#[cold]
#[inline(never)]
#[track_caller]
fn raised_into_iterator() -> ! {
    panic!(
        "a generator raised an error during `Iterator::next`; drive it with `resume()` to \
         receive errors as `Step::Raised` (the generator is closed)"
    )
}

/// A step of `Iterator::next` made an item: a return value is kept for `take_return`.
#[inline(always)]
pub(crate) fn item_of<G: Generator + ?Sized>(
    generator: Pin<&G>,
    step: Result<Step<G::Yield, G::Return, G::Error>, ResumeError<G::Resume, G::Error>>,
) -> Option<G::Yield> {
    match step {
        Ok(Step::Yielded(item)) => Some(item),
        Ok(Step::Complete(value)) => {
            generator.__keep_return(value);
            None
        }
        Ok(Step::Exhausted) => None,
        Ok(Step::Raised(_)) => raised_into_iterator(),
        Err(error) => misuse(&error),
    }
}

impl<G: Generator + ?Sized> Pinned<'_, G> {
    handle_methods!();
}

#[cfg(feature = "alloc")]
impl<G: Generator + ?Sized> Boxed<G> {
    handle_methods!();
}

impl<G: Generator<Resume = ()> + ?Sized> Iterator for Pinned<'_, G> {
    type Item = G::Yield;

    #[inline(always)]
    fn next(&mut self) -> Option<G::Yield> {
        self.as_pin_mut().__next_item(())
    }
}

impl<G: Generator<Resume = ()> + ?Sized> FusedIterator for Pinned<'_, G> {}

#[cfg(feature = "alloc")]
impl<G: Generator<Resume = ()> + ?Sized> Iterator for Boxed<G> {
    type Item = G::Yield;

    #[inline(always)]
    fn next(&mut self) -> Option<G::Yield> {
        self.as_pin_mut().__next_item(())
    }
}

#[cfg(feature = "alloc")]
impl<G: Generator<Resume = ()> + ?Sized> FusedIterator for Boxed<G> {}

// A handle is itself a generator, so it can be delegated to with `yield_from`.
forward_generator! {
    impl[G: Generator + ?Sized] for Pinned<'_, G>,
    |this| this.as_pin(),
    |this| this.get_mut().as_pin_mut(),
}

#[cfg(feature = "alloc")]
forward_generator! {
    impl[G: Generator + ?Sized] for Boxed<G>,
    |this| this.as_pin(),
    |this| this.get_mut().as_pin_mut(),
}

impl<G: Generator + ?Sized> fmt::Debug for Pinned<'_, G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pinned")
            .field("state", &self.state())
            .finish()
    }
}

#[cfg(feature = "alloc")]
impl<G: Generator + ?Sized> fmt::Debug for Boxed<G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Boxed")
            .field("state", &self.state())
            .finish()
    }
}
