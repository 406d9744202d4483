//! The macros' front doors: `macro_rules!` macros that call the proc macros of
//! `cogen-macros` (re-exported in `__private`) with `$crate` first, in parentheses.
//!
//! A proc macro cannot know the path by which its user reaches `cogen`: the dependency may be
//! renamed (`my_gen = { package = "cogen", .. }`) or the macros re-exported by another crate.
//! `$crate` in a `macro_rules!` macro always names the crate that defines it, whatever the
//! path the user wrote, so each front door passes it on, and every path the expansion names
//! starts with it (async-stream does the same). The user's tokens go through unchanged, spans
//! and all, so errors still point at the user's code.
//!
//! `catch!` and `raise!` are written inside a `gen_fn!` / `gen_block!` body, whose macro
//! rewrites them before they would expand; their front doors expand only outside a body, to
//! an error.

/// Generator functions and methods, written as in Python.
///
/// ```text
/// gen_fn! {
///     /// Docs, attributes and visibility as usual.
///     pub fn name<T>(args) -> yield Y, send S, throw E, return R where T: .. {
///         let x = yield value;      // x: S, the value sent in
///         let r = yield from sub;   // r: the sub-generator's return value
///         return r;                 // or fall off the end, or `?`
///     }
///
///     /// An async generator (Python's `async def` with `yield`): the body may `.await`.
///     pub async fn name2(args) -> yield Y, send S, throw E, return R {
///         let data = fetch().await;  // waits on the executor that drives the generator
///         yield data;
///         yield from stream;         // also any `Stream`
///     }
/// }
/// ```
///
/// After `->` come the generator's types, as Python's `Generator[Y, S, R]` names them: `yield`
/// (what it yields, default `()`), `send` (what `yield` evaluates to, default `()`), `throw`
/// (what `throw()` raises in it, default `Infallible`), `return` (default `()`), each optional,
/// in any order. The function returns [`cogen::Gen`](crate::Gen)`<Y, S, E, impl Future<Output
/// = R>>`: pin it with [`cogen::pin!`](crate::pin!), box it with
/// [`.boxed()`](crate::Generator::boxed) or erase it with
/// [`.boxed_dyn()`](crate::Generator::boxed_dyn) (a [`BoxGen`](crate::BoxGen) can be stored in
/// a struct and is needed for recursion).
///
/// Several functions may share one invocation; inside an `impl` block they are methods (a
/// `&self` generator borrows `self` while it lives).
///
/// `async fn` makes an async generator (PEP 525): the function returns
/// [`cogen::AsyncGen`](crate::AsyncGen)`<Y, S, E, impl Future<Output = R>>`, a
/// [`Stream`](futures_core::Stream) of what it yields (when `S` is `()`), driven with
/// [`anext`](crate::AsyncGen::anext), [`asend`](crate::AsyncGen::asend),
/// [`athrow`](crate::AsyncGen::athrow) and [`aclose`](crate::AsyncGen::aclose). Its body may
/// `.await` any future, also in a `catch!` handler (cleanup that awaits runs under
/// `aclose().await`). A sync body cannot: `.await` there is a compile error, since a sync
/// generator is resumed by its caller and has no executor to wait on.
///
/// `yield from x` delegates to a generator (every send, throw and close goes to it, PEP 380)
/// and evaluates to its return value; to any other iterable it yields the items and evaluates
/// to `()`. A generator handle that is also an `Iterator` is delegated to as a generator.
/// Delegating to an iterable needs a body whose send type is `()`. In an async body, the
/// generator may be sync or async (its awaits reach the executor), and any other
/// [`Stream`](futures_core::Stream) is delegated to like an iterable, its items waited for;
/// the order is generator, then stream, then iterable. A sync body takes an iterable before a
/// stream, and a value that is only a stream is a compile error there (Python has no
/// `yield from` in `async def`; cogen does). Since `from` is an ordinary
/// name in Rust, `yield from;` (followed by `;`, `,`, `.`, `?` or an operator) yields a
/// variable called `from`.
///
/// # Names
///
/// The macros work under whatever name reaches cogen: a renamed dependency
/// (`my_gen = { package = "cogen", .. }`, then `my_gen::gen_fn!`) or another crate's
/// re-export. Each is a `macro_rules!` front door that passes its `$crate` to the proc macro,
/// and the expansion names cogen's items through it and the standard library's by `::core::`
/// paths, so local items called `core`, `Option` or `Gen` do not get in the way. In a body,
/// `catch!` and `raise!` are known by their last name (`catch!`, `cogen::catch!` and
/// `my_gen::catch!` all work) and need no `use`. A nested `gen_block!` or `iter!` is left to
/// expand on its own, so it is written like any macro: by path, or imported.
///
/// # Examples
///
/// ```
/// use cogen::{Step, gen_fn};
///
/// gen_fn! {
///     // Python: def fib(limit):
///     //             a, b = 0, 1
///     //             while a < limit: yield a; a, b = b, a + b
///     fn fib(limit: u64) -> yield u64 {
///         let (mut a, mut b) = (0, 1);
///         while a < limit {
///             yield a;
///             (a, b) = (b, a + b);
///         }
///     }
///
///     // Python: def running_total():
///     //             total = 0
///     //             while (x := (yield total)) is not None: total += x
///     //             return total
///     fn running_total() -> yield u64, send Option<u64>, return u64 {
///         let mut total = 0;
///         while let Some(x) = (yield total) {
///             total += x;
///         }
///         total
///     }
///
///     // Python: def chain(): result = yield from fib(10); yield from [100, 200]
///     fn chain() -> yield u64 {
///         yield from fib(10);
///         yield from [100, 200];
///     }
/// }
///
/// assert_eq!(cogen::pin!(fib(10)).collect::<Vec<_>>(), [0, 1, 1, 2, 3, 5, 8]);
///
/// let total = cogen::pin!(running_total());
/// assert_eq!(total.start(), Step::Yielded(0));
/// assert_eq!(total.send(Some(5)), Step::Yielded(5));
/// assert_eq!(total.send(None), Step::Complete(5));
///
/// assert_eq!(chain().boxed().last(), Some(200));
/// ```
///
/// Methods, and a generator stored in a struct:
///
/// ```
/// use cogen::{BoxGen, gen_fn};
///
/// struct Inventory {
///     items: Vec<String>,
/// }
///
/// impl Inventory {
///     gen_fn! {
///         fn names(&self) -> yield &str {
///             for item in &self.items {
///                 yield item.as_str();
///             }
///         }
///     }
/// }
///
/// struct Cursor<'a> {
///     names: BoxGen<'a, &'a str>,
/// }
///
/// let inventory = Inventory { items: vec!["apple".into(), "pear".into()] };
/// let mut cursor = Cursor { names: inventory.names().boxed_dyn() };
/// assert_eq!(cursor.names.next(), Some("apple"));
/// ```
///
/// An async generator function, consumed as a `Stream`, and closed while its handler awaits:
///
/// ```
/// use futures::StreamExt;
/// use cogen::{Interrupt, gen_fn};
///
/// gen_fn! {
///     // Python: async def ticks(n):
///     //             for i in range(n): await asyncio.sleep(0); yield i
///     async fn ticks(n: u32) -> yield u32 {
///         for i in 0..n {
///             std::future::ready(()).await; // any future
///             yield i;
///         }
///     }
///
///     // Delegation: to an async or sync generator, a stream, an iterable.
///     async fn more() -> yield u32, return &'static str {
///         yield from ticks(2);
///         yield from futures::stream::iter([10, 20]);
///         match catch!(yield 30) {
///             Err(Interrupt::Close) => {
///                 std::future::ready(()).await; // cleanup may await
///                 "closed"
///             }
///             _ => "done",
///         }
///     }
/// }
///
/// futures::executor::block_on(async {
///     assert_eq!(ticks(3).collect::<Vec<_>>().await, [0, 1, 2]);
///
///     let g = std::pin::pin!(more());
///     let g = g.into_ref();
///     for expected in [0, 1, 10, 20, 30] {
///         assert_eq!(g.anext().await, Ok(cogen::Step::Yielded(expected)));
///     }
///     assert_eq!(g.aclose().await, Ok(Some("closed")));
/// });
/// ```
///
/// A `yield` that is not in the body itself is an error at the `yield`:
///
/// ```compile_fail
/// cogen::gen_fn! {
///     fn doubled(xs: Vec<u32>) -> yield u32 {
///         xs.iter().for_each(|x| yield x * 2); // error: `yield` inside a closure
///     }
/// }
/// ```
///
/// And so is an `.await` in a sync body (write `async fn` to await):
///
/// ```compile_fail
/// cogen::gen_fn! {
///     fn waits() -> yield u32 {
///         std::future::ready(1).await; // error: a sync generator cannot wait
///         yield 1;
///     }
/// }
/// ```
#[macro_export]
macro_rules! gen_fn {
    ($($tokens:tt)*) => {
        $crate::__private::gen_fn_impl! { ($crate) $($tokens)* }
    };
}

