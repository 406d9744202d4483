//! Behaviour tests, one binary (each `tests/*.rs` file would be another link on a 2-core CI).
//! Each test names the rule of `shared/spec/python-semantics.md` it covers, as `rule NN`.

mod support;

mod close;
mod errors;
mod generator;
mod iterator;
mod misuse;
mod send;
mod states;
mod throw;
mod tour;
mod yield_from;
