//! The text task (all five TSVs of `../shared/data/texts`, or seeded texts without them): word
//! 1-grams (10,000 terms) + char 2-5-grams (50,000 terms) TF-IDF into logistic regression.
//! Batch throughput and one-document latency of the eager operators (the interpreter runs them
//! node by node) and of the compiled pipeline, side by side in one run.
//!
//! ```text
//! cargo bench --bench jit_text -- ../shared/data/texts       # JIT_TEXT_ROUNDS=11 by default
//! ```
//!
//! The hand-fused scorer and the compiled pipeline on one and on two threads run interleaved,
//! round by round: each variant's median round (wall and on-CPU), its fastest round, and the
//! ratios paired by round (on a shared machine a slow period then slows all three alike, where
//! separate blocks of runs compared one period with another).
//!
//! Columns: the interpreter (the eager operators node by node: two CSR matrices, their stack,
//! then the model), the compiled pipeline (one fused loop: per document the text kernel scans,
//! looks up, counts, weights and feeds the model's score, no intermediate), and the hand-fused
//! scorer (`willump_workloads::fused::LinearTextScorer`, the practical limit; the same one the
//! workloads harness's `hand_fused` row runs).

use std::sync::Arc;
use std::time::Instant;

use willump::Pipeline;
use willump::ir::params::text::{Analyzer, AnalyzerParams, NgramRange, TfidfVectorizerParams};
use willump::ir::{Graph, ModelOutput, Op, StateDecl, Type};
use willump::jit::{Cell, CompileOptions, compile};
use willump::runtime::models::{LogisticRegressionSpec, Model};
use willump::runtime::ops::text::TfidfVectorizer;
use willump::runtime::state::BoundState;
use willump::runtime::value::{Matrix, MatrixRef, StringColumn, Value};
use willump_workloads::fused::{LinearTextScorer, TextBlock};

fn load(dir: Option<&std::path::Path>) -> (Vec<String>, Vec<f64>) {
    let mut texts = Vec::new();
    let mut labels = Vec::new();
    if let Some(dir) = dir {
        for f in [
            "sms_spam.tsv",
            "sentiment_tweets.tsv",
            "sentiment_movies.tsv",
            "sentiment_amazon.tsv",
            "sentiment_nyt.tsv",
        ] {
            let Ok(s) = std::fs::read_to_string(dir.join(f)) else { continue };
            for line in s.lines().skip(1) {
                let cols: Vec<&str> = line.split('\t').collect();
                if let (Some(l), Some(t)) = (cols.first(), cols.last()) {
                    labels.push(if l.trim() == "1" { 1.0 } else { 0.0 });
                    texts.push(t.to_string());
                }
            }
        }
    }
    if texts.is_empty() {
        let words = ["free", "call", "now", "winner", "good", "bad", "movie", "plot", "é", "😀", "great", "awful"];
        for i in 0..20_000usize {
            let t: Vec<&str> = (0..(8 + i % 17)).map(|j| words[(i * 7 + j * 13 + j * j) % words.len()]).collect();
            labels.push(((i * 7) % 5 < 2) as u8 as f64);
            texts.push(t.join(" "));
        }
    }
    (texts, labels)
}

fn tfidf(analyzer: Analyzer, r: (usize, usize), max_features: usize, docs: &StringColumn) -> TfidfVectorizer {
    let mut p = TfidfVectorizerParams::default();
    p.count.analysis = AnalyzerParams { analyzer, ngram_range: NgramRange::new(r.0, r.1), lowercase: true };
    p.count.max_features = Some(max_features);
    TfidfVectorizer::fit(&p, docs).unwrap()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// This thread's time on a CPU so far, in seconds (Linux's `/proc/thread-self/schedstat`; `None`
/// elsewhere): on a shared machine, time spent waiting for a core is not the code's.
fn on_cpu() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(s.split_whitespace().next()?.parse::<f64>().ok()? * 1e-9)
}

/// Median wall and on-CPU seconds of 5 runs of `f` (after one warm-up run).
fn time(f: &mut dyn FnMut()) -> (f64, f64) {
    f();
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let (w, c) = once(f);
        wall.push(w);
        cpu.push(c);
    }
    (median(wall), median(cpu))
}

