//! Behaviour tests, one binary (each `tests/*.rs` file would be another link on a 2-core CI).
//! Each test names the rule of `shared/spec/python-semantics.md` it covers, as `rule NN`.

mod support;

mod async_gen;
mod close;
mod coro;
mod differential;
mod errors;
mod examples;
mod generator;
mod iterator;
mod macros;
mod misuse;
mod pep479;
mod send;
mod states;
mod throw;
mod tour;
mod yield_from;
