//! The seeded generator of product titles (label 1: apparel; 0: electronics and home goods).
//!
//! The generator makes its own vocabularies (brand names, colour words) and a catalogue
//! structure in which, as in real marketplaces:
//! - most titles (90%) name a brand, and most brands (80%) sell one kind of product only, as
//!   in real catalogues where a clothing label sells no chargers (the brand alone then decides
//!   the label); some brands lean one way (10%) or sell both alike (10%), and some titles name
//!   no brand;
//! - most brand names are two common words (`north ridge`, `cedar fox`), each of which is also in
//!   other brands, of either kind; the brand TF-IDF matches the pair (its vocabulary holds word
//!   1- and 2-grams), while character n-grams, taken within words, see only the single words;
//! - colour words lean one way (`burgundy` is mostly apparel, `space gray` mostly electronics)
//!   but many are shared (`black`, `red`);
//! - the product noun (`hoodie`, `charger`) always carries the label, but it is sometimes
//!   misspelled, and some nouns (`case`, `strap`) are shared; sizes and specs (`XL`, `64GB`) help.
//!
//! So the brand and colour groups (cheap: a few word lookups) classify most rows confidently, and
//! the character n-gram group (expensive: every 2-4-gram of the title) is needed for the hard
//! rest: unbranded titles, mixed brands, misspelled nouns. About 2% of labels are flipped.

use willump::runtime::rng::Rng;

use crate::textgen::misspell;

const SYL_A: &[&str] = &[
    "vel", "kor", "nex", "ari", "zen", "lum", "bri", "tor", "sol", "mav", "qui", "den", "ost", "ruv", "pel", "fen",
    "gal", "hor", "jun", "kai", "lio", "mor", "nov", "pra", "riv", "sar", "tal", "ul", "var", "wex", "yor", "zal",
];
const SYL_B: &[&str] =
    &["ora", "ix", "on", "eo", "ant", "ara", "is", "ex", "um", "ella", "ko", "tek", "io", "ano", "ette", "ys"];
/// Common words most brand names are made of, two at a time (`north ridge`, `cedar fox`): each
/// word is in brands of both kinds, so only the pair names the brand.
const BRAND_WORDS: &[&str] = &[
    "north", "ridge", "stone", "river", "peak", "urban", "wild", "harbor", "pine", "summit", "oak", "coast", "bright",
    "true", "little", "great", "lake", "iron", "cedar", "maple", "sun", "moon", "star", "bay", "field", "fox", "bear",
    "wolf", "eagle", "lion", "rock", "sky", "ocean", "forest", "valley", "cliff", "meadow", "birch", "canyon", "arrow",
];

const COLOURS_APPAREL: &[&str] = &[
    "burgundy",
    "navy",
    "olive",
    "beige",
    "charcoal",
    "teal",
    "coral",
    "mustard",
    "maroon",
    "khaki",
    "ivory",
    "lavender",
    "blush",
    "camel",
    "rust",
    "rose gold",
    "forest green",
    "heather grey",
    "dusty pink",
    "cream",
];
const COLOURS_ELECTRONICS: &[&str] = &[
    "space gray",
    "graphite",
    "midnight",
    "gunmetal",
    "matte black",
    "pearl white",
    "chrome",
    "titanium",
    "starlight",
    "carbon",
    "jet black",
    "arctic white",
];
const COLOURS_SHARED: &[&str] =
    &["black", "white", "red", "blue", "green", "grey", "pink", "yellow", "orange", "purple", "gold", "silver"];

const NOUNS_APPAREL: &[&str] = &[
    "t-shirt",
    "hoodie",
    "jeans",
    "sneakers",
    "jacket",
    "dress",
    "scarf",
    "beanie",
    "leggings",
    "blouse",
    "cardigan",
    "sandals",
    "boots",
    "socks",
    "polo shirt",
    "chinos",
    "parka",
    "sweater",
    "skirt",
    "shorts",
    "blazer",
    "trench coat",
    "loafers",
    "tank top",
    "joggers",
    "pajamas",
    "windbreaker",
    "gloves",
    "belt",
    "vest",
];
const NOUNS_ELECTRONICS: &[&str] = &[
    "headphones",
    "charger",
    "speaker",
    "keyboard",
    "mouse",
    "monitor",
    "router",
    "webcam",
    "power bank",
    "usb cable",
    "smartwatch",
    "earbuds",
    "desk lamp",
    "kettle",
    "blender",
    "toaster",
    "tablet",
    "hard drive",
    "microphone",
    "projector",
    "soundbar",
    "thermostat",
    "doorbell",
    "air fryer",
    "vacuum",
    "hdmi adapter",
    "fitness tracker",
    "e-reader",
    "dash cam",
    "coffee maker",
];
const NOUNS_SHARED: &[&str] = &["case", "bag", "band", "strap", "cover", "sleeve", "holder", "organizer", "stand"];