/// Wall and on-CPU seconds of one run of `f`.
fn once(f: &mut dyn FnMut()) -> (f64, f64) {
    let (t, c) = (Instant::now(), on_cpu());
    f();
    (t.elapsed().as_secs_f64(), on_cpu().zip(c).map_or(f64::NAN, |(b, a)| b - a))
}

/// Each variant's wall and on-CPU seconds per round; the variants of a round ran back to back.
struct Rounds {
    wall: Vec<Vec<f64>>,
    cpu: Vec<Vec<f64>>,
}

impl Rounds {
    /// `rounds` rounds of every variant in turn (after one warm-up run of each).
    fn run(rounds: usize, variants: &mut [&mut dyn FnMut()]) -> Rounds {
        variants.iter_mut().for_each(|f| f());
        let mut r = Rounds { wall: vec![Vec::new(); variants.len()], cpu: vec![Vec::new(); variants.len()] };
        for _ in 0..rounds {
            for (k, f) in variants.iter_mut().enumerate() {
                let (w, c) = once(*f);
                r.wall[k].push(w);
                r.cpu[k].push(c);
            }
        }
        r
    }

    /// Median wall, median on-CPU and fastest wall seconds of variant `k`.
    fn stats(&self, k: usize) -> (f64, f64, f64) {
        let best = self.wall[k].iter().copied().fold(f64::INFINITY, f64::min);
        (median(self.wall[k].clone()), median(self.cpu[k].clone()), best)
    }

    /// The median over rounds of variant `a`'s wall time over variant `b`'s (how many times
    /// faster `b` ran than `a` in the same round).
    fn ratio(&self, a: usize, b: usize) -> f64 {
        median(self.wall[a].iter().zip(&self.wall[b]).map(|(x, y)| x / y).collect())
    }
}

