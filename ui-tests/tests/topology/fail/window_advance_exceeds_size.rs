use kstreams::dsl::TimeWindows;

const HOPPING: TimeWindows = TimeWindows::hopping::<10_000, 60_000>();

fn main() {
    let _ = HOPPING;
}