/// A generator written in place: `gen_block! { yield 1; yield 2; }`, or with a header,
/// `gen_block!(move -> yield u32, send i32 { .. })`; an async generator with `async` first:
/// `gen_block!(async { .. })`, `gen_block!(async move -> yield u32 { .. })`.
///
/// The header is `[async] [move] [-> yield Y, send S, throw E, return R]` followed by the body
/// in braces (the order of `async move { .. }` blocks and closures). Without `move` the body
/// borrows what it uses from its surroundings, like a closure; the yield and return types are
/// inferred when not declared, the send type is `()` and the throw type `Infallible`.
/// Evaluates to a `cogen::Gen`, or with `async` to a [`cogen::AsyncGen`](crate::AsyncGen)
/// whose body may `.await` (see [`gen_fn!`](crate::gen_fn!)); no body code runs yet.
///
/// # Examples
///
/// ```
/// use cogen::{BoxGen, Step, gen_block};
///
/// let words = ["a", "b"];
/// let g = cogen::pin!(gen_block! {
///     for w in words {
///         yield w;
///     }
/// });
/// assert_eq!(g.collect::<Vec<_>>(), ["a", "b"]);
///
/// // `move`, with declared types: an averaging coroutine.
/// fn averager() -> BoxGen<'static, f64, f64, ()> {
///     gen_block!(move -> yield f64, send f64 {
///         let (mut total, mut n) = (0.0, 0.0);
///         loop {
///             total += yield if n == 0.0 { 0.0 } else { total / n };
///             n += 1.0;
///         }
///     })
///     .boxed_dyn()
/// }
/// let avg = averager();
/// assert_eq!(avg.start(), Step::Yielded(0.0));
/// assert_eq!(avg.send(10.0), Step::Yielded(10.0));
/// assert_eq!(avg.send(20.0), Step::Yielded(15.0));
///
/// // `async`: an async generator, here a `Stream` that awaits between items.
/// use futures::StreamExt;
/// let doubled = gen_block!(async move -> yield u32 {
///     for x in [1, 2] {
///         let x = std::future::ready(x).await;
///         yield x * 2;
///     }
/// });
/// assert_eq!(futures::executor::block_on(doubled.collect::<Vec<_>>()), [2, 4]);
/// ```
#[macro_export]
macro_rules! gen_block {
    ($($tokens:tt)*) => {
        $crate::__private::gen_block_impl! { ($crate) $($tokens)* }
    };
}

