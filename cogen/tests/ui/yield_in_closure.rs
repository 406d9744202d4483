// A `yield` inside a closure or an `async` block within a generator body, and an `.await`.
cogen::gen_fn! {
    fn doubled(xs: Vec<u32>) -> yield u32 {
        xs.iter().for_each(|x| yield x * 2);
        let later = async { yield 1 };
        drop(later);
    }
}

// `.await` in a body: a generator is not driven by an executor.
cogen::gen_fn! {
    fn waits() -> yield u32 {
        core::future::ready(1).await;
        yield 1;
    }
}

fn main() {}
