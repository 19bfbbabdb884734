//! A seeded generator of short labelled texts shaped like the real text task (short SMS
//! messages that are spam or not, and short reviews and posts that are negative or not), for the
//! `text` and `stacked` workloads when no real data is given.
//!
//! What makes it realistic enough to benchmark on, and hard enough to score on: texts of about
//! 15 to 120 characters drawn from Zipf-distributed filler and topic words; class words that
//! appear in both classes at different rates (so no single word decides); negations that put a
//! positive word in a negative text; misspellings (dropped, doubled and swapped letters), casing,
//! punctuation, numbers, URLs, emoji and non-ASCII words; and a few percent of flipped labels.
//! Label 1 means spam or negative, as in the real task.

use willump::runtime::rng::Rng;

const FILLER: &[&str] = &[
    "the", "i", "to", "a", "and", "it", "you", "is", "of", "this", "my", "in", "that", "for", "so", "was", "on",
    "just", "me", "but", "with", "have", "be", "at", "really", "all", "are", "what", "we", "one", "they", "like",
    "get", "very", "about", "there", "now", "some", "from", "can", "when", "out", "will", "more", "much", "got",
    "would", "still", "even", "too", "then", "here", "again", "also", "could", "only", "way", "he", "she", "their",
    "been", "had", "back", "going", "think", "know", "how", "first", "after", "over", "make", "see", "day",
];

const TOPIC: &[&str] = &[
    "movie",
    "film",
    "phone",
    "battery",
    "story",
    "plot",
    "acting",
    "book",
    "service",
    "food",
    "price",
    "product",
    "time",
    "week",
    "people",
    "work",
    "game",
    "show",
    "music",
    "camera",
    "screen",
    "quality",
    "hotel",
    "staff",
    "ending",
    "characters",
    "director",
    "sound",
    "app",
    "update",
    "weather",
    "city",
    "news",
    "team",
    "season",
    "order",
    "delivery",
    "size",
    "coffee",
    "weekend",
    "school",
    "friends",
    "family",
    "car",
    "trip",
    "night",
    "morning",
    "episode",
    "song",
    "album",
    "restaurant",
    "room",
    "shipping",
    "case",
    "charger",
    "headphones",
];

const POSITIVE: &[&str] = &[
    "great",
    "love",
    "loved",
    "amazing",
    "excellent",
    "fun",
    "happy",
    "best",
    "wonderful",
    "good",
    "nice",
    "enjoyed",
    "perfect",
    "beautiful",
    "awesome",
    "recommend",
    "brilliant",
    "fantastic",
    "favorite",
    "delightful",
    "superb",
    "charming",
    "solid",
    "smooth",
    "glad",
    "thanks",
    "lovely",
    "impressive",
    "masterpiece",
    "hilarious",
    "sweet",
    "gorgeous",
    "worth",
    "satisfied",
    "works",
    "pleased",
    "cool",
    "yay",
    "blessed",
    "fresh",
];

const NEGATIVE: &[&str] = &[
    "bad",
    "terrible",
    "awful",
    "boring",
    "hate",
    "worst",
    "disappointing",
    "disappointed",
    "poor",
    "waste",
    "broken",
    "sad",
    "angry",
    "annoying",
    "horrible",
    "ugly",
    "slow",
    "failed",
    "useless",
    "stupid",
    "dull",
    "mess",
    "sucks",
    "refund",
    "cheap",
    "flimsy",
    "unfortunately",
    "problem",
    "lame",
    "tired",
    "sick",
    "pathetic",
    "mediocre",
    "overpriced",
    "weak",
    "fake",
    "rude",
    "wrong",
    "painful",
    "never",
];

const HAM: &[&str] = &[
    "ok", "lol", "home", "later", "tonight", "dinner", "mum", "sorry", "haha", "u", "ur", "wat", "gonna", "lar",
    "pick", "meet", "tmr", "yeah", "sure", "class", "bus", "sleep", "love", "miss", "dad", "lunch", "hey", "im", "den",
    "nite", "wan", "go", "come", "leave", "soon", "ya", "bring", "shopping", "okay", "thk",
];

const SPAM: &[&str] = &[
    "free",
    "win",
    "won",
    "prize",
    "claim",
    "urgent",
    "cash",
    "call",
    "txt",
    "reply",
    "stop",
    "offer",
    "award",
    "guaranteed",
    "selected",
    "mobile",
    "ringtone",
    "subscription",
    "voucher",
    "bonus",
    "entry",
    "draw",
    "customer",
    "click",
    "limited",
    "exclusive",
    "congratulations",
    "winner",
    "rate",
    "apply",
    "unsubscribe",
    "tone",
    "landline",
    "holiday",
    "nokia",
    "camera",
    "pobox",
    "weekly",
    "delivery",
    "code",
];