const SIZES: &[&str] = &["XS", "S", "M", "L", "XL", "XXL", "size 8", "size 10", "W32 L30", "one size", "US 9"];
const SPECS: &[&str] =
    &["64GB", "USB-C", "Bluetooth 5.3", "1080p", "20W", "4K", "2-pack", "1TB", "10000mAh", "Wi-Fi 6", "120V"];
const MATERIALS: &[&str] = &["cotton", "wool", "denim", "leather", "linen", "polyester", "aluminum", "silicone"];
const ADJECTIVES: &[&str] = &[
    "premium",
    "classic",
    "new",
    "vintage",
    "slim",
    "pro",
    "ultra",
    "lightweight",
    "waterproof",
    "portable",
    "wireless",
    "stretch",
    "compact",
    "oversized",
    "smart",
    "cozy",
];
const AUDIENCE: &[&str] = &["men", "women", "kids", "office", "travel", "gaming", "home"];

/// The generator's vocabularies and catalogue.
pub struct Catalogue {
    /// Brand names (lowercase), most popular first.
    pub brands: Vec<String>,
    /// Each brand's probability of selling apparel.
    brand_apparel: Vec<f64>,
    brand_cum: Vec<f64>,
}

/// Every colour word (lowercase; some are two words), the colour vocabulary.
pub fn colours() -> Vec<String> {
    COLOURS_APPAREL.iter().chain(COLOURS_ELECTRONICS).chain(COLOURS_SHARED).map(|s| s.to_string()).collect()
}

fn pick<'a>(rng: &mut Rng, list: &[&'a str]) -> &'a str {
    list[rng.below(list.len() as u64) as usize]
}

impl Catalogue {
    /// A catalogue of `n_brands` brands, reproducible from `rng`.
    pub fn new(rng: &mut Rng, n_brands: usize) -> Catalogue {
        let mut brands: Vec<String> = Vec::with_capacity(n_brands);
        let mut brand_apparel = Vec::with_capacity(n_brands);
        while brands.len() < n_brands {
            let kind = rng.next_f64();
            // 80% sell one kind only (a clothing label sells no chargers), 10% lean one way, 10%
            // sell both alike.
            let apparel_side = rng.next_f64() < 0.5;
            let p = if kind < 0.8 {
                if apparel_side { 1.0 } else { 0.0 }
            } else if kind < 0.9 {
                if apparel_side { 0.8 } else { 0.2 }
            } else {
                0.5
            };
            // Most brands are two common words; some are invented words.
            let name = if rng.next_f64() < 0.8 {
                let (a, b) = (pick(rng, BRAND_WORDS), pick(rng, BRAND_WORDS));
                if a == b {
                    continue;
                }
                format!("{a} {b}")
            } else {
                format!("{}{}", pick(rng, SYL_A), pick(rng, SYL_B))
            };
            if brands.contains(&name) {
                continue;
            }
            brands.push(name);
            brand_apparel.push(p);
        }
        let mut brand_cum = Vec::with_capacity(n_brands);
        let mut s = 0.0;
        for r in 0..n_brands {
            s += 1.0 / (r as f64 + 3.0);
            brand_cum.push(s);
        }
        Catalogue { brands, brand_apparel, brand_cum }
    }

    fn brand(&self, rng: &mut Rng) -> usize {
        let u = rng.next_f64() * self.brand_cum[self.brand_cum.len() - 1];
        self.brand_cum.partition_point(|&c| c <= u).min(self.brands.len() - 1)
    }

