use kstreams::punctuate;

#[punctuate(every = "10s", time = StreamTime)]
fn emit(timestamp: i64) {
    let _ = timestamp;
}

fn main() {}
