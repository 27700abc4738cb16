use kstreams::processor::{ProcessorContext, Record};
use kstreams::serde::{Window, Windowed, I64};
use kstreams::state::{SessionStore, WindowStore};
use kstreams::{processor, topology, StreamsBuilder, Topic};

const IN: Topic<String, I64, 1> = Topic::new("in");
const OUT: Topic<String, I64, 1> = Topic::new("out");

/// Counts per minute window of the event time in the value.
#[processor(stores(per_minute = Window<String, I64>(size = "1m", retention = "1h", retain_duplicates = false)))]
fn per_minute(user: &String, at: i64, per_minute: &mut dyn WindowStore<String, i64>) -> kstreams::Result<i64> {
    let start = at - at % 60_000;
    let n = per_minute.fetch(user, start)?.unwrap_or(0) + 1;
    per_minute.put(user, &n, start)?;
    Ok(n)
}

/// Keeps one session per user and event time.
#[processor(stores(visits = Session<String, I64>(retention = "1h")))]
fn visit(user: &String, at: i64, visits: &mut dyn SessionStore<String, i64>) -> kstreams::Result<i64> {
    visits.put(&Windowed::new(user.clone(), Window::new(at, at)), &1)?;
    Ok(visits.fetch(user)?.len() as i64)
}

/// The same stores through an impl's accessors.
#[derive(Default)]
struct Both;

#[processor(stores(w = Window<String, I64>(size = "30s", retention = "30s"), s = Session<String, I64>(retention = "2m")))]
impl Both {
    fn process(&mut self, r: Record<String, i64>, ctx: &mut ProcessorContext<'_, String, i64>) -> kstreams::Result<()> {
        let w = Self::w_store(ctx)?;
        w.put(&r.key, &r.value, 0)?;
        let s = Self::s_store(ctx)?;
        let n = s.find_sessions(&r.key, 0, r.timestamp)?.len() as i64;
        ctx.forward(r.with_value(n))
    }
}

#[topology]
fn pipeline(b: &mut StreamsBuilder) {
    b.stream(IN).via(per_minute).via(visit).via(Both::default).to(OUT);
}

fn main() {
    // The ui-tests build kstreams without RocksDB: a persistent store is
    // refused by name at build time; with it, every store is wired.
    match pipeline() {
        Ok(topology) => {
            let described = topology.describe().to_string();
            assert!(described.contains("(stores: [per_minute])"), "{described}");
            assert!(described.contains("(stores: [visits])"), "{described}");
            assert!(described.contains("(stores: [w, s])"), "{described}");
        }
        Err(e) => assert!(e.to_string().contains("persistent (RocksDB) store"), "{e}"),
    }
}
