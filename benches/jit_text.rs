//! The text task (all five TSVs of `../shared/data/texts`, or seeded texts without them): word
//! 1-grams (10,000 terms) + char 2-5-grams (50,000 terms) TF-IDF into logistic regression.
//! Batch throughput and one-document latency of the eager operators (the interpreter runs them
//! node by node) and of the compiled pipeline, side by side in one run.
//!
//! ```text
//! cargo bench --bench jit_text -- ../shared/data/texts
//! ```
//!
//! Columns: the interpreter (the eager operators node by node: two CSR matrices, their stack,
//! then the model), the compiled pipeline (one fused loop: per document the text kernel scans,
//! looks up, counts, weights and feeds the model's score, no intermediate), and a hand-fused Rust
//! loop written for this one pipeline (the practical limit).

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

/// The hand-fused loop: the same model written by hand for this pipeline (word 1-grams and char
/// 2-5-grams, TF-IDF with L2 norm, logistic regression), as fast as we can make it: ASCII text
/// scanned in place, every n-gram of at most 7 bytes packed into a u64 key compared whole, one
/// open-addressing table per vocabulary, and the model folded into the counting: each occurrence
/// adds `w_j * idf_j` to the block's dot product and `(2c + 1) * idf_j^2` to its squared norm
/// (`c` the term's count so far), so no second pass over the row's terms is needed.
mod hand {
    use willump::runtime::ops::text::{TermAnalyzer, TfidfVectorizer};

    const K0: u64 = 0x9E37_79B9_7F4A_7C15;
    const K1: u64 = 0xD6E8_FEB8_6659_FD93;

    #[inline(always)]
    fn mix(key: u64) -> u64 {
        let p = ((key ^ K0) as u128).wrapping_mul(K1 as u128);
        (p as u64) ^ ((p >> 64) as u64)
    }

    #[inline(always)]
    fn pack(b: &[u8]) -> u64 {
        let mut w = [0u8; 8];
        w[..b.len()].copy_from_slice(b);
        u64::from_le_bytes(w) | (b.len() as u64) << 56
    }

    /// Short terms only (longer vocabulary terms go to a fallback map).
    struct Table {
        keys: Vec<u64>,
        cols: Vec<u32>,
        mask: usize,
        long: std::collections::HashMap<Vec<u8>, u32>,
    }

    impl Table {
        fn new(v: &TfidfVectorizer) -> Table {
            let size = (2 * v.vocabulary().len()).next_power_of_two();
            let mut t =
                Table { keys: vec![u64::MAX; size], cols: vec![0; size], mask: size - 1, long: Default::default() };
            for (col, term) in v.vocabulary().terms().enumerate() {
                if term.len() > 7 {
                    t.long.insert(term.as_bytes().to_vec(), col as u32);
                    continue;
                }
                let key = pack(term.as_bytes());
                let mut i = mix(key) as usize & t.mask;
                while t.keys[i] != u64::MAX {
                    i = (i + 1) & t.mask;
                }
                t.keys[i] = key;
                t.cols[i] = col as u32;
            }
            t
        }

        #[inline(always)]
        fn get(&self, key: u64) -> Option<u32> {
            let mut i = mix(key) as usize & self.mask;
            loop {
                let k = self.keys[i];
                if k == key {
                    return Some(self.cols[i]);
                }
                if k == u64::MAX {
                    return None;
                }
                i = (i + 1) & self.mask;
            }
        }
    }

    /// One vocabulary block: its table, `w_j * idf_j` and `idf_j^2` per column.
    struct Block {
        table: Table,
        wi: Vec<f64>,
        idf2: Vec<f64>,
        counts: Vec<u32>,
        touched: Vec<u32>,
        analyzer: TermAnalyzer,
    }

    impl Block {
        fn new(v: &TfidfVectorizer, w: &[f64]) -> Block {
            let idf = v.idf().expect("idf");
            Block {
                table: Table::new(v),
                wi: w.iter().zip(idf).map(|(a, b)| a * b).collect(),
                idf2: idf.iter().map(|x| x * x).collect(),
                counts: vec![0; idf.len()],
                touched: Vec::new(),
                analyzer: TermAnalyzer::new(&v.params().count.analysis).expect("params"),
            }
        }

        #[inline(always)]
        fn hit(&mut self, col: u32, dot: &mut f64, sq: &mut f64) {
            let c = &mut self.counts[col as usize];
            if *c == 0 {
                self.touched.push(col);
            }
            *dot += self.wi[col as usize];
            *sq += (2 * *c + 1) as f64 * self.idf2[col as usize];
            *c += 1;
        }

        #[inline(always)]
        fn term(&mut self, t: &[u8], dot: &mut f64, sq: &mut f64) {
            let col = if t.len() <= 7 { self.table.get(pack(t)) } else { self.table.long.get(t).copied() };
            if let Some(col) = col {
                self.hit(col, dot, sq);
            }
        }

        fn finish(&mut self, dot: f64, sq: f64) -> f64 {
            for &c in &self.touched {
                self.counts[c as usize] = 0;
            }
            self.touched.clear();
            if sq > 0.0 { dot / sq.sqrt() } else { 0.0 }
        }
    }

    /// The hand-fused scorer.
    pub struct Fused {
        word: Block,
        chars: Block,
        b: f64,
        wbuf: Vec<u8>,
        cbuf: Vec<u8>,
    }

    impl Fused {
        pub fn new(word: &TfidfVectorizer, chars: &TfidfVectorizer, w: &[f64], b: f64) -> Fused {
            let nw = word.vocabulary().len();
            Fused {
                word: Block::new(word, &w[..nw]),
                chars: Block::new(chars, &w[nw..]),
                b,
                wbuf: Vec::new(),
                cbuf: Vec::new(),
            }
        }

