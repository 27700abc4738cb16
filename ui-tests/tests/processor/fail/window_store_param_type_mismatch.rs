use kstreams::processor;
use kstreams::serde::I64;
use kstreams::state::WindowStore;

// The store holds `i64` counts; the parameter asks for `String` values.
#[processor(stores(clicks = Window<String, I64>(size = "1m", retention = "1h")))]
fn count(user: &String, at: i64, clicks: &mut dyn WindowStore<String, String>) -> kstreams::Result<i64> {
    let _ = (user, clicks);
    Ok(at)
}

fn main() {}