const NEGATIONS: &[&str] = &["not", "never", "don't", "didn't", "isn't", "wasn't", "no"];

const EMOJI_POS: &[&str] = &["😀", "😍", "👍", "🎉", "❤️", "😊", "🙌"];
const EMOJI_NEG: &[&str] = &["😞", "😡", "👎", "💔", "😢", "🙄", "😤"];
const EMOJI_ANY: &[&str] = &["😂", "🙏", "🤔", "😅", "🔥"];

const NON_ASCII: &[&str] = &[
    "café",
    "naïve",
    "über",
    "señor",
    "déjà",
    "ΣΥΓΧΑΡΗΤΗΡΙΑ",
    "привет",
    "日本",
    "façade",
    "jalapeño",
    "résumé",
    "Zoë",
    "Ångström",
    "straße",
    "niño",
    "crème",
];

/// Zipf-like sampling over a list: item `r` has weight `1 / (r + 2)`.
struct Zipf {
    cum: Vec<f64>,
}

impl Zipf {
    fn new(n: usize) -> Self {
        let mut cum = Vec::with_capacity(n);
        let mut s = 0.0;
        for r in 0..n {
            s += 1.0 / (r as f64 + 2.0);
            cum.push(s);
        }
        Zipf { cum }
    }

    fn sample(&self, rng: &mut Rng) -> usize {
        let u = rng.next_f64() * self.cum[self.cum.len() - 1];
        self.cum.partition_point(|&c| c <= u).min(self.cum.len() - 1)
    }
}

fn pick<'a>(rng: &mut Rng, list: &[&'a str]) -> &'a str {
    list[rng.below(list.len() as u64) as usize]
}

/// A misspelling: a letter dropped, doubled, or two letters swapped (ASCII words of at least
/// `min_len` bytes only; other words are returned as they are).
pub(crate) fn misspell(rng: &mut Rng, w: &str, min_len: usize) -> String {
    let b = w.as_bytes();
    if b.len() < min_len.max(3) || !w.is_ascii() {
        return w.to_string();
    }
    let i = 1 + rng.below(b.len() as u64 - 2) as usize;
    let mut out = b.to_vec();
    match rng.below(3) {
        0 => {
            out.remove(i);
        }
        1 => out.insert(i, b[i]),
        _ => out.swap(i, i - 1),
    }
    String::from_utf8(out).unwrap_or_else(|_| w.to_string())
}

/// The generator's state: Zipf samplers for each list.
struct Gen {
    rng: Rng,
    filler: Zipf,
    topic: Zipf,
    lex: Zipf,
}

impl Gen {
    fn word(&mut self, signal: &[&'static str], confuser: &[&'static str], p_signal: f64, p_confuse: f64) -> String {
        let u = self.rng.next_f64();
        let w: &str = if u < p_signal {
            signal[self.lex.sample(&mut self.rng) % signal.len()]
        } else if u < p_signal + p_confuse {
            confuser[self.lex.sample(&mut self.rng) % confuser.len()]
        } else if u < p_signal + p_confuse + 0.22 {
            TOPIC[self.topic.sample(&mut self.rng)]
        } else if u < p_signal + p_confuse + 0.225 {
            pick(&mut self.rng, NON_ASCII)
        } else {
            FILLER[self.filler.sample(&mut self.rng)]
        };
        if self.rng.next_f64() < 0.04 { misspell(&mut self.rng, w, 3) } else { w.to_string() }
    }

    /// One SMS message; `spam` chooses its class.
    fn sms(&mut self, spam: bool) -> String {
        let n = 4 + self.rng.below(if spam { 18 } else { 14 }) as usize;
        let mut words: Vec<String> = Vec::with_capacity(n + 4);
        for _ in 0..n {
            let w = if spam { self.word(SPAM, HAM, 0.22, 0.05) } else { self.word(HAM, SPAM, 0.2, 0.03) };
            let w = if spam && self.rng.next_f64() < 0.12 { w.to_uppercase() } else { w };
            words.push(w);
        }
        if spam {
            // Numbers, prices and links: common in spam, not unique to it.
            match self.rng.below(4) {
                0 => words.push(format!("0{}", 8_000_000_000u64 + self.rng.below(999_999_999))),
                1 => words.push(format!("£{}", [100, 250, 500, 1000, 2000][self.rng.below(5) as usize])),
                2 => words.push(format!("www.{}.co.uk", pick(&mut self.rng, &["txt4u", "mobwin", "prizes", "ringz"]))),
                _ => words.push(format!("{}", 80_000 + self.rng.below(9_999))),
            }
        } else if self.rng.next_f64() < 0.15 {
            words.push(format!("{}", 1 + self.rng.below(12)));
            words.push(pick(&mut self.rng, &["pm", "am", "mins", "hrs"]).to_string());
        }
        let mut s = words.join(" ");
        if self.rng.next_f64() < if spam { 0.5 } else { 0.15 } {
            s.push('!');
        } else if self.rng.next_f64() < 0.3 {
            s.push_str(if spam { "." } else { "..." });
        }
        s
    }