/// Python's generator expression: `iter!(x * x for x in xs if x % 2 == 0)` is an `Iterator`.
///
/// Any number of further `for pat in iterable` and `if condition` clauses may follow, nested
/// left to right as in Python (`if let` works too, and binds names for the later clauses).
/// As PEP 289 says, only the outermost iterable is evaluated when the expression is (its
/// `into_iter()` is called then); the conditions, the inner iterables and the element are
/// evaluated while iterating, the inner iterables once per outer element that passed its
/// conditions. Python's `for x, y in pairs` is `for (x, y) in pairs`.
///
/// It expands to the adapter chain one would write by hand (`map`, `filter_map`, `flat_map`),
/// and costs the same. Like a closure, it borrows what it uses; prefix `move`
/// (`iter!(move x * k for x in xs)`) to make it own it, e.g. to return it from a function.
/// The closures of inner clauses are always `move`: they keep the outer clauses' bindings,
/// which therefore must be `Copy` (references are) or be cloned (`x.clone()`), where Python
/// would share them; a non-`Copy` variable of the surroundings used in an inner clause must be
/// lent first (`let v = &v;`). An open range as an iterable needs parentheses: `(0..)`.
///
/// An `iter!` is an `Iterator`, not a generator: `send` and `throw` have no meaning for it and
/// dropping it is its `close`. `gen_block! { yield from iter!(..) }` gives it the generator
/// methods.
///
/// # Examples
///
/// ```
/// use cogen::iter;
///
/// // Python: sum(x * x for x in range(10) if x % 2 == 0)
/// assert_eq!(iter!(x * x for x in 0..10 if x % 2 == 0).sum::<u32>(), 120);
///
/// // Python: [(x, y) for x in range(3) for y in range(x)]
/// let pairs: Vec<_> = iter!((x, y) for x in 0..3 for y in 0..x).collect();
/// assert_eq!(pairs, [(1, 0), (2, 0), (2, 1)]);
///
/// fn scaled(xs: &[u32], k: u32) -> impl Iterator<Item = u32> + '_ {
///     iter!(move x * k for x in xs)
/// }
/// assert_eq!(scaled(&[1, 2], 10).collect::<Vec<_>>(), [10, 20]);
/// ```
#[macro_export]
macro_rules! iter {
    ($($tokens:tt)*) => {
        $crate::__private::iter_impl! { ($crate) $($tokens)* }
    };
}

