// `yield` inside a generator expression (a SyntaxError in Python too).
fn main() {
    let xs = [1, 2, 3];
    let _ = cogen::iter!((yield x) for x in xs);
}