        /// P(class 1) of one document.
        #[inline]
        pub fn score(&mut self, doc: &str) -> f64 {
            let (mut wd, mut ws, mut cd, mut cs) = (0.0, 0.0, 0.0, 0.0);
            if doc.is_ascii() {
                let b = doc.as_bytes();
                // word 1-grams: runs of [0-9A-Za-z_] of two or more bytes, lowercased
                let mut buf = std::mem::take(&mut self.wbuf);
                buf.clear();
                buf.extend(b.iter().map(u8::to_ascii_lowercase));
                let mut i = 0;
                while i < buf.len() {
                    if !(buf[i].is_ascii_alphanumeric() || buf[i] == b'_') {
                        i += 1;
                        continue;
                    }
                    let s = i;
                    while i < buf.len() && (buf[i].is_ascii_alphanumeric() || buf[i] == b'_') {
                        i += 1;
                    }
                    if i - s >= 2 {
                        self.word.term(&buf[s..i], &mut wd, &mut ws);
                    }
                }
                // char 2-5-grams after collapsing whitespace runs
                self.wbuf = buf;
                let mut c = std::mem::take(&mut self.cbuf);
                c.clear();
                let sp = |x: u8| matches!(x, 0x09..=0x0D | 0x1C..=0x20);
                let mut i = 0;
                while i < b.len() {
                    if sp(b[i]) {
                        let s = i;
                        while i < b.len() && sp(b[i]) {
                            i += 1;
                        }
                        c.push(if i - s >= 2 { b' ' } else { b[s] });
                    } else {
                        c.push(b[i].to_ascii_lowercase());
                        i += 1;
                    }
                }
                let len = c.len();
                c.extend_from_slice(&[0; 8]);
                for n in 2..=5usize.min(len) {
                    let mask = (1u64 << (8 * n)) - 1;
                    for i in 0..=len - n {
                        let w = u64::from_le_bytes(c[i..i + 8].try_into().unwrap());
                        if let Some(col) = self.chars.table.get(w & mask | (n as u64) << 56) {
                            self.chars.hit(col, &mut cd, &mut cs);
                        }
                    }
                }
                self.cbuf = c;
            } else {
                let mut a = std::mem::replace(&mut self.word.analyzer, TermAnalyzer::new(&Default::default()).unwrap());
                let terms = a.analyze(doc);
                for k in 0..terms.len() {
                    self.word.term(terms.get(k).as_bytes(), &mut wd, &mut ws);
                }
                self.word.analyzer = a;
                let mut a =
                    std::mem::replace(&mut self.chars.analyzer, TermAnalyzer::new(&Default::default()).unwrap());
                let terms = a.analyze(doc);
                for k in 0..terms.len() {
                    self.chars.term(terms.get(k).as_bytes(), &mut cd, &mut cs);
                }
                self.chars.analyzer = a;
            }
            let s = self.b + self.word.finish(wd, ws) + self.chars.finish(cd, cs);
            willump::runtime::models::sigmoid(s)
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
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
    let mut fused = hand::Fused::new(&word, &chars, &weights.row(0).to_vec(), intercepts[0]);
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
    let time = |f: &dyn Fn()| {
        f();
        median(
            (0..5)
                .map(|_| {
                    let t = Instant::now();
                    f();
                    t.elapsed().as_secs_f64()
                })
                .collect(),
        )
    };
    let interp = time(&|| {
        p.run(&inputs).unwrap();
    });
    let comp = time(&|| {
        compiled.predict_threads(&inputs, 1).unwrap();
    });
    let comp2 = time(&|| {
        compiled.predict_threads(&inputs, 2).unwrap();
    });
    let Value::Dense(want) = p.run(&inputs).unwrap() else { unreachable!("proba") };
    let max_diff = texts.iter().enumerate().map(|(i, d)| (fused.score(d) - want[[i, 1]]).abs()).fold(0.0, f64::max);
    let hand_t = median(
        (0..5)
            .map(|_| {
                let t = Instant::now();
                let mut acc = 0.0;
                for d in &texts {
                    acc += fused.score(d);
                }
                std::hint::black_box(acc);
                t.elapsed().as_secs_f64()
            })
            .collect(),
    );
    let mut hand_lat = Vec::new();
    for (i, d) in texts.iter().enumerate().take(3000) {
        let t = Instant::now();
        std::hint::black_box(fused.score(d));
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
    println!("{:<40} {:>10.0} docs/s", "interpreter (eager ops, node by node)", n as f64 / interp);
    println!(
        "{:<40} {:>10.0} docs/s; one doc p50 {:.1} us; max |p - interpreter| {max_diff:.1e}",
        "hand-fused Rust loop",
        n as f64 / hand_t,
        hand_lat[hand_lat.len() / 2]
    );
    println!(
        "{:<40} {:>10.0} docs/s ({:.2}x interpreter, {:.2}x hand-fused)",
        "compiled, 1 thread",
        n as f64 / comp,
        interp / comp,
        hand_t / comp
    );
    println!("{:<40} {:>10.0} docs/s ({:.2}x one thread)", "compiled, 2 threads", n as f64 / comp2, comp / comp2);
    println!(
        "compiled one document per call: p50 {:.1} us, p99 {:.1} us; compile {compile_ms:.1} ms\n{}",
        lat[lat.len() / 2],
        lat[lat.len() * 99 / 100],
        compiled.report()
    );
}