/// `catch!(yield v)` / `catch!(yield from g)`: evaluates to `Ok(sent value)` /
/// `Ok(return value)`, or to `Err(cogen::Interrupt)` when `throw` or `close` arrives there
/// (Python's `try: x = yield v` with `except E:` / `except GeneratorExit:`). Only inside a
/// `gen_fn!` or `gen_block!` body; in an async body the handler may `.await` (an `athrow` or
/// `aclose` waits for it).
///
/// A plain `yield` does not see a throw or a close: the body is dropped there, its local
/// values' destructors run (innermost first), and the throw's error goes back to the
/// thrower. That is Python's behaviour for a `yield` outside any `try`, and destructors are
/// the `finally` blocks. Side by side:
///
/// ```text
/// Python                                  cogen
/// ------                                  -----
/// def worker():                           gen_fn! { fn worker(log: Log)
///                                             -> yield &'static str, send u32,
///                                                throw String, return &'static str {
///     try:                                    let _finally = log.on_drop("finally");
///         while True:                         loop {
///             try:                                match catch!(yield "ready") {
///                 x = yield "ready"                   Ok(x) => log.push(x),
///                 log(x)
///             except ValueError as e:                 Err(Interrupt::Throw(e)) => log.push(e),
///                 log(e)
///             except GeneratorExit:                   Err(Interrupt::Close) => {
///                 return "closed"                         return "closed";
///                                                     }
///                                                 }
///                                             }
///     finally:                                // `_finally`'s destructor
///         log("finally")                  } }
/// ```
///
/// Re-raise with [`raise!`](crate::raise!). Returning after `Interrupt::Close` makes `close()` return the
/// value (Python 3.13); yielding after it makes `close()` fail with `IgnoredClose`.
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use cogen::{Interrupt, Step, gen_fn};
///
/// /// Runs a closure when dropped: a `finally` block.
/// struct Finally<F: FnMut()>(F);
/// impl<F: FnMut()> Drop for Finally<F> {
///     fn drop(&mut self) {
///         (self.0)()
///     }
/// }
///
/// gen_fn! {
///     fn worker(log: &RefCell<Vec<String>>) -> yield &'static str, send u32, throw String,
///         return &'static str
///     {
///         let _finally = Finally(|| log.borrow_mut().push("finally".into()));
///         loop {
///             match catch!(yield "ready") {
///                 Ok(x) => log.borrow_mut().push(format!("got {x}")),
///                 Err(Interrupt::Throw(e)) => log.borrow_mut().push(format!("caught {e}")),
///                 Err(Interrupt::Close) => return "closed",
///             }
///         }
///     }
/// }
///
/// let log = RefCell::new(Vec::new());
/// let w = cogen::pin!(worker(&log));
/// assert_eq!(w.start(), Step::Yielded("ready"));
/// assert_eq!(w.send(1), Step::Yielded("ready"));
/// assert_eq!(w.throw("oops".into()), Step::Yielded("ready"));
/// assert_eq!(w.close(), Ok(Some("closed")));
/// assert_eq!(*log.borrow(), ["got 1", "caught oops", "finally"]);
/// ```
#[macro_export]
macro_rules! catch {
    ($($tokens:tt)*) => {
        $crate::__private::catch_impl! { ($crate) $($tokens)* }
    };
}

/// `raise!(interrupt)`: ends the generator with a `cogen::Interrupt` (Python's bare `raise`
/// in an `except` block, or `raise e`): `Interrupt::Throw(e)` makes the current resume report
/// `Step::Raised(e)`, `Interrupt::Close` ends it as a propagated close. Only inside a
/// `gen_fn!` or `gen_block!` body.
///
/// # Examples
///
/// ```
/// use cogen::{Interrupt, Step, gen_block};
///
/// let g = cogen::pin!(gen_block!(-> yield u32, throw String {
///     match catch!(yield 1) {
///         Err(Interrupt::Throw(e)) if e == "retry" => yield 2,
///         Err(other) => raise!(other), // re-raise anything else
///         Ok(()) => {}
///     }
/// }));
/// assert_eq!(g.start(), Step::Yielded(1));
/// assert_eq!(g.throw("boom".to_string()), Step::Raised("boom".to_string()));
/// ```
#[macro_export]
macro_rules! raise {
    ($($tokens:tt)*) => {
        $crate::__private::raise_impl! { ($crate) $($tokens)* }
    };
}
