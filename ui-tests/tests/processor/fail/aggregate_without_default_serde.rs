use kstreams::serde::Json;
use kstreams::{StreamsBuilder, Topic};

#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct Payment {
    pub cents: i64,
}

const PAYMENTS: Topic<String, Json<Payment>, 4> = Topic::new("payments");

fn main() {
    let b = StreamsBuilder::new();
    // The reduced value goes to a store: with no serde named, `Payment` needs a default one.
    b.stream(PAYMENTS).group_by_key().reduce(|a, b| Payment { cents: a.cents + b.cents });
}
