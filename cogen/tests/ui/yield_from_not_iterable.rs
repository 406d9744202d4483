// `yield from` a value that is neither a generator nor an iterable.
struct Config {
    retries: u32,
}

cogen::gen_fn! {
    fn values(config: Config) -> yield u32 {
        yield config.retries;
        yield from config;
    }
}

fn main() {}
