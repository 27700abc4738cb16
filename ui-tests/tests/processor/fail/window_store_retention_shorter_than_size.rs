use kstreams::processor;
use kstreams::serde::I64;
use kstreams::state::WindowStore;

#[processor(stores(clicks = Window<String, I64>(size = "1h", retention = "10m")))]
fn count(user: &String, at: i64, clicks: &mut dyn WindowStore<String, i64>) -> kstreams::Result<i64> {
    let _ = (user, clicks);
    Ok(at)
}

fn main() {}
