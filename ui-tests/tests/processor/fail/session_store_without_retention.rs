use kstreams::processor;
use kstreams::serde::I64;
use kstreams::state::SessionStore;

#[processor(stores(visits = Session<String, I64>))]
fn visit(user: &String, at: i64, visits: &mut dyn SessionStore<String, i64>) -> kstreams::Result<i64> {
    let _ = (user, visits);
    Ok(at)
}

fn main() {}
