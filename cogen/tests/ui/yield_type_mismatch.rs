// The body yields a type other than the one it declares.
cogen::gen_fn! {
    fn numbers() -> yield u32, send bool, return u32 {
        let ok: bool = yield 1;
        yield "two";
        let wrong: String = yield 3;
        0
    }
}

fn main() {}
