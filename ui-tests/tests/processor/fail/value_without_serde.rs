use kstreams::Topic;

pub struct Payment {
    pub cents: i64,
}

const PAYMENTS: Topic<String, Payment, 4> = Topic::new("payments");

fn main() {
    let _ = PAYMENTS;
}
