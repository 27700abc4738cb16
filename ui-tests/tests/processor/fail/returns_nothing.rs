use kstreams::processor;

#[processor]
fn log(line: &String) {
    println!("{line}");
}

fn main() {}
