//! Progress of long steps on stderr: a live line with the elapsed time when stderr is a
//! terminal, plain start and end lines otherwise (logs, CI).

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Runs `f` as a named step, showing its progress; returns its result.
pub fn step<R>(name: &str, f: impl FnOnce() -> R) -> R {
    let live = std::io::stderr().is_terminal();
    let start = Instant::now();
    let ticker = if live { Some(Ticker::start(name.to_string(), start)) } else { None };
    if !live {
        eprintln!("{name} ...");
    }
    let r = f();
    if let Some(t) = ticker {
        t.stop();
    }
    let secs = start.elapsed().as_secs_f64();
    if live {
        eprintln!("\r\x1b[2K  done  {name} ({secs:.1} s)");
    } else {
        eprintln!("{name}: done in {secs:.1} s");
    }
    r
}

/// A thread redrawing the step's line every 100 ms.
struct Ticker {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<()>,
}

impl Ticker {
    fn start(name: String, start: Instant) -> Ticker {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            const SPIN: [char; 4] = ['|', '/', '-', '\\'];
            let mut i = 0;
            while !flag.load(Ordering::Relaxed) {
                let mut e = std::io::stderr().lock();
                let _ = write!(e, "\r\x1b[2K  {}  {name} ({:.1} s)", SPIN[i % 4], start.elapsed().as_secs_f64());
                let _ = e.flush();
                drop(e);
                i += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        Ticker { stop, handle }
    }

    fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.handle.join();
    }
}
