// A generator function must say what it yields.
cogen::gen_fn! {
    fn numbers() -> u32 {
        yield 1;
    }
}

// `async fn` is an async generator; `unsafe fn` is refused.
cogen::gen_fn! {
    unsafe fn later() -> yield u32 {
        yield 1;
    }
}

fn main() {}