fn main() {
    let dir = std::env::args().skip(1).find(|a| !a.starts_with('-')).map(std::path::PathBuf::from);
    let (texts, labels) = load(dir.as_deref());
    let docs = StringColumn::from_strs(&texts);
    let n = texts.len();
    let t = Instant::now();
    let word = tfidf(Analyzer::Word, (1, 1), 10_000, &docs);
    let chars = tfidf(Analyzer::Char, (2, 5), 50_000, &docs);
    let x = match willump::runtime::api::stack_matrices(&[
        MatrixRef::Sparse(&word.transform(&docs).unwrap()),
        MatrixRef::Sparse(&chars.transform(&docs).unwrap()),
    ])
    .unwrap()
    {
        Matrix::Sparse(s) => s,
        Matrix::Dense(_) => unreachable!("sparse blocks stack to a sparse matrix"),
    };
    let lr = LogisticRegressionSpec::default().fit(MatrixRef::Sparse(&x), &labels).unwrap();
    let willump::runtime::models::ModelStructure::Linear { weights, intercepts, .. } = lr.structure() else {
        unreachable!("a linear model")
    };
    // the canonical hand-fused text scorer (also the workloads harness's `hand_fused` row)
    let w = weights.row(0).to_vec();
    let nw = word.vocabulary().len();
    let blocks = vec![TextBlock::tfidf(&word, &w[..nw]).unwrap(), TextBlock::tfidf(&chars, &w[nw..]).unwrap()];
    let fused = LinearTextScorer::new(false, blocks, intercepts[0]).unwrap();
    let mut scratch = fused.scratch();
    let lr: Arc<dyn Model> = Arc::new(lr);
    println!("jit_text: {n} documents, fitted in {:.1} s", t.elapsed().as_secs_f64());

    let mut g = Graph::new("text");
    let text = g.add_input("text", Type::STR).unwrap();
    let mut states = Vec::new();
    let mut state = |g: &mut Graph, s: BoundState, name: &str| {
        let id = g.add_state(StateDecl { name: name.into(), kind: s.kind(), fingerprint: s.fingerprint() });
        states.push(s);
        id
    };
    let ws = state(&mut g, BoundState::Tfidf(Arc::new(word)), "word");
    let cs = state(&mut g, BoundState::Tfidf(Arc::new(chars)), "chars");
    let ms = state(&mut g, BoundState::Model(lr), "lr");
    let w = g.add(Op::Vectorize { state: ws }, vec![text], Some("word".into())).unwrap();
    let c = g.add(Op::Vectorize { state: cs }, vec![text], Some("chars".into())).unwrap();
    let x = g.add(Op::Stack, vec![w, c], Some("x".into())).unwrap();
    let out = g.add(Op::Model { state: ms, output: ModelOutput::Proba }, vec![x], Some("p".into())).unwrap();
    g.set_output(out).unwrap();
    let p = Pipeline::new(g, states).unwrap();
    let inputs = [Value::from(docs.clone())];

    let t = Instant::now();
    let compiled = compile(&p, &CompileOptions { verify: false, ..CompileOptions::default() }).unwrap();
    let compile_ms = t.elapsed().as_secs_f64() * 1e3;
    let (interp, interp_cpu) = time(&mut || {
        p.run(&inputs).unwrap();
    });
    let Value::Dense(want) = p.run(&inputs).unwrap() else { unreachable!("proba") };
    let max_diff = texts
        .iter()
        .enumerate()
        .map(|(i, d)| (fused.predict_one(Some(d), &mut scratch) - want[[i, 1]]).abs())
        .fold(0.0, f64::max);
    // hand-fused, compiled on one thread and on two, interleaved round by round, so that the
    // load of a shared machine hits all three alike and each round gives paired ratios
    let rounds = std::env::var("JIT_TEXT_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(11);
    let r = Rounds::run(
        rounds,
        &mut [
            &mut || {
                let mut acc = 0.0;
                for d in &texts {
                    acc += fused.predict_one(Some(d), &mut scratch);
                }
                std::hint::black_box(acc);
            },
            &mut || {
                compiled.predict_threads(&inputs, 1).unwrap();
            },
            &mut || {
                compiled.predict_threads(&inputs, 2).unwrap();
            },
        ],
    );
    let ((hand_t, hand_cpu, hand_best), (comp, comp_cpu, comp_best), (comp2, _, comp2_best)) =
        (r.stats(0), r.stats(1), r.stats(2));
    let mut hand_lat = Vec::new();
    for (i, d) in texts.iter().enumerate().take(3000) {
        let t = Instant::now();
        std::hint::black_box(fused.predict_one(Some(d), &mut scratch));
        if i >= 500 {
            hand_lat.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    hand_lat.sort_by(|a, b| a.total_cmp(b));
    let mut out = [0.0; 2];
    let mut lat = Vec::new();
    for (i, d) in texts.iter().enumerate().take(3000) {
        let t = Instant::now();
        compiled.predict_one(&[Cell::Str(Some(d))], &mut out).unwrap();
        if i >= 500 {
            lat.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    lat.sort_by(|a, b| a.total_cmp(b));
    println!(
        "docs/s by wall time, median of {rounds} interleaved rounds [by this thread's on-CPU time]; best: the fastest round"
    );
    println!(
        "{:<40} {:>10.0} docs/s [{:>8.0}]",
        "interpreter (eager ops, node by node)",
        n as f64 / interp,
        n as f64 / interp_cpu
    );
    println!(
        "{:<40} {:>10.0} docs/s [{:>8.0}] ({:.2}x interpreter [{:.2}x]); best {:.0}; one doc p50 {:.1} us; max |p - interpreter| {max_diff:.1e}",
        "hand-fused (LinearTextScorer)",
        n as f64 / hand_t,
        n as f64 / hand_cpu,
        interp / hand_t,
        interp_cpu / hand_cpu,
        n as f64 / hand_best,
        hand_lat[hand_lat.len() / 2]
    );
    println!(
        "{:<40} {:>10.0} docs/s [{:>8.0}] ({:.2}x interpreter, {:.2}x hand-fused [{:.2}x], paired by round {:.2}x); best {:.0}",
        "compiled, 1 thread",
        n as f64 / comp,
        n as f64 / comp_cpu,
        interp / comp,
        hand_t / comp,
        hand_cpu / comp_cpu,
        r.ratio(0, 1),
        n as f64 / comp_best
    );
    println!(
        "{:<40} {:>10.0} docs/s ({:.2}x one thread, paired by round {:.2}x); best {:.0} ({:.2}x the best one-thread round)",
        "compiled, 2 threads",
        n as f64 / comp2,
        comp / comp2,
        r.ratio(1, 2),
        n as f64 / comp2_best,
        comp_best / comp2_best
    );
    println!(
        "compiled one document per call: p50 {:.1} us, p99 {:.1} us; compile {compile_ms:.1} ms\n{}",
        lat[lat.len() / 2],
        lat[lat.len() * 99 / 100],
        compiled.report()
    );
}
