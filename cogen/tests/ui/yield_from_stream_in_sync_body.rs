// `yield from` a stream in a sync generator: it has no executor to wait for the items.
cogen::gen_fn! {
    fn numbers() -> yield u32 {
        yield from futures::stream::iter([1, 2]);
    }
}

// The same in an async generator is fine, and so is `.await`.
cogen::gen_fn! {
    async fn async_numbers() -> yield u32 {
        yield from futures::stream::iter([1, 2]);
        core::future::ready(()).await;
    }
}

fn main() {}