    /// One title and its label (before label noise).
    fn title(&self, rng: &mut Rng) -> (String, bool) {
        let brand = (rng.next_f64() < 0.9).then(|| self.brand(rng));
        let apparel = match brand {
            Some(b) => rng.next_f64() < self.brand_apparel[b],
            None => rng.next_f64() < 0.5,
        };
        let colour = (rng.next_f64() < 0.7).then(|| {
            let u = rng.next_f64();
            if u < 0.55 {
                pick(rng, if apparel { COLOURS_APPAREL } else { COLOURS_ELECTRONICS })
            } else if u < 0.88 {
                pick(rng, COLOURS_SHARED)
            } else {
                pick(rng, if apparel { COLOURS_ELECTRONICS } else { COLOURS_APPAREL })
            }
        });
        let mut noun = if rng.next_f64() < 0.1 {
            pick(rng, NOUNS_SHARED).to_string()
        } else {
            pick(rng, if apparel { NOUNS_APPAREL } else { NOUNS_ELECTRONICS }).to_string()
        };
        if rng.next_f64() < 0.15 {
            noun = misspell(rng, &noun, 4);
        }
        let extra = if rng.next_f64() < 0.6 {
            Some(if (rng.next_f64() < 0.85) == apparel { pick(rng, SIZES) } else { pick(rng, SPECS) })
        } else {
            None
        };
        let adj = (rng.next_f64() < 0.5).then(|| pick(rng, ADJECTIVES));
        let material = (rng.next_f64() < 0.25).then(|| pick(rng, MATERIALS));
        let brand_name = brand.map(|b| {
            let n = &self.brands[b];
            match rng.below(4) {
                0 => n.to_uppercase(),
                1 => n.clone(),
                _ => title_case(n),
            }
        });
        let mut parts: Vec<String> = Vec::new();
        let push = |parts: &mut Vec<String>, s: Option<&str>| {
            if let Some(s) = s {
                parts.push(s.to_string());
            }
        };
        match rng.below(4) {
            0 => {
                push(&mut parts, brand_name.as_deref());
                push(&mut parts, adj.map(title_case).as_deref());
                push(&mut parts, colour.map(title_case).as_deref());
                push(&mut parts, material);
                parts.push(title_case(&noun));
                push(&mut parts, extra);
            }
            1 => {
                push(&mut parts, brand_name.as_deref());
                parts.push(title_case(&noun));
                if let Some(c) = colour {
                    parts.push(format!("- {}", title_case(c)));
                }
                if let Some(e) = extra {
                    parts.push(format!(", {e}"));
                }
            }
            2 => {
                push(&mut parts, adj.map(title_case).as_deref());
                parts.push(title_case(&noun));
                parts.push(format!("for {}", pick(rng, AUDIENCE)));
                push(&mut parts, colour);
                push(&mut parts, extra);
                if let Some(b) = brand_name {
                    parts.push(format!("| {b}"));
                }
            }
            _ => {
                push(&mut parts, colour.map(title_case).as_deref());
                push(&mut parts, material.map(title_case).as_deref());
                parts.push(noun.clone());
                if let Some(b) = brand_name {
                    parts.push(format!("by {b}"));
                }
                push(&mut parts, extra);
            }
        }
        (parts.join(" "), apparel)
    }
}

fn title_case(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `rows` titles with labels (1 = apparel), the brand vocabulary, reproducible from `seed`.
pub fn generate(seed: u64, rows: usize) -> (Vec<String>, Vec<f64>, Vec<String>) {
    let mut rng = Rng::new(seed ^ 0x9A0D_0C75);
    let catalogue = Catalogue::new(&mut rng, 120);
    let mut titles = Vec::with_capacity(rows);
    let mut labels = Vec::with_capacity(rows);
    for _ in 0..rows {
        let (t, apparel) = catalogue.title(&mut rng);
        let flip = rng.next_f64() < 0.02;
        titles.push(t);
        labels.push(if apparel != flip { 1.0 } else { 0.0 });
    }
    (titles, labels, catalogue.brands)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_brands_and_colours() {
        let (t, y, brands) = generate(5, 3000);
        assert_eq!(t.len(), 3000);
        assert_eq!(brands.len(), 120);
        let share = y.iter().sum::<f64>() / 3000.0;
        assert!((0.4..0.6).contains(&share), "apparel share {share}");
        let lower: Vec<String> = t.iter().map(|s| s.to_lowercase()).collect();
        let branded = lower.iter().filter(|s| brands.iter().any(|b| s.contains(b.as_str()))).count();
        assert!(branded > 2300, "{branded} of 3000 titles name a known brand");
        let coloured = lower.iter().filter(|s| colours().iter().any(|c| s.contains(c.as_str()))).count();
        assert!(coloured > 1800, "{coloured} of 3000 titles name a colour");
        assert_eq!(generate(5, 3000).0, t);
    }
}
