use kstreams::processor;
use kstreams::serde::I64;
use kstreams::state::WindowStore;

// `grace` belongs to the windows of a DSL aggregation, not to a store.
#[processor(stores(clicks = Window<String, I64>(size = "1m", retention = "1h", grace = "10s")))]
fn count(user: &String, at: i64, clicks: &mut dyn WindowStore<String, i64>) -> kstreams::Result<i64> {
    let _ = (user, clicks);
    Ok(at)
}

fn main() {}
