//! The tour: every example of the post cogen started from (`shared/seed/seed_tour.py`),
//! section by section, printing the same lines as CPython does.
//!
//! Run it with `cargo run --example tour`.

use std::io::{self, Write};

use cogen::{Co, Generator, Step, coroutine, gen_fn, iter};

fn main() -> io::Result<()> {
    run(&mut io::stdout().lock())
}

/// Writes the whole tour to `out`; `tests/it/tour.rs` checks it against CPython's output.
pub fn run(out: &mut impl Write) -> io::Result<()> {
    class_based_iterator(out)?;
    generator_section(out)?;
    unbounded_generator_section(out)?;
    generator_expression(out)?;
    yield_from(out)?;
    coroutine_section(out)?;
    native_coroutines(out)?;
    Ok(())
}

// == class-based iterator ===================================================================
// A Python class with `__iter__`/`__next__` is a plain Rust `Iterator`.

struct Foo<T> {
    collection: Vec<T>,
    index: usize,
}

impl<T> Foo<T> {
    fn new(collection: Vec<T>) -> Self {
        Foo {
            collection,
            index: 0,
        }
    }
}

impl<T: Clone> Iterator for Foo<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        // Python: `raise StopIteration` is `None` here.
        let value = self.collection.get(self.index)?.clone();
        self.index += 1;
        Some(value)
    }
}

fn class_based_iterator(out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "== class-based iterator")?;
    for element in Foo::new(vec!["a", "b", "c"]) {
        writeln!(out, "{element}")?;
    }
    let mut it = Foo::new(vec!["a", "b", "c"]);
    let (a, b, c) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
    writeln!(out, "{a} {b} {c}")?;
    writeln!(out, "{}", repr_list(Foo::new(vec!["a", "b", "c"])))?;
    Ok(())
}

// == generator ==============================================================================
// `gen_fn!` writes generator functions with Python's `yield`; the same generators in the
// plain handle form are `cogen::generator(async |mut co| { co.yield_("a").await; .. })`.

gen_fn! {
    /// Python: `def generator(): yield "a"; yield "b"; yield "c"`
    fn abc() -> yield &'static str {
        yield "a";
        yield "b";
        yield "c";
    }

    /// Python: `def unbounded_generator(): while True: yield "some value"`
    fn unbounded_generator() -> yield &'static str {
        loop {
            yield "some value";
        }
    }

    /// Python: `def generator5(limit): for i in range(limit): yield "foo"`
    fn generator5(limit: u32) -> yield &'static str {
        for _ in 0..limit {
            yield "foo";
        }
    }

    /// Python: `def baz(): for i in range(10): yield i`
    fn baz() -> yield u32 {
        for i in 0..10 {
            yield i;
        }
    }

    /// Python: `def bar(): for i in range(5): yield i`
    fn bar() -> yield u32 {
        for i in 0..5 {
            yield i;
        }
    }

    /// Python: `def foo_loops(): for v in bar(): yield v` (and the same over `baz()`)
    fn foo_loops() -> yield u32 {
        for v in bar().boxed() {
            yield v;
        }
        for v in baz().boxed() {
            yield v;
        }
    }

    /// Python: `def foo_yield_from(): yield from bar(); yield from baz()`
    fn foo_yield_from() -> yield u32 {
        yield from bar();
        yield from baz();
    }

    /// Python: `def foo_chain(): for v in chain(bar(), baz()): yield v`
    fn foo_chain() -> yield u32 {
        for v in bar().boxed().chain(baz().boxed()) {
            yield v;
        }
    }

    /// Python: `def coro_foo(): msg = yield; yield msg` (a bare `yield` yields `None`)
    fn coro_foo() -> yield Option<&'static str>, send &'static str {
        let msg = yield None;
        yield Some(msg);
    }

    /// Python: `def coro_beep(): msg = yield "beep"; yield msg`
    fn coro_beep() -> yield &'static str, send &'static str {
        let msg = yield "beep";
        yield msg;
    }
}

fn generator_section(out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "== generator")?;
    for v in cogen::pin!(abc()) {
        writeln!(out, "{v}")?;
    }
    let g = cogen::pin!(abc());
    let (a, b, c) = (next(&g), next(&g), next(&g));
    writeln!(out, "{a} {b} {c}")?;
    // Python: `next(gen)` raises StopIteration; here the fourth resume reports completion.
    if let Step::Complete(()) = g.resume() {
        writeln!(out, "StopIteration")?;
    }
    Ok(())
}

