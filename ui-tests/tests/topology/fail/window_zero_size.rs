use kstreams::dsl::TimeWindows;

const TUMBLING: TimeWindows = TimeWindows::tumbling::<0>();

fn main() {
    let _ = TUMBLING;
}
