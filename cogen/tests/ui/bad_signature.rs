// A generator function must say what it yields.
cogen::gen_fn! {
    fn numbers() -> u32 {
        yield 1;
    }
}

cogen::gen_fn! {
    async fn later() -> yield u32 {
        yield 1;
    }
}

fn main() {}