    /// One review or post; `negative` chooses its class.
    fn review(&mut self, negative: bool) -> String {
        let n = 5 + self.rng.below(20) as usize;
        let mut words: Vec<String> = Vec::with_capacity(n + 3);
        let (signal, confuser) = if negative { (NEGATIVE, POSITIVE) } else { (POSITIVE, NEGATIVE) };
        for _ in 0..n {
            // A negated opposite word ("not good") carries the class too.
            if self.rng.next_f64() < if negative { 0.05 } else { 0.015 } {
                words.push(pick(&mut self.rng, NEGATIONS).to_string());
                words.push(confuser[self.lex.sample(&mut self.rng) % confuser.len()].to_string());
                continue;
            }
            words.push(self.word(signal, confuser, 0.16, 0.04));
        }
        if let Some(first) = words.first_mut() {
            let mut c = first.chars();
            if let Some(f) = c.next() {
                *first = f.to_uppercase().chain(c).collect();
            }
        }
        let mut s = words.join(" ");
        let end = self.rng.next_f64();
        if end < 0.25 {
            s.push(if negative { '.' } else { '!' });
        } else if end < 0.35 {
            s.push_str("!!");
        } else if end < 0.45 {
            s.push('?');
        } else if end < 0.6 {
            s.push('.');
        }
        if self.rng.next_f64() < 0.18 {
            let e = if self.rng.next_f64() < 0.75 {
                pick(&mut self.rng, if negative { EMOJI_NEG } else { EMOJI_POS })
            } else {
                pick(&mut self.rng, EMOJI_ANY)
            };
            s.push(' ');
            s.push_str(e);
        }
        if self.rng.next_f64() < 0.05 {
            s.push_str(&format!(" http://t.co/{:x}", self.rng.next_u64() >> 24));
        }
        s
    }
}

/// `rows` labelled texts (label 1: spam or negative; about 28% of rows), reproducible from `seed`.
pub fn generate(seed: u64, rows: usize) -> (Vec<String>, Vec<f64>) {
    let mut g = Gen {
        rng: Rng::new(seed ^ 0x7E47_7E47),
        filler: Zipf::new(FILLER.len()),
        topic: Zipf::new(TOPIC.len()),
        lex: Zipf::new(POSITIVE.len().max(NEGATIVE.len()).max(SPAM.len()).max(HAM.len())),
    };
    let mut texts = Vec::with_capacity(rows);
    let mut labels = Vec::with_capacity(rows);
    for _ in 0..rows {
        let (text, label) = if g.rng.next_f64() < 0.2 {
            let spam = g.rng.next_f64() < 0.14;
            (g.sms(spam), spam)
        } else {
            let negative = g.rng.next_f64() < 0.31;
            (g.review(negative), negative)
        };
        // A few labels disagree with the text, as human labels do.
        let flip = g.rng.next_f64() < 0.03;
        texts.push(text);
        labels.push(if label != flip { 1.0 } else { 0.0 });
    }
    (texts, labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_short_texts_of_both_classes() {
        let (t, y) = generate(3, 2000);
        assert_eq!(t.len(), 2000);
        assert_eq!(generate(3, 2000).0, t, "same seed, same texts");
        let pos = y.iter().filter(|&&v| v == 1.0).count() as f64 / 2000.0;
        assert!((0.2..0.36).contains(&pos), "class-1 share {pos}");
        let mean_len = t.iter().map(|s| s.chars().count()).sum::<usize>() as f64 / 2000.0;
        assert!((40.0..140.0).contains(&mean_len), "mean length {mean_len}");
        assert!(t.iter().any(|s| !s.is_ascii()), "non-ASCII text present");
        assert!(t.iter().all(|s| !s.contains(['\t', '\n'])));
    }
}