/// Python's `next(g)` for a generator known to have another item.
fn next<G: Generator<Resume = ()>>(g: &cogen::Pinned<'_, G>) -> G::Yield {
    g.resume()
        .yielded()
        .expect("the generator yields another item")
}

// == unbounded generator ====================================================================

fn unbounded_generator_section(out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "== unbounded generator")?;
    let g = cogen::pin!(unbounded_generator());
    // Python: `[next(gen) for _ in range(4)]`
    let four: Vec<_> = (0..4).map(|_| next(&g)).collect();
    writeln!(out, "{}", repr_list(four))?;
    writeln!(out, "{}", repr_list(abc().boxed()))?;
    Ok(())
}

// == generator expression ===================================================================

fn generator_expression(out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "== generator expression")?;
    writeln!(out, "{}", repr_list(generator5(5).boxed()))?;
    // Python: `list("foo" for i in range(5))`
    writeln!(out, "{}", repr_list(iter!("foo" for _i in 0..5)))?;
    // Python: `list(x * x for x in range(10) if x % 2 == 0)`
    writeln!(
        out,
        "{}",
        repr_list(iter!(x * x for x in 0..10 if x % 2 == 0))
    )?;
    Ok(())
}

// == yield from =============================================================================

fn yield_from(out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "== yield from")?;
    writeln!(out, "{}", repr_list(cogen::pin!(foo_loops())))?;
    writeln!(out, "{}", repr_list(cogen::pin!(foo_yield_from())))?;
    writeln!(out, "{}", repr_list(cogen::pin!(foo_chain())))?;
    Ok(())
}

// == coroutine ==============================================================================

fn coroutine_section(out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "== coroutine")?;
    let coro = cogen::pin!(coro_foo());
    let _ = coro.start(); // Python: `next(coro)` primes it
    if let Step::Yielded(Some(msg)) = coro.send("bar") {
        writeln!(out, "{msg}")?;
    }
    let coro = cogen::pin!(coro_beep());
    writeln!(out, "{}", coro.start().yielded().unwrap_or_default())?;
    writeln!(out, "{}", coro.send("bar").yielded().unwrap_or_default())?;
    Ok(())
}

// == generator-based and native coroutines ===================================================
// Python's event loop is an executor here (tokio). A `types.coroutine` generator yields
// awaitables to the loop; `cogen::awaitable` makes such a generator a `Future` that
// native `async` code awaits.

type Awaitable = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// Python: `@types.coroutine def old_style_coroutine(): yield from asyncio.sleep(0.01).__await__(); return "old"`
fn old_style_coroutine() -> impl std::future::Future<Output = &'static str> + Send {
    cogen::awaitable(coroutine(async |mut co: Co<'_, Awaitable, ()>| {
        co.yield_(Box::pin(tokio::time::sleep(
            std::time::Duration::from_millis(10),
        )))
        .await;
        "old"
    }))
}

/// Python: `async def main(): r = await old_style_coroutine(); print("awaited", r); return "main done"`
async fn native_main(out: &mut impl Write) -> io::Result<&'static str> {
    let r = old_style_coroutine().await;
    writeln!(out, "awaited {r}")?;
    Ok("main done")
}

fn native_coroutines(out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "== generator-based and native coroutines")?;
    // Python: `print(asyncio.run(main()))`
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    let done = runtime.block_on(native_main(out))?;
    writeln!(out, "{done}")?;
    Ok(())
}

// == printing like Python's `print(list(...))` ==============================================

/// Python's `repr` for the values the tour prints.
trait Repr {
    fn repr(&self) -> String;
}

impl Repr for &str {
    fn repr(&self) -> String {
        format!("'{self}'")
    }
}

impl Repr for u32 {
    fn repr(&self) -> String {
        self.to_string()
    }
}

/// `print(list(items))`.
fn repr_list<T: Repr>(items: impl IntoIterator<Item = T>) -> String {
    let items: Vec<String> = items.into_iter().map(|item| item.repr()).collect();
    format!("[{}]", items.join(", "))
}
