// A `yield` in an ordinary function: rustc's own error, since no cogen macro is involved.
fn not_a_generator() -> u32 {
    yield 1;
    2
}

fn main() {
    cogen::catch!(yield 1);
}
