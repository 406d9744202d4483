// A `yield` inside another macro's invocation, and a nested fn. The first is also the
// async-stream #106 attack: a user macro that would move the `yield` into an `async` block
// it makes; cogen does not rewrite `yield`s it cannot see as part of the body.
macro_rules! asynk {
    ($e:expr) => {
        async { $e }
    };
}

cogen::gen_fn! {
    fn show() -> yield u32, send String {
        println!("{}", yield 1);
        let _smuggled = asynk!(yield 2);
        fn helper() {
            yield 3;
        }
    }
}

fn main() {}
