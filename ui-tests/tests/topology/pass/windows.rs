use kstreams::dsl::TimeWindows;

const TUMBLING: TimeWindows = TimeWindows::tumbling::<60_000>();
const HOPPING: TimeWindows = TimeWindows::hopping::<60_000, 10_000>();

fn main() {
    assert_eq!(TUMBLING.size_ms(), HOPPING.size_ms());
}
